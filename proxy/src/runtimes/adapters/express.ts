// Express 5 middleware: the proxy inside the app's own Express server. Works whether or not express.json() (or
// express.raw()/express.text()) already read the body. Tested with Express 5; express is not a dependency.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyOptions } from '../../config';
import { serveNode } from '../node-handler';
import { createEmbedded } from './embedded';

/** The parts of Express's request the middleware reads (an Express `Request` is one). */
export interface ExpressRequestLike extends IncomingMessage {
  body?: unknown;
  /** Set when the middleware runs as a route handler (`app.post(path, mw)`). */
  route?: unknown;
  /** The mount path (`app.use(path, mw)`); '' at the root. */
  baseUrl?: string;
  /** The path below the mount path. */
  path?: string;
}

export interface ExpressMiddleware {
  (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Lets exchanges in flight finish, then closes the connections to Authing. Later exchanges fail (503). */
  close(): Promise<void>;
}

/**
 * The proxy path a request maps to: a route of the host's that matched is the exchange; mounted under a path,
 * exactly that path is; mounted at the root, the proxy's own routes (routePath, /healthz, /metrics).
 */
function proxyPath(req: ExpressRequestLike, routePath: string): string | undefined {
  if (req.route !== undefined) return routePath;
  if (req.baseUrl) return req.path === '/' ? routePath : undefined;
  return req.path;
}

/** Validates the options (throws ConfigError). Requests that are not the proxy's go to `next()`. */
export function createExpressMiddleware(options: ProxyOptions): ExpressMiddleware {
  const embedded = createEmbedded(options);
  const { app } = embedded;
  const middleware = (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void): void => {
    const method = req.method ?? 'GET';
    const path = proxyPath(req, app.config.routePath);
    if (path === undefined || !embedded.serves(method, path)) {
      next();
      return;
    }
    serveNode(app, req, res, embedded.request(req, path, { value: req.body }, req), () => embedded.closing());
  };
  return Object.assign(middleware, { close: () => embedded.close() });
}
