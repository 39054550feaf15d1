// The caller binding through the Redis store: an answer stored by one instance is given again only to the same page
// (nonce, appid, openid) on any instance; the stored value holds a hash of those, never the nonce. Real redis-server.
import { randomUUID } from 'node:crypto';
import { createClient } from '@redis/client';
import { startProxy, type RunningProxy } from '../../src';
import { hashCode } from '../../src/store/dedupe';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { APP_ID, authingFor, postJson } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import { startRedis, type RedisServer } from './redis-server';

jest.setTimeout(30_000);

describeWithRedis('caller binding over Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let a: RunningProxy;
  let b: RunningProxy;
  const keyPrefix = `test-${randomUUID().slice(0, 8)}:`;

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ appId: APP_ID });
    const options = { authing: authingFor(sandbox), rateLimit: false as const, logger: false as const, store: { redisUrl: redis.url, keyPrefix } };
    [a, b] = [await startProxy(options), await startProxy(options)];
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await sandbox?.close();
    await redis?.close();
  });

  const post = (proxy: RunningProxy, code: string, nonce: string) => postJson(`${proxy.url}/phone`, { code, nonce });

  it('a retry on another instance with the same nonce gets the answer; another nonce gets CODE_REJECTED', async () => {
    const code = sandbox.mintCode();
    const first = await post(a, code, 'nonce-page-1');
    expect(first.status).toBe(200);
    const retry = await post(b, code, 'nonce-page-1');
    expect([retry.status, retry.body.data]).toEqual([200, first.body.data]);
    const other = await post(b, code, 'nonce-page-2');
    expect(other).toMatchObject({ status: 422, body: { error: 'CODE_REJECTED' } });
    expect('data' in other.body).toBe(false);
    expect(sandbox.callsFor(code)).toBe(1);

    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const stored = JSON.parse((await client.get(`${keyPrefix}code:{${hashCode(code)}}`)) as string) as Record<string, unknown>;
      expect(stored).toMatchObject({ ok: true, binding: expect.stringMatching(/^[\w-]{43}$/) });
      expect(JSON.stringify(stored)).not.toContain('nonce-page-1');
    } finally {
      await client.close();
    }
  });

  it('concurrent duplicates on two instances with different nonces: exactly one gets the number', async () => {
    sandbox.inject({ kind: 'latency', ms: 300 });
    const code = sandbox.mintCode();
    const answers = await Promise.all([post(a, code, 'n-1'), post(b, code, 'n-2'), post(a, code, 'n-3'), post(b, code, 'n-4')]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422, 422, 422]);
    expect(sandbox.callsFor(code)).toBe(1);
  });
});
