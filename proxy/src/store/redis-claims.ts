// A code hash's claim in Redis and how it ends. Per code hash two keys (one hash slot):
//   code:{h}   'pending:<token>' from the claim (the token is the claimant's own, random), then the stored answer; lives
//              the code's life (dedupe TTL), so it is also the tombstone: once claimed, a code never reaches Authing
//              again within its life (unless Redis loses the key).
//   lease:{h}  the claimant's lease, 1.5 x the upstream timeout + LEASE_MARGIN_MS. 'pending' without a lease means the claimant
//              did not answer in time: it died mid-call, was slower than its lease, or could not save its answer. The
//              code is possibly spent either way: every request for it gets UPSTREAM_TIMEOUT. A waiter marks the lease
//              'waited': only then is the answer published, so no instance hears (and parses) every other's answers.
// A claim let go unsent (its request was not admitted: the claim is sent alongside the rate-limit count) is deleted, or,
// when waited on, replaced by 'released' (for as long as a waiter waits: longestWaitMs) and published as such: the
// waiter claims the code itself. A 'released' code is free to claim, and an answer may replace it.
// A claim is made only while Redis holds the data-loss marker (redis-marker.ts): without it Redis lost its data (a
// flush, a restart) and the instances are writing back what they know, so a free code answers 'unmarked' and nothing is
// written. The marker is a third key, outside the code's hash slot: this store speaks to one Redis, not a cluster.
import { hash } from 'node:crypto';
import type { UpstreamOutcome } from '../contract/types';
import { encodeOutcome } from './outcome-codec';
import type { RedisConnection } from './redis-connection';
import { longestWaitMs, timed } from './redis-timing';
import { shouldRemember } from './single-flight';

/** What a claim let go unsent leaves for its waiters: the code is free to claim. */
export const RELEASED = 'released';

/**
 * What a waiter finds in `state` (the code key's value): 'pending' with the lease marked waited, 'lost' when the
 * claimant's lease is gone, or the state itself (a stored answer, 'released').
 */
const WAITER_VIEW = `
if string.sub(state, 1, 7) == 'pending' then
  local lease = redis.call('PTTL', KEYS[2])
  if lease <= 0 then return 'lost' end
  redis.call('SET', KEYS[2], 'waited', 'PX', lease)
  return 'pending'
end
return state`;

/**
 * Claims the code unless it is claimed or answered: 'claimed', or what a waiter finds; 'unmarked' (nothing written) when it
 * is free but Redis lacks the marker. A stored answer or a claim there is found all the same: it is what Redis kept or got back.
 */
const CLAIM_SCRIPT = `
local state = redis.call('GET', KEYS[1])
if not state or state == '${RELEASED}' then
  if redis.call('EXISTS', KEYS[3]) == 0 then return 'unmarked' end
  redis.call('SET', KEYS[1], 'pending:' .. ARGV[3], 'PX', ARGV[1])
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  return 'claimed'
end${WAITER_VIEW}`;

/**
 * A waiter's look at the code without claiming it: nil when the key is gone, else what a waiter finds (marking the lease
 * of a claim made after the one first waited on: its end is published too).
 */
const PEEK_SCRIPT = `
local state = redis.call('GET', KEYS[1])
if not state then return false end${WAITER_VIEW}`;

/**
 * Ends a claim. ARGV: token, answer ('' when there is none: the claim is let go unsent), '1' to store it for the code's
 * life (else the claim is released, only when it is still ours), life, channel, message, how long 'released' stays. An
 * answer replaces any pending or released claim (ours, or another instance's after Redis lost ours) but never a stored
 * answer.
 */
const SETTLE_SCRIPT = `
local state = redis.call('GET', KEYS[1])
local ours = state == 'pending:' .. ARGV[1]
local waited = redis.call('GET', KEYS[2]) == 'waited'
if ARGV[3] == '1' then
  if state and state ~= '${RELEASED}' and string.sub(state, 1, 7) ~= 'pending' then return 0 end
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
  redis.call('DEL', KEYS[2])
elseif ours then
  redis.call('DEL', KEYS[1], KEYS[2])
  if waited and ARGV[2] == '' then
    redis.call('SET', KEYS[1], '${RELEASED}', 'PX', ARGV[7])
    redis.call('PUBLISH', ARGV[5], ARGV[6])
  end
end
if waited and ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
return 1`;

