// One Authing call per phone code: concurrent duplicates share it, a repeat within the code's life gets its answer.
// The memory implementation covers one process; a shared store covers many instances behind the same interface.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import type { ProxyMetrics } from '../observability/metrics';
import type { ExchangeOutcome } from '../exchange/classify';
import { Dedupe, type DedupeCodec, type DedupeSource } from './dedupe';
import { errors } from '../errors';
import { compactOutcome, type CompactOutcome } from './outcome-codec';

/**
 * The outcome of a flight whose request was not admitted (its rate limit said no): nothing was sent. The exchange answers
 * that request RATE_LIMITED. An admitted request that waited on such a flight (or its claim) tries once more, soon enough
 * (RETRY_WINDOW_MS), and gets this (503, send the code again) when it was too late for that or that did not answer either.
 */
export const NOT_ADMITTED: ExchangeOutcome = Object.freeze({
  ok: false,
  failure: Object.freeze({ definition: errors.UPSTREAM_UNAVAILABLE, detail: { reason: 'another request for this code was not admitted; send it again' } }),
  neverSent: true,
});

export interface SingleFlight {
  /**
   * Runs `call` for the code hash `key` unless a call for it is in flight or its answer is remembered, and only once
   * `admitted` resolves true (the request's rate limit). The store may start its own work for the code (the Redis claim)
   * before that, so that both take one round trip; it undoes that work when the request is not admitted.
   */
  run(key: string, call: () => Promise<ExchangeOutcome>, admitted: Promise<boolean>): Promise<{ outcome: ExchangeOutcome; source: DedupeSource }>;
  /**
   * After the last exchange: waits for work still under way in the store (a Redis save), then forgets this process's
   * memory. What a shared store holds stays there for the other instances.
   */
  close(): Promise<void>;
}

/**
 * Answers replayed to a repeat of the same code: every one except when the request provably never left (docs/en/reference/protocol.md:
 * the same code must not reach Authing twice, and any answer from upstream may follow a use of the code).
 */
export const shouldRemember = (outcome: ExchangeOutcome): boolean => outcome.ok || !outcome.neverSent;

/** Where an answer evicted early is counted and told: the metrics and logger of an exchange using the store. */
export interface EvictionSink {
  readonly metrics: ProxyMetrics;
  readonly logger: Logger | undefined;
}

/** The bounded in-process memory of answers; an answer evicted early is counted by every sink, and told to each once. */
export function boundedDedupe<T>(config: ResolvedOptions, sinks: Iterable<EvictionSink>, codec: DedupeCodec<T, CompactOutcome>): Dedupe<T, CompactOutcome> {
  const warned = new WeakSet<EvictionSink>();
  return new Dedupe<T, CompactOutcome>({
    ...config.dedupe,
    codec,
    onEarlyEviction: () => {
      for (const sink of sinks) {
        sink.metrics.dedupeEarlyEvictions.inc();
        if (warned.has(sink)) continue;
        warned.add(sink); // once: the counter tells how often
        sink.logger?.warn(
          { maxEntries: config.dedupe.maxEntries },
          'de-duplication cache full: answers evicted before their TTL, so a repeated code could reach Authing again; raise DEDUPE_MAX_ENTRIES',
        );
      }
    },
  });
}

/** In-process single flight, bounded by `dedupe.maxEntries`. */
export function createMemorySingleFlight(config: ResolvedOptions, sinks: Iterable<EvictionSink>): SingleFlight {
  const dedupe = boundedDedupe<ExchangeOutcome>(config, sinks, compactOutcome);
  return {
    async run(key, call, admitted) {
      if (!(await admitted)) return { outcome: NOT_ADMITTED, source: 'upstream' };
      const { promise, source } = dedupe.run(key, call, shouldRemember);
      return { outcome: await promise, source };
    },
    async close() {
      dedupe.clear();
    },
  };
}
