// Whether an upstream gave the probe no answer at all (nothing to judge the identifiers by), and why, for the
// "reachable" lines of the Authing and WeChat probes.
import type { UpstreamOutcome } from '../contract/types';

/** Why no answer came (a timeout, or the connection's error code), or undefined when the upstream answered. */
export function noAnswer(outcome: UpstreamOutcome, timeoutMs: number): string | undefined {
  if (outcome.ok) return undefined;
  const { error } = outcome.failure.definition;
  const detail = outcome.failure.detail ?? {};
  if (error === 'UPSTREAM_TIMEOUT') return `no answer within UPSTREAM_TIMEOUT_MS=${timeoutMs}`;
  if (error === 'UPSTREAM_UNAVAILABLE' && detail.upstreamStatus === undefined) {
    return `cannot connect (${textOf(detail.errorCode) ?? textOf(detail.errorMessage) ?? 'error'})`;
  }
  return undefined;
}

/** A log detail's field when it is text (the detail is typed unknown: it only ever reaches the log). */
function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
