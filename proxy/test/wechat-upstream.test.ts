// The WeChat upstream through the shared core (a real proxy on loopback, the WeChat sandbox as the real HTTP upstream):
// the same phone DTO as Authing's, every classified errcode, malformed answers, timeouts, the watermark check, and the
// token's life (expiry, a rejected token retried once, no stampede, the force_refresh bound).
import { startProxy, type ProxyOptions, type RunningProxy } from '../src';
import { startWechatSandbox, type WechatSandbox, type WechatSandboxOptions } from '../src/sandbox';
import { LogCapture, postJson, refererFor, WECHAT_PHONE_ERRCODES, type Answer } from './helpers';

interface WechatStack {
  sandbox: WechatSandbox;
  proxy: RunningProxy;
  logs: LogCapture;
  post(code: string, headers?: Record<string, string>): Promise<Answer>;
  metric(name: string): Promise<number>;
  close(): Promise<void>;
}

async function startWechatStack(sandboxOptions: WechatSandboxOptions = {}, proxy: Partial<ProxyOptions> = {}): Promise<WechatStack> {
  const sandbox = await startWechatSandbox(sandboxOptions);
  const logs = new LogCapture();
  const running = await startProxy({
    upstream: 'wechat',
    wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBase: sandbox.url },
    rateLimit: false,
    logger: { level: 'info', stream: logs },
    ...proxy,
  });
  return {
    sandbox,
    proxy: running,
    logs,
    post: (code, headers) => postJson(`${running.url}/phone`, { code }, headers),
    async metric(name) {
      const text = await (await fetch(`${running.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    },
    async close() {
      await running.close();
      await sandbox.close();
    },
  };
}

describe('WeChat upstream: answers', () => {
  let stack: WechatStack;
  beforeAll(async () => (stack = await startWechatStack()));
  afterAll(() => stack.close());

  it('answers the same phone DTO as Authing (countryCode a string), fetching one token', async () => {
    const code = stack.sandbox.mintCode();
    const answer = await stack.post(code);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual(stack.sandbox.phoneFor(code));
    expect(stack.sandbox.tokenFetches).toBe(1);
    expect(await stack.metric('phone_proxy_upstream_token_fetches_total{upstream="wechat",mode="normal"}')).toBe(1);
  });

  it.each(WECHAT_PHONE_ERRCODES)('errcode %i is answered %i %s', async (errcode, status, error) => {
    stack.sandbox.inject({ kind: 'errcode', errcode });
    const answer = await stack.post(stack.sandbox.mintCode());
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    if (errcode === 45011) expect(answer.headers.get('retry-after')).toBe('60');
  });

  it('a malformed answer is UPSTREAM_ERROR and the log keeps the code out', async () => {
    stack.sandbox.inject({ kind: 'malformed' });
    const code = stack.sandbox.mintCode();
    const answer = await stack.post(code);
    expect(answer.status).toBe(502);
    expect(answer.body.error).toBe('UPSTREAM_ERROR');
    expect(stack.logs.text).not.toContain(code);
    expect(stack.logs.text).not.toContain(stack.sandbox.appSecret);
  });

  it('refuses a phone whose watermark names another appid than the caller', async () => {
    const answer = await stack.post(stack.sandbox.mintCode(), { referer: refererFor('wxfedcba9876543210') });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('ORIGIN_FORBIDDEN');
    const same = await stack.post(stack.sandbox.mintCode(), { referer: refererFor(stack.sandbox.appId) });
    expect(same.status).toBe(200);
  });
});

describe('WeChat upstream: shapes and timeouts', () => {
  it('reads countryCode given as the number 86 as the string "86"', async () => {
    const stack = await startWechatStack({ numericCountryCode: true });
    try {
      const answer = await stack.post(stack.sandbox.mintCode());
      expect((answer.body.data as Record<string, unknown>).countryCode).toBe('86');
    } finally {
      await stack.close();
    }
  });

  it('answers 504 when WeChat is slower than the deadline, and the late answer is kept for the code', async () => {
    const stack = await startWechatStack({}, { upstreamTimeoutMs: 300, upstreamLateGraceMs: 5000 });
    try {
      await stack.post(stack.sandbox.mintCode()); // the token first
      stack.sandbox.inject({ kind: 'latency', ms: 800 });
      const code = stack.sandbox.mintCode();
      const first = await stack.post(code);
      expect(first.status).toBe(504);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const again = await stack.post(code);
      expect(again.status).toBe(200);
      expect(stack.sandbox.callsFor(code)).toBe(1);
    } finally {
      await stack.close();
    }
  });

  it('cloudbase: no token at all, and openid bound only when WECHAT_BIND_OPENID is on', async () => {
    const sandbox = await startWechatSandbox({ cloudbase: true });
    const proxy = await startProxy({
      upstream: 'wechat',
      wechat: { appId: sandbox.appId, openApi: 'cloudbase', apiBase: sandbox.url, bindOpenId: true },
      trustWechatGateway: true,
      rateLimit: false,
      logger: false,
    });
    try {
      const answer = await postJson(
        `${proxy.url}/phone`,
        { code: sandbox.mintCode() },
        { 'x-wx-openid': 'o-user-1', 'x-wx-appid': sandbox.appId, 'x-wx-source': 'wx_devtools' },
      );
      expect(answer.status).toBe(200);
      expect(sandbox.tokenFetches).toBe(0);
      expect(sandbox.lastOpenId).toBe('o-user-1');
    } finally {
      await proxy.close();
      await sandbox.close();
    }
  });
});

describe('WeChat upstream: the token', () => {
  it('40001 mid-run: one fresh token, exactly one retry, one phone call for the code', async () => {
    const stack = await startWechatStack();
    try {
      await stack.post(stack.sandbox.mintCode());
      stack.sandbox.invalidateToken();
      const code = stack.sandbox.mintCode();
      const answer = await stack.post(code);
      expect(answer.status).toBe(200);
      expect(stack.sandbox.tokenFetches).toBe(2);
      expect(stack.sandbox.callsFor(code)).toBe(1); // the rejected call was refused before the code was read
      expect(await stack.metric('phone_proxy_upstream_token_retries_total')).toBe(1);
    } finally {
      await stack.close();
    }
  });

  it.each([
    [42001, 'expired'],
    [40014, 'malformed'],
  ])('%i (token %s) mid-run: handled like 40001, one fresh token, one retry, one phone call for the code', async (errcode) => {
    const stack = await startWechatStack();
    try {
      await stack.post(stack.sandbox.mintCode());
      // WeChat answers the token error, and its stable_token hands out a new token (non-sticky invalidation).
      stack.sandbox.invalidateToken();
      stack.sandbox.inject({ kind: 'errcode', errcode });
      const code = stack.sandbox.mintCode();
      const answer = await stack.post(code);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual(stack.sandbox.phoneFor(code));
      expect(stack.sandbox.tokenFetches).toBe(2);
      expect(stack.sandbox.forcedRefreshes).toBe(0);
      expect(stack.sandbox.callsFor(code)).toBe(1);
      expect(await stack.metric('phone_proxy_upstream_token_retries_total')).toBe(1);
    } finally {
      await stack.close();
    }
  });

  it('a token rejected twice is not retried again: UPSTREAM_UNAVAILABLE', async () => {
    const stack = await startWechatStack();
    try {
      stack.sandbox.inject({ kind: 'errcode', errcode: 40001 }, { times: 2 });
      const code = stack.sandbox.mintCode();
      const answer = await stack.post(code);
      expect(answer.status).toBe(503);
      expect(answer.body.error).toBe('UPSTREAM_UNAVAILABLE');
      expect(stack.sandbox.phoneCalls).toBe(2);
    } finally {
      await stack.close();
    }
  });

  it('a token error that came late is not retried: the exchange keeps within its deadlines', async () => {
    const stack = await startWechatStack({}, { upstreamTimeoutMs: 800 });
    try {
      await stack.post(stack.sandbox.mintCode());
      stack.sandbox.invalidateToken();
      stack.sandbox.inject({ kind: 'latency', ms: 400 }); // 40001, past a quarter of the timeout
      const answer = await stack.post(stack.sandbox.mintCode());
      expect([answer.status, answer.body.error]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
      expect(stack.sandbox.phoneCalls).toBe(2);
      expect((await stack.post(stack.sandbox.mintCode())).status).toBe(200); // the next exchange has a fresh token
      expect(stack.sandbox.tokenFetches).toBe(2);
    } finally {
      await stack.close();
    }
  });

  it('is refreshed before it expires, once, under 100 concurrent exchanges', async () => {
    // One loopback client stands for 100 users: its share of the memory store is raised to match.
    const stack = await startWechatStack({ tokenLifeS: 2 }, { dedupe: { maxEntriesPerClient: 10_000 } });
    try {
      await stack.post(stack.sandbox.mintCode());
      await new Promise((resolve) => setTimeout(resolve, 1700)); // past refreshAt (a fifth of the life before expiry)
      const answers = await Promise.all(Array.from({ length: 100 }, () => stack.post(stack.sandbox.mintCode())));
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      expect(stack.sandbox.tokenFetches).toBe(2);
    } finally {
      await stack.close();
    }
  });

  it('forces a refresh only when stable_token hands back the rejected token, within the 30 s bound', async () => {
    const stack = await startWechatStack();
    try {
      await stack.post(stack.sandbox.mintCode());
      stack.sandbox.invalidateToken({ sticky: true });
      expect((await stack.post(stack.sandbox.mintCode())).status).toBe(200);
      expect(stack.sandbox.forcedRefreshes).toBe(1);
      // Stuck again at once: a second force would be within 30 s, so none is made and the exchange fails unsent-safe.
      stack.sandbox.invalidateToken({ sticky: true });
      const refused = await stack.post(stack.sandbox.mintCode());
      expect(refused.status).toBe(503);
      expect(stack.sandbox.forcedRefreshes).toBe(1);
      expect(await stack.metric('phone_proxy_upstream_token_fetches_total{upstream="wechat",mode="force_refresh"}')).toBe(1);
    } finally {
      await stack.close();
    }
  });
});
