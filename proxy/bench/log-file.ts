// Where a proxy child's stdout (its pino logs) goes during a phase: a temporary file, counted then removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let serial = 0;

/** Runs `use` with the fd of a fresh temporary log file; returns its result and how many lines were logged. */
export async function withLogFile<T>(use: (fd: number) => Promise<T>): Promise<{ result: T; logLines: number }> {
  const file = path.join(os.tmpdir(), `miniprogram-phone-proxy-bench-${process.pid}-${serial++}.log`);
  const fd = fs.openSync(file, 'w');
  try {
    const result = await use(fd);
    return { result, logLines: countLines(file) };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

function countLines(file: string): number {
  const text = fs.readFileSync(file);
  let lines = 0;
  for (let at = text.indexOf(10); at !== -1; at = text.indexOf(10, at + 1)) lines++;
  return lines;
}
