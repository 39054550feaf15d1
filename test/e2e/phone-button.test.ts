/**
 * A tap on the BUILT <phone-button>, through real HTTP, the real proxy and the Authing sandbox, to its event.
 * The sandbox's codes are real single-use codes: each scenario mints its own.
 */
import { closedEndpoint } from '../helpers/loopback-proxy';
import { MINI_PROGRAM_APPID, startChain, type Chain } from './harness/chain';
import { mountPhoneButton, useRealNetwork, type MountedPhoneButton, type PhoneButtonProps } from './harness/mini-program';

const allow = (code: string) => ({ errMsg: 'getPhoneNumber:ok', code });
const FIVE_MINUTES = 5 * 60_000;

let mounted: MountedPhoneButton[] = [];
function mount(props: PhoneButtonProps): MountedPhoneButton {
  const button = mountPhoneButton(props);
  mounted.push(button);
  return button;
}

beforeAll(() => useRealNetwork({ appid: MINI_PROGRAM_APPID }));
afterEach(() => {
  mounted.forEach((button) => button.detach());
  mounted = [];
});

describe('on the upstream shape Authing SDK reads (data.phone_info)', () => {
  let chain: Chain;
  /** The sandbox's clock: moved forward to expire codes. */
  let now = Date.now();

  beforeAll(async () => {
    chain = await startChain({ sandbox: { shape: 'phone_info', strictCodes: true, now: () => now }, proxy: { upstreamTimeoutMs: 300 } });
  });
  afterAll(() => chain.close());
  afterEach(() => chain.sandbox.clearFaults());

  test('a consented tap emits phone with the number Authing gives for that code, after one upstream call', async () => {
    const code = chain.sandbox.mintCode();

    const outcome = await mount({ endpoint: chain.endpoint }).tap(allow(code));

    expect(outcome).toEqual({ event: 'phone', detail: chain.sandbox.phoneFor(code) });
    expect(chain.sandbox.callsFor(code)).toBe(1);
  });

  test('the realtime open-type goes the same way', async () => {
    const code = chain.sandbox.mintCode();

    const outcome = await mount({ endpoint: chain.endpoint, realtime: true }).tap(allow(code));

    expect(outcome).toEqual({ event: 'phone', detail: chain.sandbox.phoneFor(code) });
  });

  test.each([
    ['iOS and devtools', 'getPhoneNumber:fail user deny'],
    ['Android', 'getPhoneNumber:fail:user deny'],
  ])('a refusal (%s) emits error denied and sends nothing', async (_client, errMsg) => {
    const callsBefore = chain.sandbox.calls;

    const outcome = await mount({ endpoint: chain.endpoint }).tap({ errMsg });

    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'denied', errMsg } });
    expect(chain.sandbox.calls).toBe(callsBefore);
  });

  test('a code already spent elsewhere emits error rejected CODE_REJECTED (422)', async () => {
    const code = chain.sandbox.mintCode();
    await chain.spendElsewhere(code);

    const outcome = await mount({ endpoint: chain.endpoint }).tap(allow(code));

    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'CODE_REJECTED', statusCode: 422 } });
    expect(chain.sandbox.callsFor(code)).toBe(2);
  });

  test('a code older than five minutes emits error rejected CODE_REJECTED', async () => {
    const code = chain.sandbox.mintCode();
    now += FIVE_MINUTES + 1000;

    const outcome = await mount({ endpoint: chain.endpoint }).tap(allow(code));

    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'CODE_REJECTED', statusCode: 422 } });
  });

  test('an upstream slower than the proxy deadline emits error rejected UPSTREAM_TIMEOUT (504)', async () => {
    chain.sandbox.inject({ kind: 'latency', ms: 2000 });

    const outcome = await mount({ endpoint: chain.endpoint }).tap(allow(chain.sandbox.mintCode()));

    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'UPSTREAM_TIMEOUT', statusCode: 504 } });
  });

  test('a proxy slower than the component timeout emits error timeout from wx.request', async () => {
    chain.sandbox.inject({ kind: 'latency', ms: 250 });

    const outcome = await mount({ endpoint: chain.endpoint, timeout: 100 }).tap(allow(chain.sandbox.mintCode()));

    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'timeout', errMsg: 'request:fail timeout' } });
  });

  test('an upstream that is down emits error rejected UPSTREAM_UNAVAILABLE (503)', async () => {
    chain.sandbox.inject({ kind: 'reset' });

    const outcome = await mount({ endpoint: chain.endpoint }).tap(allow(chain.sandbox.mintCode()));

    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'UPSTREAM_UNAVAILABLE', statusCode: 503 } });
  });
});

describe('on the documented flat upstream shape, countryCode as a number', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await startChain({ sandbox: { shape: 'flat', numericCountryCode: true } });
  });
  afterAll(() => chain.close());

  test('a consented tap emits phone with countryCode as a string', async () => {
    const code = chain.sandbox.mintCode();

    const outcome = await mount({ endpoint: chain.endpoint }).tap(allow(code));

    expect(outcome).toEqual({ event: 'phone', detail: chain.sandbox.phoneFor(code) });
    expect(outcome.detail).toMatchObject({ countryCode: '86' });
  });
});

test('a proxy that is down emits error network from wx.request', async () => {
  const outcome = await mount({ endpoint: await closedEndpoint() }).tap(allow('any-code'));

  expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'network', errMsg: 'request:fail net::ERR_CONNECTION_REFUSED' } });
});

describe('with the proxy rate limit at one exchange a minute', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await startChain({ proxy: { rateLimit: { max: 1, timeWindowMs: 60_000 } } });
  });
  afterAll(() => chain.close());

  test('the second tap emits error rejected RATE_LIMITED (429) and its code never reaches Authing', async () => {
    const button = mount({ endpoint: chain.endpoint });
    const first = await button.tap(allow(chain.sandbox.mintCode()));
    const second = chain.sandbox.mintCode();

    const outcome = await button.tap(allow(second));

    expect(first.event).toBe('phone');
    expect(outcome).toMatchObject({ event: 'error', detail: { reason: 'rejected', error: 'RATE_LIMITED', statusCode: 429 } });
    expect(chain.sandbox.callsFor(second)).toBe(0);
  });
});
