// The app behind a Web `Request -> Response` handler, for fetch-style runtimes.
import type { IncomingHttpHeaders } from 'node:http';
import { createApp } from '../app';
import type { ProxyOptions } from '../config';
import { BODY_ABORTED, BODY_TOO_LARGE, type AppRequest, type AppResponse, type BodyRead } from '../contract/http-messages';

/** A Web `Request -> Response` handler; `close()` lets requests in flight finish, then closes the upstream connections. */
export interface FetchHandler {
  (request: Request, info?: FetchHandlerInfo): Promise<Response>;
  close(): Promise<void>;
}

/** Extra facts some runtimes know about the caller (Web Request objects carry no client address). */
export interface FetchHandlerInfo {
  remoteAddress?: string;
}

/** Without an address from the runtime, the peer is the runtime's own front end, on this machine. */
const RUNTIME_PEER = '127.0.0.1';
/** Headers about the connection, which a Web Response must not carry. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/**
 * Reads at most `limit` bytes: past it the answer is 413, without buffering the rest. The whole body must arrive
 * within `deadlineMs` (the Node server's request deadline, REQUEST_TIMEOUT_MS): a body that stalls or never ends is
 * answered as one the client stopped sending, and the request no longer holds close().
 */
async function readBody(body: ReadableStream<Uint8Array>, limit: number, deadlineMs: number): Promise<BodyRead> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    // Already read (or being read) by someone else: nothing more will come, as with the Node handler.
    return BODY_ABORTED;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<BodyRead>((resolve) => (timer = setTimeout(resolve, deadlineMs, BODY_ABORTED)));
  const readAll = async (): Promise<BodyRead> => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks, size) };
      size += value.byteLength;
      if (size > limit) return BODY_TOO_LARGE;
      chunks.push(value);
    }
  };
  try {
    return await Promise.race([readAll(), deadline]);
  } catch {
    return BODY_ABORTED;
  } finally {
    clearTimeout(timer);
    // Not awaited: a source that never ends may never settle its cancel either.
    reader.cancel().catch(() => undefined);
  }
}

function toAppRequest(request: Request, info: FetchHandlerInfo | undefined, bodyDeadlineMs: number): AppRequest {
  const headers: IncomingHttpHeaders = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const { body } = request;
  return {
    method: request.method,
    path: new URL(request.url).pathname,
    headers,
    remoteAddress: info?.remoteAddress ?? RUNTIME_PEER,
    hasBody: body !== null,
    readBody: (limit) => (body ? readBody(body, limit, bodyDeadlineMs) : Promise.resolve({ bytes: Buffer.alloc(0) })),
    native: request,
  };
}

function toResponse({ status, headers, body }: AppResponse, method: string): Response {
  const kept = Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name));
  return new Response(method === 'HEAD' ? null : body, { status, headers: kept });
}

/**
 * Validates the options (throws ConfigError) and returns the handler. A body must arrive within requestTimeoutMs, as
 * with the Node server, so close() resolves within that time even when a body never ends. Without `info.remoteAddress` (or trustProxy
 * with X-Forwarded-For) every caller shares one rate-limit bucket: the first such request logs a warning.
 */
export function createFetchHandler(options: ProxyOptions): FetchHandler {
  const app = createApp(options);
  const { rateLimit, trustProxy, requestTimeoutMs } = app.config;
  let sharedBucketWarningDue = rateLimit !== false && trustProxy === false;
  const handler = async (request: Request, info?: FetchHandlerInfo): Promise<Response> => {
    if (sharedBucketWarningDue && info?.remoteAddress === undefined) {
      sharedBucketWarningDue = false;
      app.logger?.warn('fetch handler called without info.remoteAddress and TRUST_PROXY is off: every caller shares one rate-limit bucket');
    }
    const release = app.hold();
    try {
      return toResponse(await app.respond(toAppRequest(request, info, requestTimeoutMs)), request.method);
    } finally {
      release();
    }
  };
  return Object.assign(handler, { close: () => app.close() });
}
