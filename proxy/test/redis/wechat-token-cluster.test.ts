// Three proxy processes on one redis-server with the WeChat upstream (the WeChat sandbox as the real HTTP upstream):
// one phone call per code and one token fetch for the whole cluster, at start, at expiry and after WeChat rejects the
// token mid-run (the instances share the token through Redis; one holds the refresh lease, the others wait for it).
// Authing's management token is shared the same way.
import { startSandbox, startWechatSandbox, type Sandbox, type WechatSandbox } from '../../src/sandbox';
import { CONNECTION, postJson, type Answer } from '../helpers';
import { describeWithRedis } from './describe-with-redis';
import { startInstance, type Instance } from './instances';
import { startRedis, type RedisServer } from './redis-server';

jest.setTimeout(120_000);

async function startCluster(redis: RedisServer, sandbox: WechatSandbox, prefix: string): Promise<Instance[]> {
  const env = {
    UPSTREAM: 'wechat',
    WECHAT_APPID: sandbox.appId,
    WECHAT_APP_SECRET: sandbox.appSecret,
    WECHAT_API_BASE: sandbox.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    RATE_LIMIT_MAX: '0',
  };
  const started = await Promise.allSettled([0, 1, 2].map(() => startInstance(env)));
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (instances.length < 3) {
    await Promise.allSettled(instances.map((instance) => instance.kill()));
    throw new Error(`an instance failed to start: ${started.map((result) => (result.status === 'rejected' ? String(result.reason) : '')).join(' ')}`);
  }
  return instances;
}

const post = (instance: Instance, code: string): Promise<Answer> => postJson(`${instance.url}/phone`, { code });

describeWithRedis('WeChat upstream, three instances on one Redis', () => {
  let redis: RedisServer;
  let sandbox: WechatSandbox;
  let instances: Instance[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startWechatSandbox();
    instances = await startCluster(redis, sandbox, `wechat-${process.pid}:`);
  });
  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.kill()));
    await sandbox?.close();
    await redis?.close();
  });

  it('300 codes x 6 concurrent sends: one phone call per code, one token fetch in all', async () => {
    const codes = Array.from({ length: 300 }, () => sandbox.mintCode());
    const answers: Answer[] = [];
    // Ten codes at a time, each sent six times at once, spread over the three instances.
    for (let start = 0; start < codes.length; start += 10) {
      const batch = codes.slice(start, start + 10);
      answers.push(...(await Promise.all(batch.flatMap((code) => Array.from({ length: 6 }, (_, send) => post(instances[send % 3], code))))));
    }
    expect(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body)).toEqual([]);
    expect(codes.filter((code) => sandbox.callsFor(code) !== 1)).toEqual([]);
    expect(sandbox.tokenFetches).toBe(1);
  });

  it('40001 mid-run: the cluster fetches one new token, every code reaches WeChat once', async () => {
    const before = sandbox.tokenFetches;
    sandbox.invalidateToken();
    const codes = Array.from({ length: 60 }, () => sandbox.mintCode());
    const answers = await Promise.all(codes.map((code, index) => post(instances[index % 3], code)));
    expect(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body)).toEqual([]);
    expect(codes.filter((code) => sandbox.callsFor(code) !== 1)).toEqual([]);
    expect(sandbox.tokenFetches - before).toBe(1);
  });
});

describeWithRedis('WeChat upstream, three instances on one Redis, at token expiry', () => {
  let redis: RedisServer;
  let sandbox: WechatSandbox;
  let instances: Instance[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startWechatSandbox({ tokenLifeS: 5 });
    instances = await startCluster(redis, sandbox, `wechat-expiry-${process.pid}:`);
  });
  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.kill()));
    await sandbox?.close();
    await redis?.close();
  });

  it('100 concurrent exchanges past the refresh point: one token fetch for the cluster', async () => {
    await Promise.all(instances.map((instance) => post(instance, sandbox.mintCode())));
    expect(sandbox.tokenFetches).toBe(1);
    // Refreshed in the last fifth of its life (1 s here): wait past 4 s from the fetch.
    await new Promise((resolve) => setTimeout(resolve, 4200));
    const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => post(instances[index % 3], sandbox.mintCode())));
    expect(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body)).toEqual([]);
    expect(sandbox.tokenFetches).toBe(2);
  });
});

describeWithRedis("Authing's management mode, three instances on one Redis", () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const instances: Instance[] = [];
  const key = { accessKeyId: 'pool-cluster-01', accessKeySecret: 'pool-secret-cluster-9e8d' };

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ managementKey: key });
    const env = {
      AUTHING_APP_HOST: sandbox.url,
      AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
      AUTHING_ACCESS_KEY_ID: key.accessKeyId,
      AUTHING_ACCESS_KEY_SECRET: key.accessKeySecret,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `management-${process.pid}:`,
      RATE_LIMIT_MAX: '0',
    };
    const started = await Promise.allSettled([0, 1, 2].map(() => startInstance(env)));
    for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
    if (instances.length < 3) throw new Error('an instance failed to start');
  });
  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.kill()));
    await sandbox?.close();
    await redis?.close();
  });

  it('60 concurrent exchanges over the three: one management token for the cluster, never in their output', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, index) => post(instances[index % 3], sandbox.mintCode())));
    expect(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body)).toEqual([]);
    expect(sandbox.managementTokenFetches).toBe(1);
    for (const instance of instances) expect(instance.output()).not.toContain(key.accessKeySecret);
  });
});
