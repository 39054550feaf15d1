// Every refusal a configuration can cause says why: a fixed reason in the answer's detail.reason (nothing secret,
// nothing the caller sent) and the same reason with its fix in the log line. docs/en/reference/errors.md, "Refusal reasons".
import { createCloudFunction } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { authingFor, LogCapture, refererFor, startStack, type Answer, type Stack } from './helpers';

const ALLOWED = 'wx1234567890abcdef';
const OTHER = 'wxfedcba0987654321';
const H5 = 'https://h5.example.com';

/** The log line of the request `answer` was for. */
function logOf(logs: LogCapture, answer: Answer): Record<string, unknown> {
  const line = logs.records().find((record) => record.reqId === answer.body.requestId);
  if (!line) throw new Error(`no log line for ${String(answer.body.requestId)}`);
  return line;
}

function expectRefusal(logs: LogCapture, answer: Answer, status: number, error: string, reason: string, fix: RegExp): void {
  expect(answer).toMatchObject({ status, body: { error, detail: { reason } } });
  expect(Object.keys(answer.body.detail as object)).toEqual(['reason']);
  expect(logOf(logs, answer)).toMatchObject({ outcome: error, detail: { reason, fix: expect.stringMatching(fix) } });
}

describe('ORIGIN_FORBIDDEN over HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { allowedAppIds: [ALLOWED], corsOrigins: [H5] } });
  });
  afterAll(() => stack.close());

  it.each([
    ['devtools', { referer: refererFor(ALLOWED, 'devtools') }, /set ALLOW_DEVTOOLS=true for development/],
    ['appid-not-allowed', { referer: refererFor(OTHER) }, /ALLOWED_APPIDS does not list/],
    ['no-referer', {}, /no Referer/],
    ['malformed-referer', { referer: `https://servicewechat.com/${ALLOWED}/beta/page-frame.html` }, /not WeChat's/],
    ['origin-not-allowed', { origin: 'https://evil.example' }, /CORS_ORIGINS does not list/],
  ])('%s: the reason in the answer, the reason and its fix in the log, no upstream call', async (reason, headers, fix) => {
    const before = stack.sandbox.calls;
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, headers);
    expectRefusal(stack.logs, answer, 403, 'ORIGIN_FORBIDDEN', reason, fix);
    expect(stack.sandbox.calls).toBe(before);
  });

  it.each([
    ['origin-not-allowed', { origin: 'https://evil.example' }, /add its exact origin/],
    ['no-origin', {}, /without an Origin/],
  ])('a CORS preflight refused for %s says so in the answer and the log', async (reason, headers, fix) => {
    const response = await fetch(`${stack.proxy.url}/phone`, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST', ...headers } });
    const answer: Answer = { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expectRefusal(stack.logs, answer, 403, 'ORIGIN_FORBIDDEN', reason, fix);
  });
});

it('gateway-identity-missing: TRUST_WECHAT_GATEWAY on, a request without the gateway identity', async () => {
  const stack = await startStack({ proxy: { allowedAppIds: [ALLOWED], trustWechatGateway: true } });
  try {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, { 'x-wx-source': 'wx_client', 'x-wx-openid': 'o-no-appid' });
    expectRefusal(stack.logs, answer, 403, 'ORIGIN_FORBIDDEN', 'gateway-identity-missing', /TRUST_WECHAT_GATEWAY is on/);
    const noHeaders = await stack.post({ code: stack.sandbox.mintCode() });
    expectRefusal(stack.logs, noHeaders, 403, 'ORIGIN_FORBIDDEN', 'gateway-identity-missing', /X-WX-APPID/);
  } finally {
    await stack.close();
  }
});

describe('RATE_LIMITED names the key it counted', () => {
  it('rate-limit-per-address: a private address without TRUST_PROXY points at TRUST_PROXY', async () => {
    const stack = await startStack({ proxy: { rateLimit: { max: 1, timeWindowMs: 60_000 } } });
    try {
      await stack.post({ code: stack.sandbox.mintCode() });
      const answer = await stack.post({ code: stack.sandbox.mintCode() });
      expectRefusal(stack.logs, answer, 429, 'RATE_LIMITED', 'rate-limit-per-address', /127\.0\.0\.1 is private.*set TRUST_PROXY/);
      expect(logOf(stack.logs, answer)).toMatchObject({ detail: { address: '127.0.0.1' } });
    } finally {
      await stack.close();
    }
  });

  it('rate-limit-per-user: counted per openid behind the trusted gateway', async () => {
    const stack = await startStack({ proxy: { trustWechatGateway: true, rateLimit: { max: 1, timeWindowMs: 60_000 } } });
    try {
      const gateway = { 'x-wx-source': 'wx_client', 'x-wx-appid': ALLOWED, 'x-wx-openid': 'o-one-user' };
      await stack.post({ code: stack.sandbox.mintCode() }, gateway);
      const answer = await stack.post({ code: stack.sandbox.mintCode() }, gateway);
      expectRefusal(stack.logs, answer, 429, 'RATE_LIMITED', 'rate-limit-per-user', /one user \(openid\)/);
      expect(JSON.stringify(answer.body)).not.toContain('o-one-user');
    } finally {
      await stack.close();
    }
  });
});

describe('the cloud function', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: 'test-app-id-6a1f' });
  });
  afterAll(() => sandbox.close());

  it('no-userinfo: an invocation without the platform identity (a console test call) is refused saying so', async () => {
    const logs = new LogCapture();
    const main = createCloudFunction({ authing: authingFor(sandbox), allowedAppIds: [ALLOWED], logger: { stream: logs } });
    try {
      const body = await main({ code: sandbox.mintCode() });
      expectRefusal(
        logs,
        { status: body.statusCode, headers: new Headers(), body: body as unknown as Record<string, unknown> },
        403,
        'ORIGIN_FORBIDDEN',
        'no-userinfo',
        /console's test button/,
      );
    } finally {
      await main.close();
    }
  });

  it('a non-object event is checked as a caller first: 403 no-userinfo with ALLOWED_APPIDS, else 400 INVALID_REQUEST (README)', async () => {
    const guarded = createCloudFunction({ authing: authingFor(sandbox), allowedAppIds: [ALLOWED], logger: false });
    const open = createCloudFunction({ authing: authingFor(sandbox), logger: false });
    try {
      expect(await guarded('not an object')).toMatchObject({ statusCode: 403, error: 'ORIGIN_FORBIDDEN', detail: { reason: 'no-userinfo' } });
      expect(await open('not an object')).toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST' });
    } finally {
      await Promise.all([guarded.close(), open.close()]);
    }
  });

  it('rate-limit-shared: calls without an openid share one bucket, and the log says so', async () => {
    const logs = new LogCapture();
    const main = createCloudFunction({ authing: authingFor(sandbox), rateLimit: { max: 1, timeWindowMs: 60_000 }, logger: { stream: logs } });
    try {
      await main({ code: sandbox.mintCode() });
      const body = await main({ code: sandbox.mintCode() });
      expectRefusal(
        logs,
        { status: body.statusCode, headers: new Headers(), body: body as unknown as Record<string, unknown> },
        429,
        'RATE_LIMITED',
        'rate-limit-shared',
        /share one bucket/,
      );
    } finally {
      await main.close();
    }
  });
});
