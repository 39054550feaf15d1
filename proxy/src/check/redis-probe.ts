// Whether the shared store is usable: Redis reachable, its version, and a maxmemory-policy that never evicts the
// remembered answers (docs/en/deploy/redis.md, "Prepare Redis": noeviction). The URL is shown without its password.
import { performance } from 'node:perf_hooks';
import { createClient } from '@redis/client';
import type { ResolvedOptions } from '../config';
import { maskRedisUrl } from '../config/summary';
import { fail, pass, warn, type CheckLine } from './lines';

const ITEM = 'store';
const CONNECT_TIMEOUT_MS = 3000;

export async function probeRedis(config: ResolvedOptions): Promise<CheckLine> {
  const { redisUrl, failure } = config.store;
  if (redisUrl === undefined) return pass(ITEM, 'memory (this process only; set REDIS_URL to share answers between instances)');
  const shown = maskRedisUrl(redisUrl);
  const started = performance.now();
  const client = createClient({ url: redisUrl, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } });
  client.on('error', () => undefined); // reported through connect()'s rejection
  const took = () => Math.round(performance.now() - started);
  try {
    await client.connect();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message.replace(redisUrl, shown);
    return fail(
      ITEM,
      `Redis ${shown} unreachable (${why}); with REDIS_FAILURE=${failure} the proxy ${failure === 'closed' ? 'refuses to start' : 'exchanges without cross-instance protection'}`,
      'check REDIS_URL (host, port, password, rediss:// for TLS) and that Redis runs and this machine reaches it',
      took(),
    );
  }
  try {
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    let policy: string | undefined;
    try {
      policy = (await client.configGet('maxmemory-policy'))['maxmemory-policy'];
    } catch {
      policy = undefined; // managed Redis often disables CONFIG
    }
    const found = `Redis ${version} at ${shown}, maxmemory-policy ${policy ?? 'unknown'}`;
    if (policy === undefined) return warn(ITEM, found, 'could not read maxmemory-policy (CONFIG disabled?): make sure it is noeviction', took());
    if (policy !== 'noeviction')
      return warn(ITEM, found, 'set maxmemory-policy noeviction: an eviction can forget an answer and let a code reach Authing twice', took());
    return pass(ITEM, found, took());
  } finally {
    client.destroy();
  }
}
