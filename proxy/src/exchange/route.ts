// The exchange route: POST {routePath} {"code"} -> the Authing DTO, or our failure envelope.
// One summary log line and one metrics update per request.
import { performance } from 'node:perf_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { AuthingClient } from './authing-client';
import type { ExchangeOutcome, PhoneInfo } from './classify';
import { hashCode, type Dedupe, type DedupeSource } from './dedupe';
import { errors, type ProxyFailure } from '../errors';
import { failureResponse, jsonResponse, type AppRequest, type AppResponse } from '../http-messages';
import { maskPhone, shortHash } from '../observability/logging';
import type { ProxyMetrics } from '../observability/metrics';
import type { RateLimiter } from '../guards/rate-limit';
import { readPhoneCode } from '../guards/request-body';

/** The caller is not allowed: the allow-list said no, or (app.ts) a preflight from an origin CORS does not list. */
export const FORBIDDEN: ProxyFailure = Object.freeze({ definition: errors.ORIGIN_FORBIDDEN });

export interface SuccessBody {
  statusCode: 200;
  message: string;
  requestId: string;
  upstreamRequestId?: string;
  data: PhoneInfo;
}

export interface ExchangeRouteOptions {
  client: AuthingClient;
  dedupe: Dedupe<ExchangeOutcome>;
  metrics: ProxyMetrics;
  logger: Logger | undefined;
  /** Undefined when no allow-list is configured. */
  callerCheck: ((headers: IncomingHttpHeaders) => boolean) | undefined;
  /** Undefined when the rate limit is off. */
  rateLimit: { limiter: RateLimiter; clientAddress: (request: AppRequest) => string } | undefined;
}

/** What the summary log line says of a request besides its outcome. */
interface Trace {
  codeHash?: string;
  source?: DedupeSource;
}

type Result = { readonly failure: ProxyFailure } | { readonly phone: PhoneInfo; readonly upstreamRequestId?: string };

function successResponse(result: { phone: PhoneInfo; upstreamRequestId?: string }, requestId: string): AppResponse {
  const body: SuccessBody = { statusCode: 200, message: 'ok', requestId, data: result.phone };
  if (result.upstreamRequestId !== undefined) body.upstreamRequestId = result.upstreamRequestId;
  return jsonResponse(200, body);
}

function logLevel(failure: ProxyFailure | undefined): 'info' | 'warn' | 'error' {
  const definition = failure?.definition;
  if (definition === errors.MISCONFIGURED || definition === errors.INTERNAL_ERROR) return 'error';
  return definition !== undefined && definition.statusCode >= 500 ? 'warn' : 'info';
}

/**
 * Answers replayed to a repeat of the same code: every one except when the request provably never left (protocol.md:
 * the same code must not reach Authing twice, and any answer from upstream may follow a use of the code).
 */
const remember = (outcome: ExchangeOutcome): boolean => outcome.ok || !outcome.neverSent;

export function createExchangeRoute(options: ExchangeRouteOptions): (request: AppRequest, requestId: string) => Promise<AppResponse> {
  const { client, dedupe, metrics, logger, callerCheck, rateLimit } = options;

  const exchange = async (code: string): Promise<ExchangeOutcome> => {
    const stopTimer = metrics.upstreamSeconds.startTimer();
    const outcome = await client.exchange(code);
    stopTimer({ outcome: outcome.ok ? 'ok' : outcome.failure.definition.error });
    return outcome;
  };

  /** Every check in order, then the exchange, de-duplicated. */
  const decide = async (request: AppRequest, trace: Trace): Promise<Result> => {
    if (callerCheck && !callerCheck(request.headers)) return { failure: FORBIDDEN };
    if (rateLimit) {
      const retryAfterSeconds = rateLimit.limiter.take(rateLimit.clientAddress(request));
      if (retryAfterSeconds > 0) return { failure: { definition: errors.RATE_LIMITED, retryAfterSeconds } };
    }
    const code = await readPhoneCode(request);
    if (typeof code !== 'string') return { failure: code };

    const key = hashCode(code);
    trace.codeHash = shortHash(key);
    const { promise, source } = dedupe.run(key, () => exchange(code), remember);
    trace.source = source;
    if (source !== 'upstream') metrics.dedupeHits.inc({ source });
    const outcome = await promise;
    return outcome.ok ? { phone: outcome.phone, upstreamRequestId: outcome.upstreamRequestId } : { failure: outcome.failure };
  };

  return async (request, requestId) => {
    const started = performance.now();
    const trace: Trace = {};
    let result: Result;
    try {
      result = await decide(request, trace);
    } catch (error) {
      // A bug: the summary line carries the details, the client only INTERNAL_ERROR.
      const { message, stack } = error as Error;
      result = { failure: { definition: errors.INTERNAL_ERROR, detail: { errorMessage: message, stack } } };
    }

    const failure = 'failure' in result ? result.failure : undefined;
    const response = 'failure' in result ? failureResponse(result.failure, requestId) : successResponse(result, requestId);
    const outcome = failure ? failure.definition.error : 'ok';
    metrics.requests.inc({ outcome });
    logger?.[logLevel(failure)](
      {
        reqId: requestId,
        outcome,
        statusCode: response.status,
        ms: Math.round(performance.now() - started),
        codeHash: trace.codeHash,
        dedupe: trace.source,
        phone: 'phone' in result ? maskPhone(result.phone.purePhoneNumber) : undefined,
        upstreamRequestId: 'phone' in result ? result.upstreamRequestId : failure?.upstreamRequestId,
        apiCode: failure?.apiCode,
        detail: failure?.detail,
      },
      'phone exchange',
    );
    return response;
  };
}
