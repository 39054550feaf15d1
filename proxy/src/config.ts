// Options (programmatic) and environment variables (CLI), validated up front with one set of rules:
// the environment is converted to options, then both go through the same schema.
import * as v from 'valibot';
import { compileTrustedList } from './client-address';

export type AuthingLang = 'zh-CN' | 'en-US';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

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
  /** Remembered answers per code hash: default 300_000 ms, 10_000 answers (calls in flight do not count). */
  dedupe?: { ttlMs?: number; maxEntries?: number };
  /** JSON logs (pino): level default 'info', stream default stdout; false = no logs. */
  logger?: { level?: string; stream?: NodeJS.WritableStream } | false;
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
  dedupe: { ttlMs: number; maxEntries: number };
  logger: { level: LogLevel; stream?: NodeJS.WritableStream } | false;
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
const CODE_LIFE_MS = 300_000;
export const DEFAULT_RATE_LIMIT = Object.freeze({ max: 60, timeWindowMs: 60_000 });
export const RESERVED_PATHS: readonly string[] = ['/healthz', '/metrics'];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const text = v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'must not be empty'));

const httpUrl = v.pipe(
  text,
  v.check((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash && !url.username;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without query, e.g. https://example.authing.cn'),
);

const origin = v.pipe(
  text,
  v.check((value) => {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  }, 'each origin must be exact, e.g. https://h5.example.com (scheme + host [+ port], no trailing slash)'),
);

const TRUST_PROXY_MESSAGE =
  'must be true, false, a hop count, or a comma list of IP addresses, CIDRs (10.0.0.0/8) and loopback/linklocal/uniquelocal';

/** Whether proxy-addr, which applies the list, accepts every item. */
function isTrustedProxyList(value: string): boolean {
  try {
    compileTrustedList(value);
    return true;
  } catch {
    return false;
  }
}

const trustedProxies = v.pipe(
  text,
  v.check(isTrustedProxyList, TRUST_PROXY_MESSAGE),
);

const positiveInt = (min: number, max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const authingSchema = v.pipe(
  v.object({
    appHost: httpUrl,
    appId: v.optional(text),
    userPoolId: v.optional(text),
    extIdpConnidentifier: text,
    lang: v.optional(v.picklist(['zh-CN', 'en-US'], 'must be zh-CN or en-US')),
  }),
  v.forward(
    v.partialCheck(
      [['appId'], ['userPoolId']],
      (authing) => authing.appId !== undefined || authing.userPoolId !== undefined,
      'set appId or userPoolId (at least one): Authing needs to know the application or user pool',
    ),
    ['appId'],
  ),
);

const optionsSchema = v.object({
  authing: authingSchema,
  routePath: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path starting with /, e.g. /phone'),
      v.check((path) => !RESERVED_PATHS.includes(path), `must not be one of ${RESERVED_PATHS.join(', ')}`),
    ),
    '/phone',
  ),
  upstreamTimeoutMs: v.optional(positiveInt(50, 60_000), 5000),
  requestTimeoutMs: v.optional(positiveInt(100, 60_000), DEFAULT_REQUEST_TIMEOUT_MS),
  allowedAppIds: v.optional(v.array(text, 'must be a list'), []),
  allowDevtools: v.optional(v.boolean('must be true or false'), false),
  rateLimit: v.optional(
    v.union(
      [v.literal(false), v.object({ max: positiveInt(1, 1e9), timeWindowMs: positiveInt(1, 86_400_000) })],
      'must be false or { max, timeWindowMs }',
    ),
    () => ({ ...DEFAULT_RATE_LIMIT }),
  ),
  corsOrigins: v.optional(v.array(origin, 'must be a list'), []),
  trustProxy: v.optional(v.union([v.boolean(), trustedProxies, positiveInt(0, 100)], TRUST_PROXY_MESSAGE), false),
  dedupe: v.optional(
    // Never shorter than a phone code's 5-minute life: within it, a repeat must get the first answer.
    v.object({ ttlMs: v.optional(positiveInt(CODE_LIFE_MS, 3_600_000), CODE_LIFE_MS), maxEntries: v.optional(positiveInt(1, 10_000_000), 10_000) }),
    {},
  ),
  logger: v.optional(
    v.union(
      [
        v.literal(false),
        v.object({
          level: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`), 'info'),
          stream: v.optional(
            v.custom<NodeJS.WritableStream>((value) => typeof (value as NodeJS.WritableStream)?.write === 'function', 'must be a writable stream'),
          ),
        }),
      ],
      'must be false or { level, stream }',
    ),
    {},
  ),
});

/** Validates programmatic options and fills in defaults; throws ConfigError naming the option. */
export function resolveOptions(options: ProxyOptions): ResolvedOptions {
  const result = v.safeParse(optionsSchema, options);
  if (!result.success) {
    const { path, message } = mostSpecific(result.issues[0]);
    throw new ConfigError(path.join('.') || 'options', message);
  }
  return result.output as ResolvedOptions;
}

interface Problem {
  path: string[];
  message: string;
}

/**
 * The issue's option path and message. A failed union (e.g. `rateLimit: false | {max, timeWindowMs}`) reports the
 * branch that got deepest; its issues' paths are relative to the union.
 */
function mostSpecific(issue: v.BaseIssue<unknown>): Problem {
  const path = (issue.path ?? []).map((item) => String(item.key));
  let best: Problem = { path, message: issue.message };
  if (issue.type !== 'union' || !issue.issues) return best;
  for (const inner of issue.issues) {
    const candidate = mostSpecific(inner);
    if (candidate.path.length > 0 && path.length + candidate.path.length > best.path.length) {
      best = { path: [...path, ...candidate.path], message: candidate.message };
    }
  }
  return best;
}

/** Which environment variable sets which option: used to name the variable in errors. */
const ENV_FOR_OPTION: Readonly<Record<string, string>> = {
  'authing.appHost': 'AUTHING_APP_HOST',
  'authing.appId': 'AUTHING_APP_ID',
  'authing.userPoolId': 'AUTHING_USERPOOL_ID',
  'authing.extIdpConnidentifier': 'AUTHING_EXT_IDP_CONNIDENTIFIER',
  'authing.lang': 'AUTHING_LANG',
  routePath: 'PHONE_ROUTE_PATH',
  upstreamTimeoutMs: 'UPSTREAM_TIMEOUT_MS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  allowedAppIds: 'ALLOWED_APPIDS',
  allowDevtools: 'ALLOW_DEVTOOLS',
  'rateLimit.max': 'RATE_LIMIT_MAX',
  'rateLimit.timeWindowMs': 'RATE_LIMIT_WINDOW_MS',
  corsOrigins: 'CORS_ORIGINS',
  trustProxy: 'TRUST_PROXY',
  'dedupe.ttlMs': 'DEDUPE_TTL_MS',
  'dedupe.maxEntries': 'DEDUPE_MAX_ENTRIES',
  'logger.level': 'LOG_LEVEL',
};

/** TRUST_PROXY: true/false, a hop count, or a comma list of trusted addresses/CIDRs (passed on as is). */
function parseTrustProxy(value: string): boolean | number | string {
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

export type EnvConfig = ProxyOptions & { host: string; port: number };

/**
 * Reads the configuration from environment variables (see README). Throws ConfigError naming the variable.
 * Never falls back to the sandbox: without the Authing variables it fails.
 */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const missing = ['AUTHING_APP_HOST', 'AUTHING_EXT_IDP_CONNIDENTIFIER'].filter((name) => read(name) === undefined);
  if (read('AUTHING_APP_ID') === undefined && read('AUTHING_USERPOOL_ID') === undefined) {
    missing.push('AUTHING_APP_ID or AUTHING_USERPOOL_ID');
  }
  if (missing.length > 0) {
    throw new ConfigError(
      missing[0],
      `missing Authing settings: ${missing.join(', ')}. ` +
        'Set them to your Authing application (see README). For local development without Authing run `miniprogram-phone-proxy dev`.',
    );
  }

  const int = (name: string): number | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
    return Number(value);
  };
  const bool = (name: string): boolean | undefined => {
    const value = read(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new ConfigError(name, `must be true or false, got "${value}"`);
  };
  const list = (name: string): string[] | undefined =>
    read(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);

  const rateLimitMax = int('RATE_LIMIT_MAX');
  const trustProxy = read('TRUST_PROXY');
  const port = int('PORT') ?? 8787;
  if (port > 65535) throw new ConfigError('PORT', `must be a port number (0-65535), got ${port}`);

  const options: ProxyOptions = {
    authing: {
      appHost: read('AUTHING_APP_HOST') as string,
      appId: read('AUTHING_APP_ID'),
      userPoolId: read('AUTHING_USERPOOL_ID'),
      extIdpConnidentifier: read('AUTHING_EXT_IDP_CONNIDENTIFIER') as string,
      lang: read('AUTHING_LANG') as AuthingLang | undefined,
    },
    routePath: read('PHONE_ROUTE_PATH'),
    upstreamTimeoutMs: int('UPSTREAM_TIMEOUT_MS'),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS'),
    allowedAppIds: list('ALLOWED_APPIDS'),
    allowDevtools: bool('ALLOW_DEVTOOLS'),
    // RATE_LIMIT_MAX=0 turns our limit off (e.g. when a gateway in front already limits).
    rateLimit:
      rateLimitMax === 0
        ? false
        : { max: rateLimitMax ?? DEFAULT_RATE_LIMIT.max, timeWindowMs: int('RATE_LIMIT_WINDOW_MS') ?? DEFAULT_RATE_LIMIT.timeWindowMs },
    corsOrigins: list('CORS_ORIGINS'),
    trustProxy: trustProxy === undefined ? undefined : parseTrustProxy(trustProxy),
    dedupe: { ttlMs: int('DEDUPE_TTL_MS'), maxEntries: int('DEDUPE_MAX_ENTRIES') },
    logger: { level: read('LOG_LEVEL') ?? 'info' },
  };

  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      const option = error.key.replace(/\.\d+$/, ''); // corsOrigins.2 -> corsOrigins
      const name = ENV_FOR_OPTION[option] ?? error.key;
      throw new ConfigError(name, error.message.slice(error.key.length + 2));
    }
    throw error;
  }
  return { ...options, host: read('HOST') ?? '0.0.0.0', port };
}
