// The default store: this process's memory. The in-process single flight (store/single-flight.ts) and a memory
// limiter whose tracked clients are bounded (rate-limiters.ts).
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import { createMemorySingleFlight } from './single-flight';
import { limiterOptions, rateLimiterOver } from '../guards/rate-limit';
import type { ProxyMetrics } from '../observability/metrics';
import type { Store } from './types';
import { BoundedRateLimiterMemory } from './rate-limiters';

export function createMemoryStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const singleFlight = createMemorySingleFlight(config, metrics, logger);
  return {
    ready: () => Promise.resolve(),
    health: () => ({ healthy: true, report: { store: 'memory' } }),
    singleFlight,
    rateLimiter: (settings) => rateLimiterOver(new BoundedRateLimiterMemory(limiterOptions(settings)), settings),
    close: () => singleFlight.close(),
  };
}
