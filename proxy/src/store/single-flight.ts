// One Authing call per phone code: concurrent duplicates share it, a repeat within the code's life gets its answer.
// The memory implementation covers one process; a shared store covers many instances behind the same interface.
import type { Logger } from 'pino';
import type { ResolvedOptions } from '../config';
import type { ProxyMetrics } from '../observability/metrics';
import type { SourcedOutcome, UpstreamOutcome } from '../contract/types';
import { Dedupe, type DedupeCodec, type DedupeRefusal } from './dedupe';
import { neverSentOutcome } from '../contract/errors';
import { clientKey } from '../guards/rate-limit';
import { DEFAULTS } from '../config';
import { compactOutcome, type CompactOutcome } from './outcome-codec';
import { throttledWarning, type ThrottledWarning } from './throttled-warning';

/**
 * The outcome of a flight whose request was not admitted (its rate limit said no): nothing was sent. The exchange answers
 * that request RATE_LIMITED. An admitted request that waited on such a flight (or its claim) tries once more, soon enough
 * (RETRY_WINDOW_MS), and gets this (503, send the code again) when it was too late for that or that did not answer either.
 */
export const NOT_ADMITTED = neverSentOutcome('another request for this code was not admitted; send it again');

export interface SingleFlight {
  /**
   * Runs `call` for the code hash `key` unless a call for it is in flight or its answer is remembered, and only once
   * `admitted` resolves true (the request's rate limit). The store may start its own work for the code (the Redis claim)
   * before that, so that both take one round trip; it undoes that work when the request is not admitted. `client`: the
   * request's rate-limit key; the memory store bounds what one client (its IPv6 prefix, or its IPv4 address) may hold.
   */
  run(key: string, call: () => Promise<UpstreamOutcome>, admitted: Promise<boolean>, client?: string): Promise<SourcedOutcome>;
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
export const shouldRemember = (outcome: UpstreamOutcome): boolean => outcome.ok || !outcome.neverSent;

/** Where an answer evicted early (or a code refused for want of room) is counted and told: an exchange using the store. */
export interface EvictionSink {
  readonly metrics: ProxyMetrics;
  readonly logger: Logger | undefined;
}

/** The memory store had no room for a new code (or its client held its share): nothing was sent, the client may retry. */
export const MEMORY_FULL: Readonly<Record<DedupeRefusal, UpstreamOutcome>> = Object.freeze({
  full: neverSentOutcome('memory store full; send the code again'),
  client_share: neverSentOutcome('this client holds its share of the memory store; send the code again'),
});

/** The bounded in-process memory of answers; an answer evicted early is counted by every sink, and told to each once. */
export function boundedDedupe<T>(
  config: ResolvedOptions,
  sinks: Iterable<EvictionSink>,
  codec: DedupeCodec<T, CompactOutcome>,
): Dedupe<T, CompactOutcome> {
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

/** Counts a refusal in every sink and warns each at most once per interval (the counter tells how often). */
function refusalCounter(config: ResolvedOptions, sinks: Iterable<EvictionSink>): (reason: DedupeRefusal) => UpstreamOutcome {
  const warnings = new WeakMap<EvictionSink, ThrottledWarning>();
  const { maxEntries, maxEntriesPerClient } = config.dedupe;
  return (reason) => {
    for (const sink of sinks) {
      sink.metrics.storeRefusals.inc({ reason });
      let warn = warnings.get(sink);
      if (!warn) warnings.set(sink, (warn = throttledWarning(sink.logger)));
      warn(
        reason,
        { reason, maxEntries, maxEntriesPerClient },
        reason === 'full'
          ? 'memory store full: new codes answered 503 UPSTREAM_UNAVAILABLE (nothing sent) until answers expire; raise DEDUPE_MAX_ENTRIES, or use Redis (REDIS_URL) for a public deployment'
          : 'a client holds DEDUPE_MAX_ENTRIES_PER_CLIENT answers: its new codes answered 503 UPSTREAM_UNAVAILABLE (nothing sent) until they expire',
      );
    }
    return MEMORY_FULL[reason];
  };
}

/**
 * In-process single flight, bounded by `dedupe.maxEntries`: a live answer or call is never evicted; full, a new code is
 * refused (MEMORY_FULL), and so is one from a client holding `dedupe.maxEntriesPerClient`.
 */
export function createMemorySingleFlight(config: ResolvedOptions, sinks: Iterable<EvictionSink>): SingleFlight {
  const dedupe = new Dedupe<UpstreamOutcome, CompactOutcome>({
    ...config.dedupe,
    codec: compactOutcome,
    whenFull: { refuse: refusalCounter(config, sinks), maxPerHolder: config.dedupe.maxEntriesPerClient },
  });
  // The client as the rate limit counts it: an IPv6 client by its prefix (one host often holds a whole /56).
  const ipv6Prefix = config.rateLimit ? config.rateLimit.ipv6Prefix : DEFAULTS.rateLimit.ipv6Prefix;
  return {
    async run(key, call, admitted, client) {
      if (!(await admitted)) return { outcome: NOT_ADMITTED, source: 'upstream' };
      const holder = client === undefined ? undefined : clientKey(client, ipv6Prefix);
      const { promise, source } = dedupe.run(key, call, shouldRemember, holder);
      return { outcome: await promise, source };
    },
    close() {
      dedupe.clear();
      return Promise.resolve();
    },
  };
}
