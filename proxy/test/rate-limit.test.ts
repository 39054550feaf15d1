// Per-client rate limit on the exchange route: 429 + Retry-After in our envelope; health and metrics unaffected.
import { createPhoneExchange, loadConfigFromEnv, startProxy } from '../src';
import { startSandbox } from '../src/sandbox';
import { APP_ID, closedPortUrl, CONNECTION, postJson, startStack } from './helpers';

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
