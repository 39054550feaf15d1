// The upstreams' secrets and tokens never reach a log line, an error body or a metric: WeChat's AppSecret and access
// tokens, Authing's user pool secret and management tokens. Every log line at the most verbose level is captured while
// successes, errcodes, a rejected token (retry), a forced refresh and a revoked management token all run. The sandboxes'
// tokens and codes are long hex strings: no run of 40 hex digits may appear anywhere.
import { startProxy } from '../../src';
import { startSandbox, startWechatSandbox } from '../../src/sandbox';
import { CONNECTION, LogCapture, postJson, type Answer } from '../helpers';

const LONG_HEX = /[0-9a-f]{40,}/i;

async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

test('WeChat: no AppSecret, access token or code in logs, error bodies or metrics', async () => {
  const sandbox = await startWechatSandbox({ appSecret: 'wechat-secret-6f1d2a9c' });
  const logs = new LogCapture();
  const proxy = await startProxy({
    upstream: 'wechat',
    wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBase: sandbox.url },
    rateLimit: false,
    logger: { level: 'trace', stream: logs },
  });
  const answers: Answer[] = [];
  const post = async (): Promise<void> => void answers.push(await postJson(`${proxy.url}/phone`, { code: sandbox.mintCode() }));
  try {
    await post();
    for (const errcode of [40029, 40163, 45011, -1, 40013, 41008]) {
      sandbox.inject({ kind: 'errcode', errcode });
      await post();
    }
    sandbox.inject({ kind: 'malformed' });
    await post();
    sandbox.invalidateToken(); // 40001, a new token, the retry
    await post();
    sandbox.invalidateToken({ sticky: true }); // the same token handed back: a forced refresh
    await post();
    sandbox.inject({ kind: 'errcode', errcode: 40001 }, { times: 2 }); // rejected twice: 503
    await post();
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
    expect(sandbox.forcedRefreshes).toBe(1);
    const everything = [logs.text, await metricsOf(proxy.url), ...answers.map((answer) => JSON.stringify(answer.body))].join('\n');
    expect(everything).not.toContain(sandbox.appSecret);
    expect(everything).not.toMatch(LONG_HEX);
    expect(logs.lines.length).toBeGreaterThan(10);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});

test('Authing management mode: no user pool secret or management token in logs, error bodies or metrics', async () => {
  const key = { accessKeyId: 'pool-0c9d8e7f', accessKeySecret: 'pool-secret-3b4c5d6e' };
  const sandbox = await startSandbox({ managementKey: key });
  const logs = new LogCapture();
  const proxy = await startProxy({
    authing: { appHost: sandbox.url, extIdpConnidentifier: CONNECTION, ...key },
    rateLimit: false,
    logger: { level: 'trace', stream: logs },
  });
  const answers: Answer[] = [];
  const post = async (): Promise<void> => void answers.push(await postJson(`${proxy.url}/phone`, { code: sandbox.mintCode() }));
  try {
    await post();
    sandbox.inject({ kind: 'wechat', statusCode: 602, errcode: 40029 });
    await post();
    sandbox.revokeManagementTokens(); // 401: the token dropped
    await post();
    await post();
    expect(answers.map((answer) => answer.status)).toEqual([200, 422, 500, 200]);
    const everything = [logs.text, await metricsOf(proxy.url), ...answers.map((answer) => JSON.stringify(answer.body))].join('\n');
    expect(everything).not.toContain(key.accessKeySecret);
    expect(everything).not.toMatch(LONG_HEX);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});
