// Koa 3 middleware: the proxy inside the app's own Koa server. Works whether or not a body parser
// (@koa/bodyparser, koa-bodyparser) already read the body. Tested with Koa 3 and @koa/router; koa is not a dependency.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyOptions } from '../../config';
import { createEmbedded } from './embedded';

/** The parts of Koa's context the middleware uses (a Koa `Context` is one). */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  request: { body?: unknown };
  status: number;
  body: unknown;
  set(headers: Record<string, string>): void;
  /** Set by @koa/router when one of its routes matched. */
  _matchedRoute?: unknown;
}

export interface KoaMiddleware {
  (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void>;
  /** Lets exchanges in flight finish, then closes the connections to Authing. Later exchanges fail (503). */
  close(): Promise<void>;
}

/** Validates the options (throws ConfigError). Requests that are not the proxy's go to `next()`. */
export function createKoaMiddleware(options: ProxyOptions): KoaMiddleware {
  const embedded = createEmbedded(options);
  const { routePath } = embedded.app.config;
  const middleware = async (ctx: KoaContextLike, next: () => Promise<unknown>): Promise<void> => {
    // A route of @koa/router that matched is the exchange; otherwise the proxy's own routes at ctx.path.
    const path = ctx._matchedRoute === undefined ? ctx.path : routePath;
    if (!embedded.serves(ctx.method, path)) {
      await next();
      return;
    }
    const response = await embedded.respond(ctx.req, ctx.res, embedded.request(ctx.req, path, { value: ctx.request.body }, ctx));
    ctx.status = response.status;
    ctx.set(response.headers);
    if (response.body !== null) ctx.body = response.body;
  };
  return Object.assign(middleware, { close: () => embedded.close() });
}
