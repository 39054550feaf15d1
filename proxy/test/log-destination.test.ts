// A listening server's logs on stdout are written in batches (src/observability/log-destination.ts): a line waits a
// moment for others, yet none is lost when the process exits, whether by process.exit() or by an uncaught exception.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, 'fixtures', 'log-lines.ts');
jest.setTimeout(30_000);

interface Ended {
  lines: Array<{ n: number; msg: string }>;
  code: number | null;
}

/** Runs the fixture; with `until`, kills it once stdout matches (it would run forever). */
function runFixture(mode: 'exit' | 'throw' | 'stay', count: number, until?: RegExp, readerPauseMs = 0): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode, String(count)], { env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000); // bounded, whatever happens
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (until?.test(stdout)) child.kill('SIGKILL');
  });
  if (readerPauseMs > 0) {
    // From the first line on, the reader rests: the pipe fills up and the child's writes wait for it.
    child.stdout.once('data', () => {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), readerPauseMs);
    });
  }
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      const lines = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { n: number; msg: string });
      resolve({ lines, code });
    }),
  );
}

const numbers = (count: number): number[] => Array.from({ length: count }, (_, n) => n);

test('process.exit() right after logging: every line is written, in order', async () => {
  const { lines, code } = await runFixture('exit', 5000); // about 60 batches and a partial one
  expect(code).toBe(0);
  expect(lines.map((line) => line.n)).toEqual(numbers(5000));
});

test('process.exit() while the reader is slow: every line is written, in order', async () => {
  // 5000 lines are about 400 KB, more than the pipe holds: writes meet a full pipe (EAGAIN) and wait for the reader.
  const { lines, code } = await runFixture('exit', 5000, undefined, 300);
  expect(code).toBe(0);
  expect(lines.map((line) => line.n)).toEqual(numbers(5000));
});

test('an uncaught exception right after logging: every line is written', async () => {
  const { lines, code } = await runFixture('throw', 3);
  expect(code).toBe(1);
  expect(lines.map((line) => line.n)).toEqual([0, 1, 2]);
});

test('a lone line of a process that goes on running is written within moments', async () => {
  // Killed (SIGKILL, no exit handler runs) as soon as the line shows: only the flush timer can have written it.
  const { lines } = await runFixture('stay', 1, /"msg":"line"/);
  expect(lines).toEqual([expect.objectContaining({ n: 0, msg: 'line' })]);
});
