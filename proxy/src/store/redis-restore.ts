// What an instance puts back into a Redis that lost data (found by redis-marker.ts, or on reconnecting): the answers
// it remembers, only where Redis lost them (SET NX: never over a claim or an answer there), its claims in flight (a
// waiter elsewhere then waits for their answers instead of calling Authing again), and the claims it could not end.
import type { UpstreamOutcome } from '../contract/types';
import { encodeOutcome } from './outcome-codec';
import type { RedisClaims } from './redis-claims';
import type { RedisConnection } from './redis-connection';
import { timed } from './redis-timing';

/** Answers written back per round trip. */
const WRITE_BACK_BATCH = 500;

/** This process's claims in flight, by code hash: the token and when it was made (performance.now()). */
export type ClaimsInFlight = Map<string, { token: string; since: number }>;

export function redisRestorer(
  redis: RedisConnection,
  claims: RedisClaims,
  remembered: () => Iterable<{ key: string; value: { outcome: UpstreamOutcome }; msLeft: number }>,
  claimsInFlight: ClaimsInFlight,
  keyPrefix: string,
): () => Promise<void> {
  const writeBack = async (): Promise<void> => {
    let batch = redis.client.multi();
    let size = 0;
    for (const { key, value, msLeft } of remembered()) {
      batch.set(`${keyPrefix}code:{${key}}`, encodeOutcome(value.outcome), { NX: true, PX: Math.ceil(msLeft) });
      if (++size % WRITE_BACK_BATCH !== 0) continue;
      await timed(batch.execAsPipeline());
      batch = redis.client.multi();
    }
    if (size % WRITE_BACK_BATCH !== 0) await timed(batch.execAsPipeline());
  };
  const reassert = (): Promise<unknown> =>
    Promise.all([...claimsInFlight].map(([key, { token, since }]) => claims.reassert(key, token, performance.now() - since)));

  return async () => {
    await Promise.all([reassert(), writeBack(), claims.retryUnsettled()]);
  };
}
