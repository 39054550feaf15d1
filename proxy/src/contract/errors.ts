// The wire error table (docs/en/reference/protocol.md; the codes: docs/en/reference/errors.md), created once and named.
// Messages are fixed and safe to show: upstream text never reaches the client.

// The error shapes are the wire contract's (types.ts); re-exported here beside the table they describe.
import type { ExchangeAnswer, FailureBody, ProxyErrorCode, ProxyErrorDefinition, ProxyFailure, UpstreamOutcome } from './types';

export type { FailureBody, ProxyErrorCode, ProxyErrorDefinition, ProxyFailure } from './types';

function define(error: ProxyErrorCode, statusCode: number, message: string): ProxyErrorDefinition {
  return Object.freeze({ error, statusCode, message });
}

/** One row per code the client sees, keyed by that code (REFUSED has no row: its status and message are the host's). */
const byCode = Object.freeze({
  INVALID_REQUEST: define('INVALID_REQUEST', 400, 'Invalid request: send JSON {"code": "<phone code>"}'),
  ORIGIN_FORBIDDEN: define('ORIGIN_FORBIDDEN', 403, 'Caller not allowed'),
  CODE_REJECTED: define('CODE_REJECTED', 422, 'The phone code is invalid, expired or already used'),
  RATE_LIMITED: define('RATE_LIMITED', 429, 'Too many requests, retry later'),
  UPSTREAM_ERROR: define('UPSTREAM_ERROR', 502, 'Unexpected answer from the identity provider'),
  UPSTREAM_UNAVAILABLE: define('UPSTREAM_UNAVAILABLE', 503, 'Identity provider unavailable, retry later'),
  UPSTREAM_TIMEOUT: define('UPSTREAM_TIMEOUT', 504, 'Identity provider did not answer in time'),
  MISCONFIGURED: define('MISCONFIGURED', 500, 'Phone service is misconfigured'),
  NOT_FOUND: define('NOT_FOUND', 404, 'Not found'),
  INTERNAL_ERROR: define('INTERNAL_ERROR', 500, 'Internal error'),
  // The host's onPhone hook threw or answered something unusable (exchange/on-phone.ts).
  HOOK_FAILED: define('HOOK_FAILED', 500, 'The phone number was verified but the app could not complete the request, retry'),
});

/** Rows that send one of the codes above with their own status or message: keyed by that wire code, then by why. */
export const variants = Object.freeze({
  INVALID_REQUEST: Object.freeze({
    payloadTooLarge: define('INVALID_REQUEST', 413, 'Request body too large'),
    unsupportedMediaType: define('INVALID_REQUEST', 415, 'Content-Type must be application/json'),
  }),
  UPSTREAM_UNAVAILABLE: Object.freeze({
    // The call could not start (the proxy's upstream slots were busy, no connection, the client closing): the code
    // never left this machine, so it stays free and the very same code may be sent again.
    notSent: define('UPSTREAM_UNAVAILABLE', 503, 'Identity provider busy: nothing was sent, send the same code again'),
    // The same wire code (nothing was sent, the client may send the same code again), but the fault is our store's.
    storeUnavailable: define('UPSTREAM_UNAVAILABLE', 503, 'Shared store unavailable: nothing was sent, send the same code again'),
  }),
});

/** The names the table had before it was keyed by wire code: still readable, left out of its keys. */
type FormerKeys = {
  /** @deprecated Sends INVALID_REQUEST: use `variants.INVALID_REQUEST.payloadTooLarge`. */
  readonly PAYLOAD_TOO_LARGE: ProxyErrorDefinition;
  /** @deprecated Sends INVALID_REQUEST: use `variants.INVALID_REQUEST.unsupportedMediaType`. */
  readonly UNSUPPORTED_MEDIA_TYPE: ProxyErrorDefinition;
  /** @deprecated Sends UPSTREAM_UNAVAILABLE: use `variants.UPSTREAM_UNAVAILABLE.notSent`. */
  readonly UPSTREAM_NOT_SENT: ProxyErrorDefinition;
  /** @deprecated Sends UPSTREAM_UNAVAILABLE: use `variants.UPSTREAM_UNAVAILABLE.storeUnavailable`. */
  readonly STORE_UNAVAILABLE: ProxyErrorDefinition;
};

const formerKeys: FormerKeys = {
  PAYLOAD_TOO_LARGE: variants.INVALID_REQUEST.payloadTooLarge,
  UNSUPPORTED_MEDIA_TYPE: variants.INVALID_REQUEST.unsupportedMediaType,
  UPSTREAM_NOT_SENT: variants.UPSTREAM_UNAVAILABLE.notSent,
  STORE_UNAVAILABLE: variants.UPSTREAM_UNAVAILABLE.storeUnavailable,
};

