// rate-limiter-flexible's memory limiter alone: its index loads every store's limiter (~9 MB of resident memory).
// The Redis limiter is loaded by redis-store.ts, only when Redis is configured.
import { hash } from 'node:crypto';
import type * as Flexible from 'rate-limiter-flexible';
import { limiterOptions, rateLimiterOver, type RateLimiter, type RateLimitSettings } from '../guards/rate-limit';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the one limiter's untyped module, not the index that loads them all
const RateLimiterMemory = require('rate-limiter-flexible/lib/RateLimiterMemory') as typeof Flexible.RateLimiterMemory;

/** Clients counted on their own per window at most (the hand-written limiter before had the same cap). */
export const MAX_TRACKED_KEYS = 10_000;
/** Past that, new clients share this many buckets, by a hash of their key. */
export const OVERFLOW_BUCKETS = 1_000;

/**
 * The memory limiter keeps one entry and one timer per key for a whole window: many sources (or forged X-Forwarded-For
 * under TRUST_PROXY=true) would grow memory without bound. Past `maxKeys` distinct keys in a window, a new key counts in
 * one of `buckets` shared buckets instead: still limited (sooner, sharing its bucket), memory bounded.
 */
export class BoundedRateLimiterMemory extends RateLimiterMemory {
  /** Keys counted on their own, with the end of their window; insertion order is expiry order (one duration). */
  private readonly tracked = new Map<string, number>();

  constructor(
    options: Flexible.IRateLimiterOptions,
    private readonly maxKeys = MAX_TRACKED_KEYS,
    private readonly buckets = OVERFLOW_BUCKETS,
  ) {
    super(options);
  }

  /** Keys counted on their own now (the overflow buckets aside). */
  get trackedKeys(): number {
    return this.tracked.size;
  }

  consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<Flexible.RateLimiterRes> {
    return super.consume(this.bucketOf(String(key)), points, options);
  }

  private bucketOf(key: string): string {
    const now = performance.now(); // monotonic: a clock set back must not keep keys tracked for longer
    const endsAt = this.tracked.get(key);
    if (endsAt !== undefined && endsAt > now) return key;
    for (const [tracked, trackedEndsAt] of this.tracked) {
      if (trackedEndsAt > now) break;
      this.tracked.delete(tracked);
    }
    if (this.tracked.size >= this.maxKeys) return `overflow:${hash('sha256', key, 'buffer').readUInt32BE(0) % this.buckets}`;
    this.tracked.delete(key);
    this.tracked.set(key, now + this.duration * 1000);
    return key;
  }
}

/** A limiter counting in this process's memory: the memory store's, and the Redis store's while Redis fails. */
export function memoryRateLimiter(settings: RateLimitSettings): RateLimiter {
  return rateLimiterOver(new BoundedRateLimiterMemory(limiterOptions(settings)), settings);
}
