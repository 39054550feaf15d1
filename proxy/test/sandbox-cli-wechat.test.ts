// `miniprogram-phone-proxy sandbox --upstream wechat`: the WeChat sandbox alone, printing the variables that point a
// proxy at it; those printed variables pass `check` as they are (token and cloudbase modes), and the bin serves and
// stops on SIGINT.
import { runCheck } from '../src/check/run-check';
import { parseSandboxArgs, runSandboxCli, type SandboxCli } from '../src/runtimes/sandbox-cli';
import { WECHAT_SANDBOX_APPID, WECHAT_SANDBOX_SECRET, type WechatSandbox } from '../src/sandbox';
import { runCli } from './cli-run';

jest.setTimeout(30_000);

/** The `NAME=value` lines of a banner, as an environment. */
const printedEnv = (text: string): Record<string, string> =>
  Object.fromEntries([...text.matchAll(/^ {2}([A-Z_]+)=(\S+)$/gm)].map(([, name, value]) => [name, value]));

async function started(argv: string[]): Promise<{ cli: SandboxCli; sandbox: WechatSandbox; printed: string }> {
  const lines: string[] = [];
  const cli = await runSandboxCli(argv, (line) => lines.push(line));
  if (!cli) throw new Error('the sandbox did not start');
  return { cli, sandbox: cli.sandbox as WechatSandbox, printed: lines.join('\n') };
}

async function phoneAnswer(sandbox: WechatSandbox, withToken: boolean): Promise<Record<string, unknown>> {
  let query = '';
  if (withToken) {
    const token = await fetch(`${sandbox.url}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: sandbox.appId, secret: sandbox.appSecret }),
    });
    query = `?access_token=${((await token.json()) as { access_token: string }).access_token}`;
  }
  const answer = await fetch(`${sandbox.url}/wxa/business/getuserphonenumber${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: sandbox.mintCode() }),
  });
  return (await answer.json()) as Record<string, unknown>;
}

test('parses the WeChat flags', () => {
  expect(
    parseSandboxArgs([
      '--upstream',
      'wechat',
      '--port=4001',
      '--appid',
      'wx1234567890abcdef',
      '--secret',
      's3',
      '--cloudbase',
      '--numeric-country-code',
    ]),
  ).toEqual({
    upstream: 'wechat',
    options: { port: 4001, appId: 'wx1234567890abcdef', appSecret: 's3', cloudbase: true, numericCountryCode: true },
  });
  // No --appid: a watermark naming no appid, so any mini program's Referer passes the proxy's watermark check.
  expect(parseSandboxArgs(['--upstream', 'wechat'])).toEqual({ upstream: 'wechat', options: { watermarkAppId: null } });
});

test('prints the variables to set; a proxy configured with them passes check; it stops', async () => {
  const sigints = process.listenerCount('SIGINT');
  const { cli, sandbox, printed } = await started(['--upstream', 'wechat', '--port', '0']);
  try {
    expect(printed.split('\n')[0]).toBe(
      `WeChat sandbox listening on ${sandbox.url} (stable_token + getuserphonenumber; never for production). Run the proxy with:`,
    );
    const env = printedEnv(printed);
    expect(env).toEqual({
      UPSTREAM: 'wechat',
      WECHAT_APPID: WECHAT_SANDBOX_APPID,
      WECHAT_APP_SECRET: WECHAT_SANDBOX_SECRET,
      WECHAT_API_BASE: sandbox.url,
    });
    const report = await runCheck(env);
    expect(report.lines.filter(({ item }) => item.startsWith('WeChat')).map(({ item, status }) => [item, status])).toEqual([
      ['WeChat token', 'PASS'],
      ['WeChat phone API', 'PASS'],
    ]);
    expect(sandbox.tokenFetches).toBe(1);
    const watermark = ((await phoneAnswer(sandbox, true)).phone_info as { watermark: Record<string, unknown> }).watermark;
    expect(watermark.appid).toBeUndefined();
  } finally {
    await cli.stop();
  }
  expect(process.listenerCount('SIGINT')).toBe(sigints);
  await expect(fetch(`${sandbox.url}/cgi-bin/stable_token`, { method: 'POST' })).rejects.toThrow();
});

test('--appid and --secret are what it accepts and prints; the watermark names the appid', async () => {
  const { cli, sandbox, printed } = await started(['--upstream', 'wechat', '--appid', 'wx1234567890abcdef', '--secret', 'my-test-secret']);
  try {
    expect(printedEnv(printed)).toMatchObject({ WECHAT_APPID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 'my-test-secret' });
    const answer = await phoneAnswer(sandbox, true);
    expect(answer).toMatchObject({ errcode: 0, phone_info: { watermark: { appid: 'wx1234567890abcdef' } } });
    const wrong = await runCheck({ ...printedEnv(printed), WECHAT_APP_SECRET: 'sandbox-app-secret' });
    expect(wrong.lines.find(({ item }) => item === 'WeChat token')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('40125') });
  } finally {
    await cli.stop();
  }
});

test('--cloudbase prints WECHAT_OPENAPI=cloudbase and no secret, and answers without a token', async () => {
  const { cli, sandbox, printed } = await started(['--upstream', 'wechat', '--cloudbase']);
  try {
    const env = printedEnv(printed);
    expect(env).toEqual({ UPSTREAM: 'wechat', WECHAT_APPID: WECHAT_SANDBOX_APPID, WECHAT_OPENAPI: 'cloudbase', WECHAT_API_BASE: sandbox.url });
    expect(printed).not.toContain(WECHAT_SANDBOX_SECRET);
    expect(await phoneAnswer(sandbox, false)).toMatchObject({ errcode: 0 });
    const report = await runCheck(env);
    expect(report.lines.find(({ item }) => item === 'WeChat phone API')?.status).toBe('PASS');
  } finally {
    await cli.stop();
  }
});

test('the bin: sandbox --upstream wechat serves until SIGINT, then exits 0', async () => {
  const cli = runCli(['sandbox', '--upstream', 'wechat', '--port', '0'], {});
  try {
    const [, base] = await cli.waitFor(/^ {2}WECHAT_API_BASE=(\S+)$/m);
    const token = await fetch(`${base}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: WECHAT_SANDBOX_APPID, secret: WECHAT_SANDBOX_SECRET }),
    });
    expect(await token.json()).toMatchObject({ access_token: expect.any(String), expires_in: 7200 });
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  } finally {
    cli.child.kill('SIGKILL');
  }
});
