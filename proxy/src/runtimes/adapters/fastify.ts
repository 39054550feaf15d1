// fastify 5 plugin: registers the exchange route (routePath, under the register() prefix) in the plugin's own
// encapsulated scope (no fastify-plugin: the route belongs to it). fastify parses the JSON body; every outcome,
// its parser's refusals included, is answered in our envelope. Tested with fastify 5; fastify is not a dependency.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWKS_PATH, type ProxyOptions } from '../../config';
import { BODY_LIMIT_BYTES } from '../../guards/request-body';
import { createEmbedded, type Embedded, type FrameworkBody } from './embedded';

/** The parts of fastify's request and reply the plugin uses. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
  body?: unknown;
}
export interface FastifyReplyLike {
  raw: ServerResponse;
  code(statusCode: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload?: string): FastifyReplyLike;
}
interface RouteLike {
  method: string;
  url: string;
  bodyLimit: number;
  handler(request: FastifyRequestLike, reply: FastifyReplyLike): Promise<FastifyReplyLike>;
  errorHandler(error: Error & { code?: string }, request: FastifyRequestLike, reply: FastifyReplyLike): Promise<FastifyReplyLike>;
}
/** The parts of a fastify instance the plugin uses (a `FastifyInstance` is one). */
export interface FastifyInstanceLike {
  route(options: RouteLike): unknown;
  addHook(name: 'onClose' | 'preClose', hook: () => Promise<void>): unknown;
}

/** fastify's body parser errors, as the app's body reads (fastify/lib/errors.js). */
const PARSER_FAILURES: Readonly<Record<string, FrameworkBody>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { failed: 'too-large' },
  FST_ERR_CTP_INVALID_JSON_BODY: { failed: 'not-json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { failed: 'not-json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { failed: 'not-json' },
  // No parser for the type: the body is unread, the app refuses the type (415) before reading it.
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { value: undefined },
};

async function answer(
  embedded: Embedded,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  body: FrameworkBody,
  path = embedded.app.config.routePath,
): Promise<FastifyReplyLike> {
  const response = await embedded.respond(request.raw, reply.raw, embedded.request(request.raw, path, body, request));
  return reply
    .code(response.status)
    .headers(response.headers)
    .send(response.body ?? undefined);
}

/** What fastify adds to a plugin's options from register(plugin, opts): fastify's, not ours (an unknown key of ours is an error). */
const FASTIFY_REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];

function registerRoutes(fastify: FastifyInstanceLike, options: ProxyOptions): void {
  const ours = Object.fromEntries(Object.entries(options).filter(([key]) => !FASTIFY_REGISTER_OPTIONS.includes(key))) as unknown as ProxyOptions;
  const embedded = createEmbedded(ours);
  const methods = embedded.serves('OPTIONS', embedded.app.config.routePath) ? ['POST', 'OPTIONS'] : ['POST'];
  for (const method of methods) {
    fastify.route({
      method,
      url: embedded.app.config.routePath,
      // fastify stops reading past this (413), as the other runtimes do.
      bodyLimit: BODY_LIMIT_BYTES,
      handler: (request, reply) => answer(embedded, request, reply, { value: request.body }),
      errorHandler: (error, request, reply) => {
        const body = error.code === undefined ? undefined : PARSER_FAILURES[error.code];
        // Not the body's (e.g. a host's hook refused the request): fastify's own error handling answers.
        if (body === undefined) throw error;
        return answer(embedded, request, reply, body);
      },
    });
  }
  // With signing on, the public keys app backends verify against (GET; fastify adds HEAD), under the same prefix.
  if (embedded.serves('GET', JWKS_PATH)) {
    fastify.route({
      method: 'GET',
      url: JWKS_PATH,
      bodyLimit: BODY_LIMIT_BYTES,
      handler: (request, reply) => answer(embedded, request, reply, { value: undefined }, JWKS_PATH),
      errorHandler: (error) => {
        throw error;
      },
    });
  }
  // fastify closes its server before the onClose hooks: answers in flight must end their keep-alive connection.
  fastify.addHook('preClose', () => Promise.resolve(embedded.drain()));
  fastify.addHook('onClose', () => embedded.close());
}

/** fastify waits for the promise of a two-argument plugin: a ConfigError thrown while registering rejects it. */
const plugin = (fastify: FastifyInstanceLike, options: ProxyOptions): Promise<void> =>
  new Promise((resolve) => resolve(registerRoutes(fastify, options)));

/** Register with `fastify.register(phoneExchangePlugin, options)`; close() of fastify lets exchanges in flight finish. */
export const phoneExchangePlugin = Object.assign(plugin, {
  // fastify checks its version against this, as for plugins wrapped by fastify-plugin (which we do not need).
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: 'miniprogram-phone-proxy' },
});
