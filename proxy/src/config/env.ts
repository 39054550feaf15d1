// Environment variables (the CLI's only configuration) turned into options, then checked by the same schema.
import { DEFAULTS } from './defaults';
import { ConfigError, type AuthingLang, type ProxyOptions, type StoreFailureMode } from './options';
import { resolveOptions } from './schema';
import { readAssertionEnv, KEY_FILE_VARIABLE } from './assertion-env';
import { envLookAlikes } from './env-typos';
import { readUpstreamEnv, readUpstreamName, UPSTREAM_ENV_FOR_OPTION, UPSTREAM_SECRET_FILE_VARIABLES } from './upstream-env';
import { resolveServerOptions, type ListenOptions } from './server-options';

/** Which environment variable sets which option: used to name the variable in errors. */
const ENV_FOR_OPTION: Readonly<Record<string, string>> = {
  'authing.appHost': 'AUTHING_APP_HOST',
  'authing.appId': 'AUTHING_APP_ID',
  'authing.userPoolId': 'AUTHING_USERPOOL_ID',
  'authing.extIdpConnidentifier': 'AUTHING_EXT_IDP_CONNIDENTIFIER',
  'authing.lang': 'AUTHING_LANG',
  'authing.allowInsecure': 'AUTHING_ALLOW_INSECURE',
  routePath: 'PHONE_ROUTE_PATH',
  upstreamTimeoutMs: 'UPSTREAM_TIMEOUT_MS',
  upstreamMaxConcurrency: 'UPSTREAM_MAX_CONCURRENCY',
  upstreamLateGraceMs: 'UPSTREAM_LATE_GRACE_MS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  allowedAppIds: 'ALLOWED_APPIDS',
  allowDevtools: 'ALLOW_DEVTOOLS',
  'rateLimit.max': 'RATE_LIMIT_MAX',
  'rateLimit.timeWindowMs': 'RATE_LIMIT_WINDOW_MS',
  corsOrigins: 'CORS_ORIGINS',
  trustProxy: 'TRUST_PROXY',
  trustWechatGateway: 'TRUST_WECHAT_GATEWAY',
  'dedupe.ttlMs': 'DEDUPE_TTL_MS',
  'dedupe.maxEntries': 'DEDUPE_MAX_ENTRIES',
  'dedupe.maxEntriesPerClient': 'DEDUPE_MAX_ENTRIES_PER_CLIENT',
  'logger.level': 'LOG_LEVEL',
  'assertion.privateKey': 'ASSERTION_PRIVATE_KEY',
  'assertion.audience': 'ASSERTION_AUDIENCE',
  'assertion.issuer': 'ASSERTION_ISSUER',
  'assertion.ttlSeconds': 'ASSERTION_TTL_S',
  'assertion.previousPublicKeys': 'ASSERTION_PUBLIC_KEYS_PREVIOUS',
  'rateLimit.ipv6Prefix': 'RATE_LIMIT_IPV6_PREFIX',
  'store.redisUrl': 'REDIS_URL',
  'store.keyPrefix': 'REDIS_KEY_PREFIX',
  'store.failure': 'REDIS_FAILURE',
  ...UPSTREAM_ENV_FOR_OPTION,
};

/** Where a configuration warning goes by default: Node's warning channel (stderr), which every runtime shows. */
export const emitConfigWarning = (warning: string): void => process.emitWarning(warning, { code: 'MINIPROGRAM_PHONE_PROXY_CONFIG' });

/**
 * Tencent's SCF runtime (which runs WeChat cloud functions) sets TENCENTCLOUD_RUNENV=SCF and SCF_FUNCTIONNAME
 * (SCF's documented built-in variables; not confirmed against a WeChat cloud function here): there the fix is the
 * console's environment variables, not a local command.
 */
function whereToSet(env: NodeJS.ProcessEnv): string {
  if (env.TENCENTCLOUD_RUNENV !== undefined || env.SCF_FUNCTIONNAME !== undefined) {
    return 'In a WeChat cloud function set them in the cloud console: 云开发控制台 → 云函数 → this function → 函数配置 → 环境变量 (docs/en/deploy/cloud-function.md).';
  }
  return 'Set them to your Authing application (docs/en/reference/config.md). For local development without Authing run `miniprogram-phone-proxy dev`.';
}

