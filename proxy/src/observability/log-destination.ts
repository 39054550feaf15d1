// Where log lines go when no stream is given: stdout through pino's own destination (sonic-boom: written off the main
// thread, EPIPE survived, flushed on exit). That starts a write for nearly every line; a long-running server (startProxy,
// the CLI) gathers lines and writes them together, at BATCH_BYTES or every FLUSH_INTERVAL_MS (docs/en/deploy/server.md,
// "Metrics and logs"). Handlers and cloud functions, whose platform may freeze the process once it answered, write each line
// at once. Nothing is lost when the process exits, also by process.exit() or an uncaught exception: the 'exit' handler
// writes what is left synchronously. Only a kill that skips 'exit' (SIGKILL, or a signal nobody handles; the CLI
// handles SIGTERM and SIGINT) loses the last FLUSH_INTERVAL_MS of lines.
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

let batching = false;
let stdout: LogDestination | undefined;

/** From now on, stdout's lines are written in batches: for processes that keep running (a listening server). */
export function batchStdoutLogs(): void {
  batching = true;
}

/** stdout, one destination per process: every logger of the process writes through it, so lines keep their order. */
export function stdoutDestination(): LogDestination {
  // File descriptor 1 itself: reading `process.stdout.fd` would build Node's stdout stream, 2..5 ms at start (issue 23).
  return (stdout ??= lineDestination(STDOUT_FD, () => batching));
}

const STDOUT_FD = 1;

/** Lines to `fd`, in batches while `batched()` says so. */
export function lineDestination(fd: number, batched: () => boolean): LogDestination {
  const destination = pino.destination({ dest: fd, sync: false });
  let batch = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (batch === '') return;
    const lines = batch;
    batch = '';
    destination.write(lines);
  };
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
      if (!batched()) {
        flush();
        destination.write(line);
        return;
      }
      batch += line;
      timer ??= setInterval(flush, FLUSH_INTERVAL_MS).unref();
      if (batch.length >= BATCH_BYTES) flush();
    },
  };
}
