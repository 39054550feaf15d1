// Per-client rate limit on the exchange route: 429 + Retry-After in our envelope; health and metrics unaffected (through
// the app). Then the limit on its own (unit): who counts as one client (IPv6 prefixes, IPv4-mapped addresses, other
// keys), and our view of rate-limiter-flexible (fixed windows, Retry-After in whole seconds).
import { createPhoneExchange, loadConfigFromEnv, startProxy } from '../src';
import { startSandbox } from '../src/sandbox';
import { APP_ID, closedPortUrl, CONNECTION, postJson, startStack } from './helpers';
import { clientKey, limiterOptions, rateLimiterOver, type RateLimitSettings } from '../src/guards/rate-limit';
import { BoundedRateLimiterMemory } from '../src/store/rate-limiters';

it('limits per client IP with 429, Retry-After and RATE_LIMITED, before reaching Authing', async () => {
  const stack = await startStack({ proxy: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
  let refused: string | undefined;
  try {
    for (let i = 0; i < 2; i++) expect((await stack.post({ code: stack.sandbox.mintCode() })).status).toBe(200);
    refused = stack.sandbox.mintCode();
    const limited = await stack.post({ code: refused });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED', requestId: limited.headers.get('x-request-id') });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('cache-control')).toBe('no-store');

    expect((await fetch(`${stack.proxy.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.proxy.url}/metrics`)).status).toBe(200);
  } finally {
    await stack.close();
  }
  // Counted once closed (close() waits for every call to Authing): a call sent in the background would have landed.
  expect(stack.sandbox.calls).toBe(2);
  expect(stack.sandbox.callsFor(refused)).toBe(0);
});

it('with trustProxy, clients behind the same proxy are told apart by X-Forwarded-For', async () => {
  const stack = await startStack({ proxy: { rateLimit: { max: 1, timeWindowMs: 60_000 }, trustProxy: true } });
  try {
    const from = (ip: string) => stack.post({ code: stack.sandbox.mintCode() }, { 'x-forwarded-for': ip });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
    expect((await from('203.0.113.2')).status).toBe(200);
  } finally {
    await stack.close();
  }
});

// The reported bug: 40 requests from one IPv6 /64 all passed while one IPv4 address was limited after 5.
it('RATE_LIMIT_MAX=5 and TRUST_PROXY=loopback: 40 requests from one IPv6 /64 are limited after 5, like one IPv4 address', async () => {
  const sandbox = await startSandbox({ appId: APP_ID });
  const { host, port, ...config } = loadConfigFromEnv({
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_APP_ID: APP_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
    RATE_LIMIT_MAX: '5',
    TRUST_PROXY: 'loopback',
  });
  const proxy = await startProxy({ ...config, logger: false });
  try {
    const statuses = async (addressOf: (i: number) => string): Promise<number[]> => {
      const answers = [];
      for (let i = 0; i < 40; i++)
        answers.push((await postJson(`${proxy.url}/phone`, { code: sandbox.mintCode() }, { 'x-forwarded-for': addressOf(i) })).status);
      return answers;
    };
    const limitedAfterFive = [...Array(5).fill(200), ...Array(35).fill(429)];
    expect(await statuses((i) => `2001:db8:5:6:${i.toString(16)}::${i + 1}`)).toEqual(limitedAfterFive);
    expect(await statuses(() => '203.0.113.5')).toEqual(limitedAfterFive);
    expect(host).toBe('0.0.0.0');
    expect(port).toBe(8787);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
  // Counted once closed (close() waits for every call to Authing): a refused code sent in the background would be counted.
  expect(sandbox.calls).toBe(10);
});

it('RATE_LIMIT_IPV6_PREFIX sets the prefix: with 64, two /64s of one /56 are two clients', async () => {
  const stack = await startStack({ proxy: { rateLimit: { max: 1, timeWindowMs: 60_000, ipv6Prefix: 64 }, trustProxy: 'loopback' } });
  try {
    const from = (ip: string) => stack.post({ code: stack.sandbox.mintCode() }, { 'x-forwarded-for': ip });
    expect((await from('2001:db8:5:601::1')).status).toBe(200);
    expect((await from('2001:db8:5:601::2')).status).toBe(429);
    expect((await from('2001:db8:5:602::1')).status).toBe(200);
  } finally {
    await stack.close();
  }
});

it('a client over its limit is refused without waiting for its body, and a bad body still counts', async () => {
  const exchange = createPhoneExchange({
    authing: { appHost: await closedPortUrl(), appId: APP_ID, extIdpConnidentifier: CONNECTION },
    rateLimit: { max: 1, timeWindowMs: 60_000 },
    logger: false,
  });
  try {
    const caller = { rateLimitKey: '203.0.113.9' };
    expect((await exchange.exchange({ caller, readBody: () => ({ body: { nonsense: true } }) })).status).toBe(400);
    const neverArrives = new Promise<never>(() => undefined);
    const refused = await exchange.exchange({ caller, readBody: () => neverArrives });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'RATE_LIMITED' });
  } finally {
    await exchange.close();
  }
});

describe('unit: the limiter on its own', () => {
  const limiter = (settings: RateLimitSettings) => rateLimiterOver(new BoundedRateLimiterMemory(limiterOptions(settings)), settings);

  describe('clientKey', () => {
    it('keys IPv6 addresses by their prefix, /56 by default', () => {
      expect(clientKey('2001:db8:aa:bb01:1:2:3:4', 56)).toBe('2001:db8:aa:bb00::/56');
      expect(clientKey('2001:db8:aa:bbff::9', 56)).toBe('2001:db8:aa:bb00::/56');
      expect(clientKey('2001:db8:aa:bc00::1', 56)).toBe('2001:db8:aa:bc00::/56');
      expect(clientKey('2001:db8:aa:bb01:1:2:3:4', 48)).toBe('2001:db8:aa::/48');
      expect(clientKey('2001:db8:aa:bb01:1:2:3:4', 64)).toBe('2001:db8:aa:bb01::/64');
      expect(clientKey('2001:db8::1', 128)).toBe('2001:db8::1/128');
      expect(clientKey('fe80::1%eth0', 56)).toBe('fe80::/56');
    });

    it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
      expect(clientKey('::ffff:203.0.113.7', 56)).toBe('203.0.113.7');
      expect(clientKey('203.0.113.7', 56)).toBe('203.0.113.7');
    });

    it('keeps other keys (openid:...) as they are, cut to 64 characters', () => {
      expect(clientKey('openid:oAbC-123', 56)).toBe('openid:oAbC-123');
      expect(clientKey('x'.repeat(100), 56)).toBe('x'.repeat(64));
    });
  });

  describe('rate limiter', () => {
    afterEach(() => jest.useRealTimers());

    it('allows max requests per client in a window, then answers the seconds left, never 0', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      const limit = limiter({ max: 3, timeWindowMs: 10_000, ipv6Prefix: 56 });
      expect([await limit.take('a'), await limit.take('a'), await limit.take('a')]).toEqual([0, 0, 0]);
      expect(await limit.take('a')).toBe(10);
      jest.advanceTimersByTime(8_500);
      expect(await limit.take('a')).toBe(2); // 1.5 s left, rounded up
      jest.advanceTimersByTime(1_499);
      expect(await limit.take('a')).toBe(1); // 1 ms left
      jest.advanceTimersByTime(1);
      expect(await limit.take('a')).toBe(0); // a new window
    });

    it('counts each client separately, and one IPv6 /56 as one client', async () => {
      const limit = limiter({ max: 1, timeWindowMs: 10_000, ipv6Prefix: 56 });
      expect(await limit.take('198.51.100.1')).toBe(0);
      expect(await limit.take('198.51.100.1')).toBeGreaterThan(0);
      expect(await limit.take('198.51.100.2')).toBe(0);
      expect(await limit.take('2001:db8:1:100::1')).toBe(0);
      expect(await limit.take('2001:db8:1:1ff:ffff::2')).toBeGreaterThan(0);
      expect(await limit.take('::ffff:198.51.100.2')).toBeGreaterThan(0);
    });

    it('counts a window of a fraction of a second as whole seconds', () => {
      expect(limiterOptions({ max: 5, timeWindowMs: 1500, ipv6Prefix: 56 })).toEqual({ points: 5, duration: 2 });
    });
  });

  describe('memory limiter bounds', () => {
    /** The entries rate-limiter-flexible holds (one Map entry and one timer each): what the bound is about. */
    const stored = (limiter: BoundedRateLimiterMemory): number =>
      (limiter as unknown as { _memoryStorage: { _storage: Map<string, unknown> } })._memoryStorage._storage.size;

    it('tracks at most maxKeys clients per window plus the overflow buckets, and still limits every client', async () => {
      const settings = { max: 1, timeWindowMs: 60_000, ipv6Prefix: 56 };
      const bounded = new BoundedRateLimiterMemory(limiterOptions(settings), 100, 8);
      const limit = rateLimiterOver(bounded, settings);
      const keys = Array.from({ length: 2000 }, (_, i) => `198.18.${i >> 8}.${i & 255}`);
      const first = await Promise.all(keys.map((key) => limit.take(key)));
      expect(first.slice(0, 100)).toEqual(Array(100).fill(0)); // the first clients count on their own
      for (const key of keys) expect(await limit.take(key)).toBeGreaterThan(0); // every client limited, overflow included
      expect(bounded.trackedKeys).toBe(100);
      expect(stored(bounded)).toBeLessThanOrEqual(108);
    });

    it('counts new clients on their own again once the window has passed', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      try {
        const settings = { max: 1, timeWindowMs: 10_000, ipv6Prefix: 56 };
        const bounded = new BoundedRateLimiterMemory(limiterOptions(settings), 10, 2);
        const limit = rateLimiterOver(bounded, settings);
        for (let i = 0; i < 50; i++) await limit.take(`a${i}`);
        jest.advanceTimersByTime(10_000);
        expect(await Promise.all(Array.from({ length: 10 }, (_, i) => limit.take(`b${i}`)))).toEqual(Array(10).fill(0));
        expect(bounded.trackedKeys).toBe(10);
        expect(stored(bounded)).toBeLessThanOrEqual(12);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
