// Every option's default in one frozen object, beside ProxyOptions (options.ts, whose JSDoc names each as @default):
// schema.ts fills them in, env.ts and server-options.ts read them, test/defaults.test.ts keeps the tags in step.
import { DEFAULT_ASSERTION_ISSUER } from '../contract/assertion-claims';

/** A WeChat phone code's life (docs/en/reference/protocol.md, "De-duplication"): the shortest time an answer may be remembered. */
export const CODE_LIFE_MS = 300_000;

export const DEFAULTS = Object.freeze({
  upstream: 'authing',
  routePath: '/phone',
  upstreamTimeoutMs: 5000,
  /** The upstream client's connection pool: as many calls at once as connections. */
  upstreamMaxConcurrency: 128,
  upstreamLateGraceMs: 30_000,
  /** A phone code request is ~100 bytes: any honest client sends it well within this. */
  requestTimeoutMs: 10_000,
  allowedAppIds: Object.freeze([] as string[]),
  allowDevtools: false,
  rateLimit: Object.freeze({ max: 60, timeWindowMs: 60_000, ipv6Prefix: 56 }),
  corsOrigins: Object.freeze([] as string[]),
  trustProxy: false,
  trustWechatGateway: false,
  /** `maxEntriesPerClient`: defaultMaxEntriesPerClient(dedupe, rateLimit). */
  dedupe: Object.freeze({ ttlMs: CODE_LIFE_MS, maxEntries: 10_000 }),
  logger: Object.freeze({ level: 'info' }),
  authing: Object.freeze({ allowInsecure: false }),
  assertion: Object.freeze({ issuer: DEFAULT_ASSERTION_ISSUER, ttlSeconds: 300 }),
  store: Object.freeze({ keyPrefix: 'mpp:', failure: 'closed' }),
  /** startProxy's own options (server-options.ts). */
  listen: Object.freeze({
    host: '127.0.0.1',
    port: 0,
    /**
     * Open connections at most; past it a new connection is closed as soon as it is accepted (Node's
     * server.maxConnections). Idle sockets then cannot take every file descriptor: the Authing client's pool (128
     * sockets), Redis and the process keep theirs. Keep it below `ulimit -n` minus about 200.
     */
    maxConnections: 1000,
    /**
     * How long an idle keep-alive connection stays open after an answer. Behind a load balancer it must be LONGER than
     * the balancer's idle timeout, so that the balancer is always the side that closes a pooled connection (AWS ALB's
     * default idle timeout and nginx's upstream keepalive_timeout are 60 s; AWS's ALB guide asks targets for a
     * keep-alive above it). Shorter, the balancer sends a request on a connection we are closing and answers 502.
     */
    keepAliveTimeoutMs: 72_000,
  }),
  /** The CLI and the container read HOST and PORT: every interface, on a fixed port. */
  env: Object.freeze({ host: '0.0.0.0', port: 8787 }),
} as const);

/**
 * The default share of the memory store one client may hold: what the rate limit lets it send within an answer's life
 * (its fixed windows: any `ttlMs` meets at most ceil(ttlMs / timeWindowMs) + 1 of them), so a client within its rate
 * limit is never refused for its share and hears 429 with Retry-After first; at least 1% of `maxEntries` (the share
 * without a rate limit), at most all of it. With the defaults: 60 x 6 = 360 of 10 000.
 */
export function defaultMaxEntriesPerClient(
  dedupe: { maxEntries: number; ttlMs: number },
  rateLimit: { max: number; timeWindowMs: number } | false,
): number {
  const admitted = rateLimit ? rateLimit.max * (Math.ceil(dedupe.ttlMs / rateLimit.timeWindowMs) + 1) : 0;
  return Math.min(dedupe.maxEntries, Math.max(1, Math.floor(dedupe.maxEntries / 100), admitted));
}
