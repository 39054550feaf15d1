// What one exchange costs redis-server (issue 23): its own counters over N distinct codes sent one at a time, so that no
// two exchanges share a write. total_reads_processed counts the proxy's writes that redis-server read (round trips);
// INFO commandstats counts every command, those inside the Lua scripts and MULTI blocks included.
import http from 'node:http';
import { createClient } from '@redis/client';
import type { ChildServer } from './child';
import { postCode } from './client';
import { distinctCodes } from './codes';

export interface RedisCommandFigures {
  exchanges: number;
  /** redis-server's reads per exchange: the proxy's round trips (the rate limit's included). */
  roundTrips: number;
  /** Every command per exchange, by name (commandstats), scripts' and transactions' included. */
  commands: Record<string, number>;
}

/** Commands of the bench's own client, not the proxy's. */
const OWN_COMMANDS = /^(info|config|hello|client)/;
/** The proxy saves an answer after answering, off the answer's path: let the last save land before counting. */
const SETTLE_MS = 500;

export async function measureRedisCommands(redisUrl: string, proxy: ChildServer, exchanges: number): Promise<RedisCommandFigures> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const nextCode = distinctCodes();
  try {
    // Warm: the scripts are loaded (the first EVALSHA may fall back to EVAL) and the connections open.
    for (let i = 0; i < 10; i++) await postCode(proxy.url, nextCode(), agent);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    await client.sendCommand(['CONFIG', 'RESETSTAT']);
    for (let i = 0; i < exchanges; i++) {
      const answer = await postCode(proxy.url, nextCode(), agent);
      if (answer.status !== 200) throw new Error(`redis commands: an exchange was answered HTTP ${answer.status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const info: unknown = await client.sendCommand(['INFO', 'stats', 'commandstats']);
    if (typeof info !== 'string') throw new Error('redis commands: INFO did not answer text');
    const reads = Number(/^total_reads_processed:(\d+)/m.exec(info)?.[1]);
    const commands: Record<string, number> = {};
    for (const [, name, calls] of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
      if (!OWN_COMMANDS.test(name)) commands[name] = Number(calls) / exchanges;
    }
    // The INFO just sent is one read of ours.
    return { exchanges, roundTrips: (reads - 1) / exchanges, commands };
  } finally {
    agent.destroy();
    await client.close();
  }
}

export const totalCommands = (figures: RedisCommandFigures): number => Object.values(figures.commands).reduce((sum, calls) => sum + calls, 0);
