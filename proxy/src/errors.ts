// The wire error table (docs/en/reference/protocol.md; the codes: docs/en/reference/errors.md), created once and named.
// Messages are fixed and safe to show: upstream text never reaches the client.

export type ProxyErrorCode =
  | 'INVALID_REQUEST'
  | 'ORIGIN_FORBIDDEN'
  | 'CODE_REJECTED'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'MISCONFIGURED'
  | 'NOT_FOUND'
  | 'INTERNAL_ERROR'
  | 'REFUSED'
  | 'HOOK_FAILED';

export interface ProxyErrorDefinition {
  readonly error: ProxyErrorCode;
  readonly statusCode: number;
  readonly message: string;
}

function define(error: ProxyErrorCode, statusCode: number, message: string): ProxyErrorDefinition {
  return Object.freeze({ error, statusCode, message });
}

export const errors = Object.freeze({
  INVALID_REQUEST: define('INVALID_REQUEST', 400, 'Invalid request: send JSON {"code": "<phone code>"}'),
  PAYLOAD_TOO_LARGE: define('INVALID_REQUEST', 413, 'Request body too large'),
  UNSUPPORTED_MEDIA_TYPE: define('INVALID_REQUEST', 415, 'Content-Type must be application/json'),
  ORIGIN_FORBIDDEN: define('ORIGIN_FORBIDDEN', 403, 'Caller not allowed'),
  CODE_REJECTED: define('CODE_REJECTED', 422, 'The phone code is invalid, expired or already used'),
  RATE_LIMITED: define('RATE_LIMITED', 429, 'Too many requests, retry later'),
  UPSTREAM_ERROR: define('UPSTREAM_ERROR', 502, 'Unexpected answer from the identity provider'),
  UPSTREAM_UNAVAILABLE: define('UPSTREAM_UNAVAILABLE', 503, 'Identity provider unavailable, retry later'),
  // The call could not start (the proxy's upstream slots were busy, no connection, the client closing): the code never
  // left this machine, so it stays free and the very same code may be sent again.
  UPSTREAM_NOT_SENT: define('UPSTREAM_UNAVAILABLE', 503, 'Identity provider busy: nothing was sent, send the same code again'),
  // The same wire code (nothing was sent, the client may send the same code again), but the fault is our store's.
  STORE_UNAVAILABLE: define('UPSTREAM_UNAVAILABLE', 503, 'Shared store unavailable: nothing was sent, send the same code again'),
  UPSTREAM_TIMEOUT: define('UPSTREAM_TIMEOUT', 504, 'Identity provider did not answer in time'),
  MISCONFIGURED: define('MISCONFIGURED', 500, 'Phone service is misconfigured'),
  NOT_FOUND: define('NOT_FOUND', 404, 'Not found'),
  INTERNAL_ERROR: define('INTERNAL_ERROR', 500, 'Internal error'),
  // The host's onPhone hook threw or answered something unusable (exchange/on-phone.ts). A refusal (REFUSED) has no
  // fixed row: its status and message are the host's.
  HOOK_FAILED: define('HOOK_FAILED', 500, 'The phone number was verified but the app could not complete the request, retry'),
});

/** A failure to answer with: the table row plus what the client may see and what only the log may see. */
export interface ProxyFailure {
  readonly definition: ProxyErrorDefinition;
  readonly apiCode?: number;
  readonly upstreamRequestId?: string;
  /** Seconds for the Retry-After header (RATE_LIMITED). */
  readonly retryAfterSeconds?: number;
  /** The host's own error code for its refusal (onPhone), sent instead of `definition.error` (REFUSED, the metric label). */
  readonly error?: string;
  /** Why, for the log only: upstream status, WeChat errcode, scrubbed upstream message, error code. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Why, safe to show (a fixed kebab-case word, never a value): sent as the answer's `detail.reason` (docs/en/reference/errors.md, "Refusal reasons"). */
  readonly reason?: string;
}

/** The failure envelope of our wire contract. */
export interface FailureBody {
  statusCode: number;
  message: string;
  /** One of ProxyErrorCode, or the code an onPhone hook refused with. */
  error: ProxyErrorCode | (string & {});
  apiCode?: number;
  requestId: string;
  upstreamRequestId?: string;
  /** RATE_LIMITED: seconds before trying again (as the Retry-After header, for transports without headers). */
  retryAfter?: number;
  /** Why, when the proxy can say it safely: e.g. `{ reason: 'devtools' }` (docs/en/reference/errors.md, "Refusal reasons"). */
  detail?: { reason: string };
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
export function failureAnswer(failure: ProxyFailure, requestId: string): { status: number; body: FailureBody; retryAfterSeconds?: number } {
  return { status: failure.definition.statusCode, body: failureBody(failure, requestId), retryAfterSeconds: failure.retryAfterSeconds };
}
