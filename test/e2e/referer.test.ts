/**
 * The proxy's Referer allow-list, fed the Referer WeChat itself sends (`https://servicewechat.com/{appid}/{version}/
 * page-frame.html`), which a page cannot override.
 */
import { MINI_PROGRAM_APPID, startChain, type Chain } from './harness/chain';
import { mountPhoneButton, useRealNetwork, type MountedPhoneButton } from './harness/mini-program';

const FOREIGN_APPID = 'wxf0e1d2c3b4a59687';

let chain: Chain;
let button: MountedPhoneButton;

beforeAll(async () => {
  chain = await startChain({ proxy: { allowedAppIds: [MINI_PROGRAM_APPID], allowDevtools: false } });
  button = mountPhoneButton({ endpoint: chain.endpoint, header: { Referer: `https://servicewechat.com/${MINI_PROGRAM_APPID}/1/page-frame.html` } });
});
afterAll(async () => {
  button.detach();
  await chain.close();
});

test('a release of the allowed mini program gets its phone number', async () => {
  useRealNetwork({ appid: MINI_PROGRAM_APPID, version: 3 });
  const code = chain.sandbox.mintCode();

  const outcome = await button.tap({ errMsg: 'getPhoneNumber:ok', code });

  expect(outcome).toEqual({ event: 'phone', detail: chain.sandbox.phoneFor(code) });
});

test.each([
  ['another mini program, even with a forged Referer header', FOREIGN_APPID, 0],
  ['the developer tool, not allowed here', MINI_PROGRAM_APPID, 'devtools'],
] as const)('%s: error rejected ORIGIN_FORBIDDEN (403), the code never reaches Authing', async (_who, appid, version) => {
  useRealNetwork({ appid, version });
  const code = chain.sandbox.mintCode();

  const outcome = await button.tap({ errMsg: 'getPhoneNumber:ok', code });

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'ORIGIN_FORBIDDEN', statusCode: 403 } });
  expect(chain.sandbox.callsFor(code)).toBe(0);
});
