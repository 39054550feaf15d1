// The rate-limit count and the code's claim go to Redis together (one round trip). A request the limit refuses lets
// its claim go unsent: its code is not spent, a duplicate that waited on that claim claims the code itself, and a
// duplicate in the same process runs its own flight.
import { randomUUID } from 'node:crypto';
import { createPhoneExchange, type PhoneExchange } from '../../src';
import { resolveOptions } from '../../src/config';
import type { UpstreamOutcome } from '../../src/contract/types';
import { createMetrics } from '../../src/observability/metrics';
import { createStore, type Store } from '../../src/store';
import { redisClaims, RELEASED } from '../../src/store/redis-claims';
import { connectRedis } from '../../src/store/redis-connection';
import { NOT_ADMITTED } from '../../src/store/single-flight';
import type { Sandbox } from '../../src/sandbox';
import { authingFor, closedPortUrl } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import type { RedisServer } from './redis-server';
import { startRedisAndSandbox, waitFor, withRawClient } from './redis-helpers';

jest.setTimeout(30_000);

const PHONE: UpstreamOutcome = { ok: true, phone: { phoneNumber: '+86 13800000000', purePhoneNumber: '13800000000', countryCode: '86' } };

/** A promise resolved from outside: a request's admission, decided when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

describeWithRedis('rate limit and claim in one round trip (Redis store)', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const closing: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => ({ redis, sandbox } = await startRedisAndSandbox()));
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((item) => item.close()));
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  const prefix = (): string => `adm-${randomUUID().slice(0, 8)}:`;
  const options = (keyPrefix: string) => ({ authing: authingFor(sandbox), logger: false as const, store: { redisUrl: redis.url, keyPrefix } });

  /** A store of its own (an instance), on the shared Redis. */
  async function storeOn(keyPrefix: string): Promise<Store> {
    const store = createStore(resolveOptions(options(keyPrefix)), createMetrics(), undefined);
    closing.push(store);
    await store.ready();
    return store;
  }
  /** Claims on a connection of their own: other instances' requests, driven by hand. */
  async function claimsOn(keyPrefix: string): Promise<ReturnType<typeof redisClaims>> {
    const connection = connectRedis(redis.url, keyPrefix, () => undefined);
    closing.push(connection);
    await connection.firstConnection;
    // Marked, as an instance's first look leaves Redis (store/redis-marker.ts): claims are made only then.
    await connection.client.set(`${keyPrefix}marker`, 'test', { NX: true });
    return redisClaims(connection, { codeLifeMs: 300_000, leaseMs: 3000, keyPrefix, markerKey: `${keyPrefix}marker` });
  }
  const codeState = (keyPrefix: string, key: string) => withRawClient(redis.url, (client) => client.get(`${keyPrefix}code:{${key}}`));
  const leaseState = (keyPrefix: string, key: string) => withRawClient(redis.url, (client) => client.get(`${keyPrefix}lease:{${key}}`));

  it('a request refused by the rate limit spends nothing: another client gets the phone for its code, with one Authing call', async () => {
    const keyPrefix = prefix();
    const exchanges: PhoneExchange[] = [0, 1].map(() => createPhoneExchange({ ...options(keyPrefix), rateLimit: { max: 1, timeWindowMs: 60_000 } }));
    closing.push(...exchanges);
    const send = (exchange: PhoneExchange, client: string, code: string) =>
      exchange.exchange({ caller: { rateLimitKey: client }, readBody: () => ({ body: { code } }) });

    expect((await send(exchanges[0], 'client-x', sandbox.mintCode())).status).toBe(200);
    const code = sandbox.mintCode();
    const refused = await send(exchanges[0], 'client-x', code);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'RATE_LIMITED' });
    // Over the limit, a bad body is still refused by the limit first, as before the claim went with the count.
    expect((await exchanges[0].exchange({ caller: { rateLimitKey: 'client-x' }, readBody: () => ({ body: { nonsense: true } }) })).status).toBe(429);
    await waitFor(async () => (await withRawClient(redis.url, (client) => client.keys(`${keyPrefix}code:*`))).length === 1, 2000);

    const other = await send(exchanges[1], 'client-y', code);
    expect(other.status).toBe(200);
    expect(sandbox.callsFor(code)).toBe(1);
  });

  it('an instance waiting on a claim that is let go unsent claims the code itself; the refused one never calls', async () => {
    const keyPrefix = prefix();
    const [a, b] = [await storeOn(keyPrefix), await storeOn(keyPrefix)];
    const key = randomUUID();
    const admissionA = deferred<boolean>();
    const callA = jest.fn(() => Promise.resolve(PHONE));
    const callB = jest.fn(() => Promise.resolve(PHONE));

    const runA = a.singleFlight.run(key, callA, admissionA.promise);
    await waitFor(async () => (await codeState(keyPrefix, key))?.startsWith('pending:') === true, 2000);
    const runB = b.singleFlight.run(key, callB, Promise.resolve(true));
    await waitFor(async () => (await leaseState(keyPrefix, key)) === 'waited', 2000);
    admissionA.resolve(false);

    expect((await runA).outcome).toBe(NOT_ADMITTED);
    const answered = await runB;
    expect(answered).toEqual({ outcome: PHONE, source: 'upstream' });
    expect(callA).not.toHaveBeenCalled();
    expect(callB).toHaveBeenCalledTimes(1);
    await waitFor(async () => (await codeState(keyPrefix, key))?.includes('13800000000') === true, 2000);
  });

  it('a claim let go with nobody waiting leaves nothing behind', async () => {
    const keyPrefix = prefix();
    const store = await storeOn(keyPrefix);
    const key = randomUUID();
    const call = jest.fn(() => Promise.resolve(PHONE));
    expect((await store.singleFlight.run(key, call, Promise.resolve(false))).outcome).toBe(NOT_ADMITTED);
    await waitFor(async () => (await codeState(keyPrefix, key)) === null, 2000);
    expect(await leaseState(keyPrefix, key)).toBeNull();
    expect(call).not.toHaveBeenCalled();
    // The code is still free: an admitted request claims it.
    expect(await store.singleFlight.run(key, call, Promise.resolve(true))).toEqual({ outcome: PHONE, source: 'upstream' });
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('a duplicate in the same process that joined a refused request runs its own flight', async () => {
    const store = await storeOn(prefix());
    const key = randomUUID();
    const refusedAdmission = deferred<boolean>();
    const refusedCall = jest.fn(() => Promise.resolve(PHONE));
    const ownCall = jest.fn(() => Promise.resolve(PHONE));

    const refused = store.singleFlight.run(key, refusedCall, refusedAdmission.promise);
    const joined = store.singleFlight.run(key, ownCall, Promise.resolve(true));
    refusedAdmission.resolve(false);

    expect((await refused).outcome).toBe(NOT_ADMITTED);
    expect((await joined).outcome).toEqual(PHONE);
    expect(refusedCall).not.toHaveBeenCalled();
    expect(ownCall).toHaveBeenCalledTimes(1);
  });

  it('an answer replaces a released claim; the released mark lasts only as long as a waiter may wait', async () => {
    const keyPrefix = prefix();
    const claims = await claimsOn(keyPrefix);
    const key = randomUUID();
    expect(await claims.claim(key, 'first')).toBe('claimed');
    expect(await claims.claim(key, 'waiter')).toBe('pending');
    await claims.settle(key, 'first', undefined);
    expect(await codeState(keyPrefix, key)).toBe(RELEASED);
    const ttl = await withRawClient(redis.url, (client) => client.pTTL(`${keyPrefix}code:{${key}}`));
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(3000 + 1000);
    // An instance that answered without a claim (REDIS_FAILURE=open while its claim failed) stores its answer over it.
    await claims.settle(key, 'open-mode', PHONE);
    expect(await codeState(keyPrefix, key)).toContain('13800000000');
  });

  it.each(['open', 'closed'] as const)(
    'Redis unreachable (%s): a request over the limit whose claim failed never reaches Authing',
    async (failure) => {
      const exchange = createPhoneExchange({
        ...options(prefix()),
        store: { redisUrl: (await closedPortUrl()).replace('http:', 'redis:'), failure },
        rateLimit: { max: 1, timeWindowMs: 60_000 },
      });
      closing.push(exchange);
      const send = (code: string) => exchange.exchange({ caller: { rateLimitKey: 'client-z' }, readBody: () => ({ body: { code } }) });
      const first = sandbox.mintCode();
      expect((await send(first)).status).toBe(failure === 'open' ? 200 : 503); // counted on this instance while Redis is down
      const code = sandbox.mintCode();
      expect((await send(code)).status).toBe(429);
      await exchange.close(); // waits for the Authing calls under way: the refused request's flight ends in the background
      expect(sandbox.callsFor(code)).toBe(0);
    },
  );

  it('after a release, a waiter that finds a newer claim marks it waited: when that one is let go too, it still claims the code', async () => {
    const keyPrefix = prefix();
    const waiter = await storeOn(keyPrefix);
    const others = await claimsOn(keyPrefix); // two refused requests
    const key = randomUUID();
    const call = jest.fn(() => Promise.resolve(PHONE));
    expect(await others.claim(key, 'refused-1')).toBe('claimed');
    const waiting = waiter.singleFlight.run(key, call, Promise.resolve(true));
    await waitFor(async () => (await leaseState(keyPrefix, key)) === 'waited', 2000);
    // Released and claimed again in one write: Redis runs both before the waiter's read of the state.
    const [, second] = await Promise.all([others.settle(key, 'refused-1', undefined), others.claim(key, 'refused-2')]);
    expect(second).toBe('claimed');
    await waitFor(async () => (await leaseState(keyPrefix, key)) === 'waited', 2000);
    await others.settle(key, 'refused-2', undefined);
    expect(await waiting).toEqual({ outcome: PHONE, source: 'upstream' });
    expect(call).toHaveBeenCalledTimes(1);
  });
});