/**
 * Puts back a claim of this process that Redis lost (only where the code key is missing): the code for what is left of its
 * life, the lease for what is left of it (none when it is over: waiters then answer UPSTREAM_TIMEOUT). ARGV: the claim,
 * the code's ms left, the token, the lease's ms left.
 */
const REASSERT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4]) end
return 1`;

/** Claims this process could not end (Redis failed): retried when Redis is back, the oldest dropped past this. */
const MAX_UNSETTLED = 10_000;

export interface RedisClaims {
  /** 'claimed' (by this token), 'pending', 'lost', or the stored answer. */
  claim(key: string, token: string): Promise<string>;
  /**
   * The stored answer, 'pending' (marking the lease waited), RELEASED, or undefined when the claimant did not answer in time
   * (or the key is gone).
   */
  peek(key: string): Promise<string | undefined>;
  /**
   * Ends this token's claim: stores the outcome (when remembered) and publishes it, or releases the claim (no outcome,
   * or one that provably never left). On failure it is kept, retried by retryUnsettled(), and the error thrown.
   */
  settle(key: string, token: string, outcome: UpstreamOutcome | undefined): Promise<void>;
  /** Retries the claims not ended yet; resolves when each was tried once. */
  retryUnsettled(): Promise<void>;
  /** Puts this token's claim back where Redis lost it (REASSERT_SCRIPT), `elapsedMs` after it was made. */
  reassert(key: string, token: string, elapsedMs: number): Promise<void>;
}

export function redisClaims(
  redis: RedisConnection,
  settings: { codeLifeMs: number; leaseMs: number; keyPrefix: string; markerKey: string },
): RedisClaims {
  const { client } = redis;
  const codeKey = (key: string): string => `${settings.keyPrefix}code:{${key}}`;
  const leaseKey = (key: string): string => `${settings.keyPrefix}lease:{${key}}`;
  const unsettled = new Map<string, { token: string; outcome: UpstreamOutcome | undefined }>();

  /** EVALSHA, and EVAL once when the server does not know the script yet (or lost it in a restart). */
  const script = (source: string, extraKeys: string[] = []): ((key: string, args: string[]) => Promise<unknown>) => {
    const sha = hash('sha1', source);
    return (key, args) => {
      const options = { keys: [codeKey(key), leaseKey(key), ...extraKeys], arguments: args };
      return timed(
        client.evalSha(sha, options).catch((error: Error) => {
          if (!error.message?.startsWith('NOSCRIPT')) throw error;
          return client.eval(source, options);
        }),
      );
    };
  };
  const claimScript = script(CLAIM_SCRIPT, [settings.markerKey]);
  const reassertScript = script(REASSERT_SCRIPT);
  const peekScript = script(PEEK_SCRIPT);
  const settleScript = script(SETTLE_SCRIPT);

  const releasedMs = String(longestWaitMs(settings.leaseMs));
  const trySettle = async (key: string, token: string, outcome: UpstreamOutcome | undefined): Promise<void> => {
    const answer = outcome === undefined ? '' : encodeOutcome(outcome);
    const keep = outcome !== undefined && shouldRemember(outcome) ? '1' : '0';
    await settleScript(key, [token, answer, keep, String(settings.codeLifeMs), redis.channel, `${key} ${answer || RELEASED}`, releasedMs]);
  };

  return {
    async claim(key, token) {
      return (await claimScript(key, [String(settings.codeLifeMs), String(settings.leaseMs), token])) as string;
    },
    async peek(key) {
      const state = (await peekScript(key, [])) as string | null;
      return state === null || state === 'lost' ? undefined : state;
    },
    async settle(key, token, outcome) {
      try {
        await trySettle(key, token, outcome);
      } catch (error) {
        unsettled.delete(key);
        unsettled.set(key, { token, outcome });
        if (unsettled.size > MAX_UNSETTLED) unsettled.delete(unsettled.keys().next().value as string);
        throw error;
      }
    },
    async reassert(key, token, elapsedMs) {
      const codeLeft = Math.floor(settings.codeLifeMs - elapsedMs);
      if (codeLeft <= 0) return;
      await reassertScript(key, [`pending:${token}`, String(codeLeft), token, String(Math.max(0, Math.floor(settings.leaseMs - elapsedMs)))]);
    },
    async retryUnsettled() {
      await Promise.all(
        [...unsettled].map(async ([key, { token, outcome }]) => {
          try {
            await trySettle(key, token, outcome);
            if (unsettled.get(key)?.token === token) unsettled.delete(key);
          } catch {
            // still down: the next reconnection tries again
          }
        }),
      );
    },
  };
}
