/**
 * A tiny "app backend" for the demo: what the app's own server does with a phone assertion (docs/en/trust/assertions.md,
 * "The login flow"). node:http only; the check is `verifyPhoneAssertion` from the BUILT miniprogram-phone-proxy/verify.
 *
 *   POST /session                          -> 200 { sessionId, nonce }   the page passes nonce to <phone-button nonce>
 *   POST /login { sessionId, assertion }   -> 200 { phone (masked), claims } once the assertion verified over the
 *                                             proxy's JWKS with this session's nonce; 401 { error, reason } otherwise
 *
 * A session's nonce is used once: any login attempt ends the session, so a replayed assertion finds none.
 * Alone: `npx tsx scripts/app-backend.ts [--jwks-url URL] [--audience AUD] [--port 8788]` beside `npm run dev`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type * as Verify from '../proxy/src/verify';
import { assertBuilt } from '../test/e2e/harness/built';

export interface AppBackendOptions {
  /** The proxy's https://.../.well-known/jwks.json. */
  jwksUrl: string;
  /** What the proxy's ASSERTION_AUDIENCE says: this backend. */
  audience: string;
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** How long an unused session (and its nonce) lives; default 10 minutes. */
  sessionTtlMs?: number;
}

export interface AppBackend {
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT = 16 * 1024;

/** 13812348000 -> 138****8000: enough to show which number, as the proxy logs it. */
export const maskPhone = (pure: string): string => `${pure.slice(0, 3)}****${pure.slice(-4)}`;

export async function startAppBackend(options: AppBackendOptions): Promise<AppBackend> {
  // The built package, as an app backend installs it; the sources only type it.
  assertBuilt(path.resolve(__dirname, '../proxy/dist/verify/index.js'), 'npm run build:proxy');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const { verifyPhoneAssertion, PhoneAssertionError, JwksUnavailableError } = require('miniprogram-phone-proxy/verify') as typeof Verify;
  const sessionTtlMs = options.sessionTtlMs ?? 600_000;
  const sessions = new Map<string, { nonce: string; expiresAt: number }>();

  const login = async (body: Record<string, unknown>): Promise<[number, unknown]> => {
    const { sessionId, assertion } = body;
    if (typeof sessionId !== 'string' || typeof assertion !== 'string')
      return [400, { error: 'BAD_REQUEST', message: 'sessionId and assertion are required' }];
    const session = sessions.get(sessionId);
    sessions.delete(sessionId); // one attempt per nonce
    if (!session || session.expiresAt < Date.now()) return [401, { error: 'NO_SESSION', message: 'unknown or expired session: start again' }];
    try {
      const claims = await verifyPhoneAssertion(assertion, { jwksUrl: options.jwksUrl, audience: options.audience, nonce: session.nonce });
      // A real backend now finds or creates the user by claims.phone_number and starts its own session.
      return [200, { phone: maskPhone(claims.pure_phone_number), claims }];
    } catch (error) {
      if (error instanceof PhoneAssertionError) return [401, { error: 'ASSERTION_REJECTED', reason: error.reason }];
      // The JWKS could not be fetched: the assertion may be fine, the page may try again.
      if (error instanceof JwksUnavailableError) return [503, { error: 'KEYS_UNAVAILABLE', message: 'cannot reach the phone proxy' }];
      throw error; // a TypeError: this backend's own options are wrong
    }
  };

  const route = async (request: IncomingMessage): Promise<[number, unknown]> => {
    if (request.method !== 'POST') return [404, { error: 'NOT_FOUND' }];
    if (request.url === '/session') {
      const sessionId = randomUUID();
      const nonce = randomBytes(18).toString('base64url'); // 24 printable ASCII characters
      sessions.set(sessionId, { nonce, expiresAt: Date.now() + sessionTtlMs });
      return [200, { sessionId, nonce }];
    }
    if (request.url === '/login') {
      const body = await readJson(request);
      return body ? login(body) : [400, { error: 'BAD_REQUEST', message: 'a JSON object is expected' }];
    }
    return [404, { error: 'NOT_FOUND' }];
  };

  const server = createServer((request, response) => {
    route(request).then(
      ([status, body]) => send(response, status, body),
      () => send(response, 500, { error: 'INTERNAL_ERROR' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

// Run directly (not imported by the demo or a test).
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === __filename) {
  const { values } = parseArgs({ options: { 'jwks-url': { type: 'string' }, audience: { type: 'string' }, port: { type: 'string' } } });
  startAppBackend({
    jwksUrl: values['jwks-url'] ?? 'http://127.0.0.1:8787/.well-known/jwks.json',
    audience: values.audience ?? 'demo-app-backend', // what `miniprogram-phone-proxy dev` signs for
    port: Number(values.port ?? 8788),
  }).then(
    (backend) => console.log(`app backend: ${backend.url} (POST /session, POST /login)`),
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
