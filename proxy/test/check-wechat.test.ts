// `check` with UPSTREAM=wechat, against the WeChat sandbox on loopback: the token from stable_token (normal mode only),
// then getuserphonenumber refusing the probe code; each wrong setting named (appid, secret, IP whitelist, API base),
// an unreachable base, Cloud Hosting's open API service; the probe code never redeemed, the secret and token never printed.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBE_CODE } from '../src/check/probe-code';
import type { CheckLine } from '../src/check/lines';
import { runCheck } from '../src/check/run-check';
import { startWechatSandbox, type WechatSandbox } from '../src/sandbox';
import { runCli } from './cli-run';
import { closedPortUrl } from './helpers';

jest.setTimeout(30_000);

let sandbox: WechatSandbox;
let env: Record<string, string>;
beforeAll(async () => {
  sandbox = await startWechatSandbox();
  env = { UPSTREAM: 'wechat', WECHAT_APPID: sandbox.appId, WECHAT_APP_SECRET: sandbox.appSecret, WECHAT_API_BASE: sandbox.url };
});
afterAll(() => sandbox.close());

const line = (lines: CheckLine[], item: string): CheckLine => {
  const found = lines.find((candidate) => candidate.item === item);
  if (!found) throw new Error(`no ${item} line in ${JSON.stringify(lines)}`);
  return found;
};

/** A loopback server answering every request with `listener`, for answers the sandbox never gives. */
async function withServer<T>(listener: RequestListener, use: (url: string) => Promise<T>): Promise<T> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const json =
  (body: unknown): RequestListener =>
  (_req, res) =>
    void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('token mode', () => {
  it('passes: a token in normal mode, then the probe code refused as invalid; nothing redeemed, nothing secret printed', async () => {
    const before = { fetches: sandbox.tokenFetches, forced: sandbox.forcedRefreshes, probe: sandbox.callsFor(PROBE_CODE) };
    const report = await runCheck(env);
    expect(report.ok).toBe(true);
    expect(report.lines.map(({ item, status }) => [item, status])).toEqual([
      ['Node.js', 'PASS'],
      ['configuration', 'PASS'],
      ['WeChat token', 'PASS'],
      ['WeChat phone API', 'PASS'],
      ['store', 'PASS'],
      ['signing key', 'PASS'],
      ['allow-list', 'WARN'],
      ['gateway trust', 'PASS'],
    ]);
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      detail: `stable_token at ${sandbox.url} issued a token for ${sandbox.appId}`,
      ms: expect.any(Number),
    });
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({
      detail: `the token works for ${sandbox.appId}; the probe code was refused as invalid (40029), as it should be`,
      ms: expect.any(Number),
    });
    expect(sandbox.tokenFetches).toBe(before.fetches + 1);
    expect(sandbox.forcedRefreshes).toBe(before.forced);
    expect(sandbox.callsFor(PROBE_CODE)).toBe(before.probe + 1);
    expect(JSON.stringify(report)).not.toContain(sandbox.appSecret);
  });

  it('the probe code stays invalid in the sandbox: a second check passes the same way', async () => {
    expect((await runCheck(env)).ok).toBe(true);
    expect(line((await runCheck(env)).lines, 'WeChat phone API').status).toBe('PASS');
  });

  it.each([
    ['a wrong secret', { WECHAT_APP_SECRET: 'not-the-secret-1234' }, /AppSecret is invalid .*40125/, /WECHAT_APP_SECRET/],
    ['a wrong appid', { WECHAT_APPID: 'wx00000000000000ff' }, /WECHAT_APPID wx00000000000000ff is invalid \(errcode 40013\)/, /WECHAT_APPID must be/],
  ])('%s fails the token line naming the variable; the phone API is not probed', async (_name, wrong, detail, fix) => {
    const calls = sandbox.phoneCalls;
    const report = await runCheck({ ...env, ...wrong });
    expect(report.ok).toBe(false);
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(detail),
      fix: expect.stringMatching(fix),
    });
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({ status: 'FAIL', detail: 'not checked: no token' });
    expect(sandbox.phoneCalls).toBe(calls);
    expect(JSON.stringify(report)).not.toContain('not-the-secret-1234');
  });

  it('an IP outside the whitelist (40164) names the IP WeChat saw and the whitelist', async () => {
    const errmsg = 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6510fcad-3d8ae261';
    const report = await withServer(json({ errcode: 40164, errmsg }), (url) => runCheck({ ...env, WECHAT_API_BASE: url }));
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      status: 'FAIL',
      detail: "WeChat refuses this machine's IP address 203.0.113.7: not in the IP whitelist (errcode 40164)",
      fix: expect.stringContaining('IP白名单'),
    });
  });

  it('an errcode the probe does not know is shown with its errmsg, the secret removed from it', async () => {
    const echo: RequestListener = (_req, res) =>
      void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errcode: 40243, errmsg: `frozen secret ${env.WECHAT_APP_SECRET}` }));
    const report = await withServer(echo, (url) => runCheck({ ...env, WECHAT_API_BASE: url }));
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/refused: errcode 40243 \(frozen secret \[code\]\)$/),
    });
    expect(JSON.stringify(report)).not.toContain(sandbox.appSecret);
  });

  it('a base that is not WeChat (HTML, HTTP 404) fails naming WECHAT_API_BASE', async () => {
    const report = await withServer(
      (_req, res) => void res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not here</html>'),
      (url) => runCheck({ ...env, WECHAT_API_BASE: url }),
    );
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/answered HTTP 404 without WeChat's JSON$/),
      fix: expect.stringContaining('WECHAT_API_BASE'),
    });
  });

  it('an unreachable base (a loopback port nothing listens on) fails both lines', async () => {
    const base = await closedPortUrl();
    const report = await runCheck({ ...env, WECHAT_API_BASE: base });
    expect(report.ok).toBe(false);
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      status: 'FAIL',
      detail: `${base}: cannot connect (ECONNREFUSED)`,
      fix: expect.stringContaining('WECHAT_API_BASE'),
    });
    expect(line(report.lines, 'WeChat phone API').status).toBe('FAIL');
  });

  it('a base that never answers fails the token line within UPSTREAM_TIMEOUT_MS', async () => {
    const report = await withServer(
      () => undefined,
      (url) => runCheck({ ...env, WECHAT_API_BASE: url, UPSTREAM_TIMEOUT_MS: '1000' }),
    );
    expect(line(report.lines, 'WeChat token')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/: no answer within 1000 ms$/),
      fix: expect.stringContaining('WECHAT_API_BASE'),
    });
  });

  it('a phone API that refuses the fresh token fails the phone line', async () => {
    sandbox.inject({ kind: 'errcode', errcode: 40001 });
    const report = await runCheck(env);
    expect(line(report.lines, 'WeChat token').status).toBe('PASS');
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({ status: 'FAIL', detail: 'getuserphonenumber answered errcode 40001' });
  });

  it('a throttled phone API (45011) is a warning, not judged', async () => {
    sandbox.inject({ kind: 'errcode', errcode: 45011 });
    const report = await runCheck(env);
    expect(report.ok).toBe(true);
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({ status: 'WARN', detail: expect.stringContaining('throttled') });
  });

  it('a base that answers the probe code with a phone number is not WeChat', async () => {
    const fake: RequestListener = (req, res) => {
      const body = req.url?.startsWith('/cgi-bin/stable_token')
        ? { access_token: 'fake-token', expires_in: 7200 }
        : { errcode: 0, errmsg: 'ok', phone_info: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' } };
      json(body)(req, res);
    };
    const report = await withServer(fake, (url) => runCheck({ ...env, WECHAT_API_BASE: url }));
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('this is not WeChat answering') });
    expect(JSON.stringify(report)).not.toContain('fake-token');
  });
});

