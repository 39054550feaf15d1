// Prometheus metrics in a registry per app (not prom-client's global one), so several apps can live in one process.
// Labels are bounded enums: never a code, a phone number or an id.
import { Counter, Histogram, Registry } from 'prom-client';

export interface ProxyMetrics {
  readonly registry: Registry;
  /** Exchange requests answered, by outcome ('ok' or the error code). */
  readonly requests: Counter<'outcome'>;
  /** Time spent waiting for Authing, by outcome. */
  readonly upstreamSeconds: Histogram<'outcome'>;
  /** Exchange requests answered without a new upstream call. */
  readonly dedupeHits: Counter<'source'>;
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
      help: 'Duration of calls to Authing, by outcome',
      labelNames: ['outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dedupeHits: new Counter({
      name: 'phone_proxy_dedupe_hits_total',
      help: 'Requests answered from a shared in-flight call or a remembered answer',
      labelNames: ['source'],
      registers: [registry],
    }),
  };
}
