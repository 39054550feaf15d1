// The exchange, free of any transport: caller checks, the code's single flight, the upstream call, the answer.
// Every runtime (the listening server, the Node and fetch handlers, framework adapters, a cloud function) goes
// through one PhoneExchange: one place for de-duplication, limits, classification, logs and metrics.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { resolveOptions, type ProxyOptions, type ResolvedOptions } from '../config';
import { errors, failures, internalError, type ProxyFailure } from '../errors';
import { createAllowList, type Caller } from '../guards/caller';
import { forbidden, rateLimited } from '../guards/refusals';
import { readExchangeInput, type BodyOutcome } from '../guards/request-body';
import { createLogger, maskPhone, shortHash, summaryLogger } from '../observability/logging';
import { createMetrics, type ProxyMetrics } from '../observability/metrics';
import { createStore, type Store } from '../store';
import { createAssertionSigner, unusableSigner, type AssertionSigner } from './assertion-signer';
import { startWithinMs } from './upstreams/http-upstream';
import { createUpstream } from './upstreams';
import { createUpstreamFlight } from './upstream-flight';
import { REDIS_WAIT_MARGIN_MS } from '../store/redis-timing';
import type { DedupeSource, ExchangeAnswer } from '../contract';
import { hashCode } from '../store/dedupe';
import { applyOnPhone } from './on-phone';
import { bindingOf, servedToAnother } from './caller-binding';
import { answerFor, type ExchangeResult, type Refusal } from './answer';

/** Timer lag and the store's last round trip, beyond the longest a call for the code may take to answer. */
const WAIT_SLACK_MS = 1000;
/** No rate limit: every request is admitted at once. */
const NO_WAIT = Promise.resolve(0);

export interface ExchangeRequest {
  readonly caller: Caller;
  /** The request's body, read once the caller passed the allow-list (its rate limit is counted meanwhile). */
  readBody(): BodyOutcome | Promise<BodyOutcome>;
  /** The runtime's own request id (over HTTP also `x-request-id`); a new one when left out. */
  readonly requestId?: string;
  /** The runtime's own request object, handed to the onPhone hook as `context.request`. */
  readonly request?: unknown;
}

export interface PhoneExchange {
  /** Answers one exchange; never rejects (a bug is answered 500 INTERNAL_ERROR and logged). */
  exchange(request: ExchangeRequest): Promise<ExchangeAnswer>;
  readonly config: ResolvedOptions;
  readonly logger: Logger | undefined;
  readonly metrics: ProxyMetrics;
  /** The public keys of signed assertions (`/.well-known/jwks.json`); undefined when signing is off. */
  readonly jwks: AssertionSigner['jwks'] | undefined;
  /** Settles once the store is usable (see Store.ready) and, when signing, jose is loaded; exchanges before that wait for it. */
  ready(): Promise<void>;
  /** The store's state, for /healthz. */
  health(): ReturnType<Store['health']>;
  /** Closes the connections to Authing once their calls finish, then forgets remembered answers. Later exchanges fail (503). */
  close(): Promise<void>;
}

/** What the summary log line says of an exchange besides its outcome. */
interface Trace {
  codeHash?: string;
  source?: DedupeSource;
}

function logLevel(failure: ProxyFailure | undefined): 'info' | 'warn' | 'error' {
  const definition = failure?.definition;
  if (definition === errors.MISCONFIGURED || definition === errors.INTERNAL_ERROR || definition === errors.HOOK_FAILED) return 'error';
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
  const waitMs =
    startWithinMs(upstreamTimeoutMs) + upstreamTimeoutMs + (config.store.redisUrl === undefined ? 0 : REDIS_WAIT_MARGIN_MS) + WAIT_SLACK_MS;
  const fly = createUpstreamFlight({ client, singleFlight: store.singleFlight, metrics, logger, waitMs });
  // Memory is ready at once; Redis makes the first exchanges wait for its first connection attempt.
  let storeSettling: Promise<unknown> | undefined = config.store.redisUrl === undefined ? undefined : store.ready().catch(() => undefined);
  void storeSettling?.then(() => (storeSettling = undefined)); // cannot reject: caught above
  const allowList = createAllowList(config);
  const limiter = config.rateLimit ? store.rateLimiter(config.rateLimit) : undefined;
  const signer = config.assertion ? createAssertionSigner(config.assertion) : undefined;

  /** Every check in order, then the exchange, in a single flight per code. */
  const decide = async (request: ExchangeRequest, requestId: string, trace: Trace): Promise<ExchangeResult> => {
    const notAllowed = allowList?.(request.caller);
    if (notAllowed) return { failure: forbidden(notAllowed) };
    if (storeSettling) await storeSettling;
    const unsignable = signer && (await unusableSigner(signer));
    if (unsignable) return { failure: unsignable };
    // Counted while the body is read, and alongside the code's claim: on Redis both usually go in one write, one round trip.
    const limited = (limiter ? limiter.take(request.caller.rateLimitKey) : NO_WAIT).then((retryAfterSeconds): Refusal | undefined =>
      retryAfterSeconds > 0 ? { failure: rateLimited(request.caller.rateLimitKey, retryAfterSeconds, config.trustProxy) } : undefined,
    );
    limited.catch(() => undefined); // awaited on every path below
    // A refusal does not wait for the body (a slow one could take the request deadline). Not a shared never-settling
    // promise in the race: every request would leave it a reaction, for good.
    const body = Promise.resolve(request.readBody());
    const read = await Promise.race([body, limited.then((refusal) => refusal ?? body)]);
    if ('failure' in read) return (await limited) ?? read;
    const input = readExchangeInput(read.body);
    if ('definition' in input) return (await limited) ?? { failure: input };

    const key = hashCode(input.code);
    trace.codeHash = shortHash(key);
    // Closed: no more answers, not even remembered ones that a store shared with other runtimes still holds.
    if (closing) return (await limited) ?? { failure: failures.CLOSED };
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
    const another = servedToAnother(outcome, source, binding);
    if (another) return { failure: another };
    const { phone, upstreamRequestId } = outcome;
    const { appId, openId } = request.caller;
    // Signed per request, after the single flight (a retry gets its own jti), and before the hook: the hook's side
    // effects happen only for an answer that can be sent.
    const signed = signer ? await signer.sign(phone, { appId, openId, nonce: input.nonce }) : undefined;
    if (signed && 'failure' in signed) return { failure: { ...signed.failure, upstreamRequestId } };
    const context = { phone, appId, openId, nonce: input.nonce, requestId, source, request: request.request };
    const step = await applyOnPhone(config.onPhone, context, upstreamRequestId, metrics);
    if ('failure' in step) return step;
    return { phone, upstreamRequestId, extra: step.extra, assertion: signed?.assertion };
  };

  const exchange = async (request: ExchangeRequest): Promise<ExchangeAnswer> => {
    const requestId = request.requestId ?? randomUUID();
    const started = performance.now();
    const trace: Trace = {};
    let result: ExchangeResult;
    try {
      result = await decide(request, requestId, trace);
    } catch (error) {
      // A bug: the summary line carries the details, the client only INTERNAL_ERROR.
      result = { failure: internalError(error) };
    }

    const failure = 'failure' in result ? result.failure : undefined;
    const answer = answerFor(result, requestId);
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
        phone: 'phone' in result ? maskPhone(result.phone.purePhoneNumber) : undefined,
        upstreamRequestId: 'phone' in result ? result.upstreamRequestId : failure?.upstreamRequestId,
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
