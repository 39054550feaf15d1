// Single flight across instances over Redis. Per code hash two keys (one hash slot):
//   code:{h}   'pending' from the claim, then the stored answer; lives the code's life (dedupe TTL), so it is also
//              the tombstone: once claimed, a code never reaches Authing again within its life.
//   lease:{h}  the claimant's lease, a little longer than the upstream timeout. 'pending' without a lease means the
//              claimant died mid-call: the code is possibly spent, every request for it gets UPSTREAM_TIMEOUT.
// Waiters hear the answer on one pub/sub channel (one subscription per process), and poll at a bounded pace as a safety net.
import type { ExchangeOutcome } from '../exchange/classify';
import type { DedupeSource } from './dedupe';
import { shouldRemember, type SingleFlight } from './single-flight';
import { errors } from '../errors';
import { decodeOutcome, encodeOutcome } from './outcome-codec';
import type { RedisConnection } from './redis-connection';

/** Claims the code unless it is claimed or answered: 'claimed', 'pending', 'lost' or the stored answer. */
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], 'pending', 'NX', 'PX', ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return 'claimed'
end
local state = redis.call('GET', KEYS[1])
if state == 'pending' and redis.call('EXISTS', KEYS[2]) == 0 then return 'lost' end
return state`;

/** Margin of the lease over the upstream timeout: the claimant's answer is saved before its lease ends. */
const LEASE_MARGIN_MS = 1000;
/** A waiter re-reads the state this often if no answer was heard (a message lost in a reconnection, a dead claimant). */
export const WAIT_POLL_MS = 500;

const possiblySpent = (reason: string): ExchangeOutcome => ({
  ok: false,
  failure: { definition: errors.UPSTREAM_TIMEOUT, detail: { reason } },
  neverSent: false,
});

type Result = { outcome: ExchangeOutcome; source: DedupeSource };

/** What to do when Redis fails (REDIS_FAILURE decides; see store-down.ts). */
export interface StoreDownPolicy {
  /** Counts and warns. */
  note(step: 'save' | 'wait', error: unknown): void;
  /** The claim failed: nothing was sent yet. */
  claimFailed(error: unknown, key: string, call: () => Promise<ExchangeOutcome>): Promise<Result>;
}

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
  storeDown: StoreDownPolicy,
): SingleFlight {
  const { client } = redis;
  const leaseMs = settings.upstreamTimeoutMs + LEASE_MARGIN_MS;
  const codeKey = (key: string): string => `${settings.keyPrefix}code:{${key}}`;
  const leaseKey = (key: string): string => `${settings.keyPrefix}lease:{${key}}`;
  /** Same-process duplicates share one claim. */
  const inFlight = new Map<string, Promise<Result>>();
  /** Waiters of this process by code hash, woken by the answers channel. */
  const waiters = new Map<string, Set<(answer: string) => void>>();

  redis.onAnswer((key, answer) => waiters.get(key)?.forEach((wake) => wake(answer)));

  const save = async (key: string, outcome: ExchangeOutcome): Promise<void> => {
    const answer = encodeOutcome(outcome);
    const multi = client.multi();
    if (shouldRemember(outcome)) multi.set(codeKey(key), answer, { PX: settings.codeLifeMs });
    else multi.del(codeKey(key)); // provably never sent: the code may be sent again
    await multi.del(leaseKey(key)).publish(redis.channel, `${key} ${answer}`).exec();
  };

  /** Reads the state again: the stored answer, 'pending', or undefined when the claimant is gone (or the key is). */
  const peek = async (key: string): Promise<string | undefined> => {
    const [state, leased] = (await client.multi().get(codeKey(key)).exists(leaseKey(key)).exec()) as unknown as [string | null, number];
    return state === null || (state === 'pending' && leased === 0) ? undefined : state;
  };

  /** Waits for the claimant's answer; bounded by the lease (then the claimant is gone). */
  const wait = async (key: string, heard: { answer?: string; wake?: () => void }): Promise<ExchangeOutcome> => {
    const deadline = Date.now() + leaseMs + 2 * WAIT_POLL_MS;
    while (heard.answer === undefined && Date.now() < deadline) {
      await sleepUntilWoken(heard, WAIT_POLL_MS);
      if (heard.answer !== undefined) break;
      const state = await peek(key);
      if (state === undefined) return possiblySpent('the instance that claimed this code did not answer in time');
      if (state !== 'pending') heard.answer = state;
    }
    if (heard.answer === undefined) return possiblySpent('no answer from the instance that claimed this code');
    return decodeOutcome(heard.answer) ?? possiblySpent('unreadable stored answer');
  };

  const runShared = async (key: string, call: () => Promise<ExchangeOutcome>): Promise<Result> => {
    // Listening before the claim: an answer published right after it is not missed.
    const heard: { answer?: string; wake?: () => void } = {};
    const listener = (answer: string): void => {
      heard.answer = answer;
      heard.wake?.();
    };
    const listeners = waiters.get(key) ?? new Set();
    waiters.set(key, listeners.add(listener));
    try {
      let state: string | null;
      try {
        state = (await client.eval(CLAIM_SCRIPT, { keys: [codeKey(key), leaseKey(key)], arguments: [String(settings.codeLifeMs), String(leaseMs)] })) as string | null;
      } catch (error) {
        return await storeDown.claimFailed(error, key, call);
      }
      if (state === 'claimed') {
        const outcome = await call();
        // Unsaved, waiters elsewhere answer UPSTREAM_TIMEOUT when the lease ends: never a second call.
        await save(key, outcome).catch((error: unknown) => storeDown.note('save', error));
        return { outcome, source: 'upstream' };
      }
      if (state === 'lost') return { outcome: possiblySpent('the instance that claimed this code did not answer in time'), source: 'inflight' };
      if (state === 'pending') {
        const outcome = await wait(key, heard).catch((error: unknown) => {
          // Another instance may have called Authing: the code is possibly spent, in either failure mode.
          storeDown.note('wait', error);
          return possiblySpent('lost the store while waiting for the instance that claimed this code');
        });
        return { outcome, source: 'inflight' };
      }
      return { outcome: decodeOutcome(state ?? '') ?? possiblySpent('unreadable stored answer'), source: 'remembered' };
    } finally {
      listeners.delete(listener);
      if (listeners.size === 0) waiters.delete(key);
    }
  };

  return {
    async run(key, call) {
      const flying = inFlight.get(key);
      if (flying) return { outcome: (await flying).outcome, source: 'inflight' };
      const promise = runShared(key, call);
      inFlight.set(key, promise);
      try {
        return await promise;
      } finally {
        inFlight.delete(key);
      }
    },
    async close() {
      inFlight.clear();
    },
  };
}
