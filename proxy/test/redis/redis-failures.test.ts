// The Redis store when Redis loses data or fails around a claim: a process never sends a code it answered to Authing
// again (restart without data, an outage under REDIS_FAILURE=open, a failed save), a claim that failed on our side only
// is released, saves finish before close(), the lease covers the round trips, and an evicting Redis is warned about.
// Its own redis-server: these tests stop it and change its configuration.
import { randomUUID } from 'node:crypto';
import { createFetchHandler, startProxy, type ProxyOptions, type RunningProxy } from '../../src';
import { hashCode } from '../../src/store/dedupe';
import type { Sandbox } from '../../src/sandbox';
import { authingFor, LogCapture, postJson } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import { startRedisAndSandbox, waitFor, withRawClient } from './redis-helpers';
import type { RedisServer } from './redis-server';

jest.setTimeout(40_000);

const UPSTREAM_TIMEOUT_MS = 1000;

describeWithRedis('Redis store: data loss and failures around a claim', () => {
  const running: RunningProxy[] = [];
  let redis: RedisServer;
  let sandbox: Sandbox;
  beforeAll(async () => ({ redis, sandbox } = await startRedisAndSandbox()));
  afterEach(async () => {
    sandbox.clearFaults();
    await Promise.all(running.splice(0).map((proxy) => proxy.close()));
    await withRawClient(redis.url, async (client) => {
      await client.configSet({ maxmemory: '0', 'maxmemory-policy': 'noeviction' });
    }).catch(() => undefined);
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  async function proxyOn(store: ProxyOptions['store'], extra: Partial<ProxyOptions> = {}): Promise<RunningProxy & { logs: LogCapture }> {
    const logs = new LogCapture();
    const proxy = await startProxy({
      authing: authingFor(sandbox),
      rateLimit: false,
      upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
      logger: { level: 'info', stream: logs },
      store: { redisUrl: redis.url, ...store },
      ...extra,
    });
    running.push(proxy);
    return Object.assign(proxy, { logs });
  }
  const post = (proxy: RunningProxy, code: string) => postJson(`${proxy.url}/phone`, { code });
  const prefix = (): string => `fail-${randomUUID().slice(0, 8)}:`;
  const codeKey = (keyPrefix: string, code: string): string => `${keyPrefix}code:{${hashCode(code)}}`;
  const healthy = (proxy: RunningProxy) => waitFor(async () => (await fetch(`${proxy.url}/healthz`)).status === 200, 15_000);
  const stored = (key: string) => withRawClient(redis.url, (client) => client.get(key));
  /** A fresh code sent to a fresh proxy, its Authing call (300 ms) under way on return. */
  async function callUnderWay(): Promise<{ keyPrefix: string; proxy: RunningProxy; code: string; answered: ReturnType<typeof post> }> {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix });
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 300 });
    const answered = post(proxy, code);
    await waitFor(() => sandbox.callsFor(code) === 1, 5000);
    return { keyPrefix, proxy, code, answered };
  }

  it('Redis restarted without its data: a repeat on the same instance gets the first answer, and the others get it back', async () => {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix });
    const code = sandbox.mintCode();
    const first = await post(proxy, code);
    expect(first.status).toBe(200);
    await redis.stop();
    await redis.start(); // --save '': everything is gone
    await healthy(proxy);
    const repeat = await post(proxy, code);
    expect(repeat.status).toBe(200);
    expect(repeat.body.data).toEqual(first.body.data);
    expect(sandbox.callsFor(code)).toBe(1);
    // Written back after the reconnection: another instance gets it from Redis.
    await waitFor(async () => (await stored(codeKey(keyPrefix, code))) !== null, 5000);
    const other = await post(await proxyOn({ keyPrefix }), code);
    expect(other.body.data).toEqual(first.body.data);
    expect(sandbox.callsFor(code)).toBe(1);
  });

  it('REDIS_FAILURE=open: an answer made during an outage is remembered once Redis is back, and saved for the others', async () => {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix, failure: 'open' });
    await redis.stop();
    const code = sandbox.mintCode();
    let first;
    try {
      first = await post(proxy, code);
      expect(first.status).toBe(200);
    } finally {
      await redis.start();
    }
    await healthy(proxy);
    const repeat = await post(proxy, code);
    expect(repeat.body.data).toEqual(first.body.data);
    expect(sandbox.callsFor(code)).toBe(1);
    await waitFor(async () => (await stored(codeKey(keyPrefix, code))) !== null, 5000);
    expect((await post(await proxyOn({ keyPrefix }), code)).body.data).toEqual(first.body.data);
    expect(sandbox.callsFor(code)).toBe(1);
  });

  it('a save that fails: the claimant answers a repeat of the code from its own memory, not UPSTREAM_TIMEOUT', async () => {
    const { proxy, code, answered } = await callUnderWay();
    // Writes fail (OOM) while the Authing call runs: the claim stays pending, the save fails.
    await withRawClient(redis.url, (client) => client.configSet('maxmemory', '1'));
    const first = await answered;
    expect(first.status).toBe(200);
    // The save runs after the answer: wait for its failure to be counted before Redis takes writes again.
    await waitFor(
      async () => (await (await fetch(`${proxy.url}/metrics`)).text()).includes('phone_proxy_store_failures_total{action="save"} 1'),
      5000,
    );
    await withRawClient(redis.url, (client) => client.configSet('maxmemory', '0'));
    const repeat = await post(proxy, code);
    expect(repeat.status).toBe(200);
    expect(repeat.body.data).toEqual(first.body.data);
    expect(sandbox.callsFor(code)).toBe(1);
  });

  it('a claim that timed out on our side but ran on the server is released: the resent code is exchanged once', async () => {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix });
    const code = sandbox.mintCode();
    // Writes (scripts included) wait 3 s on the server: the claim times out here (2 s), then runs there.
    await withRawClient(redis.url, (client) => client.sendCommand(['CLIENT', 'PAUSE', '3000', 'WRITE']));
    expect((await post(proxy, code)).body).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE', statusCode: 503 });
    expect(sandbox.callsFor(code)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the pause: the claim ran, then its release
    const resent = await post(proxy, code);
    expect(resent.status).toBe(200);
    expect(sandbox.callsFor(code)).toBe(1);
  });

  it('a Redis that hangs holds no request past its command timeouts, the rate limit included', async () => {
    const proxy = await proxyOn({ keyPrefix: prefix() }, { rateLimit: { max: 100, timeWindowMs: 60_000 } });
    const code = sandbox.mintCode();
    // Writes (scripts included) wait 8 s on the server: the limiter's count and the claim each time out here (2 s).
    await withRawClient(redis.url, (client) => client.sendCommand(['CLIENT', 'PAUSE', '8000', 'WRITE']));
    try {
      const started = Date.now();
      expect((await post(proxy, code)).body).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE', statusCode: 503 });
      expect(Date.now() - started).toBeLessThan(6000);
      expect(sandbox.callsFor(code)).toBe(0);
      expect(await (await fetch(`${proxy.url}/metrics`)).text()).toContain('phone_proxy_store_failures_total{action="rate_limit"} 1');
    } finally {
      await withRawClient(redis.url, (client) => client.sendCommand(['CLIENT', 'UNPAUSE']));
    }
  });

  it('the lease covers the upstream timeout plus the claim and save round trips', async () => {
    const { keyPrefix, code, answered } = await callUnderWay();
    const lease = await withRawClient(redis.url, (client) => client.pTTL(`${keyPrefix}lease:{${hashCode(code)}}`));
    expect(lease).toBeGreaterThan(UPSTREAM_TIMEOUT_MS + 3000);
    expect((await answered).status).toBe(200);
  });

  it('close() waits for the save that follows the last Authing call', async () => {
    const keyPrefix = prefix();
    const handler = createFetchHandler({ authing: authingFor(sandbox), logger: false, rateLimit: false, store: { redisUrl: redis.url, keyPrefix } });
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 300 });
    const request = new Request('http://proxy.test/phone', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    const answered = handler(request);
    await waitFor(() => sandbox.callsFor(code) === 1, 5000);
    await handler.close();
    expect((await answered).status).toBe(200);
    expect(JSON.parse((await stored(codeKey(keyPrefix, code))) ?? '{}')).toMatchObject({ ok: true, phone: sandbox.phoneFor(code) });
  });

  it('warns when Redis may evict keys (maxmemory-policy other than noeviction), and only then', async () => {
    const quiet = await proxyOn({ keyPrefix: prefix() });
    await withRawClient(redis.url, (client) => client.configSet('maxmemory-policy', 'allkeys-lru'));
    const warned = await proxyOn({ keyPrefix: prefix() });
    await waitFor(() => warned.logs.text.includes('maxmemory-policy is allkeys-lru'), 5000);
    expect(warned.logs.text).toMatch(/set maxmemory-policy noeviction/);
    expect(quiet.logs.text).toContain('Redis store connected');
    expect(quiet.logs.text).not.toContain('maxmemory-policy');
  });
});
