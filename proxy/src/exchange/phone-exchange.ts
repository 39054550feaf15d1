// The exchange, free of any transport: caller checks, the code's single flight, the upstream call, the answer.
// Every runtime (the listening server, the Node and fetch handlers, framework adapters, a cloud function) goes
// through one PhoneExchange: one place for de-duplication, limits, classification, logs and metrics.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from '../config';
import { errors, internalError, type ProxyErrorDefinition, type ProxyFailure } from '../contract/errors';
import { createLogger, maskPhone, summaryLogger } from '../observability/logging';
import { createMetrics, type ProxyMetrics } from '../observability/metrics';
import { createStore, type Store } from '../store';
import { createAssertionSigner, type AssertionSigner } from './assertion-signer';
import { startWithinMs } from './upstreams/http-upstream';
import { createUpstream } from './upstreams';
import { createUpstreamFlight } from './upstream-flight';
import { REDIS_WAIT_MARGIN_MS } from '../store/redis-timing';
import type { DedupeSource, ExchangeAnswer, UpstreamOutcome } from '../contract/types';
import { applyOnPhone } from './on-phone';
import { bindingOf, servedToAnother } from './caller-binding';
import { answerFor, type Decision } from './answer';
import { createAdmission, type ExchangeRequest, type Trace } from './admission';

export type { ExchangeRequest } from './admission';

/** Timer lag and the store's last round trip, beyond the longest a call for the code may take to answer. */
const WAIT_SLACK_MS = 1000;

export interface PhoneExchange {
  /** Answers one exchange; never rejects (a bug is answered 500 INTERNAL_ERROR and logged). */
  exchange(request: ExchangeRequest): Promise<ExchangeAnswer>;
  readonly config: ResolvedOptions;
  readonly logger: Logger | undefined;
  readonly metrics: ProxyMetrics;
  /** The public keys of signed assertions (`/.well-known/jwks.json`); undefined when signing is off. */
  readonly jwks: AssertionSigner['jwks'] | undefined;
  /**
   * Settles once the store is usable (see Store.ready) and, when signing, jose is loaded; exchanges before that wait
   * for it.
   */
  ready(): Promise<void>;
  /** The store's state, for /healthz. */
  health(): ReturnType<Store['health']>;
  /**
   * Closes the connections to Authing once their calls finish, then forgets remembered answers. Later exchanges fail
   * (503).
   */
  close(): Promise<void>;
}

/** Failures an operator must act on: logged as errors, whatever their status. */
const OPERATOR_ERRORS = new Set<ProxyErrorDefinition>([errors.MISCONFIGURED, errors.INTERNAL_ERROR, errors.HOOK_FAILED]);

function logLevel(failure: ProxyFailure | undefined): 'info' | 'warn' | 'error' {
  const definition = failure?.definition;
  if (definition !== undefined && OPERATOR_ERRORS.has(definition)) return 'error';
  return definition !== undefined && definition.statusCode >= 500 ? 'warn' : 'info';
}

