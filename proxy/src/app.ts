// The proxy's request handling, free of any server: options validated and wired once, then each request routed to
// the exchange route, /healthz or /metrics. node-handler.ts and fetch-handler.ts put it behind a runtime.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuthingClient } from './exchange/authing-client';
import { createCallerCheck } from './guards/caller-check';
import type { ExchangeOutcome } from './exchange/classify';
import { createClientAddress } from './guards/client-address';
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from './config';
import { Cors } from './guards/cors';
import { Dedupe } from './exchange/dedupe';
import { errors, type ProxyFailure } from './errors';
import { InFlight } from './in-flight';
import { createExchangeRoute, FORBIDDEN } from './exchange/route';
import { failureResponse, jsonResponse, type AppRequest, type AppResponse } from './http-messages';
import { createLogger } from './observability/logging';
import { createMetrics } from './observability/metrics';
import { RateLimiter } from './guards/rate-limit';

const NOT_FOUND: ProxyFailure = Object.freeze({ definition: errors.NOT_FOUND });
const INTERNAL_ERROR: ProxyFailure = Object.freeze({ definition: errors.INTERNAL_ERROR });

export interface App {
  /** Answers one request; never rejects (a bug is answered 500 INTERNAL_ERROR and logged). */
  respond(request: AppRequest): Promise<AppResponse>;
  /** Counts a request as in flight until `release()`: adapters hold it until their answer is delivered. */
  hold(): () => void;
  readonly config: ResolvedOptions;
  readonly logger: Logger | undefined;
  /** Waits for the requests held, then closes the connections to Authing. Later exchanges fail (503). */
  close(): Promise<void>;
}

/** Validates the options (throws ConfigError) and wires the parts. */
export function createApp(options: ProxyOptions): App {
  const config = resolveOptions(options);
  const logger = createLogger(config.logger);
  const client = new AuthingClient({ ...config.authing, timeoutMs: config.upstreamTimeoutMs });
  const metrics = createMetrics();
  let earlyEvictionLogged = false;
  const dedupe = new Dedupe<ExchangeOutcome>({
    ...config.dedupe,
    onEarlyEviction: () => {
      metrics.dedupeEarlyEvictions.inc();
      if (earlyEvictionLogged) return;
      earlyEvictionLogged = true; // once: the counter tells how often
      logger?.warn(
        { maxEntries: config.dedupe.maxEntries },
        'de-duplication cache full: answers evicted before their TTL, so a repeated code could reach Authing again; raise DEDUPE_MAX_ENTRIES',
      );
    },
  });
  const cors = config.corsOrigins.length > 0 ? new Cors(config.corsOrigins) : undefined;
  const { rateLimit, routePath } = config;
  const exchange = createExchangeRoute({
    client,
    dedupe,
    metrics,
    logger,
    callerCheck: createCallerCheck(config),
    rateLimit: rateLimit
      ? { limiter: new RateLimiter(rateLimit.max, rateLimit.timeWindowMs), clientAddress: createClientAddress(config.trustProxy) }
      : undefined,
  });

  const route = async (request: AppRequest, requestId: string): Promise<AppResponse> => {
    const { method, path } = request;
    if (path === routePath) {
      if (method === 'POST') return exchange(request, requestId);
      if (method === 'OPTIONS' && cors) return cors.preflight(request.headers) ?? failureResponse(FORBIDDEN, requestId);
    } else if (method === 'GET' || method === 'HEAD') {
      // Neither is rate limited: health checks and scrapes come often, from few addresses.
      if (path === '/healthz') return jsonResponse(200, { status: 'ok' });
      if (path === '/metrics') {
        return { status: 200, headers: { 'content-type': metrics.registry.contentType }, body: await metrics.registry.metrics() };
      }
    }
    return failureResponse(NOT_FOUND, requestId);
  };

  const held = new InFlight();
  let closing: Promise<void> | undefined;

  const respond = async (request: AppRequest): Promise<AppResponse> => {
    // Our own ids: a client-chosen id would let callers forge log correlation.
    const requestId = randomUUID();
    let response: AppResponse;
    try {
      response = await route(request, requestId);
    } catch (error) {
      logger?.error({ reqId: requestId, err: error }, 'unhandled error');
      response = failureResponse(INTERNAL_ERROR, requestId);
    }
    response.headers['cache-control'] = 'no-store';
    response.headers['x-request-id'] = requestId;
    cors?.decorate(response, request.headers.origin);
    return response;
  };

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await held.idle();
      await client.close();
      dedupe.clear();
    })());

  return { respond, hold: () => held.enter(), config, logger, close };
}
