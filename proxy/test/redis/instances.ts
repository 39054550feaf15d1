// Proxy instances as real child processes (the CLI through tsx), configured by environment variables like a
// deployment; killed in afterAll whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './redis-server';

const CLI = join(__dirname, '..', '..', 'src', 'runtimes', 'cli.ts');
const START_TIMEOUT_MS = 20_000;
/** What an instance wrote last, for a failure message. */
const KEPT_OUTPUT = 4000;

export interface Instance {
  readonly url: string;
  readonly process: ChildProcess;
  output(): string;
  /** SIGKILL: a crash, not a shutdown. */
  kill(): Promise<void>;
}

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const instance: Instance = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance exited at start: ${output}`);
    const healthy = await fetch(`${instance.url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return instance;
    if (Date.now() > deadline) {
      await instance.kill();
      throw new Error(`instance not healthy within ${START_TIMEOUT_MS} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