/** Validates the options (throws ConfigError) and wires the parts. */
export function createPhoneExchange(options: ProxyOptions): PhoneExchange {
  const config = resolveOptions(options);
  const logger = createLogger(config.logger);
  const summary = logger && summaryLogger(logger);
  const metrics = createMetrics();
  const { upstreamTimeoutMs } = config;
  const client = createUpstream(config, metrics);
  const store = createStore(config, metrics, logger);
  // A request waiting on another's call: as long as that call may take to answer, and the Redis store's own waits.
  const usesRedis = config.store.redisUrl !== undefined;
  const callMs = startWithinMs(upstreamTimeoutMs) + upstreamTimeoutMs;
  const waitMs = callMs + (usesRedis ? REDIS_WAIT_MARGIN_MS : 0) + WAIT_SLACK_MS;
  const fly = createUpstreamFlight({ client, singleFlight: store.singleFlight, metrics, logger, waitMs });
  // Memory is ready at once; Redis makes the first exchanges wait for its first connection attempt.
  let storeSettling: Promise<unknown> | undefined = usesRedis ? store.ready().catch(() => undefined) : undefined;
  void storeSettling?.then(() => (storeSettling = undefined)); // cannot reject: caught above
  const limiter = config.rateLimit ? store.rateLimiter(config.rateLimit) : undefined;
  const signer = config.assertion ? createAssertionSigner(config.assertion) : undefined;
  const admit = createAdmission({
    config,
    limiter,
    signer,
    storeSettling: () => storeSettling,
    closing: () => closing !== undefined,
  });

  /** The stages in order: 1-5 admit (admission.ts), 6 the code's single flight, 7 whose phone, then complete. */
  const decide = async (request: ExchangeRequest, requestId: string, trace: Trace): Promise<Decision> => {
    const admission = await admit(request, trace);
    if ('failure' in admission) return admission;
    const { input, key, limited } = admission;
    // 6. The code's single flight: it calls upstream only once this request's rate limit admitted it.
    const binding = bindingOf(request.caller, input.nonce);
    const admitted = limited.then(
      (refusal) => refusal === undefined,
      () => false,
    );
    const flight = fly(key, input.code, binding, admitted, request.caller);
    flight.catch(() => undefined); // awaited unless refused: then it ends on its own, not admitted
    const refusal = await limited;
    if (refusal) return refusal;
    const { outcome, source } = await flight;
    trace.source = source;
    if (source !== 'upstream') metrics.dedupeHits.inc({ source });
    if (!outcome.ok) return { failure: outcome.failure };
    // 7. Whose phone: an answer fetched for another caller is not this one's.
    const another = servedToAnother(outcome, source, binding);
    if (another) return { failure: another };
    return complete(request, requestId, input.nonce, outcome, source);
  };

  /** 8. The signed assertion, 9. the host's onPhone hook, then the phone to answer with. */
  const complete = async (
    request: ExchangeRequest,
    requestId: string,
    nonce: string | undefined,
    { phone, upstreamRequestId }: Extract<UpstreamOutcome, { ok: true }>,
    source: DedupeSource,
  ): Promise<Decision> => {
    const { appId, openId } = request.caller;
    // Signed per request, after the single flight (a retry gets its own jti), and before the hook: the hook's side
    // effects happen only for an answer that can be sent.
    const signed = signer ? await signer.sign(phone, { appId, openId, nonce }) : undefined;
    if (signed && 'failure' in signed) return { failure: { ...signed.failure, upstreamRequestId } };
    const context = { phone, appId, openId, nonce, requestId, source, request: request.request };
    const effect = await applyOnPhone(config.onPhone, context, upstreamRequestId, metrics);
    if ('failure' in effect) return effect;
    return { phone, upstreamRequestId, extra: effect.extra, assertion: signed?.assertion };
  };

  const exchange = async (request: ExchangeRequest): Promise<ExchangeAnswer> => {
    const requestId = request.requestId ?? randomUUID();
    const started = performance.now();
    const trace: Trace = {};
    let decision: Decision;
    try {
      decision = await decide(request, requestId, trace);
    } catch (error) {
      // A bug: the summary line carries the details, the client only INTERNAL_ERROR.
      decision = { failure: internalError(error) };
    }

    const failure = 'failure' in decision ? decision.failure : undefined;
    const answer = answerFor(decision, requestId);
    const outcome = failure ? failure.definition.error : 'ok';
    metrics.requests.inc({ outcome });
    summary?.(
      logLevel(failure),
      {
        reqId: requestId,
        outcome,
        statusCode: answer.status,
        ms: Math.round(performance.now() - started),
        codeHash: trace.codeHash,
        dedupe: trace.source,
        phone: 'phone' in decision ? maskPhone(decision.phone.purePhoneNumber) : undefined,
        upstreamRequestId: 'phone' in decision ? decision.upstreamRequestId : failure?.upstreamRequestId,
        apiCode: failure?.apiCode,
        detail: failure?.detail,
      },
      'phone exchange',
    );
    return answer;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await client.close();
      await store.close();
    })());

  return {
    exchange,
    config,
    logger,
    metrics,
    jwks: signer && (() => signer.jwks()),
    ready: async () => void (await Promise.all([store.ready(), signer?.ready()])),
    health: () => store.health(),
    close,
  };
}
