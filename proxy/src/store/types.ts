// The one interface behind which claims, answers and rate-limit counters live: this process's memory, or Redis.
import type { SingleFlight } from './single-flight';
import type { RateLimiter, RateLimitSettings } from '../guards/rate-limit';

export type StoreHealth = { store: 'memory' } | { store: 'redis'; redis: 'up' | 'down' };

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
  /** Forgets (memory) or disconnects (Redis); after the last exchange. */
  close(): Promise<void>;
}
