// The options users write (programmatic and, through env.ts, the environment), their resolved form and defaults.
import type { OnPhoneHook } from '../exchange/on-phone';

export type AuthingLang = 'zh-CN' | 'en-US';

export interface AuthingOptions {
  /** Authing application domain, e.g. https://example.authing.cn (a path prefix is kept for private deployments). */
  appHost: string;
  appId?: string;
  userPoolId?: string;
  /** Identifier of the WeChat mini program connection (身份源连接) in Authing. */
  extIdpConnidentifier: string;
  lang?: AuthingLang;
}

export interface ProxyOptions {
  authing: AuthingOptions;
  /** Exchange route, default '/phone'. */
  routePath?: string;
  /** Deadline for one Authing exchange, default 5000. */
  upstreamTimeoutMs?: number;
  /** Deadline for a client to send its whole request (headers and body), default 10000; also bounds shutdown. */
  requestTimeoutMs?: number;
  /** Mini program appids allowed by the Referer check; empty/undefined = no check. */
  allowedAppIds?: string[];
  /** Whether the developer tool's Referer (version 'devtools') passes the allow-list. */
  allowDevtools?: boolean;
  /** Per-client (IP) limit on the exchange route; default 60 per minute; false turns it off. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** Exact origins (https://h5.example.com) allowed by CORS, for H5 callers; default none. */
  corsOrigins?: string[];
  /** Whose X-Forwarded-For to believe (proxy-addr): true, a hop count, or a comma list of IP addresses, CIDRs and loopback/linklocal/uniquelocal. */
  trustProxy?: boolean | string | number;
  /**
   * Take the caller from WeChat Cloud Hosting's gateway headers (X-WX-APPID, X-WX-OPENID...): the allow-list checks
   * X-WX-APPID, the rate limit counts per openid. Default false. Safe only when the service's public network access
   * (公网访问) is off, so that nothing but the gateway reaches it.
   */
  trustWechatGateway?: boolean;
  /** Remembered answers per code hash: default 300_000 ms, 10_000 answers (calls in flight do not count). */
  dedupe?: { ttlMs?: number; maxEntries?: number };
  /** JSON logs (pino): level default 'info', stream default stdout; false = no logs. */
  logger?: { level?: string; stream?: NodeJS.WritableStream } | false;
  /** Runs on every successful exchange before the answer: may add fields or refuse (README "onPhone"); programmatic only. */
  onPhone?: OnPhoneHook;
}

export interface ResolvedOptions {
  authing: AuthingOptions;
  routePath: string;
  upstreamTimeoutMs: number;
  requestTimeoutMs: number;
  allowedAppIds: string[];
  allowDevtools: boolean;
  rateLimit: { max: number; timeWindowMs: number } | false;
  corsOrigins: string[];
  trustProxy: boolean | string | number;
  trustWechatGateway: boolean;
  dedupe: { ttlMs: number; maxEntries: number };
  logger: { level: LogLevel; stream?: NodeJS.WritableStream } | false;
  onPhone?: OnPhoneHook;
}

/** Invalid configuration; `key` is the option path (`authing.appHost`) or the environment variable (`AUTHING_APP_HOST`). */
export class ConfigError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** A phone code request is ~100 bytes: any honest client sends it well within this. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** A WeChat phone code's life (protocol.md): the shortest time an answer may be remembered. */
export const CODE_LIFE_MS = 300_000;
export const DEFAULT_RATE_LIMIT = Object.freeze({ max: 60, timeWindowMs: 60_000 });
export const RESERVED_PATHS: readonly string[] = ['/healthz', '/metrics'];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
