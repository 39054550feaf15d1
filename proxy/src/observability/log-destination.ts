// Where log lines go when no stream is given: stdout, in batches. pino's default destination starts a write (on libuv's
// thread pool) for nearly every line; here lines are gathered and handed to it together, at BATCH_BYTES or every
// FLUSH_INTERVAL_MS (proxy/README.md "Logs"). Nothing is lost when the process exits, also on process.exit() or an
// uncaught exception: the 'exit' handler writes what is left synchronously. Only a kill that skips 'exit' (SIGKILL, or a
// signal nobody handles; the CLI handles SIGTERM and SIGINT) loses the last FLUSH_INTERVAL_MS of lines.
import fs from 'node:fs';
import pino from 'pino';

/** How long a line may wait for others before it is written. */
export const FLUSH_INTERVAL_MS = 200;
/** A batch this big is written at once (about a dozen summary lines). */
export const BATCH_BYTES = 4096;

/** What pino writes to: one line (with its newline) per call. */
export interface LogDestination {
  write(line: string): void;
}

let stdout: LogDestination | undefined;

/** stdout's batches, one per process: every logger of the process appends to the same one, so lines keep their order. */
export function batchedStdout(): LogDestination {
  return (stdout ??= batchedDestination(process.stdout.fd ?? 1));
}

/** Lines to `fd`, in batches. */
export function batchedDestination(fd: number): LogDestination {
  // pino's own destination (sonic-boom): writes off the main thread and survives EPIPE; pino flushes it on exit.
  const destination = pino.destination({ dest: fd, sync: false });
  let batch = '';
  const flush = (): void => {
    if (batch === '') return;
    const lines = batch;
    batch = '';
    destination.write(lines);
  };
  setInterval(flush, FLUSH_INTERVAL_MS).unref();
  process.on('exit', () => {
    // No event loop any more: what sonic-boom holds, then the batch, in that order, synchronously.
    try {
      destination.flushSync();
      if (batch !== '') fs.writeSync(fd, batch);
    } catch {
      // stdout is gone (EPIPE, closed): nobody is left to read the lines
    }
    batch = '';
  });
  return {
    write(line) {
      batch += line;
      if (batch.length >= BATCH_BYTES) flush();
    },
  };
}
