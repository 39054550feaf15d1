// rate-limiter-flexible's memory limiter alone: its index loads every store's limiter (~9 MB of resident memory).
// The Redis limiter is loaded by redis-store.ts, only when Redis is configured.
import type * as Flexible from 'rate-limiter-flexible';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const RateLimiterMemory = require('rate-limiter-flexible/lib/RateLimiterMemory') as typeof Flexible.RateLimiterMemory;
