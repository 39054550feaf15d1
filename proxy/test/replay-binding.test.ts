// A code's answer belongs to the request that spent it: a retry from the same page (same nonce, appid and openid)
// gets it again, anyone else gets CODE_REJECTED, as Authing answers a used code. Real sandbox, real HTTP, real JWKS.
// The memory store; the same concern over the Redis store, which needs a redis-server, is redis/replay-binding.test.ts.
import { createCloudFunction } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { verifyPhoneAssertion } from '../src/verify';
import { AUDIENCE, ecKey, jwksUrlOf, startSigningStack } from './assertion-helpers';
import { authingFor, refererFor, type Answer, type Stack } from './helpers';

jest.setTimeout(20_000);

const APP = 'wx0a55e271000b0001';
const OTHER_APP = 'wx0a55e271000b0002';
const REJECTED = { status: 422, body: { error: 'CODE_REJECTED', statusCode: 422 } };

/** A refusal carries neither the number nor an assertion. */
function expectRejected(answer: Answer): void {
  expect(answer).toMatchObject(REJECTED);
  expect('data' in answer.body || 'assertion' in answer.body || 'upstreamRequestId' in answer.body).toBe(false);
}

describe('a signing proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startSigningStack(ecKey(), {}, { proxy: { allowedAppIds: [APP, OTHER_APP] } });
  });
  afterAll(() => stack.close());

  const post = (body: unknown, appId = APP) => stack.post(body, { referer: refererFor(appId) });
  const verify = (answer: Answer, nonce: string) =>
    verifyPhoneAssertion(answer.body.assertion as string, { jwksUrl: jwksUrlOf(stack), audience: AUDIENCE, nonce });

  test('a retry with the same nonce gets the same number, one Authing call, a fresh jti', async () => {
    const code = stack.sandbox.mintCode();
    const first = await post({ code, nonce: 'page-1' });
    const retry = await post({ code, nonce: 'page-1' });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body.data).toEqual(first.body.data);
    const [a, b] = [await verify(first, 'page-1'), await verify(retry, 'page-1')];
    expect(a.jti).not.toBe(b.jti);
    expect(b.phone_number).toBe(a.phone_number);
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  test('the same code with another nonce, or none, is CODE_REJECTED: no number, no assertion, logged why', async () => {
    const code = stack.sandbox.mintCode();
    expect((await post({ code, nonce: 'page-1' })).status).toBe(200);
    expectRejected(await post({ code, nonce: 'page-2' }));
    expectRejected(await post({ code }));
    expect(stack.sandbox.callsFor(code)).toBe(1);
    const rejected = stack.logs.records().filter((record) => record.outcome === 'CODE_REJECTED' && record.dedupe === 'remembered');
    expect(rejected.length).toBeGreaterThanOrEqual(2);
    expect(rejected[0]).toMatchObject({ detail: { reason: 'code already exchanged for another caller' } });
    expect(stack.logs.text).not.toContain('page-1');
  });

  test('without a nonce, a retry without one is the same page; another appid is not', async () => {
    const code = stack.sandbox.mintCode();
    const first = await post({ code });
    expect((await post({ code })).body.data).toEqual(first.body.data);
    expectRejected(await post({ code }, OTHER_APP));
  });

  test('concurrent duplicates with different nonces: exactly one gets the number', async () => {
    stack.sandbox.inject({ kind: 'latency', ms: 200 });
    const code = stack.sandbox.mintCode();
    const answers = await Promise.all(['n-1', 'n-2', 'n-3', 'n-4'].map((nonce) => post({ code, nonce })));
    const winners = answers.filter((answer) => answer.status === 200);
    expect(winners).toHaveLength(1);
    for (const answer of answers.filter((other) => other !== winners[0])) expectRejected(answer);
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });
});

describe('a trusted platform identity (openid)', () => {
  test('the WeChat gateway: another openid with the same code and nonce is CODE_REJECTED', async () => {
    const stack = await startSigningStack(ecKey(), {}, { proxy: { trustWechatGateway: true } });
    try {
      const as = (openId: string) => ({ 'x-wx-source': 'wx_client', 'x-wx-appid': APP, 'x-wx-openid': openId });
      const code = stack.sandbox.mintCode();
      const first = await stack.post({ code, nonce: 'n' }, as('o-alice'));
      expect(first.status).toBe(200);
      expectRejected(await stack.post({ code, nonce: 'n' }, as('o-mallory')));
      expect((await stack.post({ code, nonce: 'n' }, as('o-alice'))).body.data).toEqual(first.body.data);
      expect(stack.sandbox.callsFor(code)).toBe(1);
    } finally {
      await stack.close();
    }
  });

  describe('a cloud function', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ appId: 'test-app-id-6a1f' });
    });
    afterAll(() => sandbox.close());

    test('another user (openid) invoking with the same code is CODE_REJECTED', async () => {
      const main = createCloudFunction({ authing: authingFor(sandbox), logger: false });
      try {
        const event = (openId: string) => ({ code, nonce: 'n', userInfo: { appId: APP, openId } });
        const code = sandbox.mintCode();
        const first = await main(event('oUSER0000000000000000000001'));
        expect(first).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
        const other = await main(event('oUSER0000000000000000000002'));
        expect(other).toMatchObject({ statusCode: 422, error: 'CODE_REJECTED' });
        expect('data' in other).toBe(false);
        expect(await main(event('oUSER0000000000000000000001'))).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
        expect(sandbox.callsFor(code)).toBe(1);
      } finally {
        await main.close();
      }
    });
  });
});
