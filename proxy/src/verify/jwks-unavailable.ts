// The proxy's JWKS could not be fetched (network, timeout, not a 200, not a key set): nothing is known about the
// token, so the backend answers 503 and may retry, unlike a PhoneAssertionError (401) or a wrong option (TypeError).
import { errors } from 'jose';

export class JwksUnavailableError extends Error {
  readonly reason = 'jwks-unavailable' as const;
  /** Always true: the same token may verify once the JWKS answers. */
  readonly retryable = true as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksUnavailableError';
  }
}

/**
 * Whether an error from jose's remote key set is about fetching it. fetch() rejects with a TypeError ("fetch failed");
 * jose says JWKSTimeout, JWKSInvalid, or a generic JOSEError for a status other than 200. Our own options are checked
 * before any fetch, so a TypeError here is the network's.
 */
export function fetchFailed(error: unknown): boolean {
  // By name: fetch's TypeError may come from another realm (a test sandbox, a bundler's shim).
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (error as Error | undefined)?.name === 'TypeError') return true;
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC';
}
