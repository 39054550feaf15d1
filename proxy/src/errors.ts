// The wire error table (docs/en/reference/protocol.md; the codes: docs/en/reference/errors.md), created once and named.
// Messages are fixed and safe to show: upstream text never reaches the client.

// The error shapes are the wire contract's (contract.ts); re-exported here beside the table they describe.
import type { ExchangeAnswer, FailureBody, ProxyErrorCode, ProxyErrorDefinition, ProxyFailure } from './contract';

export type { FailureBody, ProxyErrorCode, ProxyErrorDefinition, ProxyFailure } from './contract';

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
