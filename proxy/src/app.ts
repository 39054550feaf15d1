// Assembles the fastify app from validated options: hooks common to every answer, the error envelope,
// CORS, the rate limit, the exchange route, /healthz and /metrics.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastify, { LogController, type FastifyInstance } from 'fastify';
import { AuthingClient } from './authing-client';
import { createCallerCheck } from './caller-check';
import type { ExchangeOutcome } from './classify';
import { resolveOptions, type ProxyOptions } from './config';
import { Dedupe } from './dedupe';
import { errorHandler, sendFailure } from './error-handler';
import { errors, ProxyError } from './errors';
import { exchangeRoute } from './exchange-route';
import { createLogger } from './logging';
import { createMetrics } from './metrics';
import { requestTimeoutOptions, ShutdownRequestDeadline } from './request-deadline';

/** A phone code request is ~100 bytes; 4 KiB leaves room for extra fields and refuses anything bigger (413). */
export const BODY_LIMIT_BYTES = 4096;

const NOT_FOUND = Object.freeze({ definition: errors.NOT_FOUND });

/** Builds the app, ready but not listening. Throws ConfigError on invalid options. */
export async function buildApp(options: ProxyOptions): Promise<FastifyInstance> {
  const config = resolveOptions(options);
  const logger = createLogger(config.logger);
  const app: FastifyInstance = fastify({
    loggerInstance: logger,
    // One summary line per exchange (exchange-route.ts) instead of fastify's two lines per request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    // Our own ids: a client-chosen id would let callers forge log correlation.
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: config.requestTimeoutMs,
    http: requestTimeoutOptions(config.requestTimeoutMs),
    // fastify accepts a hop count at runtime (proxy-addr); its types only list the other forms.
    trustProxy: config.trustProxy as boolean | string,
  });

  // JSON only: fastify's text/plain parser would hand us strings (415 is the answer for those).
  app.removeContentTypeParser('text/plain');
  app.decorateReply('exchangeRecord', null);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-request-id', request.id);
    done();
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    sendFailure(reply, NOT_FOUND);
  });

  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ['POST'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  if (config.rateLimit) {
    await app.register(rateLimit, {
      global: false, // only the exchange route: health checks and scrapes are not limited
      errorResponseBuilder: (_request, context) =>
        new ProxyError({ definition: errors.RATE_LIMITED, retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
    });
  }

  const client = new AuthingClient({ ...config.authing, timeoutMs: config.upstreamTimeoutMs });
  const dedupe = new Dedupe<ExchangeOutcome>(config.dedupe);
  const metrics = createMetrics();
  // server.close() ends idle keep-alive sockets only once, when it starts: answers sent during shutdown close
  // their connection, and clients still sending a request are cut at the request deadline.
  const shutdownDeadline = new ShutdownRequestDeadline(app.server, config.requestTimeoutMs);
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    shutdownDeadline.start();
    done();
  });
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (closing) reply.header('connection', 'close');
    done();
  });
  // Runs after the server stopped and in-flight requests finished.
  app.addHook('onClose', async () => {
    shutdownDeadline.stop();
    await client.close();
    dedupe.clear();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  await app.register(exchangeRoute, {
    routePath: config.routePath,
    client,
    dedupe,
    metrics,
    callerCheck: createCallerCheck(config),
    rateLimit: config.rateLimit,
  });

  await app.ready();
  return app;
}
