// The process's Redis connections (node-redis): one for commands, one subscribed to the answers channel.
// Commands fail at once while disconnected (no offline queue: an exchange must not wait for Redis to come back);
// the client reconnects by itself, and resubscribes. Every command is bounded by `timed` (redis-timing.ts), not by
// node-redis's command timeout.
import { ClientClosedError, ClientOfflineError, createClient, type RedisClientType } from '@redis/client';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- node-redis's own spelling of "no modules, functions or scripts"
export type RedisClient = RedisClientType<{}, {}, {}, 2, {}>;

/** Reconnection back-off, capped: a Redis back after a restart is used again within this. */
const MAX_RECONNECT_DELAY_MS = 2000;
const CONNECT_TIMEOUT_MS = 5000;

export interface RedisConnection {
  readonly client: RedisClient;
  /** The pub/sub channel of answers: messages are `<code hash> <stored answer>`. */
  readonly channel: string;
  onAnswer(listener: (key: string, answer: string) => void): void;
  /** Called each time the command connection is ready: the first time, and after every reconnection. */
  onReady(listener: () => void): void;
  /** Resolves when both connections are ready; rejects with the first connection error before that. */
  readonly firstConnection: Promise<void>;
  isUp(): boolean;
  close(): Promise<void>;
}

/** The command failed before it was written (disconnected, or closed): it cannot have run on the server. */
export const neverWritten = (error: unknown): boolean => error instanceof ClientOfflineError || error instanceof ClientClosedError;

export function connectRedis(url: string, keyPrefix: string, onError: (error: Error) => void): RedisConnection {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, MAX_RECONNECT_DELAY_MS) },
  });
  const subscriber = client.duplicate();
  const channel = `${keyPrefix}answers`;
  const listeners: Array<(key: string, answer: string) => void> = [];

  let failFirst: (error: Error) => void = () => undefined;
  const firstError = new Promise<never>((_resolve, reject) => (failFirst = reject));
  firstError.catch(() => undefined); // settled by the race below or never looked at
  for (const connection of [client, subscriber]) {
    connection.on('error', (error: Error) => {
      failFirst(error);
      onError(error);
    });
  }
  const connected = Promise.all([
    client.connect(),
    subscriber.connect().then(() =>
      subscriber.subscribe(channel, (message) => {
        const space = message.indexOf(' ');
        if (space > 0) listeners.forEach((listener) => listener(message.slice(0, space), message.slice(space + 1)));
      }),
    ),
  ]).then(() => undefined);
  connected.catch(() => undefined); // a connection closed before it was ready: close() was called

  return {
    client,
    channel,
    onAnswer: (listener) => listeners.push(listener),
    onReady: (listener) => client.on('ready', listener),
    firstConnection: Promise.race([connected, firstError]),
    isUp: () => client.isReady && subscriber.isReady,
    async close() {
      // A connection still trying to connect would keep trying: destroy it.
      await Promise.all([client, subscriber].map((connection) => (connection.isReady ? connection.close() : Promise.resolve(connection.destroy()))));
    },
  };
}
