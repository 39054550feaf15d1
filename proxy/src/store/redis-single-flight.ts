// Single flight across instances over Redis (the keys: redis-claims.ts). This process also remembers, in its own bounded
// memory, every answer it made or heard, and checks it before Redis: a repeat on this instance never reaches Authing
// again even if Redis lost the answer (a restart without persistence, eviction, a failover, FLUSHDB), failed to save
// it, or was down when it was made (REDIS_FAILURE=open). When Redis is back, answers not saved are saved, and this
// process's answers are written back where Redis lost them (SET NX), for the other instances.
// Waiters hear the answer on one pub/sub channel (one subscription per process), and poll at a bounded pace as a safety net.
import { randomUUID } from 'node:crypto';
import type { ExchangeOutcome } from '../exchange/classify';
import type { Dedupe, DedupeSource } from './dedupe';
import { NOT_ADMITTED, shouldRemember, type SingleFlight } from './single-flight';
import { errors } from '../errors';
import { InFlight } from '../in-flight';
import { decodeOutcome, encodeOutcome, type CompactOutcome } from './outcome-codec';
import { RELEASED, redisClaims } from './redis-claims';
import type { RedisConnection } from './redis-connection';
import { LEASE_MARGIN_MS, timed, WAIT_POLL_MS } from './redis-timing';
import type { StoreDownPolicy } from './types';

/** Answers written back per round trip after a reconnection. */
const WRITE_BACK_BATCH = 500;

const possiblySpent = (reason: string): ExchangeOutcome => ({
  ok: false,
  failure: { definition: errors.UPSTREAM_TIMEOUT, detail: { reason } },
  neverSent: false,
});

export type Result = { outcome: ExchangeOutcome; source: DedupeSource };

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