/**
 * Every row by a name that never changes: the codes, and the variants under the keys they had before the table was
 * keyed by wire code. The Redis store keeps a failure by this name (store/outcome-codec.ts): instances of other
 * versions read it.
 */
export const rowsByName: Readonly<typeof byCode & FormerKeys> = Object.freeze({ ...byCode, ...formerKeys });

/** The wire error table, keyed by the code the client sees (`Object.keys(errors)` lists exactly those codes). */
export const errors: typeof byCode & FormerKeys = Object.freeze(
  Object.defineProperties(
    { ...byCode },
    Object.fromEntries(Object.entries(formerKeys).map(([key, value]) => [key, { value, enumerable: false }])),
  ) as typeof byCode & FormerKeys,
);

const prebuilt = (definition: ProxyErrorDefinition, reason?: string): ProxyFailure =>
  Object.freeze(reason === undefined ? { definition } : { definition, detail: { reason } });

/** A code the proxy never sent, frozen: 503 UPSTREAM_UNAVAILABLE, the client may send it again; `reason` is for the log. */
export function neverSentOutcome(reason: string): UpstreamOutcome {
  return Object.freeze({ ok: false, failure: Object.freeze({ definition: errors.UPSTREAM_UNAVAILABLE, detail: { reason } }), neverSent: true });
}

/**
 * The failures that carry nothing of the request, created once; `detail.reason` (log only) tells rows of one code apart.
 * Refusals that name a reason and an operator's fix (403 per allow-list reason, 429) are built in guards/refusals.ts.
 */
export const failures = Object.freeze({
  NOT_FOUND: prebuilt(errors.NOT_FOUND),
  /** The exchange is closing: no more answers, not even remembered ones. */
  CLOSED: prebuilt(errors.UPSTREAM_UNAVAILABLE, 'the exchange is closed'),
  /** Redis unreachable under REDIS_FAILURE=closed (store/store-down.ts): nothing was sent, the client may say why. */
  STORE_UNAVAILABLE: Object.freeze({
    definition: variants.UPSTREAM_UNAVAILABLE.storeUnavailable,
    reason: 'store-unavailable',
    detail: { reason: 'shared store unavailable' },
  }),
  // The exchange request's body (guards/request-body.ts).
  UNSUPPORTED_MEDIA_TYPE: prebuilt(variants.INVALID_REQUEST.unsupportedMediaType),
  BODY_TOO_LARGE: prebuilt(variants.INVALID_REQUEST.payloadTooLarge),
  BODY_ABORTED: prebuilt(errors.INVALID_REQUEST, 'the client stopped sending the body'),
  NOT_JSON: prebuilt(errors.INVALID_REQUEST, 'body is not valid JSON'),
  NOT_AN_OBJECT: prebuilt(errors.INVALID_REQUEST, 'body is not a JSON object'),
  NO_CODE: prebuilt(errors.INVALID_REQUEST, 'code is missing or not a string'),
  BAD_CODE: prebuilt(errors.INVALID_REQUEST, 'code has an invalid length or characters'),
  BAD_NONCE: prebuilt(errors.INVALID_REQUEST, 'nonce must be 1 to 128 printable ASCII characters'),
});

/**
 * The one place a bug becomes INTERNAL_ERROR: the log gets its message and stack, the client only the fixed row. Never
 * throws, whatever was thrown (`throw null` included): the app's last resort calls it.
 */
export function internalError(error: unknown): ProxyFailure {
  const { message, stack } = (error ?? {}) as Partial<Error>;
  return { definition: errors.INTERNAL_ERROR, detail: { errorMessage: message, stack } };
}

export function failureBody(failure: ProxyFailure, requestId: string): FailureBody {
  const { definition } = failure;
  const body: FailureBody = {
    statusCode: definition.statusCode,
    message: definition.message,
    error: failure.error ?? definition.error,
    requestId,
  };
  if (failure.apiCode !== undefined) body.apiCode = failure.apiCode;
  if (failure.upstreamRequestId !== undefined) body.upstreamRequestId = failure.upstreamRequestId;
  if (failure.retryAfterSeconds !== undefined) body.retryAfter = failure.retryAfterSeconds;
  if (failure.reason !== undefined) body.detail = { reason: failure.reason };
  return body;
}

/** A failure as an answer in any runtime: its HTTP status, the envelope, and the seconds for Retry-After. */
export function failureAnswer(failure: ProxyFailure, requestId: string): ExchangeAnswer & { body: FailureBody } {
  return { status: failure.definition.statusCode, body: failureBody(failure, requestId), retryAfterSeconds: failure.retryAfterSeconds };
}
