// The Redis store: claims, answers and rate-limit counters shared by every instance using the same Redis and prefix.
// Loaded only when REDIS_URL is set (store/index.ts).
import type { Logger } from 'pino';
import type * as Flexible from 'rate-limiter-flexible';
import type { ResolvedOptions } from '../config';
import { createMemorySingleFlight } from './single-flight';
import { limiterOptions, rateLimiterOver } from '../guards/rate-limit';
import type { ProxyMetrics } from '../observability/metrics';
import { RateLimiterMemory } from './rate-limiters';
import { connectRedis, redactedUrl } from './redis-connection';
import { createRedisSingleFlight } from './redis-single-flight';
import { storeDownPolicy, throttledWarning } from './store-down';
import type { Store } from './types';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RateLimiterRedis = require('rate-limiter-flexible/lib/RateLimiterRedis') as typeof Flexible.RateLimiterRedis;

export function createRedisStore(config: ResolvedOptions, redisUrl: string, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const { keyPrefix, failure } = config.store;
  const where = redactedUrl(redisUrl);
  const warn = throttledWarning(logger);
  const redis = connectRedis(redisUrl, keyPrefix, (error) => warn('connection', { err: { message: error.message }, redis: where }, 'Redis connection error; reconnecting'));
  // Under REDIS_FAILURE=open, exchanges while Redis is down still share calls within this process.
  const unprotected = createMemorySingleFlight(config, metrics, logger);
  const singleFlight = createRedisSingleFlight(
    redis,
    { codeLifeMs: config.dedupe.ttlMs, upstreamTimeoutMs: config.upstreamTimeoutMs, keyPrefix },
    storeDownPolicy(failure, unprotected, metrics, warn),
  );

  const ready = redis.firstConnection.then(
    () => logger?.info({ redis: where, keyPrefix }, 'Redis store connected'),
    (error: Error) => {
      const problem = `cannot reach Redis at ${where} (${error.message})`;
      if (failure === 'closed') {
        throw new Error(`REDIS_URL: ${problem}. Start Redis or fix REDIS_URL, or set REDIS_FAILURE=open to run without it.`);
      }
      logger?.warn(
        { redis: where },
        `REDIS_FAILURE=open: ${problem}; starting WITHOUT cross-instance protection (a code repeated on another instance may reach Authing twice) until it connects`,
      );
    },
  );
  ready.catch(() => undefined); // looked at by whoever awaits ready(); exchanges meanwhile follow REDIS_FAILURE

  return {
    ready: () => ready,
    health: () => {
      const up = redis.isUp();
      return { healthy: up || failure === 'open', report: { store: 'redis', redis: up ? 'up' : 'down' } };
    },
    singleFlight,
    rateLimiter(settings) {
      const options = limiterOptions(settings);
      // While Redis is down each instance counts on its own (in either failure mode: the claim guards the codes).
      const limiter = new RateLimiterRedis({
        ...options,
        storeClient: redis.client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        keyPrefix: `${keyPrefix}rl`,
        insuranceLimiter: new RateLimiterMemory(options),
      });
      return rateLimiterOver(limiter, settings);
    },
    async close() {
      await singleFlight.close();
      await unprotected.close();
      await redis.close();
    },
  };
}
