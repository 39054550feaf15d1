import http from 'http';
import type { AddressInfo } from 'net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the stand-in proxy answers: a status and a body (objects are sent as JSON, strings as they are). */
export interface Reply {
  status: number;
  body: unknown;
}

export interface LoopbackProxy {
  /** The endpoint URL, e.g. http://127.0.0.1:54321/phone */
  url: string;
  requests: ReceivedRequest[];
  /** Answers every request the responder held. */
  release(reply: Reply): void;
  close(): Promise<void>;
}

export type Responder = (request: ReceivedRequest) => Reply | 'hold' | 'hang';

/**
 * A real HTTP server on 127.0.0.1, port 0, standing in for the proxy. The responder answers each request,
 * or holds it until `release(reply)` (to observe the in-flight state), or never answers ('hang', for timeouts).
 */
export async function startLoopbackProxy(responder: Responder): Promise<LoopbackProxy> {
  const requests: ReceivedRequest[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      const reply = responder(received);
      if (reply === 'hold') held.push(res);
      else if (reply !== 'hang') send(res, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/phone`,
    requests,
    release(reply: Reply) {
      held.splice(0).forEach((res) => send(res, reply));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, { status, body }: Reply): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }).end(text);
}

/** A URL where nothing listens: the port was just freed. */
export async function closedEndpoint(): Promise<string> {
  const proxy = await startLoopbackProxy(() => 'hang');
  await proxy.close();
  return proxy.url;
}

export function successBody(data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    statusCode: 200,
    message: 'ok',
    requestId: 'req-1',
    data: { phoneNumber: '+8613800138000', purePhoneNumber: '13800138000', countryCode: '86', ...data },
  };
}
