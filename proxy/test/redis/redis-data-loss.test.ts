// Fault matrix, Redis: FLUSHALL mid-load, a Redis restart with claims pending, keys evicted, a Redis full under `noeviction`. Each
// asserts the same invariants: no code reaches Authing twice; every code not sent is free (its retry succeeds); every
// answer is a documented one; the proxies stay up. Two proxies (two instances) on one redis-server of the suite's own.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { startProxy, type RunningProxy } from '../../src';
import { hashCode } from '../../src/store/dedupe';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { APP_ID, authingFor, LogCapture } from '../helpers';
import { parseAnswer, REFERER, send, type Parsed } from '../reliability/harness';
import { describeWithRedis } from './describe-with-redis';
import { waitFor, withRawClient } from './redis-helpers';
import { startRedis, type RedisServer } from './redis-server';

jest.setTimeout(90_000);

const UPSTREAM_TIMEOUT_MS = 5000;

type Proxy = RunningProxy & { logs: LogCapture };

describeWithRedis('Redis data loss and a full Redis: the fault matrix', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const running: Proxy[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ appId: APP_ID, strictCodes: true });
  });
  afterEach(async () => {
    sandbox.clearFaults();
    await Promise.all(running.splice(0).map((proxy) => proxy.close()));
    await withRawClient(redis.url, (client) => client.configSet({ maxmemory: '0', 'maxmemory-policy': 'noeviction' })).catch(() => undefined);
  });
  afterAll(async () => {
    agent.destroy();
    await sandbox?.close();
    await redis?.close();
  });

  async function instances(keyPrefix: string, count = 2): Promise<Proxy[]> {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const logs = new LogCapture();
        const proxy = await startProxy({
          host: '127.0.0.1',
          port: 0,
          authing: authingFor(sandbox),
          rateLimit: false,
          upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
          logger: { level: 'warn', stream: logs },
          store: { redisUrl: redis.url, keyPrefix },
        });
        running.push(Object.assign(proxy, { logs }));
        return Object.assign(proxy, { logs });
      }),
    );
  }
  const post = async (proxy: RunningProxy, code: string): Promise<Parsed> =>
    parseAnswer(
      await send(
        proxy.url,
        { path: '/phone', headers: { 'content-type': 'application/json', referer: REFERER }, body: JSON.stringify({ code }) },
        agent,
      ),
    );
  const codeKey = (keyPrefix: string, code: string): string => `${keyPrefix}code:{${hashCode(code)}}`;
  const stored = (key: string) => withRawClient(redis.url, (client) => client.get(key));
  const isUnsent = (parsed: Parsed): boolean => parsed.kind === 'error' && parsed.error === 'UPSTREAM_UNAVAILABLE';
  const metricsOf = async (proxy: RunningProxy): Promise<string> => (await fetch(`${proxy.url}/metrics`)).text();
  const healthz = async (proxy: RunningProxy) => {
    const response = await fetch(`${proxy.url}/healthz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** Sends `code` to `proxy` until it is not refused unsent (503), within `ms`. */
  async function untilSent(proxy: RunningProxy, code: string, ms = 15_000): Promise<Parsed> {
    const deadline = Date.now() + ms;
    for (;;) {
      const parsed = await post(proxy, code);
      if (!isUnsent(parsed) || Date.now() > deadline) return parsed;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Runs `work` for each item, 16 at once. */
  async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < items.length) await work(items[next++]);
      }),
    );
  }

  it('FLUSHALL mid-load: each code reaches Authing once; a repeat on the other instance gets the first answer', async () => {
    const [a, b] = await instances(`flush-${randomUUID().slice(0, 8)}:`);
    const codes = Array.from({ length: 300 }, () => sandbox.mintCode());
    const [before, after] = [codes.slice(0, 150), codes.slice(150)];
    const first = new Map<string, Parsed>();
    await pool(before, async (code) => void first.set(code, await post(a, code)));
    await withRawClient(redis.url, (client) => client.flushAll());
    // Under load: new codes on one instance, and client retries of the earlier codes landing on the other.
    const repeats = new Map<string, Parsed>();
    await pool(
      [...after, ...before].sort(() => Math.random() - 0.5),
      async (code) => {
        if (first.has(code)) repeats.set(code, await post(b, code));
        else first.set(code, await post(a, code));
      },
    );
    const calledTwice = codes.filter((code) => sandbox.callsFor(code) > 1);
    const differing = before.filter((code) => !isUnsent(repeats.get(code)!) && JSON.stringify(repeats.get(code)) !== JSON.stringify(first.get(code)));
    const unsent = [...first, ...repeats].filter(([, parsed]) => isUnsent(parsed)).map(([code]) => code);
    console.log(
      `FLUSHALL mid-load: ${codes.length} codes; reached Authing twice: ${calledTwice.length}; a repeat on the other instance answered differently: ${differing.length}; refused unsent (503): ${unsent.length}`,
    );
    expect(calledTwice).toEqual([]);
    expect(differing).toEqual([]);
    // Every code not sent is free: its retry succeeds, once Redis is marked again.
    for (const code of unsent.filter((code) => isUnsent(first.get(code)!))) {
      expect(sandbox.callsFor(code)).toBe(0);
      first.set(code, await untilSent(b, code));
    }
    // After the load, every code repeated on both instances: the first answer, and still one Authing call each.
    for (const code of codes) {
      expect(first.get(code)).toEqual({ kind: 'dto', data: sandbox.phoneFor(code) });
      for (const proxy of [a, b]) expect(await untilSent(proxy, code)).toEqual(first.get(code));
    }
    expect(codes.map((code) => sandbox.callsFor(code))).toEqual(Array(codes.length).fill(1));
    // Both ready again once each has looked at the marker since Redis was marked again (a look a second).
    for (const proxy of [a, b]) await waitFor(async () => (await healthz(proxy)).status === 200, 5000);
    // Each found the loss (or heard of it) and wrote back what it knew.
    for (const proxy of [a, b]) expect(await metricsOf(proxy)).toMatch(/phone_proxy_store_failures_total\{action="data_loss"\} [1-9]/);
    expect(await metricsOf(b)).toMatch(/phone_proxy_store_failures_total\{action="recovering"\} [1-9]/);
  });

  it('keys evicted (allkeys-lru, a small maxmemory): the answering instance writes its answer back; a repeat elsewhere gets it, one Authing call', async () => {
    const keyPrefix = `evict-${randomUUID().slice(0, 8)}:`;
    const [a, b] = await instances(keyPrefix);
    const code = sandbox.mintCode();
    const first = await post(a, code);
    expect(first).toEqual({ kind: 'dto', data: sandbox.phoneFor(code) });
    const fillers: string[] = [];
    await withRawClient(redis.url, async (client) => {
      const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
      await client.configSet({ 'maxmemory-policy': 'allkeys-lru', maxmemory: String(used + 512 * 1024) });
      // Someone else's newer keys push the code's answer out (older, so the first LRU picks).
      for (let i = 0; i < 2000 && (await client.exists(codeKey(keyPrefix, code))) === 1; i++) {
        fillers.push(`filler-${keyPrefix}${i}`);
        await client.set(fillers[fillers.length - 1], 'x'.repeat(10_000));
      }
      expect(await client.exists(codeKey(keyPrefix, code))).toBe(0);
      await client.configSet({ maxmemory: '0', 'maxmemory-policy': 'noeviction' });
      await client.del(fillers);
    });
    await waitFor(async () => (await stored(codeKey(keyPrefix, code))) !== null, 5000);
    expect(await untilSent(b, code)).toEqual(first);
    expect(sandbox.callsFor(code)).toBe(1);
    expect(await metricsOf(a)).toMatch(/phone_proxy_store_failures_total\{action="data_loss"\} [1-9]/);
  });

  it('Redis restarted while a claim is pending: the claim is re-asserted, the other instance gets its answer, one Authing call', async () => {
    const keyPrefix = `restart-${randomUUID().slice(0, 8)}:`;
    const [a, b] = await instances(keyPrefix);
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 4000 });
    const answered = post(a, code);
    await waitFor(() => sandbox.callsFor(code) === 1, 5000);
    await redis.stop();
    await redis.start(); // --save '': the claim is gone
    // Re-asserted by the claimant once it reconnects, while its Authing call still runs.
    await waitFor(async () => (await stored(codeKey(keyPrefix, code)))?.startsWith('pending:') === true, 3000);
    await waitFor(async () => (await healthz(b)).status === 200, 15_000);
    const other = await untilSent(b, code);
    const first = await answered;
    console.log(`Redis restart with a claim pending: the code reached Authing ${sandbox.callsFor(code)} time(s)`);
    expect(first).toEqual({ kind: 'dto', data: sandbox.phoneFor(code) });
    expect(other).toEqual(first);
    expect(sandbox.callsFor(code)).toBe(1);
    for (const proxy of [a, b]) expect(await untilSent(proxy, sandbox.mintCode())).toMatchObject({ kind: 'dto' });
  });

  it('Redis full under noeviction: /healthz 503 with the reason, warned once, nothing written for a code refused unsent, every such code free after', async () => {
    const keyPrefix = `full-${randomUUID().slice(0, 8)}:`;
    const [a, b] = await instances(keyPrefix);
    const answered = sandbox.mintCode();
    expect(await post(a, answered)).toMatchObject({ kind: 'dto' });
    const used = await withRawClient(redis.url, async (client) => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]));
    await withRawClient(redis.url, (client) => client.configSet({ maxmemory: String(used + 256 * 1024), 'maxmemory-policy': 'noeviction' }));

    // Junk codes until Redis refuses writes: each is rejected by Authing once (422) or refused unsent (503), never more.
    const junk: Array<{ code: string; parsed: Parsed }> = [];
    for (let i = 0; i < 5000 && !junk.some(({ parsed }) => isUnsent(parsed)); i += 16) {
      await Promise.all(
        Array.from({ length: 16 }, async (_, j) => {
          const code = `junk-${i + j}-${randomUUID()}`;
          junk.push({ code, parsed: await post([a, b][j % 2], code) });
        }),
      );
    }
    for (const { code, parsed } of junk) {
      expect(parsed).toMatchObject(isUnsent(parsed) ? { kind: 'error' } : { kind: 'error', error: 'CODE_REJECTED' });
      expect(sandbox.callsFor(code)).toBe(isUnsent(parsed) ? 0 : 1);
    }
    const unsentJunk = junk.filter(({ parsed }) => isUnsent(parsed)).map(({ code }) => code);
    // Held full from here (expiring leases would otherwise free a few bytes now and then): every write refused.
    await withRawClient(redis.url, (client) => client.configSet('maxmemory', '1'));
    const junkBytes = await withRawClient(redis.url, (client) => client.memoryUsage(codeKey(keyPrefix, junk[0].code)));
    expect(unsentJunk.length).toBeGreaterThan(0);

    // Full: a new code is refused unsent and leaves no key; a remembered one is still answered; /healthz says why.
    const refused = sandbox.mintCode();
    expect(await post(b, refused)).toMatchObject({ kind: 'error', error: 'UPSTREAM_UNAVAILABLE' });
    expect(sandbox.callsFor(refused)).toBe(0);
    expect(
      await withRawClient(redis.url, (client) => client.exists([codeKey(keyPrefix, refused), ...unsentJunk.map((code) => codeKey(keyPrefix, code))])),
    ).toBe(0);
    expect(await post(a, answered)).toEqual({ kind: 'dto', data: sandbox.phoneFor(answered) });
    for (const proxy of [a, b]) {
      await waitFor(async () => (await healthz(proxy)).status === 503, 5000);
      expect((await healthz(proxy)).body).toMatchObject({
        status: 'unavailable',
        store: 'redis',
        redis: 'up',
        reason: expect.stringContaining('OOM'),
      });
      expect(proxy.logs.text.match(/Redis refuses writes/g)).toHaveLength(1); // once per interval, however many refusals
    }
    console.log(
      `noeviction full: a junk code's answer takes ${junkBytes} bytes of Redis; ${junk.length - unsentJunk.length} junk codes filled 256 KB; refused unsent after: ${unsentJunk.length}`,
    );

    // Room again: healthy, and every code refused unsent is exchanged once.
    await withRawClient(redis.url, (client) => client.configSet('maxmemory', '0'));
    for (const proxy of [a, b]) await waitFor(async () => (await healthz(proxy)).status === 200, 5000);
    expect(await untilSent(a, refused)).toEqual({ kind: 'dto', data: sandbox.phoneFor(refused) });
    expect(await post(b, refused)).toEqual({ kind: 'dto', data: sandbox.phoneFor(refused) });
    expect(sandbox.callsFor(refused)).toBe(1);
    for (const code of unsentJunk.slice(0, 5)) {
      expect(await untilSent(b, code)).toMatchObject({ kind: 'error', error: 'CODE_REJECTED' });
      expect(sandbox.callsFor(code)).toBe(1);
    }
  });
});