describe('WECHAT_OPENAPI=cloudbase', () => {
  it('passes against an open API service (no token sent), and says the appid cannot be probed', async () => {
    const service = await startWechatSandbox({ cloudbase: true });
    try {
      const report = await runCheck({ UPSTREAM: 'wechat', WECHAT_APPID: service.appId, WECHAT_OPENAPI: 'cloudbase', WECHAT_API_BASE: service.url });
      expect(report.ok).toBe(true);
      expect(report.lines.some((candidate) => candidate.item === 'WeChat token')).toBe(false);
      expect(line(report.lines, 'WeChat phone API')).toMatchObject({
        status: 'PASS',
        detail: "Cloud Hosting's open API service added the token; the probe code was refused as invalid (40029), as it should be",
      });
      expect(line(report.lines, 'WeChat appid')).toMatchObject({ status: 'WARN', detail: expect.stringContaining('not checked') });
      expect(service.tokenFetches).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('a base that wants a token (41001) is not the open API service', async () => {
    const report = await runCheck({ UPSTREAM: 'wechat', WECHAT_APPID: sandbox.appId, WECHAT_OPENAPI: 'cloudbase', WECHAT_API_BASE: sandbox.url });
    expect(report.ok).toBe(false);
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining("is not Cloud Hosting's open API service"),
      fix: expect.stringContaining('开放接口服务'),
    });
  });

  it('another errcode points at the open API service permissions', async () => {
    const report = await withServer(json({ errcode: 48001, errmsg: 'api unauthorized' }), (url) =>
      runCheck({ UPSTREAM: 'wechat', WECHAT_APPID: sandbox.appId, WECHAT_OPENAPI: 'cloudbase', WECHAT_API_BASE: url }),
    );
    expect(line(report.lines, 'WeChat phone API')).toMatchObject({
      status: 'FAIL',
      detail: 'getuserphonenumber answered errcode 48001',
      fix: expect.stringContaining('微信令牌权限配置'),
    });
  });
});

it('the CLI: check --json exits 0 on the sandbox, 1 with a wrong secret, never printing it', async () => {
  const good = runCli(['check', '--json'], env);
  expect(await good.exited).toBe(0);
  expect(JSON.parse(good.stdout)).toMatchObject({ ok: true });
  const bad = runCli(['check'], { ...env, WECHAT_APP_SECRET: 'wrong-secret-5678' });
  expect(await bad.exited).toBe(1);
  expect(bad.stdout).toMatch(/^FAIL {2}WeChat token: WeChat says the AppSecret is invalid/m);
  expect(bad.stdout + bad.stderr).not.toContain('wrong-secret-5678');
});
