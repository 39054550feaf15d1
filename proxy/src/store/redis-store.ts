// The Redis store: claims, answers and rate-limit counters shared by every instance using the same Redis and prefix.
// Loaded only when REDIS_URL is set (store/index.ts).
import type { Logger } from 'pino';
import type * as Flexible from 'rate-limiter-flexible';
import type { ResolvedOptions } from '../config';
import { boundedDedupe } from './single-flight';
import { compactOutcome } from './outcome-codec';
import { limiterOptions, rateLimiterOver } from '../guards/rate-limit';
import type { ProxyMetrics } from '../observability/metrics';
import { memoryRateLimiter } from './rate-limiters';
import { connectRedis, type RedisConnection } from './redis-connection';
import { maskRedisUrl } from '../config/summary';
import { watchForDataLoss, type DataLossWatch } from './redis-marker';
import type { SourcedOutcome } from '../contract/types';
import { createRedisSingleFlight } from './redis-single-flight';
import { storeDownPolicy } from './store-down';
import { throttledWarning } from './throttled-warning';
import { timed } from './redis-timing';
import type { Store } from './types';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the one limiter's untyped module, not the index that loads them all
const RateLimiterRedis = require('rate-limiter-flexible/lib/RateLimiterRedis') as typeof Flexible.RateLimiterRedis;

export function createRedisStore(config: ResolvedOptions, redisUrl: string, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const { keyPrefix, failure } = config.store;
  const where = maskRedisUrl(redisUrl);
  const warn = throttledWarning(logger);
  let watch: DataLossWatch | undefined;
  // Every Redis failure an exchange meets is also looked at for an OOM (Redis refusing writes: health and log).
  const policy = storeDownPolicy(failure, metrics, warn);
  const storeDown: typeof policy = {
    note: (step, error) => (watch?.noteError(error), policy.note(step, error)),
    claimFailed: (error) => (watch?.noteError(error), policy.claimFailed(error)),
  };
  const redis = connectRedis(redisUrl, keyPrefix, (error) =>
    warn('connection', { err: { message: error.message }, redis: where }, 'Redis connection error; reconnecting'),
  );
  const singleFlight = createRedisSingleFlight(
    redis,
    { codeLifeMs: config.dedupe.ttlMs, upstreamTimeoutMs: config.upstreamTimeoutMs, keyPrefix, markerKey: `${keyPrefix}marker` },
    boundedDedupe<SourcedOutcome>(config, [{ metrics, logger }], {
      pack: (result) => compactOutcome.pack(result.outcome),
      unpack: (packed) => ({ outcome: compactOutcome.unpack(packed), source: 'remembered' }),
    }),
    storeDown,
    () => watch?.markerGone(),
  );
  watch = watchForDataLoss(redis, { marker: `${keyPrefix}marker`, recovering: `${keyPrefix}recovering` }, () => singleFlight.restore(), {
    warn,
    metrics,
  });

  const ready = redis.firstConnection.then(
    async () => {
      logger?.info({ redis: where, keyPrefix }, 'Redis store connected');
      void warnUnlessNoEviction(redis.client, where, logger);
      await watch?.look(); // marks a Redis never marked before the first claim
    },
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
      const reason = up ? watch?.problem() : undefined;
      const report = { store: 'redis' as const, redis: up ? ('up' as const) : ('down' as const), ...(reason && { reason }) };
      return { healthy: (up && !reason) || failure === 'open', report };
    },
    singleFlight,
    rateLimiter(settings) {
      const limiter = new RateLimiterRedis({
        ...limiterOptions(settings),
        storeClient: redis.client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        keyPrefix: `${keyPrefix}rl`,
      });
      const shared = rateLimiterOver(limiter, settings);
      // While Redis is down or hangs (a timeout: rate-limiter-flexible would wait), each instance counts on its own, in
      // either failure mode: the claim guards the codes. Not rate-limiter-flexible's insuranceLimiter: a command that
      // timed out here and failed later would be counted there a second time.
      const local = memoryRateLimiter(settings);
      return {
        take: (key) =>
          timed(shared.take(key)).catch((error: unknown) => {
            storeDown.note('rate_limit', error);
            return local.take(key);
          }),
      };
    },
    async close() {
      watch?.stop();
      await singleFlight.close(); // waits for the saves under way
      await redis.close();
    },
  };
}

/**
 * Code keys have a TTL, so any volatile-* or allkeys-* policy may evict them under memory pressure, and a repeated code
 * would reach Authing again from another instance. A managed Redis may forbid CONFIG: then nothing is said.
 */
async function warnUnlessNoEviction(client: RedisConnection['client'], where: string, logger: Logger | undefined): Promise<void> {
  const policy = await timed(client.configGet('maxmemory-policy')).then(
    (reply) => reply['maxmemory-policy'],
    () => undefined,
  );
  if (policy === undefined || policy === 'noeviction') return;
  logger?.warn(
    { redis: where, maxmemoryPolicy: policy },
    `Redis maxmemory-policy is ${policy}: it may evict claims and answers, letting a repeated code reach Authing again from another instance; set maxmemory-policy noeviction`,
  );
}
