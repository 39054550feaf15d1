// The options users write (programmatic and, through env.ts, the environment) and their resolved form; each option's
// default is tagged @default here and kept, once, in DEFAULTS (defaults.ts).
import type { OnPhoneHook } from './on-phone-hook';
import type { ResolvedWechatOptions, UpstreamName, WechatOptions } from './upstream-options';
import type { PrivateKeyInput, PublicKeyInput, SigningKey, VerificationKey } from './assertion-keys';

export type AuthingLang = 'zh-CN' | 'en-US';
export type { OnPhoneContext, OnPhoneHook, OnPhoneRefusal, OnPhoneResult } from './on-phone-hook';
export type { CloudGetPhoneNumber, ResolvedWechatOptions, UpstreamName, WechatOpenApi, WechatOptions } from './upstream-options';

export interface AuthingOptions {
  /** Authing application domain, e.g. https://example.authing.cn (a path prefix is kept for private deployments). */
  appHost: string;
  appId?: string;
  userPoolId?: string;
  /** Identifier of the WeChat mini program connection (身份源连接) in Authing. */
  extIdpConnidentifier: string;
  lang?: AuthingLang;
  /** Allow plain http:// to a host that is not loopback (a private network you trust). Warned at start. @default false */
  allowInsecure?: boolean;
  /**
   * Management mode: the user pool's AccessKey id and secret (Authing console, 设置 > 基础设置 > 密钥信息). The proxy then
   * sends a management token as a bearer token, with this id as the user pool (docs/en/deploy/upstream.md).
   */
  accessKeyId?: string;
  accessKeySecret?: string;
}

export interface ProxyOptions {
  /** Who exchanges the code: 'authing' or 'wechat' (docs/en/deploy/upstream.md). @default 'authing' */
  upstream?: UpstreamName;
  /** Required when upstream is 'authing'. */
  authing?: AuthingOptions;
  /** Required when upstream is 'wechat'. */
  wechat?: WechatOptions;
  /** Exchange route. @default '/phone' */
  routePath?: string;
  /**
   * Deadline for one Authing exchange, from the moment its request is on a connection. A call waits at most half of it
   * for a free slot and connection; one that cannot start in time is answered 503, nothing sent.
   * @default 5000
   */
  upstreamTimeoutMs?: number;
  /** Calls to Authing at once (and connections in the pool); more wait for a slot (see upstreamTimeoutMs). @default 128 */
  upstreamMaxConcurrency?: number;
  /**
   * How long a call answered 504 goes on for Authing's late answer, which is then remembered for the code (a retry of
   * the same code gets it); 0 turns it off.
   * @default 30000
   */
  upstreamLateGraceMs?: number;
  /** Deadline for a client to send its whole request (headers and body); also bounds shutdown. @default 10000 */
  requestTimeoutMs?: number;
  /** Mini program appids allowed by the Referer check; empty = no check. @default [] */
  allowedAppIds?: string[];
  /** Whether the developer tool's Referer (version 'devtools') passes the allow-list. @default false */
  allowDevtools?: boolean;
  /**
   * Per-client limit on the exchange route; false turns it off. The window counts whole
   * seconds (at least 1000 ms). IPv6 clients count by their `ipv6Prefix`-bit prefix (48..128).
   * @default { max: 60, timeWindowMs: 60000, ipv6Prefix: 56 }
   */
  rateLimit?: { max: number; timeWindowMs: number; ipv6Prefix?: number } | false;
  /** Exact origins (https://h5.example.com) allowed by CORS, for H5 callers. @default [] */
  corsOrigins?: string[];
  /**
   * Whose X-Forwarded-For to believe (proxy-addr): true, a hop count, or a comma list of IP addresses, CIDRs and loopback/linklocal/uniquelocal.
   * @default false
   */
  trustProxy?: boolean | string | number;
  /**
   * Take the caller from WeChat Cloud Hosting's gateway headers (X-WX-APPID, X-WX-OPENID...): the allow-list checks
   * X-WX-APPID, the rate limit counts per openid. Safe only when the service's public network access (公网访问) is off,
   * so that nothing but the gateway reaches it.
   * @default false
   */
  trustWechatGateway?: boolean;
  /**
   * Remembered answers per code hash: for `ttlMs`, at most `maxEntries` answers and calls in flight. The memory store
   * never evicts a live one: full, it refuses new codes (503, nothing sent); one client (its IPv6 prefix, or its IPv4
   * address) may hold at most `maxEntriesPerClient` (by default what the rate limit admits in `ttlMs`, 360 with the
   * default limit, so that a client hears 429 before its share refuses it; at least 1% of `maxEntries`, at most all).
   * @default { ttlMs: 300000, maxEntries: 10000 }
   */
  dedupe?: { ttlMs?: number; maxEntries?: number; maxEntriesPerClient?: number };
  /** JSON logs (pino) to `stream` (stdout when left out); false = no logs. @default { level: 'info' } */
  logger?: { level?: string; stream?: NodeJS.WritableStream } | false;
  /** Runs on every successful exchange before the answer: may add fields or refuse (docs/en/deploy/embedded.md, "The onPhone hook"); programmatic only. */
  onPhone?: OnPhoneHook;
  /** Signed phone assertions: every success answer then carries `assertion`, a JWT the app's backend verifies. */
  assertion?: AssertionOptions;
  /** Where claims, answers and rate-limit counters live: this process's memory (default), or Redis when `redisUrl` is set. */
  store?: StoreOptions;
}