export function createRedisSingleFlight(
  redis: RedisConnection,
  settings: { codeLifeMs: number; upstreamTimeoutMs: number; keyPrefix: string },
  local: Dedupe<Result, CompactOutcome>,
  storeDown: StoreDownPolicy,
): SingleFlight {
  const leaseMs = settings.upstreamTimeoutMs + LEASE_MARGIN_MS;
  const claims = redisClaims(redis, { codeLifeMs: settings.codeLifeMs, leaseMs, keyPrefix: settings.keyPrefix });
  /** Work close() waits for before the connection goes: exchanges on Redis, saves and releases under way. */
  const working = new InFlight();
  /** Waiters of this process by code hash, woken by the answers channel. */
  const waiters = new Map<string, Set<(answer: string) => void>>();

  redis.onAnswer((key, answer) => waiters.get(key)?.forEach((wake) => wake(answer)));
  redis.onReady(() => {
    const done = working.enter();
    Promise.all([claims.retryUnsettled(), writeBack()]).catch(() => undefined).finally(done);
  });

  /** This process's answers into a Redis that lost them (NX: never over a claim or an answer there). */
  const writeBack = async (): Promise<void> => {
    let batch = redis.client.multi();
    let size = 0;
    for (const { key, value, msLeft } of local.remembered()) {
      batch.set(`${settings.keyPrefix}code:{${key}}`, encodeOutcome(value.outcome), { NX: true, PX: msLeft });
      if (++size % WRITE_BACK_BATCH !== 0) continue;
      await timed(batch.execAsPipeline());
      batch = redis.client.multi();
    }
    if (size % WRITE_BACK_BATCH !== 0) await timed(batch.execAsPipeline());
  };

  /** Waits for the claimant's answer (RELEASED: it let the code go unsent) until `deadline` (then the claimant is gone). */
  const wait = async (key: string, heard: { answer?: string; wake?: () => void }, deadline: number): Promise<ExchangeOutcome | typeof RELEASED> => {
    while (heard.answer === undefined && Date.now() < deadline) {
      await sleepUntilWoken(heard, WAIT_POLL_MS);
      if (heard.answer !== undefined) break;
      const state = await claims.peek(key);
      if (state === undefined) return possiblySpent('the instance that claimed this code did not answer in time');
      if (state !== 'pending') heard.answer = state;
    }
    if (heard.answer === undefined) return possiblySpent('no answer from the instance that claimed this code');
    if (heard.answer === RELEASED) return RELEASED;
    return decodeOutcome(heard.answer) ?? possiblySpent('unreadable stored answer');
  };

  /** Ends this token's claim in the background (close() waits for it); a failure is retried when Redis is back. */
  const settleLater = (key: string, token: string, outcome: ExchangeOutcome | undefined, onError: (error: unknown) => void): void => {
    const done = working.enter();
    claims.settle(key, token, outcome).catch(onError).finally(done);
  };

  /** One claim of the code and what follows it; RELEASED when the claim this one waited on was let go unsent. */
  const claimAndAnswer = async (key: string, call: () => Promise<ExchangeOutcome>, admitted: Promise<boolean>, deadline: number): Promise<Result | typeof RELEASED> => {
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
      // Sent with the request's rate-limit count (one round trip); undone below when the request is not admitted.
      let state: string | null;
      try {
        state = await claims.claim(key, token);
      } catch (error) {
        // The claim may have run on the server all the same (it timed out on our side only): release it (closed, or not
        // admitted: nothing was sent) or store the answer over it (open), or the code would stay pending for its life.
        if (!(await admitted)) return notAdmitted(key, token, () => undefined);
        const refused = storeDown.claimFailed(error);
        const outcome = refused ?? (await call());
        settleLater(key, token, refused ? undefined : outcome, () => undefined);
        return { outcome, source: 'upstream' };
      }
      if (!(await admitted)) return state === 'claimed' ? notAdmitted(key, token, (error) => storeDown.note('save', error)) : { outcome: NOT_ADMITTED, source: 'inflight' };
      if (state === 'claimed') {
        const outcome = await call();
        // Saved while the client already has its answer (a repeat meanwhile waits for it, as for any pending claim).
        // Unsaved, waiters elsewhere answer UPSTREAM_TIMEOUT when the lease ends: never a second call.
        settleLater(key, token, outcome, (error) => storeDown.note('save', error));
        return { outcome, source: 'upstream' };
      }
      if (state === 'lost') return { outcome: possiblySpent('the instance that claimed this code did not answer in time'), source: 'inflight' };
      if (state === 'pending') {
        const outcome = await wait(key, heard, deadline).catch((error: unknown) => {
          // Another instance may have called Authing: the code is possibly spent, in either failure mode.
          storeDown.note('wait', error);
          return possiblySpent('lost the store while waiting for the instance that claimed this code');
        });
        return outcome === RELEASED ? RELEASED : { outcome, source: 'inflight' };
      }
      return { outcome: decodeOutcome(state ?? '') ?? possiblySpent('unreadable stored answer'), source: 'remembered' };
    } finally {
      listeners.delete(listener);
      if (listeners.size === 0) waiters.delete(key);
    }
  };

  /** Lets this token's claim go (nothing was sent); an instance waiting on it claims the code itself. */
  const notAdmitted = (key: string, token: string, onError: (error: unknown) => void): Result => {
    settleLater(key, token, undefined, onError);
    return { outcome: NOT_ADMITTED, source: 'upstream' };
  };

  /**
   * A claim, and one more when the claim waited on was let go unsent (its request was not admitted). Waiting is bounded
   * by one lease (plus two polls) for both: a request takes no longer than it did with one claim (REDIS_WAIT_MARGIN_MS).
   */
  const runShared = async (key: string, call: () => Promise<ExchangeOutcome>, admitted: Promise<boolean>): Promise<Result> => {
    const deadline = Date.now() + leaseMs + 2 * WAIT_POLL_MS;
    const first = await claimAndAnswer(key, call, admitted, deadline);
    if (first !== RELEASED) return first;
    const second = await claimAndAnswer(key, call, admitted, deadline);
    return second !== RELEASED ? second : { outcome: NOT_ADMITTED, source: 'inflight' };
  };

  /** One run through this process's memory: same-process duplicates share one claim, and an answer known here is final. */
  const runLocal = async (key: string, call: () => Promise<ExchangeOutcome>, admitted: Promise<boolean>): Promise<Result & { joined: boolean }> => {
    const { promise, source } = local.run(key, () => {
      const done = working.enter();
      return runShared(key, call, admitted).finally(done);
    }, (result) => shouldRemember(result.outcome));
    const { outcome, source: own } = await promise;
    return source === 'upstream' ? { outcome, source: own, joined: false } : { outcome, source, joined: true };
  };

  return {
    async run(key, call, admitted) {
      const { outcome, source, joined } = await runLocal(key, call, admitted);
      // Joined the flight of another request of this process, which was not admitted: this one may be, and runs its own.
      if (!joined || outcome !== NOT_ADMITTED || !(await admitted)) return { outcome, source };
      const own = await runLocal(key, call, admitted);
      return { outcome: own.outcome, source: own.source };
    },
    async close() {
      await working.idle();
      local.clear();
    },
  };
}
