// Where log lines go when no stream is given: stdout, written synchronously with fs.writeSync. A long-running server
// (startProxy, the CLI) gathers lines and writes them together, at BATCH_BYTES or every FLUSH_INTERVAL_MS
// (docs/en/deploy/server.md, "Metrics and logs"); handlers and cloud functions, whose platform may freeze the process
// once it answered, write each line at once. No write is ever left half-done in another thread (an asynchronous write
// still running when the process exits loses its lines), so nothing is lost when the process exits, also by
// process.exit() or an uncaught exception: the 'exit' handler writes the batch. Only a kill that skips 'exit'
// (SIGKILL, or a signal nobody handles; the CLI handles SIGTERM and SIGINT) loses the last FLUSH_INTERVAL_MS of lines.
import fs from 'node:fs';

/** How long a line may wait for others before it is written. */
export const FLUSH_INTERVAL_MS = 200;
/** A batch this big is written at once (about a dozen summary lines). */
export const BATCH_BYTES = 4096;
/** How long one write waits for a reader that takes nothing (a full, non-blocking pipe) before its lines are dropped. */
export const STALLED_READER_MS = 1000;

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
  let batch = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (batch === '') return;
    const lines = batch;
    batch = '';
    writeAll(fd, lines);
  };
  process.on('exit', flush);
  return {
    write(line) {
      if (!batched()) {
        flush();
        writeAll(fd, line);
        return;
      }
      batch += line;
      timer ??= setInterval(flush, FLUSH_INTERVAL_MS).unref();
      if (batch.length >= BATCH_BYTES) flush();
    },
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes `text` whole: a full pipe (EAGAIN) is waited for, up to STALLED_READER_MS; a gone reader (EPIPE) drops it. */
function writeAll(fd: number, text: string): void {
  let bytes = Buffer.from(text, 'utf8');
  let waitedMs = 0;
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(fs.writeSync(fd, bytes));
    } catch (error) {
      const full = (error as NodeJS.ErrnoException).code === 'EAGAIN';
      if (!full || waitedMs >= STALLED_READER_MS) return; // nobody is left to read the lines, or nobody reads them
      Atomics.wait(pause, 0, 0, 1);
      waitedMs += 1;
    }
  }
}