export interface AssertionOptions {
  /** EC P-256 (ES256) or Ed25519 (EdDSA): PEM (PKCS#8, or SEC1 "BEGIN EC PRIVATE KEY"), a private JWK (object or JSON text) or a private KeyObject. */
  privateKey: PrivateKeyInput;
  /** The `aud` claim: the app backend that verifies the assertions. */
  audience: string;
  /** The `iss` claim. @default 'miniprogram-phone-proxy' */
  issuer?: string;
  /** Lifetime (exp - iat), at most 3600. @default 300 */
  ttlSeconds?: number;
  /** Public keys still published on /.well-known/jwks.json after a rotation (public JWK or SPKI PEM). */
  previousPublicKeys?: PublicKeyInput[];
}

export interface ResolvedAssertionOptions {
  signingKey: SigningKey;
  audience: string;
  issuer: string;
  ttlSeconds: number;
  previousPublicKeys: VerificationKey[];
}

export interface StoreOptions {
  /** redis:// or rediss:// URL (a password in it is never logged); unset = memory. */
  redisUrl?: string;
  /** Prefix of every Redis key. @default 'mpp:' */
  keyPrefix?: string;
  /** Redis unreachable: 'closed' refuses exchanges (503), 'open' exchanges without cross-instance protection. @default 'closed' */
  failure?: StoreFailureMode;
}

export type StoreFailureMode = 'closed' | 'open';

export interface ResolvedOptions {
  upstream: UpstreamName;
  authing?: AuthingOptions;
  wechat?: ResolvedWechatOptions;
  routePath: string;
  upstreamTimeoutMs: number;
  upstreamMaxConcurrency: number;
  upstreamLateGraceMs: number;
  requestTimeoutMs: number;
  allowedAppIds: string[];
  allowDevtools: boolean;
  rateLimit: { max: number; timeWindowMs: number; ipv6Prefix: number } | false;
  corsOrigins: string[];
  trustProxy: boolean | string | number;
  trustWechatGateway: boolean;
  dedupe: { ttlMs: number; maxEntries: number; maxEntriesPerClient: number };
  logger: { level: LogLevel; stream?: NodeJS.WritableStream } | false;
  onPhone?: OnPhoneHook;
  assertion?: ResolvedAssertionOptions;
  store: { redisUrl?: string; keyPrefix: string; failure: StoreFailureMode };
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

/** Where the public keys of signed phone assertions are published (404 when signing is off). */
export const JWKS_PATH = '/.well-known/jwks.json';
export const RESERVED_PATHS: readonly string[] = ['/healthz', '/metrics', JWKS_PATH];
export const MAX_ASSERTION_TTL_S = 3600;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
