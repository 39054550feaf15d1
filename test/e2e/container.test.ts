/**
 * A tap on the BUILT <phone-button transport="container"> through a `wx.cloud.callContainer` that does what WeChat's
 * Cloud Hosting gateway does (a real HTTP POST carrying the X-WX-* identity headers), to the real proxy running with
 * TRUST_WECHAT_GATEWAY, the Authing sandbox, and back to the component's event.
 */
import { createCallContainer, type GatewayIdentity } from '../helpers/wx-call-container';
import { MINI_PROGRAM_APPID, startChain, type Chain } from './harness/chain';
import { loadSimulate, mountPhoneButton, type MountedPhoneButton, type PhoneButtonProps } from './harness/mini-program';

const SERVICE = 'phone-proxy';
const allow = (code: string) => ({ errMsg: 'getPhoneNumber:ok', code });

let chain: Chain;
let mounted: MountedPhoneButton[] = [];

/** Installs wx.cloud whose gateway speaks for `identity`, and mounts a container-transport button. */
function mount(identity: GatewayIdentity, props: PhoneButtonProps = {}): MountedPhoneButton {
  const { origin, pathname } = new URL(chain.endpoint);
  Object.assign(wx, { cloud: { callContainer: createCallContainer({ services: { [SERVICE]: origin }, identity }) } });
  const button = mountPhoneButton({ transport: 'container', containerService: SERVICE, containerPath: pathname, cloudEnv: 'prod-e2e', ...props });
  mounted.push(button);
  return button;
}

beforeAll(async () => {
  loadSimulate();
  chain = await startChain({
    proxy: { trustWechatGateway: true, allowedAppIds: [MINI_PROGRAM_APPID], rateLimit: { max: 1, timeWindowMs: 60_000 } },
  });
});
afterAll(() => chain.close());
afterEach(() => {
  mounted.forEach((button) => button.detach());
  mounted = [];
  Object.assign(wx, { cloud: undefined });
});

test('a consented tap travels through the gateway and the proxy, and emits phone with that code’s number', async () => {
  const code = chain.sandbox.mintCode();

  const outcome = await mount({ appid: MINI_PROGRAM_APPID, openid: 'o-e2e-1' }, { nonce: 'session-nonce-e2e' }).tap(allow(code));

  expect(outcome).toEqual({ event: 'phone', detail: chain.sandbox.phoneFor(code) });
  expect(chain.sandbox.callsFor(code)).toBe(1);
});

test('with privacy, one tap agrees to the privacy policy and gets the number', async () => {
  const code = chain.sandbox.mintCode();
  const button = mount({ appid: MINI_PROGRAM_APPID, openid: 'o-e2e-privacy' }, { privacy: true });

  const outcome = await button.tap(allow(code));

  expect(button.privacyAgreements()).toBe(1);
  expect(outcome).toEqual({ event: 'phone', detail: chain.sandbox.phoneFor(code) });
});

test('the proxy checks the appid the gateway vouches for: another mini program emits error rejected ORIGIN_FORBIDDEN', async () => {
  const code = chain.sandbox.mintCode();

  const outcome = await mount({ appid: 'wx0ther00000000000', openid: 'o-e2e-other' }).tap(allow(code));

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'ORIGIN_FORBIDDEN', statusCode: 403 } });
  expect(chain.sandbox.callsFor(code)).toBe(0);
});

test('the limit counts per openid: a second user is served, the first user’s second tap is RATE_LIMITED', async () => {
  const first = await mount({ appid: MINI_PROGRAM_APPID, openid: 'o-e2e-limit-a' }).tap(allow(chain.sandbox.mintCode()));
  const other = await mount({ appid: MINI_PROGRAM_APPID, openid: 'o-e2e-limit-b' }).tap(allow(chain.sandbox.mintCode()));
  const again = await mount({ appid: MINI_PROGRAM_APPID, openid: 'o-e2e-limit-a' }).tap(allow(chain.sandbox.mintCode()));

  expect([first.event, other.event]).toEqual(['phone', 'phone']);
  expect(again).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'RATE_LIMITED', statusCode: 429 } });
});

test('a service that is not deployed emits error network with callContainer’s errMsg', async () => {
  const outcome = await mount({ appid: MINI_PROGRAM_APPID, openid: 'o-e2e-2' }, { containerService: 'not-deployed' }).tap(allow('any-code'));

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'network', errno: -501000 } });
});
