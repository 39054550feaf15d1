// An exchange's first stages, before its code's single flight (phone-exchange.ts runs the rest): who calls, whether the
// proxy can answer at all, the rate limit (counted while the body is read), the body, and whether the exchange closed.
import type { ResolvedOptions } from '../config';
import type { DedupeSource, Failed } from '../contract/types';
import { failures } from '../contract/errors';
import { createAllowList, type Caller } from '../guards/caller';
import type { RateLimiter } from '../guards/rate-limit';
import { forbidden, rateLimited } from '../guards/refusals';
import { readExchangeInput, type JsonBody, type ExchangeInput } from '../guards/request-body';
import { shortHash } from '../observability/logging';
import { hashCode } from '../store/dedupe';
import { unusableSigner, type AssertionSigner } from './assertion-signer';

/** No rate limit: every request is admitted at once. */
const NO_WAIT = Promise.resolve(0);

export interface ExchangeRequest {
  readonly caller: Caller;
  /** The request's body, read once the caller passed the allow-list (its rate limit is counted meanwhile). */
  readBody(): JsonBody | Promise<JsonBody>;
  /** The runtime's own request id (over HTTP also `x-request-id`); a new one when left out. */
  readonly requestId?: string;
  /** The runtime's own request object, handed to the onPhone hook as `context.request`. */
  readonly request?: unknown;
}

/** What the summary log line says of an exchange besides its outcome. */
export interface Trace {
  codeHash?: string;
  source?: DedupeSource;
}

/** A request past the checks: its code and nonce, the code's hash, and its rate limit's verdict, still to come. */
export interface Admission {
  readonly input: ExchangeInput;
  readonly key: string;
  readonly limited: Promise<Failed | undefined>;
}

export interface AdmissionParts {
  readonly config: ResolvedOptions;
  readonly limiter: RateLimiter | undefined;
  readonly signer: AssertionSigner | undefined;
  /** Redis's first connection attempt while it is under way: exchanges wait for it. */
  storeSettling(): Promise<unknown> | undefined;
  /** Closed: no more answers, not even remembered ones that a store shared with other runtimes still holds. */
  closing(): boolean;
}

/** Runs the checks in order: the first refusal answers (the rate limit's first, once it is counted). */
export type Admit = (request: ExchangeRequest, trace: Trace) => Promise<Admission | Failed>;

export function createAdmission(parts: AdmissionParts): Admit {
  const { config, limiter, signer } = parts;
  const allowList = createAllowList(config);
  return async (request, trace) => {
    // 1. The caller: the allow-list (the Referer's appid, or the platform's identity).
    const notAllowed = allowList?.(request.caller);
    if (notAllowed) return { failure: forbidden(notAllowed) };
    // 2. Whether the proxy can answer: the store's first connection, a signing key that loads.
    const settling = parts.storeSettling();
    if (settling) await settling;
    const unsignable = signer && (await unusableSigner(signer));
    if (unsignable) return { failure: unsignable };
    // 3. The rate limit: counted while the body is read, and alongside the code's claim (on Redis both usually go in
    // one write, one round trip).
    const { rateLimitKey } = request.caller;
    const limited = (limiter ? limiter.take(rateLimitKey) : NO_WAIT).then((retryAfterSeconds): Failed | undefined =>
      retryAfterSeconds > 0 ? { failure: rateLimited(rateLimitKey, retryAfterSeconds, config.trustProxy) } : undefined,
    );
    limited.catch(() => undefined); // awaited on every path below
    // 4. The body. A refusal does not wait for it (a slow one could take the request deadline). Not a shared
    // never-settling promise in the race: every request would leave it a reaction, for good.
    const body = Promise.resolve(request.readBody());
    const read = await Promise.race([body, limited.then((refusal) => refusal ?? body)]);
    if ('failure' in read) return (await limited) ?? read;
    const input = readExchangeInput(read.body);
    if ('definition' in input) return (await limited) ?? { failure: input };
    const key = hashCode(input.code);
    trace.codeHash = shortHash(key);
    // 5. Closing.
    if (parts.closing()) return (await limited) ?? { failure: failures.CLOSED };
    return { input, key, limited };
  };
}
