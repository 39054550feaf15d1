// One store per PhoneExchange, so every runtime (server, Node and fetch handlers, adapters) shares it.
// The Redis store and its client (~16 MB of resident memory) are loaded only when REDIS_URL is set.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import type { ProxyMetrics } from '../observability/metrics';
import { createMemoryStore } from './memory-store';
import type { Store } from './types';

export type { Store, StoreHealth } from './types';

export function createStore(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Store {
  const { redisUrl } = config.store;
  if (redisUrl === undefined) return createMemoryStore(config, metrics, logger);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRedisStore } = require('./redis-store') as typeof import('./redis-store');
  return createRedisStore(config, redisUrl, metrics, logger);
}
