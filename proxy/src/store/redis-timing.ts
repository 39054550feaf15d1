// The Redis store's timings, apart from its client: runtimes/cli.ts sizes its shutdown grace with them without
// loading @redis/client.

/** A command unanswered this long fails (a Redis that hangs counts as down). */
export const COMMAND_TIMEOUT_MS = 2000;
/** A waiter re-reads the state this often if no answer was heard (a message lost in a reconnection, a dead claimant). */
export const WAIT_POLL_MS = 500;
/**
 * The lease's margin over the upstream timeout: the claim's and the save's round trips (each up to a command timeout)
 * and timer lag must fit in it, or waiters would give up on a claimant that is about to answer.
 */
export const LEASE_MARGIN_MS = 2 * COMMAND_TIMEOUT_MS;
/**
 * An admitted request whose claim, or whose flight in this process, was let go unsent (by a request that was not
 * admitted) claims the code again only if at most this long has passed since its single flight began (a release
 * follows the count's answer at once); later it answers 503, the client may send the code again.
 */
export const RETRY_WINDOW_MS = COMMAND_TIMEOUT_MS;
/** How long a waiter waits for a claimant: the lease and two polls. */
export const longestWaitMs = (leaseMs: number): number => leaseMs + 2 * WAIT_POLL_MS;
/**
 * How much longer than the upstream timeout a request may take on the Redis store: its rate-limit count and its claim
 * (sent together) or the retry window, a second claim, waiting out another instance's lease (plus two polls), then its
 * last state read.
 */
export const REDIS_WAIT_MARGIN_MS = RETRY_WINDOW_MS + COMMAND_TIMEOUT_MS + LEASE_MARGIN_MS + 2 * WAIT_POLL_MS + COMMAND_TIMEOUT_MS;

/**
 * Bounds a Redis command by COMMAND_TIMEOUT_MS, the wait for its answer included. node-redis's own command timeout covers
 * only the wait before a command is written (a Redis that hangs once it has the command would hold the exchange), and
 * costs an AbortSignal.timeout per command: about 130 µs of CPU per exchange on the bench VM (proxy/bench/RESULTS.md).
 * The command may still run on the server afterwards (hence the claim's token and its release).
 */
export function timed<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
