// The one interface behind which claims, answers and rate-limit counters live: this process's memory, or Redis.
import type { UpstreamOutcome } from '../contract/types';
import type { SingleFlight } from './single-flight';
import type { RateLimiter, RateLimitSettings } from '../guards/rate-limit';

/** `reason`: why a Redis that is up cannot be used (it refuses writes). */
export type StoreHealth = { store: 'memory' } | { store: 'redis'; redis: 'up' | 'down'; reason?: string };

export interface Store {
  /**
   * Settles once the store can be used. Redis: the first connection attempt; it rejects when Redis is unreachable and
   * REDIS_FAILURE is closed (the client keeps reconnecting in the background all the same).
   */
  ready(): Promise<void>;
  /** What /healthz reports; `healthy` false answers it 503. */
  health(): { healthy: boolean; report: StoreHealth };
  /** The single flight per code hash, across every instance sharing the store. */
  readonly singleFlight: SingleFlight;
  /** A limiter counting in the store (across instances with Redis). */
  rateLimiter(settings: RateLimitSettings): RateLimiter;
  /** After the last exchange: waits for saves under way, then forgets (memory) or disconnects (Redis). */
  close(): Promise<void>;
}

/** What the Redis single flight does when Redis fails (REDIS_FAILURE decides; implemented in store-down.ts). */
export interface StoreDownPolicy {
  /** Counts and warns. */
  note(step: 'save' | 'wait' | 'rate_limit' | 'recovering', error: unknown): void;
  /**
   * The claim failed (nothing was sent yet): the outcome to answer with (closed: refused, the client may send the code
   * again), or undefined to call Authing without cross-instance protection (open).
   */
  claimFailed(error: unknown): UpstreamOutcome | undefined;
}
