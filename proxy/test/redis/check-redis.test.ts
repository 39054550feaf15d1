// `check`'s store line against a real redis-server: its version and maxmemory-policy when up (WARN for a policy that
// can evict), FAIL with the fix when down, the password never shown; and with Redis down an exchange answers and logs
// that the shared store, not Authing, is unavailable (nothing was sent).
import { runCheck } from '../../src/check/run-check';
import { startProxy } from '../../src';
import type { Sandbox } from '../../src/sandbox';
import { APP_ID, CONNECTION, authingFor, LogCapture, postJson } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import { startRedis, type RedisServer } from './redis-server';
import { startRedisAndSandbox, withRawClient } from './redis-helpers';

jest.setTimeout(30_000);

describeWithRedis('check: the store line', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  beforeAll(async () => ({ redis, sandbox } = await startRedisAndSandbox()));
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  const envWith = (redisUrl: string) => ({
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_APP_ID: APP_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
    ALLOWED_APPIDS: 'wx1',
    REDIS_URL: redisUrl,
  });
  const storeLine = async (redisUrl: string) => (await runCheck(envWith(redisUrl))).lines.find((line) => line.item === 'store');

  it('Redis up with noeviction: PASS with its version and policy', async () => {
    expect(await storeLine(redis.url)).toMatchObject({
      status: 'PASS',
      detail: expect.stringMatching(new RegExp(`^Redis \\d+\\.\\d+\\.\\d+ at ${redis.url}/?, maxmemory-policy noeviction$`)),
      ms: expect.any(Number),
    });
  });

  it('a policy that can evict remembered answers: WARN saying to set noeviction', async () => {
    await withRawClient(redis.url, (client) => client.configSet('maxmemory-policy', 'allkeys-lru'));
    try {
      expect(await storeLine(redis.url)).toMatchObject({
        status: 'WARN',
        detail: expect.stringContaining('maxmemory-policy allkeys-lru'),
        fix: expect.stringContaining('noeviction'),
      });
    } finally {
      await withRawClient(redis.url, (client) => client.configSet('maxmemory-policy', 'noeviction'));
    }
  });

  it('a Redis that hides CONFIG (as managed ones often do): WARN saying to make sure of noeviction', async () => {
    const managed = await startRedis(['--rename-command', 'CONFIG', '']);
    try {
      expect(await storeLine(managed.url)).toMatchObject({
        status: 'WARN',
        detail: expect.stringContaining('maxmemory-policy unknown'),
        fix: expect.stringContaining('CONFIG disabled'),
      });
    } finally {
      await managed.close();
    }
  });

  it('Redis down: FAIL with the fix, the password masked, and check exits not ok', async () => {
    await redis.stop();
    try {
      const withPassword = redis.url.replace('redis://', 'redis://:hunter2-secret@');
      const report = await runCheck(envWith(withPassword));
      expect(report.ok).toBe(false);
      const line = report.lines.find((candidate) => candidate.item === 'store');
      expect(line).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('ECONNREFUSED'), fix: expect.stringContaining('REDIS_URL') });
      expect(line?.detail).toContain(redis.url.replace('redis://', 'redis://:***@'));
      expect(JSON.stringify(report)).not.toContain('hunter2-secret');
    } finally {
      await redis.start();
    }
  });

  it('Redis down mid-life: an exchange answers 503 naming the shared store, and its log line says so', async () => {
    const logs = new LogCapture();
    const proxy = await startProxy({
      authing: authingFor(sandbox),
      rateLimit: false,
      logger: { stream: logs },
      store: { redisUrl: redis.url, keyPrefix: 'check-test:' },
    });
    try {
      await redis.stop();
      const code = sandbox.mintCode();
      const answer = await postJson(`${proxy.url}/phone`, { code });
      expect(answer).toMatchObject({
        status: 503,
        body: {
          error: 'UPSTREAM_UNAVAILABLE',
          message: 'Shared store unavailable: nothing was sent, send the same code again',
          detail: { reason: 'store-unavailable' },
        },
      });
      expect(sandbox.callsFor(code)).toBe(0);
      const line = logs.records().find((record) => record.reqId === answer.body.requestId);
      expect(line).toMatchObject({ outcome: 'UPSTREAM_UNAVAILABLE', detail: { reason: 'shared store unavailable' } });
    } finally {
      await redis.start();
      await proxy.close();
    }
  });
});
