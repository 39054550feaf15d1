// The cloud function's caller comes from the platform's per-invocation context (the environment variables
// wx-server-sdk's getWXContext() reads), not from the event the caller wrote. Upstream is the real sandbox; signed
// assertions are verified as an app backend does, so `sub` is what the platform said.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { CloudFunction } from '../src';
import { callerFromContext, readWxContext, sourceKind } from '../src/runtimes/cloud-caller';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { verifyPhoneAssertion } from '../src/verify';
import { cloudFunctionsClosedAfterEach, LogCapture } from './helpers';

const APP = 'wxc10udf000000001';
const USER = 'oUSER0000000000000000000001';
const VICTIM = 'oVICTIM00000000000000000001';
const AUDIENCE = 'cloud-caller-test';
const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const publicJwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), alg: 'ES256' };

/** The variables the platform sets for one invocation from a mini program (as getWXContext() reads them). */
const platformEnv = (source = 'wx_client', openId = USER, appId = APP): Record<string, string> => ({
  WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID,WX_UNIONID,WX_CLIENTIP',
  WX_OPENID: openId,
  WX_APPID: appId,
  WX_UNIONID: '',
  WX_CLIENTIP: '203.0.113.9',
  TCB_SOURCE: source,
});
const CONTEXT_NAMES = ['WX_CONTEXT_KEYS', 'WX_OPENID', 'WX_APPID', 'WX_UNIONID', 'WX_CLIENTIP', 'WX_FROM_OPENID', 'WX_FROM_APPID', 'TCB_SOURCE'];

/** Calls main the way the platform does: this invocation's context in the environment while main starts. */
function invoke(main: CloudFunction, event: unknown, env: Record<string, string> | undefined): ReturnType<CloudFunction> {
  Object.assign(process.env, env);
  try {
    return main(event);
  } finally {
    for (const name of CONTEXT_NAMES) delete process.env[name];
  }
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: 'test-app-id-6a1f', strictCodes: true });
});
afterAll(() => sandbox.close());

const cloudFunction = cloudFunctionsClosedAfterEach(() => sandbox);

describe('reading the platform context', () => {
  it('reads the variables WX_CONTEXT_KEYS lists, without their WX_ prefix, and TCB_SOURCE', () => {
    const context = readWxContext({ ...platformEnv(), WX_NOT_LISTED: 'x' });
    expect(context).toMatchObject({ OPENID: USER, APPID: APP, CLIENTIP: '203.0.113.9', SOURCE: 'wx_client' });
    expect(context).not.toHaveProperty('NOT_LISTED');
    expect(context?.UNIONID).toBeUndefined(); // empty is absent
  });

  it('is absent without WX_CONTEXT_KEYS (where getWXContext() returns {})', () => {
    expect(readWxContext({ WX_OPENID: USER, TCB_SOURCE: 'wx_client' })).toBeUndefined();
    expect(readWxContext({ WX_CONTEXT_KEYS: '' })).toBeUndefined();
  });

  it('under resource sharing, the FROM_ identity, never a mix', () => {
    const caller = callerFromContext({ APPID: 'wxowner', FROM_OPENID: 'oFROM', FROM_APPID: 'wxfrom', SOURCE: 'wx_client' }, false);
    expect(caller).toEqual({ appId: 'wxfrom', openId: 'oFROM', rateLimitKey: 'openid:oFROM' });
  });

  it.each([
    ['wx_client', 'mini-program'],
    ['wx_devtools', 'devtools'],
    ['wx_localdebug', 'devtools'],
    ['wx_client,scf', 'other'],
    ['wx_http', 'other'],
    ['wx_trigger', 'other'],
    ['scf', 'other'],
    ['WX_CLIENT', 'other'],
    [undefined, 'other'],
  ])('SOURCE %s is %s', (source, kind) => {
    expect(sourceKind(source)).toBe(kind);
  });
});

