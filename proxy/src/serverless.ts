// Framework-free entry points for serverless HTTP functions. Both dispatch through the same fastify app,
// built once per function instance, so every protection of the server applies unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp, BODY_LIMIT_BYTES } from './app';
import { resolveOptions, type ProxyOptions } from './config';
import { errors, failureBody } from './errors';

/** Statuses whose Response must not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** Hop-by-hop headers a Web Response must not copy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Validates options now (throws ConfigError) and starts building the app in the background. */
function prepare(options: ProxyOptions): { current(): FastifyInstance | undefined; ready: Promise<FastifyInstance> } {
  resolveOptions(options);
  let app: FastifyInstance | undefined;
  const ready = buildApp(options).then((built) => (app = built));
  ready.catch(() => undefined); // reported to each request instead
  return { current: () => app, ready };
}

const startupFailure = (): string => JSON.stringify(failureBody({ definition: errors.INTERNAL_ERROR }, 'startup'));

/**
 * A Node `(req, res)` handler (Tencent SCF web functions, WeChat Cloud HTTP access, any http.Server).
 * `req` must be the unread request stream: a platform that already parsed the body is not supported.
 */
export function createNodeHandler(options: ProxyOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const built = prepare(options);
  return (req, res) => {
    const app = built.current();
    if (app) return app.routing(req, res);
    built.ready.then(
      (ready) => ready.routing(req, res),
      () => {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(startupFailure());
      },
    );
  };
}

/** Extra facts some runtimes know about the caller (Web Request objects carry no client address). */
export interface FetchHandlerInfo {
  remoteAddress?: string;
}

/**
 * A Web `Request -> Response` handler (fetch-style runtimes). Without `info.remoteAddress` (or trustProxy with
 * X-Forwarded-For) every caller shares one rate-limit bucket.
 */
export function createFetchHandler(options: ProxyOptions): (request: Request, info?: FetchHandlerInfo) => Promise<Response> {
  const built = prepare(options);
  return async (request, info) => {
    let app: FastifyInstance;
    try {
      app = built.current() ?? (await built.ready);
    } catch {
      return new Response(startupFailure(), {
        status: 500,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (name !== 'content-length' && !HOP_BY_HOP.has(name)) headers[name] = value;
    });
    const answer = await app.inject({
      method: request.method as 'POST',
      url: url.pathname + url.search,
      headers,
      payload: request.body ? await readBounded(request.body, BODY_LIMIT_BYTES + 1) : undefined,
      remoteAddress: info?.remoteAddress,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(item));
    }
    return new Response(NULL_BODY_STATUSES.has(answer.statusCode) ? null : new Uint8Array(answer.rawPayload), {
      status: answer.statusCode,
      headers: responseHeaders,
    });
  };
}

/** Reads at most `limit` bytes: enough for the app to answer 413 to anything larger, without buffering it all. */
async function readBounded(body: ReadableStream<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks, Math.min(size, limit));
}
