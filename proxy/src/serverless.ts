// Framework-free entry points for serverless HTTP functions. Both dispatch through the same fastify app,
// built once per function instance, so every protection of the server applies unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp, BODY_LIMIT_BYTES } from './app';
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from './config';
import { errors, failureBody } from './errors';
import { createLogger } from './logging';

/** Statuses whose Response must not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** Hop-by-hop headers a Web Response must not copy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** A Node `(req, res)` handler; `close()` lets requests in flight finish, then closes the upstream connections. */
export interface NodeHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** A Web `Request -> Response` handler; `close()` lets requests in flight finish, then closes the upstream connections. */
export interface FetchHandler {
  (request: Request, info?: FetchHandlerInfo): Promise<Response>;
  close(): Promise<void>;
}

/**
 * What both handlers share: the app, built once in the background after the options were validated (a bad
 * configuration throws ConfigError at creation), and the requests in flight, so that close() can wait for them:
 * requests reach the app through `routing`/`inject`, which fastify's own close() does not wait for.
 */
class HandlerCore {
  readonly ready: Promise<FastifyInstance>;
  private app: FastifyInstance | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(options: ProxyOptions) {
    const config = resolveOptions(options);
    this.ready = buildApp(options).then((built) => (this.app = built));
    // Every request is answered 500 from now on: say why, once, where the logs go.
    this.ready.catch((error: unknown) => reportStartupFailure(config, error));
  }

  current(): FastifyInstance | undefined {
    return this.app;
  }

  /** Counts `work` as in flight until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => {
      this.inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Requests arriving meanwhile are tracked too: wait until none is left.
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      const app = await this.ready.catch(() => undefined);
      await app?.close();
    })();
    return this.closing;
  }
}

function reportStartupFailure(config: ResolvedOptions, error: unknown): void {
  const message = 'miniprogram-phone-proxy failed to start: every request is answered 500 INTERNAL_ERROR';
  const logger = createLogger(config.logger);
  if (logger) logger.fatal({ err: error }, message);
  else console.error(message, error);
}

const startupFailure = (): string => JSON.stringify(failureBody({ definition: errors.INTERNAL_ERROR }, 'startup'));
const STARTUP_FAILURE_HEADERS = Object.freeze({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });

/**
 * A Node `(req, res)` handler (Tencent SCF web functions, WeChat Cloud HTTP access, any http.Server).
 * `req` must be the unread request stream: a platform that already parsed the body is not supported.
 */
export function createNodeHandler(options: ProxyOptions): NodeHandler {
  const core = new HandlerCore(options);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void core.track(new Promise((resolve) => res.once('close', resolve)));
    const app = core.current();
    if (app) return app.routing(req, res);
    core.ready.then(
      (ready) => ready.routing(req, res),
      () => {
        res.writeHead(500, STARTUP_FAILURE_HEADERS);
        res.end(startupFailure());
      },
    );
  };
  return Object.assign(handler, { close: () => core.close() });
}

/** Extra facts some runtimes know about the caller (Web Request objects carry no client address). */
export interface FetchHandlerInfo {
  remoteAddress?: string;
}

/**
 * A Web `Request -> Response` handler (fetch-style runtimes). Without `info.remoteAddress` (or trustProxy with
 * X-Forwarded-For) every caller shares one rate-limit bucket.
 */
export function createFetchHandler(options: ProxyOptions): FetchHandler {
  const core = new HandlerCore(options);
  const handler = (request: Request, info?: FetchHandlerInfo): Promise<Response> => core.track(handleFetch(core, request, info));
  return Object.assign(handler, { close: () => core.close() });
}

async function handleFetch(core: HandlerCore, request: Request, info: FetchHandlerInfo | undefined): Promise<Response> {
  let app: FastifyInstance;
  try {
    app = core.current() ?? (await core.ready);
  } catch {
    return new Response(startupFailure(), { status: 500, headers: STARTUP_FAILURE_HEADERS });
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
