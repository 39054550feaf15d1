// TRUST_WECHAT_GATEWAY: the caller identity from WeChat Cloud Hosting's gateway headers (X-WX-SOURCE, X-WX-APPID,
// X-WX-OPENID...), and proof that without the flag those headers, which anyone can send, change nothing.
import { callerFromHeaders } from '../src/guards/caller';
import { refererFor, startStack, type Stack } from './helpers';

const ALLOWED = 'wx1234567890abcdef';
const OTHER = 'wxfedcba0987654321';
const ADDRESS = '127.0.0.1';

/** What the gateway adds to a callContainer request from `appid`'s user `openid`. */
const gateway = (appid: string, openid: string): Record<string, string> => ({
  'x-wx-source': 'wx_client',
  'x-wx-appid': appid,
  'x-wx-openid': openid,
});

let nextUser = 0;
/** A fresh openid per request, so the per-user limit never interferes unless a test means it to. */
const user = (): string => `o-user-${++nextUser}`;

describe('callerFromHeaders', () => {
  it('with the flag, takes appid, openid and unionid from the gateway and counts per openid', () => {
    const headers = { ...gateway(ALLOWED, 'o-abc'), 'x-wx-unionid': 'u-abc', referer: refererFor(OTHER) };
    expect(callerFromHeaders(headers, ADDRESS, true)).toEqual({ appId: ALLOWED, openId: 'o-abc', unionId: 'u-abc', rateLimitKey: 'openid:o-abc' });
  });

  it('with the flag, reads the X-WX-FROM-* headers under resource reuse (no X-WX-OPENID)', () => {
    const headers = { 'x-wx-source': 'wx_client', 'x-wx-from-appid': ALLOWED, 'x-wx-from-openid': 'o-from' };
    expect(callerFromHeaders(headers, ADDRESS, true)).toEqual({ appId: ALLOWED, openId: 'o-from', rateLimitKey: 'openid:o-from' });
  });

  it('with the flag, never mixes the two identities: the FROM appid goes with the FROM openid', () => {
    const headers = { 'x-wx-source': 'wx_client', 'x-wx-appid': OTHER, 'x-wx-from-appid': ALLOWED, 'x-wx-from-openid': 'o-from' };
    expect(callerFromHeaders(headers, ADDRESS, true)).toEqual({ appId: ALLOWED, openId: 'o-from', rateLimitKey: 'openid:o-from' });
  });

  it('with the flag, an identity header sent twice (joined by Node) counts as absent', () => {
    const headers = { ...gateway(ALLOWED, 'o-a, o-b'), referer: refererFor(ALLOWED) };
    expect(callerFromHeaders(headers, ADDRESS, true)).toEqual({ appId: ALLOWED, rateLimitKey: ADDRESS });
  });

  it.each([
    ['no X-WX-SOURCE', { 'x-wx-appid': ALLOWED, 'x-wx-openid': 'o-abc' }],
    ['X-WX-SOURCE alone', { 'x-wx-source': 'wx_client' }],
    ['empty identity headers', { 'x-wx-source': 'wx_client', 'x-wx-appid': ' ', 'x-wx-openid': '' }],
  ])('with the flag but %s, falls back to the Referer and the address', (_name, headers) => {
    const referer = refererFor(ALLOWED);
    expect(callerFromHeaders({ ...headers, referer }, ADDRESS, true)).toEqual({ appId: ALLOWED, rateLimitKey: ADDRESS });
  });

  it('with the flag and an appid but no openid, counts per address', () => {
    expect(callerFromHeaders({ 'x-wx-source': 'wx_client', 'x-wx-appid': ALLOWED }, ADDRESS, true)).toEqual({
      appId: ALLOWED,
      rateLimitKey: ADDRESS,
    });
  });

  it('without the flag, gateway headers are ignored: the caller is what the Referer and address say', () => {
    const referer = refererFor(OTHER);
    const forged = { ...gateway(ALLOWED, 'o-forged'), 'x-wx-unionid': 'u-forged', referer };
    expect(callerFromHeaders(forged, ADDRESS)).toEqual(callerFromHeaders({ referer }, ADDRESS));
    expect(callerFromHeaders(forged, ADDRESS)).toEqual({ appId: OTHER, rateLimitKey: ADDRESS });
  });
});

describe('with TRUST_WECHAT_GATEWAY (allow-list and one exchange per minute per key)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { trustWechatGateway: true, allowedAppIds: [ALLOWED], rateLimit: { max: 1, timeWindowMs: 60_000 } } });
  });
  afterAll(() => stack.close());

  it('an allowed X-WX-APPID passes without any Referer', async () => {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, gateway(ALLOWED, user()));
    expect(answer.status).toBe(200);
  });

  it('the allow-list checks X-WX-APPID, not the Referer', async () => {
    const before = stack.sandbox.calls;
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, { ...gateway(OTHER, user()), referer: refererFor(ALLOWED) });
    expect(answer).toMatchObject({ status: 403, body: { error: 'ORIGIN_FORBIDDEN' } });
    expect(stack.sandbox.calls).toBe(before);
  });

  it('two openids from one address each get their own budget; a third request from the first is limited', async () => {
    const [first, second] = [user(), user()];
    const a = await stack.post({ code: stack.sandbox.mintCode() }, gateway(ALLOWED, first));
    const b = await stack.post({ code: stack.sandbox.mintCode() }, gateway(ALLOWED, second));
    const again = stack.sandbox.mintCode();
    const limited = await stack.post({ code: again }, gateway(ALLOWED, first));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(limited).toMatchObject({ status: 429, body: { error: 'RATE_LIMITED' } });
    expect(stack.sandbox.callsFor(again)).toBe(0);
  });

  it('a request that did not come through the gateway (no X-WX-SOURCE) is checked by its Referer', async () => {
    const forged = { 'x-wx-appid': ALLOWED, 'x-wx-openid': user() };
    expect((await stack.post({ code: stack.sandbox.mintCode() }, forged)).status).toBe(403);
  });
});

describe('without TRUST_WECHAT_GATEWAY, forged gateway headers change nothing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { allowedAppIds: [ALLOWED], rateLimit: { max: 1, timeWindowMs: 60_000 } } });
  });
  afterAll(() => stack.close());

  it('an allowed X-WX-APPID without a Referer is refused: the allow-list still reads the Referer', async () => {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, gateway(ALLOWED, user()));
    expect(answer).toMatchObject({ status: 403, body: { error: 'ORIGIN_FORBIDDEN' } });
  });

  it('another X-WX-OPENID does not buy another budget: the limit still counts per address', async () => {
    const referer = refererFor(ALLOWED);
    const first = await stack.post({ code: stack.sandbox.mintCode() }, { ...gateway(ALLOWED, user()), referer });
    const second = await stack.post({ code: stack.sandbox.mintCode() }, { ...gateway(ALLOWED, user()), referer });
    expect(first.status).toBe(200);
    expect(second).toMatchObject({ status: 429, body: { error: 'RATE_LIMITED' } });
  });
});
