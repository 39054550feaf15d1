// The HTTP request pipeline every runtime shares, free of any server: route -> caller and body -> the exchange ->
// the answer, plus /healthz and /metrics. runtimes/ put it behind node:http, a Node handler or a fetch handler.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULTS, JWKS_PATH, type ProxyOptions, type ResolvedOptions } from './config';
import { errors, failures, internalError } from './contract/errors';
import { createPhoneExchange } from './exchange/phone-exchange';
import { callerFromHeaders } from './guards/caller';
import { createClientAddress } from './guards/client-address';
import { Cors } from './guards/cors';
import { readJsonBody } from './guards/request-body';
import { failureResponse, jsonAnswer, jsonResponse, type AppRequest, type AppResponse } from './contract/http-messages';
import { InFlight } from './in-flight';
import type { ProxyMetrics } from './observability/metrics';
import { memoryRateLimiter } from './store/rate-limiters';

/**
 * /healthz and /metrics per client: far above what a balancer's or a scraper's checks send (a few a second), low
 * enough that a flood costs little. Counted in memory, whatever the store: a probe must not depend on Redis.
 */
export const PROBE_RATE_LIMIT = Object.freeze({ max: 300, timeWindowMs: 10_000 });

export interface App {
  /** Answers one request; never rejects (a bug is answered 500 INTERNAL_ERROR and logged). */
  respond(request: AppRequest): Promise<AppResponse>;
  /** Counts a request as in flight until `release()`: adapters hold it until their answer is delivered. */
  hold(): () => void;
  readonly config: ResolvedOptions;
  readonly logger: Logger | undefined;
  /** The registry /metrics serves: the listening server adds its connection counters. */
  readonly metrics: ProxyMetrics;
  /** Settles once the store is usable; rejects when Redis is unreachable under REDIS_FAILURE=closed. */
  ready(): Promise<void>;
  /** Waits for the requests held, then closes the exchange. Later exchanges fail (503). */
  close(): Promise<void>;
}

/** Validates the options (throws ConfigError) and wires the parts. */
export function createApp(options: ProxyOptions): App {
  const phoneExchange = createPhoneExchange(options);
  const { config, logger, metrics } = phoneExchange;
  const cors = config.corsOrigins.length > 0 ? new Cors(config.corsOrigins) : undefined;
  const clientAddress = createClientAddress(config.trustProxy);
  const { routePath } = config;
  const ipv6Prefix = config.rateLimit ? config.rateLimit.ipv6Prefix : DEFAULTS.rateLimit.ipv6Prefix;
  const probeLimiter = memoryRateLimiter({ ...PROBE_RATE_LIMIT, ipv6Prefix });

  const route = async (request: AppRequest, requestId: string): Promise<AppResponse> => {
    const { method, path } = request;
    if (path === routePath) {
      if (method === 'POST') {
        const caller = callerFromHeaders(request.headers, clientAddress(request), config.trustWechatGateway);
        const readBody = () => readJsonBody(request);
        return jsonAnswer(await phoneExchange.exchange({ caller, requestId, readBody, request: request.native }));
      }
      if (method === 'OPTIONS' && cors) return cors.preflight(request.headers, requestId, logger);
    } else if (method === 'GET' || method === 'HEAD') {
      if (path === '/healthz' || path === '/metrics') {
        const retryAfterSeconds = await probeLimiter.take(clientAddress(request));
        if (retryAfterSeconds > 0) return failureResponse({ definition: errors.RATE_LIMITED, retryAfterSeconds }, requestId);
      }
      if (path === '/healthz') {
        const { healthy, report } = phoneExchange.health();
        return jsonResponse(healthy ? 200 : 503, { status: healthy ? 'ok' : 'unavailable', ...report });
      }
      if (path === '/metrics') {
        return { status: 200, headers: { 'content-type': metrics.registry.contentType }, body: await metrics.registry.metrics() };
      }
      // Not rate limited: verifiers fetch the keys rarely (cached 5 minutes) and each answer is the same small JSON.
      if (path === JWKS_PATH && phoneExchange.jwks) {
        // Cached briefly: a rotation reaches verifiers within minutes (they also refetch on an unknown kid).
        return {
          ...jsonResponse(200, await phoneExchange.jwks()),
          headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
        };
      }
    }
    return failureResponse(failures.NOT_FOUND, requestId);
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
      // A bug outside the exchange (which answers its own): logged whole, answered as contract/errors.ts's internalError.
      logger?.error({ reqId: requestId, err: error }, 'unhandled error');
      response = failureResponse(internalError(error), requestId);
    }
    response.headers['cache-control'] ??= 'no-store';
    response.headers['x-request-id'] = requestId;
    cors?.decorate(response, request.headers.origin);
    return response;
  };

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await held.idle();
      await phoneExchange.close();
    })());

  return { respond, hold: () => held.enter(), config, logger, metrics, ready: () => phoneExchange.ready(), close };
}
