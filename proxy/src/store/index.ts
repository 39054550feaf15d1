// One store per process for one configuration: every runtime (the server, the Node and fetch handlers, the adapters,
// a cloud function) created in this process for the same Authing connection and store settings shares its claims,
// answers and rate-limit counters, so a code sent to two of them still reaches Authing once.
// The Redis store and its client (~16 MB of resident memory) are loaded only when REDIS_URL is set.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import type { ProxyMetrics } from '../observability/metrics';
import { createMemoryStore } from './memory-store';
import type { RateLimiter } from '../guards/rate-limit';
import type { Store } from './types';

export type { Store, StoreHealth } from './types';

function buildStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const { redisUrl } = config.store;
  if (redisUrl === undefined) return createMemoryStore(config, metrics, logger);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRedisStore } = require('./redis-store') as typeof import('./redis-store');
  return createRedisStore(config, redisUrl, metrics, logger);
}

/** The stores in use in this process, by what they serve; each lives until the last exchange using it closes. */
const inUse = new Map<string, { store: Store; users: number; limiters: Map<string, RateLimiter> }>();

/** Answers are only shared between exchanges asking the same Authing connection, with the same store settings. */
function servedBy({ authing, store, dedupe }: ResolvedOptions): string {
  const { appHost, appId, userPoolId, extIdpConnidentifier } = authing;
  return JSON.stringify([appHost, appId, userPoolId, extIdpConnidentifier, store, dedupe]);
}

/**
 * This process's store for the configuration, created on first use (its metrics and logger are that first exchange's).
 * Every exchange closes its own handle; the store closes with the last one.
 */
export function createStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const key = servedBy(config);
  let entry = inUse.get(key);
  if (!entry) inUse.set(key, (entry = { store: buildStore(config, metrics, logger), users: 0, limiters: new Map() }));
  entry.users++;
  const { store, limiters } = entry;
  let closed = false;
  return {
    ready: () => store.ready(),
    health: () => store.health(),
    singleFlight: store.singleFlight,
    rateLimiter(settings) {
      const id = JSON.stringify(settings);
      let limiter = limiters.get(id);
      if (!limiter) limiters.set(id, (limiter = store.rateLimiter(settings)));
      return limiter;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      if (--entry.users > 0) return Promise.resolve();
      inUse.delete(key);
      return store.close();
    },
  };
}