/** TRUST_PROXY: true/false, a hop count, or a comma list of trusted addresses/CIDRs (passed on as is). */
function parseTrustProxy(value: string): boolean | number | string {
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

export type EnvConfig = ProxyOptions & ListenOptions & { host: string; port: number };

/** The listening server's variables, by option. */
const ENV_FOR_SERVER_OPTION: Readonly<Record<string, string>> = { maxConnections: 'MAX_CONNECTIONS', keepAliveTimeoutMs: 'KEEP_ALIVE_TIMEOUT_MS' };

/** Every variable the proxy reads: anything else with one of our prefixes is a warned look-alike (env-typos.ts). */
export const KNOWN_VARIABLES: readonly string[] = [
  ...Object.values(ENV_FOR_OPTION),
  ...Object.values(ENV_FOR_SERVER_OPTION),
  ...UPSTREAM_SECRET_FILE_VARIABLES,
  KEY_FILE_VARIABLE,
  'HOST',
  'PORT',
];

/**
 * Reads the configuration from environment variables (docs/en/reference/config.md). Throws ConfigError naming the variable.
 * Never falls back to the sandbox: without the Authing variables it fails. A variable that looks like ours but is
 * not (ALLOWED_APPID) is handed to `warn`, with the closest real name.
 */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env, warn: (warning: string) => void = emitConfigWarning): EnvConfig {
  envLookAlikes(env, KNOWN_VARIABLES).forEach(({ warning }) => warn(warning));
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  // UPSTREAM=wechat needs no Authing setting (and takes none).
  const wechat = readUpstreamName(read) === 'wechat';
  const missing = wechat ? [] : ['AUTHING_APP_HOST', 'AUTHING_EXT_IDP_CONNIDENTIFIER'].filter((name) => read(name) === undefined);
  if (!wechat && read('AUTHING_APP_ID') === undefined && read('AUTHING_USERPOOL_ID') === undefined && read('AUTHING_ACCESS_KEY_ID') === undefined) {
    missing.push('AUTHING_APP_ID or AUTHING_USERPOOL_ID (or AUTHING_ACCESS_KEY_ID)');
  }
  if (missing.length > 0) {
    throw new ConfigError(missing[0], `missing Authing settings: ${missing.join(', ')}. ${whereToSet(env)}`);
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
  const port = int('PORT') ?? DEFAULTS.env.port;
  if (port > 65535) throw new ConfigError('PORT', `must be a port number (0-65535), got ${port}`);

  const upstreamEnv = readUpstreamEnv(read, bool);
  const { accessKeyId, accessKeySecret } = upstreamEnv.management;
  const options: ProxyOptions = {
    upstream: upstreamEnv.upstream,
    wechat: upstreamEnv.wechat,
    authing: wechat
      ? undefined
      : {
          appHost: read('AUTHING_APP_HOST') as string,
          appId: read('AUTHING_APP_ID'),
          userPoolId: read('AUTHING_USERPOOL_ID'),
          extIdpConnidentifier: read('AUTHING_EXT_IDP_CONNIDENTIFIER') as string,
          lang: read('AUTHING_LANG') as AuthingLang | undefined,
          allowInsecure: bool('AUTHING_ALLOW_INSECURE'),
          accessKeyId,
          accessKeySecret,
        },
    routePath: read('PHONE_ROUTE_PATH'),
    upstreamTimeoutMs: int('UPSTREAM_TIMEOUT_MS'),
    upstreamMaxConcurrency: int('UPSTREAM_MAX_CONCURRENCY'),
    upstreamLateGraceMs: int('UPSTREAM_LATE_GRACE_MS'),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS'),
    allowedAppIds: list('ALLOWED_APPIDS'),
    allowDevtools: bool('ALLOW_DEVTOOLS'),
    // RATE_LIMIT_MAX=0 turns our limit off (e.g. when a gateway in front already limits).
    rateLimit:
      rateLimitMax === 0
        ? false
        : {
            max: rateLimitMax ?? DEFAULTS.rateLimit.max,
            timeWindowMs: int('RATE_LIMIT_WINDOW_MS') ?? DEFAULTS.rateLimit.timeWindowMs,
            ipv6Prefix: int('RATE_LIMIT_IPV6_PREFIX'),
          },
    corsOrigins: list('CORS_ORIGINS'),
    trustProxy: trustProxy === undefined ? undefined : parseTrustProxy(trustProxy),
    trustWechatGateway: bool('TRUST_WECHAT_GATEWAY'),
    dedupe: { ttlMs: int('DEDUPE_TTL_MS'), maxEntries: int('DEDUPE_MAX_ENTRIES'), maxEntriesPerClient: int('DEDUPE_MAX_ENTRIES_PER_CLIENT') },
    logger: { level: read('LOG_LEVEL') ?? DEFAULTS.logger.level },
    // An empty REDIS_KEY_PREFIX is read as unset (the default prefix).
    store: {
      redisUrl: read('REDIS_URL'),
      keyPrefix: read('REDIS_KEY_PREFIX'),
      failure: read('REDIS_FAILURE')?.toLowerCase() as StoreFailureMode | undefined,
    },
  };
  const assertion = readAssertionEnv(read, int);
  if (assertion) options.assertion = assertion.options;

  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      const option = error.key.replace(/\.\d+$/, ''); // corsOrigins.2 -> corsOrigins
      const keyVariable = option === 'assertion.privateKey' ? assertion?.keyVariable : undefined; // or its _FILE variant
      const name = keyVariable ?? ENV_FOR_OPTION[option] ?? error.key;
      throw new ConfigError(name, error.message.slice(error.key.length + 2));
    }
    throw error;
  }
  const server = { maxConnections: int('MAX_CONNECTIONS'), keepAliveTimeoutMs: int('KEEP_ALIVE_TIMEOUT_MS') };
  try {
    resolveServerOptions(server);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(ENV_FOR_SERVER_OPTION[error.key], error.message.slice(error.key.length + 2));
    throw error;
  }
  return { ...options, ...server, host: read('HOST') ?? DEFAULTS.env.host, port };
}
