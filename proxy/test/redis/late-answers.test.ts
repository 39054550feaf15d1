// On the Redis store: a claim whose lease expired (its instance died mid-call, or is still in its late-answer grace)
// answers UPSTREAM_TIMEOUT and never calls Authing again; and a late answer within the grace goes through the store's
// normal save, so the same caller's retry on another instance gets the phone, with one Authing call in all.
import { randomUUID } from 'node:crypto';
import { createPhoneExchange, type PhoneExchange } from '../../src';
import { resolveOptions } from '../../src/config';
import { errors } from '../../src/contract/errors';
import type { UpstreamOutcome } from '../../src/contract/types';
import { createMetrics } from '../../src/observability/metrics';
import { createStore } from '../../src/store';
import { hashCode } from '../../src/store/dedupe';
import { redisClaims } from '../../src/store/redis-claims';
import { connectRedis } from '../../src/store/redis-connection';
import type { Sandbox } from '../../src/sandbox';
import { authingFor } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import type { RedisServer } from './redis-server';
import { startRedisAndSandbox, waitFor, withRawClient } from './redis-helpers';

jest.setTimeout(30_000);

const PHONE: UpstreamOutcome = { ok: true, phone: { phoneNumber: '+86 13800000000', purePhoneNumber: '13800000000', countryCode: '86' } };

describeWithRedis('leases and late answers (Redis store)', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const closing: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => ({ redis, sandbox } = await startRedisAndSandbox()));
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((item) => item.close()));
    sandbox.clearFaults();
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  const prefix = (): string => `late-${randomUUID().slice(0, 8)}:`;
  const codeState = (keyPrefix: string, key: string) => withRawClient(redis.url, (client) => client.get(`${keyPrefix}code:{${key}}`));
  const leaseState = (keyPrefix: string, key: string) => withRawClient(redis.url, (client) => client.get(`${keyPrefix}lease:{${key}}`));

  it('a pending claim whose lease expired answers UPSTREAM_TIMEOUT, with no upstream call', async () => {
    const keyPrefix = prefix();
    const connection = connectRedis(redis.url, keyPrefix, () => undefined);
    closing.push(connection);
    await connection.firstConnection;
    // Marked, as an instance's first look leaves Redis (store/redis-marker.ts): claims are made only then.
    await connection.client.set(`${keyPrefix}marker`, 'test', { NX: true });
    const claims = redisClaims(connection, { codeLifeMs: 300_000, leaseMs: 300, keyPrefix, markerKey: `${keyPrefix}marker` });
    const key = randomUUID();
    // An instance claims the code, then dies (or outlives its lease) before answering.
    expect(await claims.claim(key, 'dead-instance')).toBe('claimed');
    await waitFor(async () => (await leaseState(keyPrefix, key)) === null, 5000);

    expect(await claims.claim(key, 'another-instance')).toBe('lost');
    expect(await claims.peek(key)).toBeUndefined();
    const store = createStore(
      resolveOptions({ authing: authingFor(sandbox), logger: false, store: { redisUrl: redis.url, keyPrefix } }),
      createMetrics(),
      undefined,
    );
    closing.push(store);
    await store.ready();
    const call = jest.fn(() => Promise.resolve(PHONE));
    const result = await store.singleFlight.run(key, call, Promise.resolve(true));
    expect(result.outcome).toMatchObject({ ok: false, neverSent: false, failure: { definition: errors.UPSTREAM_TIMEOUT } });
    expect(call).not.toHaveBeenCalled();
    expect(await codeState(keyPrefix, key)).toBe('pending:dead-instance');
  });

  it('a late answer is saved for the code: the same caller’s retry on another instance gets the phone, one Authing call', async () => {
    const keyPrefix = prefix();
    const options = {
      authing: authingFor(sandbox),
      logger: false as const,
      store: { redisUrl: redis.url, keyPrefix },
      upstreamTimeoutMs: 300,
      upstreamLateGraceMs: 10_000,
    };
    const [a, b]: PhoneExchange[] = [createPhoneExchange(options), createPhoneExchange(options)];
    closing.push(a, b);
    const code = sandbox.mintCode();
    const send = (exchange: PhoneExchange) => exchange.exchange({ caller: { rateLimitKey: 'client-x' }, readBody: () => ({ body: { code } }) });

    sandbox.inject({ kind: 'latency', ms: 1200 });
    const first = await send(a);
    expect(first).toMatchObject({ status: 504, body: { error: 'UPSTREAM_TIMEOUT' } });
    await waitFor(async () => (await codeState(keyPrefix, hashCode(code)))?.includes(sandbox.phoneFor(code).purePhoneNumber) === true, 10_000);

    const retry = await send(b);
    expect(retry).toMatchObject({ status: 200, body: { data: sandbox.phoneFor(code) } });
    expect((await send(a)).status).toBe(200);
    expect(sandbox.callsFor(code)).toBe(1);
    expect(await a.metrics.upstreamLateAnswers.get()).toMatchObject({ values: [{ labels: { outcome: 'ok' }, value: 1 }] });
  });
});
