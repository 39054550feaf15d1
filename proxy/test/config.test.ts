// Configuration is validated up front; every error names the environment variable or option at fault.
import { createNodeHandler, loadConfigFromEnv, resolveOptions } from '../src';
import { configError } from './helpers';

const BASE = {
  AUTHING_APP_HOST: 'https://example.authing.cn',
  AUTHING_APP_ID: 'app-1',
  AUTHING_EXT_IDP_CONNIDENTIFIER: 'wx-mp',
};

describe('loadConfigFromEnv', () => {
  it('reads a minimal environment with defaults', () => {
    const config = loadConfigFromEnv(BASE);
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8787,
      authing: { appHost: 'https://example.authing.cn', appId: 'app-1', extIdpConnidentifier: 'wx-mp' },
      rateLimit: { max: 60, timeWindowMs: 60_000 },
      logger: { level: 'info' },
    });
    expect(resolveOptions(config)).toMatchObject({
      routePath: '/phone',
      upstreamTimeoutMs: 5000,
      requestTimeoutMs: 10_000,
      allowedAppIds: [],
      allowDevtools: false,
      trustProxy: false,
      trustWechatGateway: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfigFromEnv({
      ...BASE,
      AUTHING_USERPOOL_ID: 'pool-1',
      AUTHING_LANG: 'en-US',
      HOST: '127.0.0.1',
      PORT: '9000',
      PHONE_ROUTE_PATH: '/api/phone',
      UPSTREAM_TIMEOUT_MS: '3000',
      REQUEST_TIMEOUT_MS: '2000',
      ALLOWED_APPIDS: 'wx1234567890abcdef, wxfedcba0987654321',
      ALLOW_DEVTOOLS: 'true',
      RATE_LIMIT_MAX: '10',
      RATE_LIMIT_WINDOW_MS: '1000',
      CORS_ORIGINS: 'https://h5.example.com',
      TRUST_PROXY: '1',
      TRUST_WECHAT_GATEWAY: 'true',
      DEDUPE_TTL_MS: '600000',
      DEDUPE_MAX_ENTRIES: '500',
      DEDUPE_MAX_ENTRIES_PER_CLIENT: '20',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_IPV6_PREFIX: '64',
      REDIS_URL: 'redis://:secret@127.0.0.1:6379/1',
      REDIS_KEY_PREFIX: 'phone:',
      REDIS_FAILURE: 'open',
    });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 9000,
      authing: { appHost: 'https://example.authing.cn', appId: 'app-1', userPoolId: 'pool-1', extIdpConnidentifier: 'wx-mp', lang: 'en-US' },
      routePath: '/api/phone',
      upstreamTimeoutMs: 3000,
      requestTimeoutMs: 2000,
      allowedAppIds: ['wx1234567890abcdef', 'wxfedcba0987654321'],
      allowDevtools: true,
      rateLimit: { max: 10, timeWindowMs: 1000, ipv6Prefix: 64 },
      corsOrigins: ['https://h5.example.com'],
      trustProxy: 1,
      trustWechatGateway: true,
      dedupe: { ttlMs: 600000, maxEntries: 500, maxEntriesPerClient: 20 },
      logger: { level: 'warn' },
      store: { redisUrl: 'redis://:secret@127.0.0.1:6379/1', keyPrefix: 'phone:', failure: 'open' },
    });
  });

  it("a client's share of the memory store defaults to what the rate limit admits in an answer's life, at least 1%", () => {
    // 60 a minute over 5 minutes of fixed windows: at most 6 windows, 360 codes; so the rate limit answers 429 first.
    expect(resolveOptions(loadConfigFromEnv(BASE)).dedupe).toEqual({ ttlMs: 300_000, maxEntries: 10_000, maxEntriesPerClient: 360 });
    expect(resolveOptions(loadConfigFromEnv({ ...BASE, RATE_LIMIT_MAX: '10', DEDUPE_TTL_MS: '600000' })).dedupe.maxEntriesPerClient).toBe(110);
    expect(resolveOptions(loadConfigFromEnv({ ...BASE, RATE_LIMIT_MAX: '0' })).dedupe.maxEntriesPerClient).toBe(100); // no limit: 1%
    expect(resolveOptions(loadConfigFromEnv({ ...BASE, RATE_LIMIT_MAX: '0', DEDUPE_MAX_ENTRIES: '50' })).dedupe.maxEntriesPerClient).toBe(1);
    expect(resolveOptions(loadConfigFromEnv({ ...BASE, DEDUPE_MAX_ENTRIES: '50' })).dedupe.maxEntriesPerClient).toBe(50); // never above the store
    expect(resolveOptions(loadConfigFromEnv({ ...BASE, DEDUPE_MAX_ENTRIES_PER_CLIENT: '7' })).dedupe.maxEntriesPerClient).toBe(7);
  });

  it('RATE_LIMIT_MAX=0 turns the limit off; TRUST_PROXY takes booleans and address lists', () => {
    expect(loadConfigFromEnv({ ...BASE, RATE_LIMIT_MAX: '0' }).rateLimit).toBe(false);
    expect(loadConfigFromEnv({ ...BASE, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfigFromEnv({ ...BASE, TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy).toBe('10.0.0.0/8,127.0.0.1');
  });

  it('TRUST_PROXY lists every form proxy-addr accepts, and the proxy builds with it', async () => {
    const list = 'loopback, linklocal, uniquelocal, 192.168.1.10, 10.0.0.0/8, 10.0.0.0/255.0.0.0, ::1, fd00::/8';
    const config = loadConfigFromEnv({ ...BASE, TRUST_PROXY: list });
    expect(config.trustProxy).toBe(list);
    const { host, port, ...options } = config;
    const handler = createNodeHandler({ ...options, logger: false });
    await handler.close();
  });

  it('reads the store and IPv6 prefix variables; no REDIS_URL means the memory store', () => {
    const config = loadConfigFromEnv({
      ...BASE,
      REDIS_URL: 'rediss://:p%40ss@redis.internal:6380/2',
      REDIS_KEY_PREFIX: 'phone:',
      REDIS_FAILURE: 'Open',
      RATE_LIMIT_IPV6_PREFIX: '48',
    });
    expect(resolveOptions(config)).toMatchObject({
      store: { redisUrl: 'rediss://:p%40ss@redis.internal:6380/2', keyPrefix: 'phone:', failure: 'open' },
      rateLimit: { max: 60, timeWindowMs: 60_000, ipv6Prefix: 48 },
    });
    expect(resolveOptions(loadConfigFromEnv(BASE))).toMatchObject({
      store: { redisUrl: undefined, keyPrefix: 'mpp:', failure: 'closed' },
      rateLimit: { ipv6Prefix: 56 },
    });
  });

  it('a bad REDIS_URL is named without echoing it (it may hold a password)', () => {
    const error = configError(() => loadConfigFromEnv({ ...BASE, REDIS_URL: 'http://:hunter2@127.0.0.1:6379' }));
    expect(error.key).toBe('REDIS_URL');
    expect(error.message).toContain('redis:// or rediss://');
    expect(error.message).not.toContain('hunter2');
  });

  it('without Authing settings it fails naming them all (never falls back to the sandbox)', () => {
    const error = configError(() => loadConfigFromEnv({}));
    expect(error.key).toBe('AUTHING_APP_HOST');
    expect(error.message).toContain('AUTHING_APP_HOST');
    expect(error.message).toContain('AUTHING_EXT_IDP_CONNIDENTIFIER');
    expect(error.message).toContain('AUTHING_APP_ID or AUTHING_USERPOOL_ID');
  });

  it.each([
    ['AUTHING_APP_HOST', 'example.authing.cn'],
    ['AUTHING_APP_HOST', 'ftp://example.authing.cn'],
    ['AUTHING_LANG', 'fr-FR'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PHONE_ROUTE_PATH', 'phone'],
    ['PHONE_ROUTE_PATH', '/metrics'],
    ['UPSTREAM_TIMEOUT_MS', '5s'],
    ['UPSTREAM_TIMEOUT_MS', '10'],
    ['REQUEST_TIMEOUT_MS', '50'],
    ['REQUEST_TIMEOUT_MS', '10s'],
    ['ALLOW_DEVTOOLS', 'maybe'],
    ['RATE_LIMIT_MAX', '-1'],
    ['RATE_LIMIT_WINDOW_MS', '0'],
    ['CORS_ORIGINS', 'https://h5.example.com/'],
    ['DEDUPE_TTL_MS', '5'],
    ['DEDUPE_TTL_MS', '299999'], // shorter than a phone code's life
    ['DEDUPE_MAX_ENTRIES', '0'],
    ['DEDUPE_MAX_ENTRIES_PER_CLIENT', '0'],
    ['DEDUPE_MAX_ENTRIES_PER_CLIENT', '1%'],
    ['LOG_LEVEL', 'verbose'],
    ['TRUST_PROXY', 'abc'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '127.0.0.1,nginx'],
    ['TRUST_PROXY', '10.0.0.1/8/8'],
    ['TRUST_PROXY', '10.0.0.0/255.0.255.0'], // not a netmask: proxy-addr would refuse it at start-up
    ['TRUST_PROXY', '10.0.0.1,,10.0.0.2'],
    ['TRUST_WECHAT_GATEWAY', 'yes-please'],
    ['RATE_LIMIT_WINDOW_MS', '999'], // the limiter counts whole seconds
    ['RATE_LIMIT_IPV6_PREFIX', '40'],
    ['RATE_LIMIT_IPV6_PREFIX', '129'],
    ['RATE_LIMIT_IPV6_PREFIX', '/56'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', '127.0.0.1:6379'],
    ['REDIS_URL', 'redis://'],
    ['REDIS_KEY_PREFIX', 'my prefix'],
    ['REDIS_FAILURE', 'maybe'],
  ])('%s=%s is refused, naming the variable', (name, value) => {
    const error = configError(() => loadConfigFromEnv({ ...BASE, [name]: value }));
    expect(error.key).toBe(name);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
  });
});

describe('programmatic options', () => {
  const authing = { appHost: 'https://example.authing.cn', appId: 'a', extIdpConnidentifier: 'c' };

  it.each([
    ['authing.appHost', { authing: { ...authing, appHost: 'nope' } }],
    ['authing.appId', { authing: { appHost: authing.appHost, extIdpConnidentifier: 'c' } }],
    ['authing.extIdpConnidentifier', { authing: { ...authing, extIdpConnidentifier: '' } }],
    ['upstreamTimeoutMs', { authing, upstreamTimeoutMs: 1.5 }],
    ['rateLimit', { authing, rateLimit: { max: 0, timeWindowMs: 1000 } }],
    ['logger.level', { authing, logger: { level: 'loud' } }],
    ['trustProxy', { authing, trustProxy: 'abc' }],
    ['trustWechatGateway', { authing, trustWechatGateway: 'true' }],
    ['requestTimeoutMs', { authing, requestTimeoutMs: 0 }],
    ['rateLimit.ipv6Prefix', { authing, rateLimit: { max: 1, timeWindowMs: 1000, ipv6Prefix: 200 } }],
    ['store.redisUrl', { authing, store: { redisUrl: 'tcp://127.0.0.1' } }],
    ['store.failure', { authing, store: { redisUrl: 'redis://127.0.0.1', failure: 'never' } }],
  ])('%s is named in the error', (key, options) => {
    expect(configError(() => createNodeHandler(options as never)).key).toContain(key);
  });
});
