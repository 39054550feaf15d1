// The CLI as a real child process (TypeScript sources through tsx), its output collected as it comes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(__dirname, '..', 'src', 'runtimes', 'cli.ts');

export interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
  /** Resolves with the first match on stdout (or stderr). */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
}

/** The CLI with `args` and only `env` (plus PATH); `nodeFlags` go before the script (e.g. --require a preload). */
export function runCli(args: string[], env: Record<string, string>, nodeFlags: string[] = []): Run {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  const state = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    state.stdout += chunk.toString();
    waiters.forEach((wake) => wake());
  });
  child.stderr.on('data', (chunk: Buffer) => {
    state.stderr += chunk.toString();
    waiters.forEach((wake) => wake());
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    get stdout() {
      return state.stdout;
    },
    get stderr() {
      return state.stderr;
    },
    exited,
    waitFor: (pattern, stream = 'stdout') =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(state[stream]);
          if (match) resolve(match);
        };
        waiters.push(check);
        check();
        void exited.then(() => reject(new Error(`exited before ${pattern}: ${state.stdout}${state.stderr}`)));
      }),
  };
}
