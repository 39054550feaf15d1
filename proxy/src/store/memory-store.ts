// The default store: this process's memory. Today's single flight (exchange/single-flight.ts) and a memory limiter.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import { createMemorySingleFlight } from './single-flight';
import { limiterOptions, rateLimiterOver } from '../guards/rate-limit';
import type { ProxyMetrics } from '../observability/metrics';
import type { Store } from './types';
import { RateLimiterMemory } from './rate-limiters';

export function createMemoryStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const singleFlight = createMemorySingleFlight(config, metrics, logger);
  return {
    ready: () => Promise.resolve(),
    health: () => ({ healthy: true, report: { store: 'memory' } }),
    singleFlight,
    rateLimiter: (settings) => rateLimiterOver(new RateLimiterMemory(limiterOptions(settings)), settings),
    close: () => singleFlight.close(),
  };
}
