// A real redis-server for tests and the bench: on a free loopback port, no persistence, a temporary directory; it can
// be stopped and started again on the same port mid-test. Free of jest (the bench uses it too).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INSTALL_HINT =
  'redis-server is not installed: run `apt-get install -y redis-server` (Debian package redis-server), set REDIS_URL to a Redis to test against, or set REDIS_TESTS=skip to skip the Redis suites';

export const hasRedisServer = (): boolean => spawnSync('/bin/sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RedisServer {
  readonly url: string;
  /** Stops it (SIGKILL: an outage, not a shutdown); its data is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** A redis-server of our own (or, without redis-server, the REDIS_URL given: it cannot be stopped); `extraArgs` go on its command line. */
export async function startRedis(extraArgs: readonly string[] = []): Promise<RedisServer> {
  if (!hasRedisServer()) return externalRedis(process.env.REDIS_URL as string);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mpp-redis-'));
  let child: ChildProcess | undefined;

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs];
      const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
      started.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${output}`));
      });
    });

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function externalRedis(url: string): RedisServer {
  const cannot = (): Promise<void> =>
    Promise.reject(new Error(`cannot stop or start the Redis at REDIS_URL: install redis-server for this test (${INSTALL_HINT})`));
  return { url, stop: cannot, start: cannot, close: () => Promise.resolve() };
}
