// Single flight across instances over Redis (the keys: redis-claims.ts). This process also remembers, in its own bounded
// memory, every answer it made or heard, and checks it before Redis: a repeat on this instance never reaches Authing
// again even if Redis lost the answer (a restart without persistence, eviction, a failover, FLUSHDB), failed to save
// it, or was down when it was made (REDIS_FAILURE=open). When Redis is back, or found to have lost data (redis-marker.ts),
// answers not saved are saved, this process's answers are written back where Redis lost them (SET NX), for the other
// instances, and its claims in flight are re-asserted (redis-restore.ts).
// Waiters hear the answer on one pub/sub channel (one subscription per process), and poll at a bounded pace as a safety net.
import { randomUUID } from 'node:crypto';
import type { SourcedOutcome, UpstreamOutcome } from '../contract/types';
import type { Dedupe } from './dedupe';
import { NOT_ADMITTED, shouldRemember, type SingleFlight } from './single-flight';
import { errors } from '../contract/errors';
import { InFlight } from '../in-flight';
import { decodeOutcome, type CompactOutcome } from './outcome-codec';
import { RELEASED, redisClaims } from './redis-claims';
import { neverWritten, type RedisConnection } from './redis-connection';
import { UNMARKED } from './redis-marker';
import { redisRestorer, type ClaimsInFlight } from './redis-restore';
import { LEASE_MARGIN_MS, longestWaitMs, RETRY_WINDOW_MS, WAIT_POLL_MS } from './redis-timing';
import type { StoreDownPolicy } from './types';

const possiblySpent = (reason: string): UpstreamOutcome => ({
  ok: false,
  failure: { definition: errors.UPSTREAM_TIMEOUT, detail: { reason } },
  neverSent: false,
});

/** Resolves after `ms`, or sooner when `heard.wake` is called. */
function sleepUntilWoken(heard: { wake?: () => void }, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      heard.wake = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    heard.wake = done;
  });
}

export interface RedisSingleFlight extends SingleFlight {
  /** Writes back remembered answers, re-asserts claims in flight, retries the claims not ended (Redis lost data). */
  restore(): Promise<void>;
}

