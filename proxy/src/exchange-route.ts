// The exchange route: POST {routePath} {"code"} -> the Authing DTO, or our failure envelope.
// One summary log line and one metrics update per request, in onResponse.
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuthingClient } from './authing-client';
import type { ExchangeOutcome, PhoneInfo } from './classify';
import { hashCode, type Dedupe } from './dedupe';
import { errors, type ProxyFailure } from './errors';
import { sendFailure, type ExchangeRecord } from './error-handler';
import { maskPhone, shortHash } from './logging';
import type { ProxyMetrics } from './metrics';

/** WeChat phone codes are 64 hex characters; leave room for format changes, refuse anything odd. */
const CODE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const FORBIDDEN: ProxyFailure = Object.freeze({ definition: errors.ORIGIN_FORBIDDEN });
const NOT_AN_OBJECT: ProxyFailure = Object.freeze({ definition: errors.INVALID_REQUEST, detail: { reason: 'body is not a JSON object' } });
const NO_CODE: ProxyFailure = Object.freeze({ definition: errors.INVALID_REQUEST, detail: { reason: 'code is missing or not a string' } });
const BAD_CODE: ProxyFailure = Object.freeze({ definition: errors.INVALID_REQUEST, detail: { reason: 'code has an invalid length or characters' } });

export interface SuccessBody {
  statusCode: 200;
  message: string;
  requestId: string;
  upstreamRequestId?: string;
  data: PhoneInfo;
}

export interface ExchangeRouteOptions {
  routePath: string;
  client: AuthingClient;
  dedupe: Dedupe<ExchangeOutcome>;
  metrics: ProxyMetrics;
  /** Undefined when no allow-list is configured. */
  callerCheck?: (headers: IncomingHttpHeaders) => boolean;
  rateLimit: { max: number; timeWindowMs: number } | false;
}

/** The code from the request body, or why the body is refused. */
export function readCode(body: unknown): string | ProxyFailure {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return NOT_AN_OBJECT;
  const { code } = body as { code?: unknown };
  if (typeof code !== 'string') return NO_CODE;
  return CODE_PATTERN.test(code) ? code : BAD_CODE;
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

export async function exchangeRoute(app: FastifyInstance, options: ExchangeRouteOptions): Promise<void> {
  const { client, dedupe, metrics, callerCheck, rateLimit } = options;

  const exchange = async (code: string): Promise<ExchangeOutcome> => {
    const stopTimer = metrics.upstreamSeconds.startTimer();
    const outcome = await client.exchange(code);
    stopTimer({ outcome: outcome.ok ? 'ok' : outcome.failure.definition.error });
    return outcome;
  };

  app.addHook('onRequest', (request, reply, done) => {
    reply.exchangeRecord = {};
    // Answering from a callback hook: send and do not call done().
    if (callerCheck && !callerCheck(request.headers)) sendFailure(reply, FORBIDDEN);
    else done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const record = reply.exchangeRecord ?? {};
    // Unset only when fastify answered by itself (e.g. 503 while closing).
    const outcome = record.outcome ?? `HTTP_${reply.statusCode}`;
    metrics.requests.inc({ outcome });
    const failure = record.failure;
    const line = {
      outcome,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      codeHash: record.codeHash,
      dedupe: record.source,
      phone: record.phone,
      upstreamRequestId: record.upstreamRequestId ?? failure?.upstreamRequestId,
      apiCode: failure?.apiCode,
      detail: failure?.detail,
    };
    request.log[logLevel(failure)](line, 'phone exchange');
    done();
  });

  app.post(
    options.routePath,
    { config: rateLimit ? { rateLimit: { max: rateLimit.max, timeWindow: rateLimit.timeWindowMs } } : {} },
    async (request, reply): Promise<SuccessBody | FastifyReply> => {
      const record = reply.exchangeRecord as ExchangeRecord; // set in onRequest
      const code = readCode(request.body);
      if (typeof code !== 'string') return sendFailure(reply, code);

      const key = hashCode(code);
      record.codeHash = shortHash(key);
      const { promise, source } = dedupe.run(key, () => exchange(code), remember);
      record.source = source;
      if (source !== 'upstream') metrics.dedupeHits.inc({ source });

      const outcome = await promise;
      if (!outcome.ok) return sendFailure(reply, outcome.failure);
      record.outcome = 'ok';
      record.phone = maskPhone(outcome.phone.purePhoneNumber);
      record.upstreamRequestId = outcome.upstreamRequestId;
      const body: SuccessBody = { statusCode: 200, message: 'ok', requestId: request.id, data: outcome.phone };
      if (outcome.upstreamRequestId !== undefined) body.upstreamRequestId = outcome.upstreamRequestId;
      return body;
    },
  );
}
