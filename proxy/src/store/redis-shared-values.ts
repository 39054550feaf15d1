// SharedValues on Redis (shared-values.ts): GET, SET PX, and a lease as SET NX PX with a random owner, given back only
// by its owner (a compare-and-delete script). Its own small connection: the token cache is used rarely (once per token
// life), and must not share the exchange's pub/sub connection. Loaded only when REDIS_URL is set.
import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import type { SharedValues } from './shared-values';

const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const CONNECT_TIMEOUT_MS = 5000;
/** How long a command waits for the first connection; after that, commands fail at once while disconnected. */
const FIRST_CONNECTION_WAIT_MS = 1000;

export function redisSharedValues(url: string, keyPrefix: string): SharedValues {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  client.on('error', () => undefined); // reported by the failing command: a token fetch falls back to this process alone
  const connecting = client.connect().then(
    () => undefined,
    () => undefined,
  );
  let firstWait: Promise<unknown> | undefined = Promise.race([
    connecting,
    new Promise((resolve) => setTimeout(resolve, FIRST_CONNECTION_WAIT_MS).unref()),
  ]);
  void firstWait.then(() => (firstWait = undefined));
  /** The client, once connected or after the first wait (commands then fail at once while offline: no offline queue). */
  const ready = async (): Promise<typeof client> => {
    if (firstWait) await firstWait;
    return client;
  };
  const name = (key: string): string => `${keyPrefix}${key}`;
  return {
    read: async (key) => (await (await ready()).get(name(key))) ?? undefined,
    write: async (key, value, ttlMs) => void (await (await ready()).set(name(key), value, { PX: Math.max(1, Math.round(ttlMs)) })),
    lease: async (key, ttlMs) => {
      const owner = randomUUID();
      const taken = await (await ready()).set(name(key), owner, { NX: true, PX: Math.max(1, Math.round(ttlMs)) });
      if (taken !== 'OK') return undefined;
      return async () => void (await client.eval(RELEASE_SCRIPT, { keys: [name(key)], arguments: [owner] }).catch(() => undefined));
    },
    close: async () => {
      if (client.isOpen) await client.close().catch(() => undefined);
      else client.destroy();
    },
  };
}
