// The store of an exchange. Memory (the default) is one per process and configuration: every runtime created in this
// process (the server, the Node and fetch handlers, the adapters, a cloud function) for the same Authing connection and
// de-duplication settings shares its answers and rate-limit counters, so a code sent to two of them still reaches
// Authing once. Redis needs no such sharing (the instances meet in Redis): one connection per exchange.
// The Redis store and its client (~16 MB of resident memory) are loaded only when REDIS_URL is set.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import type { RateLimiter } from '../guards/rate-limit';
import type { ProxyMetrics } from '../observability/metrics';
import { createMemoryStore } from './memory-store';
import type { EvictionSink } from './single-flight';
import type { Store } from './types';

export type { Store, StoreHealth } from './types';

interface Shared {
  store: Store;
  limiters: Map<string, RateLimiter>;
  /** Every live user's metrics and logger: an early eviction is counted and told to each. */
  sinks: Set<EvictionSink>;
}

/** This process's memory stores, by what they serve; each lives until the last exchange using it closes. */
const memoryStores = new Map<string, Shared>();

/** Answers are only shared between exchanges asking the same upstream account, with the same de-duplication bounds. */
function servedBy({ upstream, authing, wechat, dedupe }: ResolvedOptions): string {
  if (upstream === 'wechat') return JSON.stringify(['wechat', wechat?.apiBase, wechat?.appId, dedupe]);
  return JSON.stringify([authing?.appHost, authing?.appId, authing?.userPoolId ?? authing?.accessKeyId, authing?.extIdpConnidentifier, dedupe]);
}

function sharedMemoryStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const key = servedBy(config);
  let shared = memoryStores.get(key);
  if (!shared) {
    const sinks = new Set<EvictionSink>();
    memoryStores.set(key, (shared = { store: createMemoryStore(config, sinks), limiters: new Map(), sinks }));
  }
  const { store, limiters, sinks } = shared;
  const sink: EvictionSink = { metrics, logger };
  sinks.add(sink);
  let closed = false;
  return {
    ...store,
    rateLimiter(settings) {
      const id = JSON.stringify(settings);
      let limiter = limiters.get(id);
      if (!limiter) limiters.set(id, (limiter = store.rateLimiter(settings)));
      return limiter;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      sinks.delete(sink);
      if (sinks.size > 0) return Promise.resolve();
      memoryStores.delete(key);
      return store.close();
    },
  };
}

/** The exchange's store (memory shared per process and configuration; each close()s its own handle). */
export function createStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const { redisUrl } = config.store;
  if (redisUrl === undefined) return sharedMemoryStore(config, metrics, logger);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only with REDIS_URL: node-redis costs ~16 MB resident
  const { createRedisStore } = require('./redis-store') as typeof import('./redis-store');
  return createRedisStore(config, redisUrl, metrics, logger);
}
