// One Authing call per phone code: concurrent duplicates share it, a repeat within the code's life gets its answer.
// The memory implementation covers one process; a shared store covers many instances behind the same interface.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import type { ProxyMetrics } from '../observability/metrics';
import type { ExchangeOutcome } from '../exchange/classify';
import { Dedupe, type DedupeSource } from './dedupe';

export interface SingleFlight {
  /** Runs `call` for the code hash `key` unless a call for it is in flight or its answer is remembered. */
  run(key: string, call: () => Promise<ExchangeOutcome>): Promise<{ outcome: ExchangeOutcome; source: DedupeSource }>;
  /**
   * After the last exchange: waits for work still under way in the store (a Redis save), then forgets this process's
   * memory. What a shared store holds stays there for the other instances.
   */
  close(): Promise<void>;
}

/**
 * Answers replayed to a repeat of the same code: every one except when the request provably never left (protocol.md:
 * the same code must not reach Authing twice, and any answer from upstream may follow a use of the code).
 */
export const shouldRemember = (outcome: ExchangeOutcome): boolean => outcome.ok || !outcome.neverSent;

/** The bounded in-process memory of answers; an answer evicted early is counted and warned about once. */
export function boundedDedupe<T>(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): Dedupe<T> {
  let earlyEvictionLogged = false;
  return new Dedupe<T>({
    ...config.dedupe,
    onEarlyEviction: () => {
      metrics.dedupeEarlyEvictions.inc();
      if (earlyEvictionLogged) return;
      earlyEvictionLogged = true; // once: the counter tells how often
      logger?.warn(
        { maxEntries: config.dedupe.maxEntries },
        'de-duplication cache full: answers evicted before their TTL, so a repeated code could reach Authing again; raise DEDUPE_MAX_ENTRIES',
      );
    },
  });
}

/** In-process single flight, bounded by `dedupe.maxEntries`. */
export function createMemorySingleFlight(config: ResolvedOptions, metrics: ProxyMetrics, logger: Logger | undefined): SingleFlight {
  const dedupe = boundedDedupe<ExchangeOutcome>(config, metrics, logger);
  return {
    async run(key, call) {
      const { promise, source } = dedupe.run(key, call, shouldRemember);
      return { outcome: await promise, source };
    },
    async close() {
      dedupe.clear();
    },
  };
}
