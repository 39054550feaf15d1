// What an exchange does when Redis fails, per REDIS_FAILURE, and the warnings about it (at most one per step and
// interval: an outage must not flood the log; the counter tells how often).
import type { StoreFailureMode } from '../config';
import { failures } from '../contract/errors';
import type { ProxyMetrics } from '../observability/metrics';
import type { StoreDownPolicy } from './types';
import type { ThrottledWarning } from './throttled-warning';

const NOTES = {
  save: 'Redis: could not save an answer (kept in this process, saved again when Redis is back); other instances waiting for it answer UPSTREAM_TIMEOUT',
  wait: "Redis: lost while waiting for another instance's answer; answered UPSTREAM_TIMEOUT (the code is possibly spent)",
  rate_limit: 'Redis: the rate limit counts on this instance alone until Redis answers again',
  recovering: 'Redis lost its data: new codes answered 503 UPSTREAM_UNAVAILABLE (nothing sent) while the instances write back what they know',
} as const;

export function storeDownPolicy(mode: StoreFailureMode, metrics: ProxyMetrics, warn: ThrottledWarning): StoreDownPolicy {
  const note = (action: 'refused' | 'unprotected' | 'save' | 'wait' | 'rate_limit' | 'recovering', error: unknown, message: string): void => {
    metrics.storeFailures.inc({ action });
    warn(action, { err: { message: (error as Error)?.message }, redisFailure: mode }, message);
  };
  return {
    note(step, error) {
      note(step, error, NOTES[step]);
    },
    claimFailed(error) {
      if (mode === 'closed') {
        // Nothing was sent: the client may send the same code again.
        note('refused', error, 'Redis unavailable and REDIS_FAILURE=closed: exchanges answered 503 UPSTREAM_UNAVAILABLE without calling Authing');
        return {
          ok: false,
          failure: failures.STORE_UNAVAILABLE,
          neverSent: true,
        };
      }
      note(
        'unprotected',
        error,
        'Redis unavailable and REDIS_FAILURE=open: exchanging without cross-instance protection (a code repeated on another instance may reach Authing twice)',
      );
      return undefined;
    },
  };
}
