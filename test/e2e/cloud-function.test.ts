/**
 * A tap on the BUILT <phone-button transport="cloud">, through wx.cloud.callFunction, into the repository's cloud
 * function template (cloudfunctions/getPhoneNumber/index.js, the bundle of the proxy), to Authing's sandbox and back.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import type { Sandbox, startSandbox } from '../../proxy/src/sandbox';
import type { CloudFunction } from '../../proxy/src/runtimes/cloud-function';
import { installCloud, loadTemplate, TEMPLATE_DIR, type CloudPlatform } from './harness/cloud';
import { MINI_PROGRAM_APPID, SANDBOX_CONNECTION_ID, SANDBOX_USER_POOL_ID } from './harness/chain';
import { loadLibrary, mountPhoneButton, type MountedPhoneButton } from './harness/mini-program';

const FUNCTION_NAME = 'getPhoneNumber';
const ALICE = { appId: MINI_PROGRAM_APPID, openId: 'oALICE00000000000000000000001' };
const allow = (code: string) => ({ errMsg: 'getPhoneNumber:ok', code });

let sandbox: Sandbox;
let main: CloudFunction;
let platform: CloudPlatform;
let button: MountedPhoneButton;

beforeAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT package, loaded as users load it; the sources type it
  const proxyPackage = require('miniprogram-phone-proxy/sandbox') as { startSandbox: typeof startSandbox };
  sandbox = await proxyPackage.startSandbox({
    host: '127.0.0.1',
    port: 0,
    userPoolId: SANDBOX_USER_POOL_ID,
    extIdpConnidentifier: SANDBOX_CONNECTION_ID,
    strictCodes: true,
  });
  // The variables a developer sets in the cloud console.
  main = loadTemplate({
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_USERPOOL_ID: SANDBOX_USER_POOL_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: SANDBOX_CONNECTION_ID,
    ALLOWED_APPIDS: MINI_PROGRAM_APPID,
    RATE_LIMIT_MAX: '5',
    UPSTREAM_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'silent',
  });
  platform = installCloud({ [FUNCTION_NAME]: main }, { identity: ALICE, functionTimeoutMs: 1000 });
  button = mountPhoneButton({ transport: 'cloud', cloudFunction: FUNCTION_NAME, timeout: 5000 });
});
afterAll(async () => {
  button?.detach();
  await main?.close();
  await sandbox?.close();
});
afterEach(() => {
  sandbox.clearFaults();
  platform.identity = ALICE;
});

test("the template is the bundle: it requires nothing but Node's built-in modules", () => {
  // Since `npm run build:cloudfunction` bundles the proxy into it (was: it required the workspace package).
  const requires = readFileSync(path.join(TEMPLATE_DIR, 'index.js'), 'utf8').match(/\brequire\("[^"]+"\)/g) ?? [];
  expect(requires.length).toBeGreaterThan(0);
  for (const call of requires) expect(builtinModules).toContain(/"(?:node:)?([^"]+)"/.exec(call)?.[1]);
});

test('a consented tap emits phone; the function got the code and the platform identity, one Authing call', async () => {
  const code = sandbox.mintCode();

  const outcome = await button.tap(allow(code));

  expect(outcome).toEqual({ event: 'phone', detail: sandbox.phoneFor(code) });
  expect(platform.events.at(-1)).toEqual({ code, userInfo: ALICE });
  expect(sandbox.callsFor(code)).toBe(1);
});

test('the library with transport { type: "cloud" } gets the DTO; a repeat of the code is answered from the warm container', async () => {
  const { exchangePhoneCode } = loadLibrary();
  const code = sandbox.mintCode();
  const transport = { type: 'cloud', name: FUNCTION_NAME } as const;

  const first = await exchangePhoneCode(allow(code), { transport });
  const second = await exchangePhoneCode(allow(code), { transport });

  expect(first).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code), requestId: expect.any(String) });
  expect(second.data).toEqual(first.data);
  expect(sandbox.callsFor(code)).toBe(1);
});

test('another mini program (appid off ALLOWED_APPIDS) emits error rejected ORIGIN_FORBIDDEN (403), Authing not called', async () => {
  platform.identity = { appId: 'wxf0e1d2c3b4a59687', openId: 'oBOB0000000000000000000000001' };
  const callsBefore = sandbox.calls;

  const outcome = await button.tap(allow(sandbox.mintCode()));

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'ORIGIN_FORBIDDEN', statusCode: 403 } });
  expect(sandbox.calls).toBe(callsBefore);
});

test('a spent code emits error rejected CODE_REJECTED (422) with the statusCode from the result', async () => {
  sandbox.inject({ kind: 'wechat', statusCode: 602, errcode: 40029 });

  const outcome = await button.tap(allow(sandbox.mintCode()));

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'CODE_REJECTED', statusCode: 422 } });
});

test('the rate limit counts per openid: a sixth tap of one user is RATE_LIMITED, another user still passes', async () => {
  platform.identity = { appId: MINI_PROGRAM_APPID, openId: 'oCAROL0000000000000000000001' };
  for (let i = 0; i < 5; i++) expect((await button.tap(allow(sandbox.mintCode()))).event).toBe('phone');

  const limited = await button.tap(allow(sandbox.mintCode()));
  platform.identity = { appId: MINI_PROGRAM_APPID, openId: 'oDAVE00000000000000000000001' };
  const other = await button.tap(allow(sandbox.mintCode()));

  expect(limited).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'RATE_LIMITED', statusCode: 429 } });
  expect(other.event).toBe('phone');
});

test('a function timeout shorter than the Authing call: the one automatic retry shares the call in flight and the phone is emitted', async () => {
  const { exchangePhoneCode } = loadLibrary();
  platform.identity = { appId: MINI_PROGRAM_APPID, openId: 'oERIN00000000000000000000001' };
  const code = sandbox.mintCode();
  // Authing answers after the platform's limit (1 s here, 3 s by default) but within UPSTREAM_TIMEOUT_MS.
  sandbox.inject({ kind: 'latency', ms: 1500 });

  const outcome = await button.tap(allow(code));

  // The first call timed out (errno -504003); the retry with the same code landed in the same warm container, where
  // the call was still in flight, and got its answer. Only a retry that lands there shares it.
  expect(outcome).toMatchObject({ event: 'phone', detail: sandbox.phoneFor(code) });
  expect(sandbox.callsFor(code)).toBe(1);
  const again = await exchangePhoneCode(allow(code), { transport: { type: 'cloud', name: FUNCTION_NAME } });
  expect(again.data).toEqual(sandbox.phoneFor(code));
  expect(sandbox.callsFor(code)).toBe(1);
});

test('Authing slower than two function timeouts: error timeout (errno -504003) after the one retry; the code is spent', async () => {
  platform.identity = { appId: MINI_PROGRAM_APPID, openId: 'oFRANK0000000000000000000001' };
  const code = sandbox.mintCode();
  sandbox.inject({ kind: 'latency', ms: 3000 });

  const outcome = await button.tap(allow(code));

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'timeout', errno: -504003 } });
  expect(sandbox.callsFor(code)).toBe(1);
});