describe('a forged userInfo in the data', () => {
  it("changes nothing: sub is the platform's openid, and the rate limit counts the platform's user", async () => {
    const main = cloudFunction({ allowedAppIds: [APP], assertion: { privateKey, audience: AUDIENCE }, rateLimit: { max: 1, timeWindowMs: 60_000 } });
    const code = sandbox.mintCode();
    const forged = { code, nonce: 'n-forged', userInfo: { appId: APP, openId: VICTIM } };

    const result = (await invoke(main, forged, platformEnv())) as { statusCode: number; assertion?: string };

    expect(result.statusCode).toBe(200);
    const claims = await verifyPhoneAssertion(result.assertion!, { publicKeys: [publicJwk], audience: AUDIENCE, nonce: 'n-forged' });
    expect(claims).toMatchObject({ sub: USER, appid: APP });
    // The victim's budget is untouched; the user's own is spent.
    expect(await invoke(main, { code: sandbox.mintCode(), userInfo: { openId: USER } }, platformEnv('wx_client', VICTIM))).toMatchObject({
      statusCode: 200,
    });
    expect(await invoke(main, { code: sandbox.mintCode(), userInfo: { openId: VICTIM } }, platformEnv())).toMatchObject({ statusCode: 429 });
  });

  it('cannot name an allowed mini program when the platform says another one', async () => {
    const main = cloudFunction({ allowedAppIds: [APP] });
    const code = sandbox.mintCode();
    const result = await invoke(main, { code, userInfo: { appId: APP, openId: USER } }, platformEnv('wx_client', USER, 'wxf0e1d2c3b4a59687'));
    expect(result).toMatchObject({ statusCode: 403, error: 'ORIGIN_FORBIDDEN' });
    expect(sandbox.callsFor(code)).toBe(0);
  });
});

describe('the source of the call', () => {
  it.each(['wx_http', 'wx_trigger', 'scf', 'wx_client,scf', 'wx_unknown', 'wx_devtools'])(
    '%s is refused ORIGIN_FORBIDDEN before Authing, and the code stays free',
    async (source) => {
      const logs = new LogCapture();
      const main = cloudFunction({ logger: { level: 'info', stream: logs } });
      const code = sandbox.mintCode();

      expect(await invoke(main, { code, userInfo: { appId: APP, openId: USER } }, platformEnv(source))).toMatchObject({
        statusCode: 403,
        error: 'ORIGIN_FORBIDDEN',
      });
      expect(sandbox.callsFor(code)).toBe(0);
      expect(logs.records()).toEqual([
        expect.objectContaining({ outcome: 'ORIGIN_FORBIDDEN', source, msg: 'cloud function call refused: not from a mini program' }),
      ]);
      const refused = await main.metrics.requests.get();
      expect(refused.values).toEqual([expect.objectContaining({ labels: { outcome: 'ORIGIN_FORBIDDEN' }, value: 1 })]);

      // The same code from a mini program is exchanged, once.
      expect(await invoke(main, { code }, platformEnv())).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
      expect(sandbox.callsFor(code)).toBe(1);
    },
  );

  it('the developer tool passes where ALLOW_DEVTOOLS allows it, also past an allow-list', async () => {
    const main = cloudFunction({ allowDevtools: true, allowedAppIds: [APP] });
    const code = sandbox.mintCode();
    expect(await invoke(main, { code }, platformEnv('wx_devtools'))).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  });
});

describe('without a platform context', () => {
  it('falls back to event.userInfo and says so in the log', async () => {
    const logs = new LogCapture();
    const main = cloudFunction({ allowedAppIds: [APP], logger: { level: 'info', stream: logs } });
    const code = sandbox.mintCode();

    expect(await invoke(main, { code, userInfo: { appId: APP, openId: USER } }, undefined)).toMatchObject({ statusCode: 200 });
    expect(logs.records()).toContainEqual(expect.objectContaining({ level: 40, callerFrom: 'event.userInfo' }));
  });

  it('with a platform context, no such line is written', async () => {
    const logs = new LogCapture();
    const main = cloudFunction({ logger: { level: 'info', stream: logs } });
    expect(await invoke(main, { code: sandbox.mintCode() }, platformEnv())).toMatchObject({ statusCode: 200 });
    expect(logs.records().filter((line) => line.callerFrom !== undefined)).toEqual([]);
  });
});
