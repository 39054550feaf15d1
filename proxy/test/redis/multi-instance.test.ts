// Three proxy processes, one redis-server, the Authing sandbox: many instances answer as one.
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { APP_ID, CONNECTION, postJson, type Answer } from '../helpers';
import { DOCUMENTED_ERRORS } from '../reliability/harness';
import { startInstance, type Instance } from './instances';
import { describeWithRedis } from './describe-with-redis';
import { startRedis, type RedisServer } from './redis-server';

jest.setTimeout(60_000);

const UPSTREAM_TIMEOUT_MS = 5000;
const RATE_LIMIT_MAX = 5;

/** A distinct client address per request (a header only: TRUST_PROXY=loopback believes it; no traffic goes there). */
let nextClient = 0;
const clientAddress = (): string => `198.18.${(nextClient >> 8) & 255}.${nextClient++ & 255}`;

describeWithRedis('three instances on one Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const instances: Instance[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ appId: APP_ID });
    const env = {
      AUTHING_APP_HOST: sandbox.url,
      AUTHING_APP_ID: APP_ID,
      AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `multi-${process.pid}:`,
      UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
      RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
      TRUST_PROXY: 'loopback',
    };
    instances.push(...(await Promise.all([0, 1, 2].map(() => startInstance(env)))));
  });
  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.kill()));
    await sandbox?.close();
    await redis?.close();
  });

  const post = (instance: Instance, code: string, from = clientAddress()): Promise<Answer> =>
    postJson(`${instance.url}/phone`, { code }, { 'x-forwarded-for': from });
  const isDocumented = ({ status, body }: Answer): boolean => status === 200 || (DOCUMENTED_ERRORS[body.error as string] ?? []).includes(status);

  /** Runs `work` for each item, at most `parallel` at once. */
  async function pool<T>(items: T[], parallel: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < items.length) {
          const index = next++;
          await work(items[index], index);
        }
      }),
    );
  }

  const firstAnswers = new Map<string, unknown>();

  it('500 codes, each sent by 8 concurrent clients spread over the instances: one Authing call each, one answer for all', async () => {
    const codes = Array.from({ length: 500 }, () => sandbox.mintCode());
    await pool(codes, 20, async (code, index) => {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, client) => post(instances[(index + client) % 3], code)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
      const data = answers.map((answer) => JSON.stringify(answer.body.data));
      expect(new Set(data).size).toBe(1);
      expect(answers[0].body.data).toEqual(sandbox.phoneFor(code));
      firstAnswers.set(code, answers[0].body.data);
    });
    for (const code of codes) expect(sandbox.callsFor(code)).toBe(1);
  });

  it('a repeat later on another instance gets the first answer', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const codes = [...firstAnswers.keys()].slice(0, 30);
    for (const [index, code] of codes.entries()) {
      const answer = await post(instances[index % 3], code);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual(firstAnswers.get(code));
      expect(sandbox.callsFor(code)).toBe(1);
    }
  });

  it('the rate limit counts across instances, an IPv6 client by its /56', async () => {
    const ipv4 = [];
    for (let i = 0; i < 8; i++) ipv4.push((await post(instances[i % 3], sandbox.mintCode(), '203.0.113.9')).status);
    expect(ipv4).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const ipv6 = [];
    for (let i = 0; i < 8; i++) ipv6.push((await post(instances[i % 3], sandbox.mintCode(), `2001:db8:7:${i}::${i + 1}`)).status);
    expect(ipv6).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('Redis stopped under load: no code reaches Authing twice, every answer is documented, and they recover without a restart', async () => {
    const codes = Array.from({ length: 300 }, () => sandbox.mintCode());
    const answers: Answer[] = [];
    const outage = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await redis.start();
    })();
    await pool(codes, 6, async (code, index) => {
      answers.push(...(await Promise.all([0, 1, 2].map((client) => post(instances[(index + client) % 3], code)))));
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    await outage;
    const undocumented = answers.filter((answer) => !isDocumented(answer));
    expect(undocumented).toEqual([]);
    for (const code of codes) expect(sandbox.callsFor(code)).toBeLessThanOrEqual(1);
    const refused = answers.filter((answer) => answer.body.error === 'UPSTREAM_UNAVAILABLE').length;
    expect(refused).toBeGreaterThan(0); // the outage was met

    const deadline = Date.now() + 15_000;
    for (const instance of instances) {
      while ((await fetch(`${instance.url}/healthz`)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`not healthy again: ${instance.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const code = sandbox.mintCode();
    const after = await Promise.all(instances.map((instance) => post(instance, code)));
    expect(after.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(sandbox.callsFor(code)).toBe(1);
  });

  it('the instance holding a claim is killed mid-call: waiters get UPSTREAM_TIMEOUT and Authing never sees the code again', async () => {
    const [waiterA, waiterB, claimant] = instances;
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 10_000 });
    const lost = post(claimant, code).catch(() => undefined);
    while (sandbox.callsFor(code) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const waiting = Promise.all([post(waiterA, code), post(waiterB, code)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await claimant.kill();
    await lost;
    const started = Date.now();
    const answers = await waiting;
    for (const answer of answers) expect(answer.body).toMatchObject({ error: 'UPSTREAM_TIMEOUT', statusCode: 504 });
    // The lease outlives a call's wait for a slot and its deadline: 1.5 x UPSTREAM_TIMEOUT_MS + margin.
    expect(Date.now() - started).toBeLessThan(UPSTREAM_TIMEOUT_MS * 1.5 + 5000);
    const later = await post(waiterA, code);
    expect(later.body).toMatchObject({ error: 'UPSTREAM_TIMEOUT' });
    expect(sandbox.callsFor(code)).toBe(1);
    sandbox.clearFaults();
  });
});
