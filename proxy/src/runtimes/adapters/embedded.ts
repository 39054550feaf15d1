// What the framework adapters share: the app (one exchange; the proxy's own routes), which requests are the proxy's,
// and a request the framework already routed and may have parsed, seen as an AppRequest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createApp, type App } from '../../app';
import { JWKS_PATH, RESERVED_PATHS, type ProxyOptions } from '../../config';
import { BODY_ABORTED, BODY_TOO_LARGE, type AppRequest, type AppResponse, type BodyRead } from '../../contract/http-messages';
import { holdUntilDone, readBody, toAppRequest } from '../node-handler';

/** What the framework did with the body: kept `value` (undefined when it read nothing), or its parser refused it. */
export type FrameworkBody = { readonly value: unknown } | { readonly failed: 'too-large' | 'not-json' };

export interface Embedded {
  readonly app: App;
  /** Whether the proxy answers `method` on the proxy path `path` (the exchange route, /healthz, /metrics). */
  serves(method: string, path: string): boolean;
  /** The request as the app sees it, at the proxy path `path`. */
  request(req: IncomingMessage, path: string, body: FrameworkBody, native: unknown): AppRequest;
  /** Answers, holding the request for close() until `res` is done; the answer ends its connection when it must. */
  respond(req: IncomingMessage, res: ServerResponse, request: AppRequest): Promise<AppResponse>;
  /** Whether drain() or close() was called: answers then end their connection, so the host's server can close. */
  closing(): boolean;
  drain(): void;
  close(): Promise<void>;
}

/** A body the framework left unread is read like the Node handler's; one it read is taken as it kept it. */
function bodyReader(req: IncomingMessage, body: FrameworkBody): (limit: number) => Promise<BodyRead> {
  return async (limit) => {
    if ('failed' in body) return { failed: body.failed };
    if (!req.readableEnded) return readBody(req, limit);
    // The framework read it: its declared length tells the size (a chunked body's size is not known any more).
    if (Number(req.headers['content-length']) > limit) return BODY_TOO_LARGE;
    const { value } = body;
    if (value === undefined) return BODY_ABORTED; // read by something that kept nothing
    // A raw or text parser (express.raw(), express.text()) kept the bytes: they are parsed here as JSON.
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const bytes = Buffer.from(value);
      return bytes.length > limit ? BODY_TOO_LARGE : { bytes };
    }
    return { parsed: value };
  };
}

/** Validates the options (throws ConfigError) and wires the app. */
export function createEmbedded(options: ProxyOptions): Embedded {
  const app = createApp(options);
  const { routePath, corsOrigins } = app.config;
  let closing = false;
  return {
    app,
    serves(method, path) {
      if (path === routePath) return method === 'POST' || (method === 'OPTIONS' && corsOrigins.length > 0);
      // The key set only when signing is on: otherwise the host's own route (or 404) answers it.
      if (path === JWKS_PATH && app.config.assertion === undefined) return false;
      return (method === 'GET' || method === 'HEAD') && RESERVED_PATHS.includes(path);
    },
    request: (req, path, body, native) => ({ ...toAppRequest(req), path, readBody: bodyReader(req, body), native }),
    async respond(req, res, request) {
      holdUntilDone(app, req, res);
      const response = await app.respond(request);
      // A body nobody read (refused early) is not drained: the connection ends with the answer.
      if (!req.complete || closing) response.headers.connection = 'close';
      return response;
    },
    closing: () => closing,
    drain() {
      closing = true;
    },
    close() {
      closing = true;
      return app.close();
    },
  };
}
