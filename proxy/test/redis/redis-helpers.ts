// Small helpers shared by the Redis suites: a raw client on the test's Redis, and waiting for a condition.
import { createClient } from '@redis/client';
import type { RedisClient } from '../../src/store/redis-connection';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { APP_ID } from '../helpers';
import { startRedis, type RedisServer } from './redis-server';

/** A raw node-redis client on `url` for the length of `use`. */
export async function withRawClient<T>(url: string, use: (client: RedisClient) => Promise<T>): Promise<T> {
  const client: RedisClient = createClient({ url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Polls `check` every 100 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A redis-server of the suite's own and the Authing sandbox (the caller closes both in afterAll). */
export async function startRedisAndSandbox(): Promise<{ redis: RedisServer; sandbox: Sandbox }> {
  return { redis: await startRedis(), sandbox: await startSandbox({ appId: APP_ID }) };
}
