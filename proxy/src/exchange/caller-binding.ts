// An answer the single flight shares belongs to the request that spent the code. Authing answers a used code with an
// error; the single flight must not turn a replayed code into a fresh phone (and a fresh signed assertion) for
// someone else. A genuine retry comes from the same page: same nonce, same appid and openid (the address may change).
import { hash } from 'node:crypto';
import { errors, type ProxyFailure } from '../contract/errors';
import type { Caller } from '../guards/caller';
import type { DedupeSource, UpstreamOutcome } from '../contract/types';

/** sha256 over what identifies the page session; the nonce itself is never stored. */
export function bindingOf(caller: Caller, nonce: string | undefined): string {
  return hash('sha256', JSON.stringify([nonce ?? '', caller.appId ?? '', caller.openId ?? '']), 'base64url');
}

/** As Authing answers a used code (docs/en/reference/errors.md: CODE_REJECTED); the log says why. */
const ANOTHER_CALLER: ProxyFailure = Object.freeze({
  definition: errors.CODE_REJECTED,
  detail: Object.freeze({ reason: 'code already exchanged for another caller' }),
});

/**
 * CODE_REJECTED when a success this request did not fetch itself was fetched for another binding. An answer without
 * a binding (stored by an older version) is refused too: it cannot be shown to be this caller's.
 */
export function servedToAnother(outcome: UpstreamOutcome, source: DedupeSource, binding: string): ProxyFailure | undefined {
  if (source === 'upstream' || !outcome.ok) return undefined;
  return outcome.binding === binding ? undefined : ANOTHER_CALLER;
}
