// The default store: this process's memory. The in-process single flight (store/single-flight.ts) and a memory
// limiter whose tracked clients are bounded (rate-limiters.ts). store/index.ts shares one per configuration.
import type { ResolvedOptions } from '../config';
import { createMemorySingleFlight, type EvictionSink } from './single-flight';
import type { Store } from './types';
import { memoryRateLimiter } from './rate-limiters';

/** `sinks`: the metrics and loggers of the exchanges using the store, kept up to date by its owner. */
export function createMemoryStore(config: ResolvedOptions, sinks: Iterable<EvictionSink>): Store {
  const singleFlight = createMemorySingleFlight(config, sinks);
  return {
    ready: () => Promise.resolve(),
    health: () => ({ healthy: true, report: { store: 'memory' } }),
    singleFlight,
    rateLimiter: memoryRateLimiter,
    close: () => singleFlight.close(),
  };
}
