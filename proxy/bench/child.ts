// A server under test (or the upstream) in its own process, so that its RSS is its own and the load
// generator does not share its event loop.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isBenchMessage, type QuestionMessage } from './ipc';
import { readProcessCpuMicros } from './cpu';
import { readProcessMemory, type ProcessMemory } from './memory';

export type ServerScript = 'upstream' | 'floor' | 'express-axios' | 'proxy';

export interface StartOptions {
  env?: Record<string, string>;
  execArgv?: string[];
  /** The child's stdout (its logs): a file descriptor, or discarded when absent. */
  stdout?: number | 'ignore';
  timeoutMs?: number;
}

export class ChildServer {
  private nextQuestion = 0;

  private constructor(
    readonly script: ServerScript,
    private readonly child: ChildProcess,
    readonly url: string,
    /** performance.now() just before the process was spawned. */
    readonly spawnedAt: number,
    /** performance.now() when it announced its listening address. */
    readonly readyAt: number,
  ) {}

  static start(script: ServerScript, options: StartOptions = {}): Promise<ChildServer> {
    const spawnedAt = performance.now();
    const child = fork(path.join(__dirname, 'servers', `${script}.js`), [], {
      env: { ...process.env, ...options.env },
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${script} did not start within ${options.timeoutMs ?? 15_000} ms`));
      }, options.timeoutMs ?? 15_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited (code ${code}) before listening`));
      };
      child.once('exit', onExit);
      child.on('message', (message: unknown) => {
        if (!isBenchMessage(message) || message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(new ChildServer(script, child, message.url, spawnedAt, performance.now()));
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  memory(): ProcessMemory {
    return readProcessMemory(this.pid);
  }

  /** CPU time used so far (user + system), in microseconds. */
  cpuMicros(): number {
    return readProcessCpuMicros(this.pid);
  }

  /** Upstream only: how many exchange calls the sandbox received for this code. */
  callsFor(code: string): Promise<number> {
    return this.ask({ type: 'callsFor', id: this.nextQuestion++, code });
  }

  /** Proxy started with --expose-gc only: heap used after a full GC, in bytes. */
  liveHeap(): Promise<number> {
    return this.ask({ type: 'liveHeap', id: this.nextQuestion++ });
  }

  private ask(question: QuestionMessage): Promise<number> {
    return new Promise((resolve) => {
      const onMessage = (message: unknown) => {
        if (!isBenchMessage(message) || message.type !== 'answer' || message.id !== question.id) return;
        this.child.off('message', onMessage);
        resolve(message.value);
      };
      this.child.on('message', onMessage);
      this.child.send(question);
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

/** Starts `script`, hands it to `use`, and stops it whatever happens. */
export async function withChild<T>(script: ServerScript, options: StartOptions, use: (child: ChildServer) => Promise<T>): Promise<T> {
  const child = await ChildServer.start(script, options);
  try {
    return await use(child);
  } finally {
    await child.stop();
  }
}
