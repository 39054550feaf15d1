// What a signed assertion says of the user, per runtime: `sub` is the openid only when a trusted platform said it
// (a cloud function's platform context, or without one its userInfo; Cloud Hosting's gateway with TRUST_WECHAT_GATEWAY); headers anyone can send never
// make a `sub`. Verified as an app backend does: against the running proxy's JWKS.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createCloudFunction } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { verifyPhoneAssertion } from '../src/verify';
import { APP_ID, authingFor, refererFor, startStack } from './helpers';

const AUDIENCE = 'identity-test-backend';
const MINI_PROGRAM = 'wx00000000000000aa';
const OPENID = 'oUSER000000000000000000000a';
const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const assertion = { privateKey, audience: AUDIENCE };
const publicJwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), alg: 'ES256' };
const GATEWAY = { 'x-wx-source': 'wx_client', 'x-wx-appid': MINI_PROGRAM, 'x-wx-openid': OPENID };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP_ID });
});
afterAll(() => sandbox.close());

test("a cloud function signs the platform's openid as sub and its appid", async () => {
  const main = createCloudFunction({ authing: authingFor(sandbox), logger: false, allowedAppIds: [MINI_PROGRAM], assertion });
  try {
    const code = sandbox.mintCode();
    const result = (await main({ code, nonce: 'n-cloud', userInfo: { appId: MINI_PROGRAM, openId: OPENID } })) as { assertion?: string };
    const claims = await verifyPhoneAssertion(result.assertion!, { publicKeys: [publicJwk], audience: AUDIENCE, nonce: 'n-cloud' });
    expect(claims).toMatchObject({ sub: OPENID, appid: MINI_PROGRAM, pure_phone_number: sandbox.phoneFor(code).purePhoneNumber });
  } finally {
    await main.close();
  }
});

describe.each([
  ['with TRUST_WECHAT_GATEWAY, the gateway openid is sub', true, { sub: OPENID, appid: MINI_PROGRAM }],
  ['without it, forged gateway headers make no sub (the Referer appid stays)', false, { appid: MINI_PROGRAM }],
])('over HTTP %s', (_name, trustWechatGateway, expected) => {
  it('verifies over the JWKS with those claims', async () => {
    const stack = await startStack({ proxy: { trustWechatGateway, assertion } });
    try {
      const answer = await stack.post({ code: stack.sandbox.mintCode() }, { ...GATEWAY, referer: refererFor(MINI_PROGRAM) });
      const claims = await verifyPhoneAssertion(answer.body.assertion as string, {
        jwksUrl: `${stack.proxy.url}/.well-known/jwks.json`,
        audience: AUDIENCE,
      });
      expect(claims).toMatchObject(expected);
      if (!trustWechatGateway) expect(claims).not.toHaveProperty('sub');
    } finally {
      await stack.close();
    }
  });
});