/** `onUnmarked`: a claim found Redis without its data-loss marker (redis-marker.ts looks now). */
export function createRedisSingleFlight(
  redis: RedisConnection,
  settings: { codeLifeMs: number; upstreamTimeoutMs: number; keyPrefix: string; markerKey: string },
  local: Dedupe<SourcedOutcome, CompactOutcome>,
  storeDown: StoreDownPolicy,
  onUnmarked: () => void,
): RedisSingleFlight {
  // A call may wait up to half its deadline for a free upstream slot before its deadline starts (docs/en/reference/protocol.md,
  // "Timeouts and upstream concurrency"): the lease covers both, so it outlives every call still able to be sent.
  const leaseMs = Math.ceil(settings.upstreamTimeoutMs * 1.5) + LEASE_MARGIN_MS;
  const claims = redisClaims(redis, { codeLifeMs: settings.codeLifeMs, leaseMs, keyPrefix: settings.keyPrefix, markerKey: settings.markerKey });
  /** Work close() waits for before the connection goes: exchanges on Redis, saves and releases under way. */
  const working = new InFlight();
  /** Waiters of this process by code hash, woken by the answers channel. */
  const waiters = new Map<string, Set<(answer: string) => void>>();

  /** Claims this process made and has not had answered yet: re-asserted where Redis lost them. */
  const claimsInFlight: ClaimsInFlight = new Map();
  const restoreNow = redisRestorer(redis, claims, () => local.remembered(), claimsInFlight, settings.keyPrefix);
  const restore = (): Promise<void> => {
    const done = working.enter();
    return restoreNow().finally(done);
  };

  redis.onAnswer((key, answer) => waiters.get(key)?.forEach((wake) => wake(answer)));
  redis.onReady(() => void restore().catch(() => undefined));

  /**
   * Waits for the claimant's answer, or RELEASED when it let the code go unsent, bounded by longestWaitMs (then the claimant
   * is gone) and one last state read. A release heard is checked: it may concern an earlier claim of the code.
   */
  const wait = async (key: string, heard: { answer?: string; wake?: () => void }): Promise<UpstreamOutcome | typeof RELEASED> => {
    const deadline = performance.now() + longestWaitMs(leaseMs);
    for (;;) {
      const message = heard.answer;
      heard.answer = undefined;
      if (message !== undefined && message !== RELEASED) return decodeOutcome(message) ?? possiblySpent('unreadable stored answer');
      const left = deadline - performance.now();
      if (left <= 0) return possiblySpent('no answer from the instance that claimed this code');
      if (message === undefined) {
        await sleepUntilWoken(heard, Math.min(WAIT_POLL_MS, left));
        if (heard.answer !== undefined) continue;
      }
      const state = await claims.peek(key);
      if (heard.answer !== undefined && heard.answer !== RELEASED) continue; // published while the state was read
      if (state === undefined) return possiblySpent('the instance that claimed this code did not answer in time');
      if (state === RELEASED) return RELEASED;
      if (state !== 'pending') return decodeOutcome(state) ?? possiblySpent('unreadable stored answer');
    }
  };

  /** Ends this token's claim in the background (close() waits for it); a failure is retried when Redis is back. */
  const settleLater = (key: string, token: string, outcome: UpstreamOutcome | undefined, onError: (error: unknown) => void): void => {
    const done = working.enter();
    claims.settle(key, token, outcome).catch(onError).finally(done);
  };

  /** The code's claim, sent with the request's rate-limit count (one round trip), and what follows it. */
  const runShared = async (key: string, call: () => Promise<UpstreamOutcome>, admitted: Promise<boolean>): Promise<SourcedOutcome> => {
    const token = randomUUID();
    // Listening before the claim: an answer published right after it is not missed.
    const heard: { answer?: string; wake?: () => void } = {};
    const listener = (answer: string): void => {
      heard.answer = answer;
      heard.wake?.();
    };
    const listeners = waiters.get(key) ?? new Set();
    waiters.set(key, listeners.add(listener));
    try {
      let state: string;
      try {
        state = await claims.claim(key, token);
      } catch (error) {
        const refused = (await admitted) ? storeDown.claimFailed(error) : NOT_ADMITTED;
        if (refused && neverWritten(error)) return { outcome: refused, source: 'upstream' };
        const outcome = refused ?? (await call());
        // A claim written to Redis may have run there all the same (it timed out on our side, the connection dropped):
        // it is released (not admitted, or closed: nothing was sent), or the answer stored over it (open), or the code
        // would stay pending for its life.
        settleLater(key, token, refused ? undefined : outcome, () => undefined);
        return { outcome, source: 'upstream' };
      }
      if (!(await admitted)) {
        // Let go unsent: an instance waiting on it claims the code itself. A release that fails is retried when Redis is back.
        if (state === 'claimed') settleLater(key, token, undefined, () => undefined);
        return { outcome: NOT_ADMITTED, source: 'upstream' };
      }
      if (state === 'unmarked') {
        onUnmarked();
        storeDown.note('recovering', undefined);
        return { outcome: UNMARKED, source: 'upstream' };
      }
      if (state === 'claimed') {
        claimsInFlight.set(key, { token, since: performance.now() });
        const outcome = await call().finally(() => claimsInFlight.delete(key));
        // Saved while the client already has its answer (a repeat meanwhile waits for it, as for any pending claim).
        // Unsaved, waiters elsewhere answer UPSTREAM_TIMEOUT when the lease ends: never a second call.
        settleLater(key, token, outcome, (error) => storeDown.note('save', error));
        return { outcome, source: 'upstream' };
      }
      if (state === 'lost') return { outcome: possiblySpent('the instance that claimed this code did not answer in time'), source: 'inflight' };
      if (state === 'pending') {
        const outcome = await wait(key, heard).catch((error: unknown) => {
          // Another instance may have called Authing: the code is possibly spent, in either failure mode.
          storeDown.note('wait', error);
          return possiblySpent('lost the store while waiting for the instance that claimed this code');
        });
        return { outcome: outcome === RELEASED ? NOT_ADMITTED : outcome, source: 'inflight' };
      }
      return { outcome: decodeOutcome(state) ?? possiblySpent('unreadable stored answer'), source: 'remembered' };
    } finally {
      listeners.delete(listener);
      if (listeners.size === 0) waiters.delete(key);
    }
  };

  /** One flight through this process's memory: same-process duplicates share one claim, and an answer known here is final. */
  const runLocal = async (key: string, call: () => Promise<UpstreamOutcome>, admitted: Promise<boolean>): Promise<SourcedOutcome> => {
    const { promise, source } = local.run(
      key,
      () => {
        const done = working.enter();
        return runShared(key, call, admitted).finally(done);
      },
      (result) => shouldRemember(result.outcome),
    );
    const result = await promise;
    return source === 'upstream' ? result : { outcome: result.outcome, source };
  };

  return {
    restore,
    async run(key, call, admitted) {
      const retryUntil = performance.now() + RETRY_WINDOW_MS;
      let result = await runLocal(key, call, admitted);
      // The claim this request waited on, or the flight it joined in this process, was let go unsent (that request was
      // not admitted): the code is free. Tried once more, early enough to stay within REDIS_WAIT_MARGIN_MS.
      if (result.outcome === NOT_ADMITTED && performance.now() <= retryUntil && (await admitted)) result = await runLocal(key, call, admitted);
      return result.outcome === NOT_ADMITTED ? { outcome: NOT_ADMITTED, source: 'upstream' } : result;
    },
    async close() {
      await working.idle();
      local.clear();
    },
  };
}
