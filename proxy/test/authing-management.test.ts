// Authing's management mode (AUTHING_ACCESS_KEY_ID / _SECRET): the sandbox issues management tokens and checks the
// bearer on every exchange. The token is fetched once and reused, refreshed before it expires, and a token Authing
// stops accepting is dropped (the next exchange fetches another) without sending the same code twice.
import { startProxy, type RunningProxy } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { CONNECTION, LogCapture, postJson } from './helpers';

const KEY = { accessKeyId: 'pool-5f3e9a1b2c', accessKeySecret: 'secret-d41d8cd98f00b204' };

async function start(
  tokenLifeS?: number,
): Promise<{ sandbox: Sandbox; proxy: RunningProxy; logs: LogCapture; post: (code: string) => ReturnType<typeof postJson> }> {
  const sandbox = await startSandbox({ managementKey: { ...KEY, tokenLifeS } });
  const logs = new LogCapture();
  const proxy = await startProxy({
    authing: { appHost: sandbox.url, extIdpConnidentifier: CONNECTION, ...KEY },
    rateLimit: false,
    logger: { level: 'trace', stream: logs },
  });
  return { sandbox, proxy, logs, post: (code) => postJson(`${proxy.url}/phone`, { code }) };
}

test('the management token is fetched once and reused by every exchange, concurrent ones included', async () => {
  const { sandbox, proxy, logs, post } = await start();
  try {
    const answers = await Promise.all(Array.from({ length: 30 }, () => post(sandbox.mintCode())));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    for (let i = 0; i < 5; i++) expect((await post(sandbox.mintCode())).status).toBe(200);
    expect(sandbox.managementTokenFetches).toBe(1);
    expect(logs.text).not.toContain(KEY.accessKeySecret);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});

test('is refreshed before it expires: no exchange meets an expired token', async () => {
  const { sandbox, proxy, post } = await start(2);
  try {
    expect((await post(sandbox.mintCode())).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700)); // inside the last fifth of its life
    expect((await post(sandbox.mintCode())).status).toBe(200);
    expect(sandbox.managementTokenFetches).toBe(2);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});

test('a token Authing no longer accepts is dropped; the code is not sent again; the next exchange gets a new token', async () => {
  const { sandbox, proxy, post } = await start();
  try {
    expect((await post(sandbox.mintCode())).status).toBe(200);
    sandbox.revokeManagementTokens();
    const code = sandbox.mintCode();
    const refused = await post(code);
    expect(refused.status).toBe(500);
    expect(sandbox.callsFor(code)).toBe(1);
    expect((await post(sandbox.mintCode())).status).toBe(200);
    expect(sandbox.managementTokenFetches).toBe(2);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});

test('a wrong secret: nothing is sent (503, send the same code again), and the secret is in no log line', async () => {
  const sandbox = await startSandbox({ managementKey: KEY });
  const logs = new LogCapture();
  const wrong = 'wrong-secret-0b1c2d3e4f';
  const proxy = await startProxy({
    authing: { appHost: sandbox.url, extIdpConnidentifier: CONNECTION, accessKeyId: KEY.accessKeyId, accessKeySecret: wrong },
    rateLimit: false,
    logger: { level: 'trace', stream: logs },
  });
  try {
    const code = sandbox.mintCode();
    const answer = await postJson(`${proxy.url}/phone`, { code });
    expect(answer.status).toBe(503);
    expect(answer.body.message).toMatch(/nothing was sent/);
    expect(sandbox.callsFor(code)).toBe(0);
    expect(logs.text).toContain('management token refused');
    expect(logs.text).not.toContain(wrong);
    expect(JSON.stringify(answer.body)).not.toContain(wrong);
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});
