// A cloud function whose upstream is wx-server-sdk's cloud.openapi.phonenumber.getPhoneNumber, passed in by the user.
// The stand-in does what wx-server-sdk 4.0.2 does (index.js, callWXOpenAPI): it calls getuserphonenumber through the
// platform, which adds the token (here the WeChat sandbox in cloudbase mode over loopback HTTP), answers camelCase
// fields, and throws { errCode, errMsg } for a WeChat errcode. The same DTO and taxonomy as over HTTP.
import { createCloudFunction, type CloudFunction } from '../src';
import type { CloudGetPhoneNumber } from '../src/config';
import { startWechatSandbox, WECHAT_SANDBOX_APPID, type WechatSandbox } from '../src/sandbox';

let sandbox: WechatSandbox;
beforeAll(async () => (sandbox = await startWechatSandbox({ cloudbase: true, numericCountryCode: true })));
afterAll(() => sandbox.close());

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
function camelCase(value: unknown): unknown {
  if (Array.isArray(value) || typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [camel(key), camelCase(inner)]));
}

/** cloud.openapi.phonenumber.getPhoneNumber as wx-server-sdk behaves, on the sandbox. */
const openapi: CloudGetPhoneNumber & { calls: Array<Record<string, unknown>> } = Object.assign(
  async (request: { code: string; openid?: string }) => {
    openapi.calls.push(request);
    const response = await fetch(`${sandbox.url}/wxa/business/getuserphonenumber`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as { errcode?: number; errmsg?: string };
    if (body.errcode)
      throw Object.assign(new Error(body.errmsg), { errCode: body.errcode, errMsg: `openapi.phonenumber.getPhoneNumber:fail ${body.errmsg}` });
    return { ...(camelCase(body) as object), errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok' };
  },
  { calls: [] as Array<Record<string, unknown>> },
);

const APP = WECHAT_SANDBOX_APPID;
const event = (code: string, openId = 'oUSER0000000000000000000001') => ({ code, userInfo: { appId: APP, openId } });

const opened: CloudFunction[] = [];
const cloudFunction = (bindOpenId = false, timeouts: { upstreamTimeoutMs?: number; upstreamLateGraceMs?: number } = {}): CloudFunction => {
  const main = createCloudFunction({
    upstream: 'wechat',
    wechat: { appId: APP, getPhoneNumber: openapi, bindOpenId },
    logger: false,
    rateLimit: false,
    ...timeouts,
  });
  opened.push(main);
  return main;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((main) => main.close()));
  openapi.calls.length = 0;
});

it('answers the same DTO (countryCode 86 read as "86"), one call per code, a repeat served from the store', async () => {
  const main = cloudFunction();
  const code = sandbox.mintCode();
  const first = await main(event(code));
  expect(first).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  expect(await main(event(code))).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  expect(openapi.calls).toEqual([{ code }]);
});

it.each([
  [40029, 'CODE_REJECTED'],
  [40163, 'CODE_REJECTED'],
  [45011, 'RATE_LIMITED'],
  [-1, 'UPSTREAM_UNAVAILABLE'],
  [40013, 'MISCONFIGURED'],
  [41008, 'MISCONFIGURED'],
  [40999, 'UPSTREAM_ERROR'],
])('a thrown errCode %i is %s', async (errcode, error) => {
  const main = cloudFunction();
  sandbox.inject({ kind: 'errcode', errcode });
  expect(await main(event(sandbox.mintCode()))).toMatchObject({ error });
});

it('sends the trusted openid only with bindOpenId', async () => {
  const main = cloudFunction(true);
  const code = sandbox.mintCode();
  expect(await main(event(code, 'oBOUND000000000000000000001'))).toMatchObject({ statusCode: 200 });
  expect(openapi.calls).toEqual([{ code, openid: 'oBOUND000000000000000000001' }]);
});

it('answers UPSTREAM_TIMEOUT past the deadline, and keeps the late answer for the code', async () => {
  const main = cloudFunction(false, { upstreamTimeoutMs: 200, upstreamLateGraceMs: 5000 });
  sandbox.inject({ kind: 'latency', ms: 600 });
  const code = sandbox.mintCode();
  expect(await main(event(code))).toMatchObject({ error: 'UPSTREAM_TIMEOUT' });
  await new Promise((resolve) => setTimeout(resolve, 900));
  expect(await main(event(code))).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  expect(openapi.calls).toEqual([{ code }]);
});
