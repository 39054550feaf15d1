// Target 1, the floor: the least a proxy can do. node:http, keep-alive agent, no validation, no logs;
// it only adds what Authing needs (connection identifier, app id header) and pipes the answer back.
import http from 'node:http';
import { AUTHING_PHONE_PATH, EXT_IDP_CONNIDENTIFIER, answerLiveHeap, authingHeaders, baseUrl, serve, upstreamUrl } from './common';

const target = new URL(AUTHING_PHONE_PATH, upstreamUrl());
const agent = new http.Agent({ keepAlive: true });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let code: unknown;
    try {
      code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: unknown }).code;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const body = JSON.stringify({ code, extIdpConnidentifier: EXT_IDP_CONNIDENTIFIER });
    const upstream = http.request(target, { method: 'POST', agent, headers: authingHeaders(body) }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  });
});

answerLiveHeap(); // the memory phase forces the same full GC here as in the proxy

server.listen(0, '127.0.0.1', () => {
  serve(baseUrl(server), async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    agent.destroy();
  });
});
