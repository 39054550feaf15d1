// Redis data loss, noticed. `<prefix>marker` holds an epoch (random, no TTL): a FLUSHALL or FLUSHDB, a restart without
// persistence or a failover to a replica that lacks it removes it with everything else. Every claim checks it inside its
// script (no extra command per exchange), and each instance looks at it every MARKER_CHECK_MS (one script and one INFO a
// second per instance, whatever the load), with Redis's count of evicted keys. Found gone, the instance that found it
// holds new claims off for RECOVERY_GRACE_MS (they answer 503, nothing written, nothing sent), tells the others on the
// answers channel, and every instance writes back its remembered answers and re-asserts its claims in flight; then it
// marks Redis again. The look is also a write: a Redis that refuses writes (OOM under noeviction) is told here.
import { randomUUID } from 'node:crypto';
import { neverSentOutcome } from '../contract/errors';
import type { ProxyMetrics } from '../observability/metrics';
import type { RedisConnection } from './redis-connection';
import { COMMAND_TIMEOUT_MS, timed } from './redis-timing';
import type { ThrottledWarning } from './throttled-warning';

/** How often an instance looks at the marker (and at Redis's evicted keys). */
export const MARKER_CHECK_MS = 1000;
/** How long claims are held off after a loss: every instance looks within MARKER_CHECK_MS, then writes back. */
export const RECOVERY_GRACE_MS = MARKER_CHECK_MS + COMMAND_TIMEOUT_MS;
/** The answers channel's message telling every instance to look now (never a code hash: base64url has no '*'). */
const LOST_MESSAGE_KEY = '*';

/** A claim found no marker: nothing was written or sent; the client may send the same code again. */
export const UNMARKED = neverSentOutcome('Redis lost its data; the instances are writing back what they know: send the code again');

/**
 * KEYS: marker, recovering. ARGV: the epoch this instance knows ('' before its first look), a new epoch, the grace, the
 * channel. Returns {state, epoch}: 'marked' (rewritten as is: the write that fails under OOM), 'recovering' (another
 * instance found the loss), or 'lost' (this one did). A Redis never marked is marked at once by an instance that knew none.
 */
const LOOK_SCRIPT = `
local marker = redis.call('GET', KEYS[1])
if marker then
  redis.call('SET', KEYS[1], marker)
  return {'marked', marker}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'recovering', ''} end
if ARGV[1] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
  return {'marked', ARGV[2]}
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], '${LOST_MESSAGE_KEY} lost')
return {'lost', ''}`;

export interface DataLossWatch {
  /** The first look (marking a Redis never marked); never rejects. */
  look(): Promise<void>;
  /** A claim found no marker: not ready for new codes until a look says otherwise; looks now. */
  markerGone(): void;
  /** A command failed: an OOM means Redis refuses writes (health, log). */
  noteError(error: unknown): void;
  /** Why Redis cannot be used although connected (it refuses writes, or lost its data and is being restored), or undefined. */
  problem(): string | undefined;
  stop(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export function watchForDataLoss(
  redis: RedisConnection,
  keys: { marker: string; recovering: string },
  restore: () => Promise<void>,
  report: { warn: ThrottledWarning; metrics: ProxyMetrics },
): DataLossWatch {
  let epoch: string | undefined;
  /** This instance restored during the current recovery (until Redis is marked again). */
  let restored = false;
  let writesRefused: string | undefined;
  /** Until a look finds Redis marked (after a loss, a reconnection, or before the first look): new claims are refused. */
  let unmarked = true;
  let evictedKeys: number | undefined;
  let evictionsVisible = true;
  let looking: Promise<void> | undefined;

  const restoreNow = (why: string): Promise<void> => {
    report.metrics.storeFailures.inc({ action: 'data_loss' });
    report.warn('data_loss', { why }, `Redis lost data (${why}): writing back this instance's answers and claims in flight`);
    return restore();
  };
  const restoreOnce = async (why: string): Promise<void> => {
    if (restored) return;
    restored = true;
    await restoreNow(why);
  };

  const noteError = (error: unknown): void => {
    const message = (error as Error)?.message ?? '';
    if (!message.startsWith('OOM')) return;
    writesRefused = 'Redis refuses writes (OOM: maxmemory reached under noeviction); exchanges answer 503 until it has room';
    report.warn('oom', { err: { message } }, writesRefused);
  };

  /** Evicted keys may be claims or answers: write back (no grace: under eviction pressure it would never end). */
  const lookAtEvictions = async (): Promise<void> => {
    if (!evictionsVisible) return;
    const info = await timed(redis.client.info('stats')).catch((error: Error) => {
      if (/NOPERM|unknown command/i.test(error.message)) evictionsVisible = false; // a managed Redis may forbid INFO: stop asking
      return '';
    });
    const evicted = Number(/evicted_keys:(\d+)/.exec(info)?.[1]);
    if (!Number.isFinite(evicted)) return;
    const before = evictedKeys;
    evictedKeys = evicted;
    if (before !== undefined && evicted > before) await restoreNow('keys evicted');
  };

  const lookOnce = async (): Promise<void> => {
    const fresh = randomUUID();
    const [state, marker] = (await timed(
      redis.client.eval(LOOK_SCRIPT, {
        keys: [keys.marker, keys.recovering],
        arguments: [epoch ?? '', fresh, String(RECOVERY_GRACE_MS), redis.channel],
      }),
    )) as [string, string];
    if (writesRefused !== undefined) {
      writesRefused = undefined;
      await restore(); // writes accepted again: the answers and claim ends that could not be saved are saved now
    }
    unmarked = state !== 'marked';
    if (state === 'marked') {
      if (epoch !== undefined && marker !== epoch) await restoreOnce('marked again by another instance');
      epoch = marker;
      restored = false;
    } else if (state === 'recovering') {
      await restoreOnce('another instance found the marker gone');
    } else {
      const started = performance.now();
      await restoreOnce('the marker is gone: flushed, or restarted without persistence');
      await sleep(Math.max(0, RECOVERY_GRACE_MS - (performance.now() - started)));
      if ((await timed(redis.client.set(keys.marker, fresh, { NX: true }))) === 'OK') epoch = fresh;
      unmarked = false;
    }
  };

  const look = (): Promise<void> =>
    (looking ??= Promise.all([lookOnce(), lookAtEvictions()])
      .then(() => undefined, noteError)
      .finally(() => (looking = undefined)));

  redis.onAnswer((key) => key === LOST_MESSAGE_KEY && void look());
  redis.onReady(() => {
    unmarked = true; // Redis may have restarted empty: not ready for new codes until a look says
    void look();
  });
  const timer = setInterval(() => redis.isUp() && void look(), MARKER_CHECK_MS);
  timer.unref();

  const recovering = 'Redis lost its data (or reconnected): the instances are writing back what they know; new codes answer 503 meanwhile';
  return {
    look,
    noteError,
    problem: () => writesRefused ?? (unmarked ? recovering : undefined),
    markerGone: () => void ((unmarked = true), look()),
    stop: () => clearInterval(timer),
  };
}
