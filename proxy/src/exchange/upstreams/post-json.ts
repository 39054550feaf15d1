// One small JSON POST for token endpoints (WeChat's stable_token, Authing's management token): bounded in time and
// size. Its errors never carry the request body, which holds the secret.
import http from 'node:http';
import https from 'node:https';
import { parseJsonOrUndefined } from '../classify';

const MAX_ANSWER_BYTES = 64 * 1024;

export interface JsonAnswer {
  status: number;
  body: unknown;
}

export function postJson(url: URL, body: unknown, timeoutMs: number): Promise<JsonAnswer> {
  const transport = url.protocol === 'https:' ? https : http;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) request.destroy(new Error('token answer too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: parseJsonOrUndefined(Buffer.concat(chunks).toString('utf8')) }));
      response.on('error', () => reject(new Error(`token endpoint ${url.pathname}: connection reset`)));
    });
    // The error handler below adds the endpoint: this message says only what happened.
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The message of a connection error names the host at most (ECONNREFUSED 127.0.0.1:port), never the body.
    request.on('error', (error: NodeJS.ErrnoException) => reject(new Error(`token endpoint ${url.pathname}: ${error.code ?? error.message}`)));
    request.end(payload);
  });
}

/** `base` with `path` appended to its own path (a private deployment's prefix is kept). */
export function endpoint(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  return url;
}
