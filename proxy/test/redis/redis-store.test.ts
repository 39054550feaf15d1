// The Redis store in one process: two proxies sharing one real redis-server behave as one (claims, answers, limits),
// a dead claimant's code is never sent again, only hashes are stored, and Redis failures follow REDIS_FAILURE.
import { randomUUID } from 'node:crypto';
import { createFetchHandler, startProxy, type ProxyOptions, type RunningProxy } from '../../src';
import { hashCode } from '../../src/store/dedupe';
import type { Sandbox } from '../../src/sandbox';
import { authingFor, closedPortUrl, LogCapture, postJson } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import type { RedisServer } from './redis-server';
import { startRedisAndSandbox, waitFor, withRawClient as withClientOn } from './redis-helpers';

jest.setTimeout(30_000);

describeWithRedis('Redis store', () => {
  const running: RunningProxy[] = [];
  let redis: RedisServer;
  let sandbox: Sandbox;
  beforeAll(async () => ({ redis, sandbox } = await startRedisAndSandbox()));
  afterEach(async () => {
    await Promise.all(running.splice(0).map((proxy) => proxy.close()));
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  /** A proxy on the shared Redis; each test has its own key prefix unless it passes one. */
  async function proxyOn(store: ProxyOptions['store'], extra: Partial<ProxyOptions> = {}): Promise<RunningProxy & { logs: LogCapture }> {
    const logs = new LogCapture();
    const proxy = await startProxy({
      authing: authingFor(sandbox),
      rateLimit: false,
      logger: { level: 'info', stream: logs },
      store: { redisUrl: redis.url, ...store },
      ...extra,
    });
    running.push(proxy);
    return Object.assign(proxy, { logs });
  }
  const post = (proxy: RunningProxy, code: string) => postJson(`${proxy.url}/phone`, { code });
  const prefix = (): string => `test-${randomUUID().slice(0, 8)}:`;

  const withRawClient = <T>(use: Parameters<typeof withClientOn<T>>[1]): Promise<T> => withClientOn(redis.url, use);

  it('two instances share one Authing call per code, and a repeat on either gets the first answer', async () => {
    const keyPrefix = prefix();
    const [a, b] = [await proxyOn({ keyPrefix }), await proxyOn({ keyPrefix })];
    sandbox.inject({ kind: 'latency', ms: 300 });
    const code = sandbox.mintCode();
    const answers = await Promise.all([post(a, code), post(b, code), post(a, code), post(b, code)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body.data))).size).toBe(1);
    expect(sandbox.callsFor(code)).toBe(1);
    const repeat = await post(b, code);
    expect(repeat.body.data).toEqual(answers[0].body.data);
    expect(sandbox.callsFor(code)).toBe(1);
    expect(a.logs.text + b.logs.text).not.toContain(code);
  });

  it('publishes an answer only when an instance waits for it', async () => {
    const keyPrefix = prefix();
    const [a, b] = [await proxyOn({ keyPrefix }), await proxyOn({ keyPrefix })];
    const published: string[] = [];
    await withRawClient(async (listener) => {
      await listener.subscribe(`${keyPrefix}answers`, (message) => published.push(message.slice(0, message.indexOf(' '))));
      expect((await post(a, sandbox.mintCode())).status).toBe(200); // nobody waits
      sandbox.inject({ kind: 'latency', ms: 300 });
      const code = sandbox.mintCode();
      const first = post(a, code);
      await waitFor(() => sandbox.callsFor(code) === 1, 5000);
      const waiter = await post(b, code); // b finds a's claim pending and waits
      expect(waiter.status).toBe(200);
      expect(waiter.body.data).toEqual((await first).body.data);
      await waitFor(() => published.length > 0, 2000);
      expect(published).toEqual([hashCode(code)]);
      expect(sandbox.callsFor(code)).toBe(1);
    });
  });

  it('stores code hashes and answers, never a code, for the dedupe TTL', async () => {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix });
    const code = sandbox.mintCode();
    expect((await post(proxy, code)).status).toBe(200);
    await withRawClient(async (client) => {
      // Besides the code's key, only the data-loss marker (store/redis-marker.ts): a random epoch, no TTL.
      const keys = await client.keys(`${keyPrefix}*`);
      expect(keys.sort()).toEqual([`${keyPrefix}code:{${hashCode(code)}}`, `${keyPrefix}marker`]);
      expect(await client.get(`${keyPrefix}marker`)).toMatch(/^[0-9a-f-]{36}$/);
      expect(await client.pTTL(`${keyPrefix}marker`)).toBe(-1);
      const stored = (await client.get(keys[0])) as string;
      expect(stored).not.toContain(code);
      expect(JSON.parse(stored)).toMatchObject({ ok: true, phone: sandbox.phoneFor(code) });
      const ttl = await client.pTTL(keys[0]);
      expect(ttl).toBeGreaterThan(290_000);
      expect(ttl).toBeLessThanOrEqual(300_000);
    });
  });

  it('a failure is replayed from the table; one that provably never left is not stored', async () => {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix });
    sandbox.inject({ kind: 'wechat', statusCode: 601, errcode: 40029 });
    const code = sandbox.mintCode();
    const first = await post(proxy, code);
    expect(first.body).toMatchObject({ error: 'CODE_REJECTED', statusCode: 422 });
    const replay = await post(await proxyOn({ keyPrefix }), code);
    expect(replay.body).toMatchObject({ error: 'CODE_REJECTED', statusCode: 422, message: first.body.message });
    expect(sandbox.callsFor(code)).toBe(1);

    const unreachable = await startProxy({
      authing: { ...authingFor(sandbox), appHost: await closedPortUrl() },
      logger: false,
      rateLimit: false,
      store: { redisUrl: redis.url, keyPrefix },
    });
    running.push(unreachable);
    const neverSent = sandbox.mintCode();
    expect((await post(unreachable, neverSent)).body.error).toBe('UPSTREAM_UNAVAILABLE');
    await withRawClient(async (client) => expect(await client.exists(`${keyPrefix}code:{${hashCode(neverSent)}}`)).toBe(0));
    expect((await post(proxy, neverSent)).status).toBe(200); // the client may send it again
  });

  it('a code claimed by an instance that died (no lease left) gets UPSTREAM_TIMEOUT and never reaches Authing', async () => {
    const keyPrefix = prefix();
    const proxy = await proxyOn({ keyPrefix });
    const code = sandbox.mintCode();
    await withRawClient((client) => client.set(`${keyPrefix}code:{${hashCode(code)}}`, 'pending', { PX: 300_000 }));
    for (let i = 0; i < 2; i++) expect((await post(proxy, code)).body).toMatchObject({ error: 'UPSTREAM_TIMEOUT', statusCode: 504 });
    expect(sandbox.callsFor(code)).toBe(0);
  });

  it('the rate limit counts across instances', async () => {
    const keyPrefix = prefix();
    const limit = { rateLimit: { max: 3, timeWindowMs: 60_000 } };
    const [a, b] = [await proxyOn({ keyPrefix }, limit), await proxyOn({ keyPrefix }, limit)];
    const statuses = [];
    for (const proxy of [a, b, a, b, a]) statuses.push((await post(proxy, sandbox.mintCode())).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('unreachable at start-up: closed fails naming REDIS_URL (no password shown); open starts and says so', async () => {
    const nowhere = `redis://:s3cret@127.0.0.1:${new URL(await closedPortUrl()).port}`;
    const closed = startProxy({ authing: authingFor(sandbox), logger: false, store: { redisUrl: nowhere } });
    await expect(closed).rejects.toThrow(/^REDIS_URL: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ .*REDIS_FAILURE=open/);
    await expect(closed).rejects.not.toThrow(/s3cret/);

    const open = await proxyOn({ redisUrl: nowhere, failure: 'open' });
    expect(open.logs.text).toMatch(/REDIS_FAILURE=open: cannot reach Redis .*WITHOUT cross-instance protection/);
    const health = await fetch(`${open.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', store: 'redis', redis: 'down' });
    expect((await post(open, sandbox.mintCode())).status).toBe(200);
    expect(await (await fetch(`${open.url}/metrics`)).text()).toContain('phone_proxy_store_failures_total{action="unprotected"} 1');
    expect(open.logs.text).not.toContain('s3cret');
  });

  it('a handler connects lazily: its first request waits for the connection', async () => {
    const handler = createFetchHandler({
      authing: authingFor(sandbox),
      logger: false,
      rateLimit: false,
      store: { redisUrl: redis.url, keyPrefix: prefix() },
    });
    try {
      const code = sandbox.mintCode();
      const request = () =>
        new Request('http://proxy.test/phone', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      const [first, second] = await Promise.all([handler(request()), handler(request())]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(sandbox.callsFor(code)).toBe(1);
      expect(await (await handler(new Request('http://proxy.test/healthz'))).json()).toEqual({ status: 'ok', store: 'redis', redis: 'up' });
    } finally {
      await handler.close();
    }
  });

  it('lost mid-run under closed: 503 without calling Authing and /healthz 503; back again without a restart', async () => {
    const proxy = await proxyOn({ keyPrefix: prefix() });
    expect(await (await fetch(`${proxy.url}/healthz`)).json()).toEqual({ status: 'ok', store: 'redis', redis: 'up' });
    await redis.stop();
    try {
      const calls = sandbox.calls;
      const code = sandbox.mintCode();
      expect((await post(proxy, code)).body).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE', statusCode: 503 });
      expect(sandbox.calls).toBe(calls);
      const health = await fetch(`${proxy.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'unavailable', store: 'redis', redis: 'down' });
    } finally {
      await redis.start();
    }
    await waitFor(async () => (await fetch(`${proxy.url}/healthz`)).status === 200, 10_000);
    expect((await post(proxy, sandbox.mintCode())).status).toBe(200);
  });
});
