// Prometheus metrics in a registry per app (not prom-client's global one), so several apps can live in one process.
// Labels are bounded enums: never a code, a phone number or an id.
import type * as PromClient from 'prom-client';

// prom-client's own modules for the three classes we use: its index also loads the default process metrics, which
// pull in @opentelemetry/api (~50 modules, ~11 MB of resident memory) for exemplars we never expose.
/* eslint-disable @typescript-eslint/no-require-imports -- untyped deep modules of prom-client, typed from its index */
const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
/* eslint-enable @typescript-eslint/no-require-imports */
type Counter<T extends string> = PromClient.Counter<T>;
type Histogram<T extends string> = PromClient.Histogram<T>;
type Registry = PromClient.Registry;

export interface ProxyMetrics {
  readonly registry: Registry;
  /** Exchange requests answered, by outcome ('ok' or the error code). */
  readonly requests: Counter<'outcome'>;
  /** Time spent waiting for Authing, by outcome. */
  readonly upstreamSeconds: Histogram<'outcome'>;
  /** Answers from Authing that came after our deadline answered 504, within the grace, kept for the code; by outcome. */
  readonly upstreamLateAnswers: Counter<'outcome'>;
  /** Access tokens fetched (WeChat's stable_token, Authing's management token), by mode: normal or force_refresh. */
  readonly upstreamTokenFetches: Counter<'upstream' | 'mode'>;
  /** Calls made again with a fresh token after WeChat rejected the token (40001, 42001, 40014). */
  readonly upstreamTokenRetries: Counter<never>;
  /** Exchange requests answered without a new upstream call. */
  readonly dedupeHits: Counter<'source'>;
  /** Answers evicted before their TTL because the cache was full. */
  readonly dedupeEarlyEvictions: Counter<never>;
  /** onPhone hooks that threw or answered something unusable (HOOK_FAILED). */
  readonly hookFailures: Counter<never>;
  /** New codes the memory store had no room for (answered 503, nothing sent), by reason: full or client_share. */
  readonly storeRefusals: Counter<'reason'>;
  /** Exchanges that met a Redis failure, by what was done: refused (503), unprotected (open), save, wait. */
  readonly storeFailures: Counter<'action'>;
}

export function createMetrics(): ProxyMetrics {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: 'phone_proxy_requests_total',
      help: 'Phone exchange requests answered, by outcome (ok or the error code)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    upstreamSeconds: new Histogram({
      name: 'phone_proxy_upstream_duration_seconds',
      help: 'Duration of calls upstream (Authing or WeChat), by outcome',
      labelNames: ['outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    upstreamLateAnswers: new Counter({
      name: 'phone_proxy_upstream_late_answers_total',
      help: 'Upstream answers after the deadline answered 504 (within UPSTREAM_LATE_GRACE_MS), kept for the code, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    upstreamTokenFetches: new Counter({
      name: 'phone_proxy_upstream_token_fetches_total',
      help: 'Upstream access tokens fetched, by upstream and mode (normal, force_refresh)',
      labelNames: ['upstream', 'mode'],
      registers: [registry],
    }),
    upstreamTokenRetries: new Counter({
      name: 'phone_proxy_upstream_token_retries_total',
      help: 'Phone calls made once more with a fresh token after the upstream rejected the token',
      registers: [registry],
    }),
    dedupeHits: new Counter({
      name: 'phone_proxy_dedupe_hits_total',
      help: 'Requests answered from a shared in-flight call or a remembered answer',
      labelNames: ['source'],
      registers: [registry],
    }),
    dedupeEarlyEvictions: new Counter({
      name: 'phone_proxy_dedupe_early_evictions_total',
      help: 'Remembered answers evicted before their TTL because DEDUPE_MAX_ENTRIES was reached',
      registers: [registry],
    }),
    storeRefusals: new Counter({
      name: 'phone_proxy_store_refusals_total',
      help: 'New codes refused 503 (nothing sent) because the memory store was full (full) or their client held its share (client_share)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    hookFailures: new Counter({
      name: 'phone_proxy_hook_failures_total',
      help: 'onPhone hooks that threw or answered something unusable (answered HOOK_FAILED)',
      registers: [registry],
    }),
    storeFailures: new Counter({
      name: 'phone_proxy_store_failures_total',
      help: 'Exchanges that met a Redis failure, by action: refused (503, REDIS_FAILURE=closed), unprotected (REDIS_FAILURE=open), save, wait, rate_limit (counted on this instance alone)',
      labelNames: ['action'],
      registers: [registry],
    }),
  };
}
