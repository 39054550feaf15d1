import simulate from 'miniprogram-simulate';
import type { GetPhoneNumberDetail } from '../../src/index';
import { closedEndpoint, type LoopbackProxy, type Reply, startLoopbackProxy, successBody } from '../helpers/loopback-proxy';
import { TARGETS, type Target } from '../helpers/targets';
import { createCallContainer } from '../helpers/wx-call-container';
import { installWxRequestOverHttp } from '../helpers/wx-request-over-http';

const OK: GetPhoneNumberDetail = { errMsg: 'getPhoneNumber:ok', code: 'code-123' };
const PHONE = successBody().data as Record<string, unknown>;

interface Emitted {
  type: 'phone' | 'error' | 'privacyagree';
  detail: Record<string, unknown>;
}

/**
 * Renders `<phone-button>` inside a host page that records its `phone` and `error` events.
 * `attrs` are the tag's attributes; `data` the host data they may bind.
 */
function mount(target: Target, attrs = '', data: Record<string, unknown> = {}) {
  const events: Emitted[] = [];
  const hostId = simulate.load({
    usingComponents: { 'phone-button': target.componentId() },
    template: `<phone-button id="pb" ${attrs} bind:phone="onPhone" bind:error="onError" bind:privacyagree="onPrivacyAgree">Use my phone number</phone-button>`,
    data,
    methods: {
      onPhone(event: WechatMiniprogram.CustomEvent) {
        events.push({ type: 'phone', detail: event.detail });
      },
      onError(event: WechatMiniprogram.CustomEvent) {
        events.push({ type: 'error', detail: event.detail });
      },
      onPrivacyAgree(event: WechatMiniprogram.CustomEvent) {
        events.push({ type: 'privacyagree', detail: event.detail });
      },
    },
  });
  const host = simulate.render(hostId);
  host.attach(document.createElement('parent-wrapper'));
  const component = host.querySelector('#pb')!;
  const button = component.querySelector('.phone-button')!;
  const setData = jest.spyOn(component.instance as { setData(data: object): void }, 'setData');
  return {
    host,
    component,
    events,
    setData,
    /** What WeChat does after the user's consent (or refusal): fire the native button's event. */
    async tap(detail: GetPhoneNumberDetail, event = 'getphonenumber') {
      button.dispatchEvent(event, { detail });
      await simulate.sleep(0);
    },
    attr(name: string): unknown {
      return button.toJSON().attrs.find((attr) => attr.name === name)?.value;
    },
  };
}

/** Polls (bounded) until the condition holds: for outcomes that travel through a real socket. */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await simulate.sleep(5);
  }
}

describe.each(TARGETS)('$name: <phone-button>', (target) => {
  const { configure } = target.library();
  let proxy: LoopbackProxy;
  let reply: Reply | 'hold' | 'hang';
  let wxRequest: ReturnType<typeof installWxRequestOverHttp>;

  beforeEach(async () => {
    reply = { status: 200, body: successBody() };
    proxy = await startLoopbackProxy(() => reply);
    wxRequest = installWxRequestOverHttp();
  });

  afterEach(async () => {
    await proxy.close();
    await wxRequest.settled();
    Object.assign(wx, { cloud: undefined });
    configure({});
    jest.restoreAllMocks();
  });

  describe('rendering', () => {
    it('renders a native getPhoneNumber button with the slot as label and WeChat quota toast on', () => {
      const view = mount(target);
      expect(view.attr('openType')).toBe('getPhoneNumber');
      expect(view.attr('phoneNumberNoQuotaToast')).toBe(true);
      expect(view.attr('loading')).toBe(false);
      expect(view.attr('type')).toBe('primary');
      expect(view.component.toJSON().children[0].children).toEqual(['Use my phone number']);
    });

    it('uses getRealtimePhoneNumber with realtime, and binds no-quota-toast, look and style', () => {
      const view = mount(target, 'realtime no-quota-toast="{{false}}" type="warn" size="mini" plain block custom-style="margin: 0"');
      expect(view.attr('openType')).toBe('getRealtimePhoneNumber');
      expect(view.attr('phoneNumberNoQuotaToast')).toBe(false);
      expect(view.attr('type')).toBe('warn');
      expect(view.attr('size')).toBe('mini');
      expect(view.attr('plain')).toBe(true);
      expect(view.attr('class')).toContain('phone-button--block');
      expect(view.attr('style')).toBe('margin: 0');
    });

    it.each([
      ['privacy', 'agreePrivacyAuthorization|getPhoneNumber'],
      ['privacy realtime', 'agreePrivacyAuthorization|getRealtimePhoneNumber'],
      ['privacy disabled', ''],
    ])('with %s, open-type is %p', (attributes, openType) => {
      expect(mount(target, attributes).attr('openType')).toBe(openType);
    });

    it('clears open-type while disabled and ignores events then', async () => {
      const view = mount(target, `disabled endpoint="${proxy.url}"`);
      expect(view.attr('openType')).toBe('');
      await view.tap(OK);
      await simulate.sleep(20);
      expect(proxy.requests).toHaveLength(0);
      expect(view.events).toEqual([]);
    });
  });

  describe('exchange', () => {
    it('POSTs the code and emits phone with the DTO data, in two setData', async () => {
      const view = mount(target, `endpoint="${proxy.url}"`);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: PHONE }]);
      expect(JSON.parse(proxy.requests[0].body)).toEqual({ code: 'code-123' });
      expect(view.setData.mock.calls.map((call: unknown[]) => call[0])).toEqual([{ loading: true }, { loading: false }]);
    });

    it('sends the nonce beside the code and puts the assertion in the phone detail', async () => {
      reply = { status: 200, body: { ...successBody(), assertion: 'header.payload.signature' } };
      const view = mount(target, `endpoint="${proxy.url}" nonce="session-nonce-1"`);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(JSON.parse(proxy.requests[0].body)).toEqual({ code: 'code-123', nonce: 'session-nonce-1' });
      expect(view.events).toEqual([{ type: 'phone', detail: { ...PHONE, assertion: 'header.payload.signature' } }]);
    });

    it("puts the fields an app's own server added (onPhone) in the phone detail as extra", async () => {
      reply = { status: 200, body: { ...successBody(), session: 'app-session-1' } };
      const view = mount(target, `endpoint="${proxy.url}"`);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: { ...PHONE, extra: { session: 'app-session-1' } } }]);
    });

    it('with privacy, one tap emits privacyagree then phone', async () => {
      const view = mount(target, `privacy endpoint="${proxy.url}"`);
      await view.tap({ errMsg: 'agreePrivacyAuthorization:ok' }, 'agreeprivacyauthorization');
      await view.tap(OK);
      await until(() => view.events.length > 1);
      expect(view.events).toEqual([
        { type: 'privacyagree', detail: {} },
        { type: 'phone', detail: PHONE },
      ]);
    });

    it('handles getrealtimephonenumber the same way', async () => {
      const view = mount(target, `realtime endpoint="${proxy.url}"`);
      await view.tap({ errMsg: 'getRealtimePhoneNumber:ok', code: 'rt-code' }, 'getrealtimephonenumber');
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: PHONE }]);
      expect(JSON.parse(proxy.requests[0].body)).toEqual({ code: 'rt-code' });
    });

    it('emits countryCode as a string when the proxy sends a number', async () => {
      reply = { status: 200, body: successBody({ countryCode: 86 }) };
      const view = mount(target, `endpoint="${proxy.url}"`);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events[0].detail.countryCode).toBe('86');
    });

    it('shows loading and clears open-type in flight, ignores a second tap, and clears loading after', async () => {
      reply = 'hold';
      const view = mount(target, `endpoint="${proxy.url}"`);
      await view.tap(OK);
      await until(() => proxy.requests.length === 1);
      expect(view.attr('loading')).toBe(true);
      expect(view.attr('openType')).toBe('');

      await view.tap({ errMsg: 'getPhoneNumber:ok', code: 'second-code' });
      await simulate.sleep(20);
      expect(proxy.requests).toHaveLength(1);

      proxy.release({ status: 200, body: successBody() });
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: PHONE }]);
      expect(view.attr('loading')).toBe(false);
      expect(view.attr('openType')).toBe('getPhoneNumber');
      expect(view.setData).toHaveBeenCalledTimes(2);
    });

    it('neither calls setData nor emits after it is detached mid-request', async () => {
      reply = 'hold';
      const view = mount(target, `endpoint="${proxy.url}"`);
      await view.tap(OK);
      await until(() => proxy.requests.length === 1);
      view.host.detach();
      proxy.release({ status: 200, body: successBody() });
      await wxRequest.settled();
      await simulate.sleep(10);
      expect(view.setData.mock.calls.map((call: unknown[]) => call[0])).toEqual([{ loading: true }]);
      expect(view.events).toEqual([]);
    });

    it('passes header and timeout through to wx.request', async () => {
      const view = mount(target, `endpoint="${proxy.url}" header="{{header}}" timeout="{{4321}}"`, {
        header: { authorization: 'Bearer page-token' },
      });
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(proxy.requests[0].headers.authorization).toBe('Bearer page-token');
      expect(wxRequest.spy.mock.calls[0][0].timeout).toBe(4321);
    });

    it('falls back to configure() for everything not set on the tag', async () => {
      configure({ endpoint: proxy.url, header: { 'x-app': 'demo' }, timeout: 2500 });
      const view = mount(target);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events[0].type).toBe('phone');
      expect(proxy.requests[0].headers['x-app']).toBe('demo');
      expect(wxRequest.spy.mock.calls[0][0].timeout).toBe(2500);
    });

    it('calls the cloud function with transport="cloud"', async () => {
      const callFunction = jest.fn((options: { success: (res: unknown) => void }) =>
        options.success({ result: successBody(), errMsg: 'cloud.callFunction:ok' }),
      );
      Object.assign(wx, { cloud: { callFunction } });
      const view = mount(target, 'transport="cloud" cloud-function="getPhoneNumber" cloud-env="prod-1a2b"');
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: PHONE }]);
      expect(callFunction.mock.calls[0][0]).toMatchObject({ name: 'getPhoneNumber', data: { code: 'code-123' }, config: { env: 'prod-1a2b' } });
      expect(wxRequest.spy).not.toHaveBeenCalled();
    });

    it('calls the Cloud Hosting service with transport="container", nonce in the body, over the gateway', async () => {
      const callContainer = jest.fn(
        createCallContainer({ services: { 'phone-proxy': new URL(proxy.url).origin }, identity: { appid: 'wx-c', openid: 'o-1' } }),
      );
      Object.assign(wx, { cloud: { callContainer } });
      const view = mount(target, 'transport="container" container-service="phone-proxy" container-path="/phone" cloud-env="prod-1a2b" nonce="n-9"');
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: PHONE }]);
      expect(callContainer.mock.calls[0][0]).toMatchObject({
        path: '/phone',
        method: 'POST',
        config: { env: 'prod-1a2b' },
        header: { 'X-WX-SERVICE': 'phone-proxy' },
      });
      expect(JSON.parse(proxy.requests[0].body)).toEqual({ code: 'code-123', nonce: 'n-9' });
      expect(wxRequest.spy).not.toHaveBeenCalled();
    });

    it.each<[string, string, Record<string, unknown>, RegExp]>([
      ['transport="cloud" without cloud-function', 'transport="cloud"', {}, /transport/],
      ['transport="container" without container-service', 'transport="container"', {}, /transport/],
      ['a transport that is none of its values', `endpoint="http://127.0.0.1:9/phone" transport="clod"`, {}, /transport/],
      ['a nonce that is not printable ASCII', `endpoint="http://127.0.0.1:9/phone" nonce="{{nonce}}"`, { nonce: 'nonce\u0000' }, /nonce/],
      ['a header with a value that is not a string', `endpoint="http://127.0.0.1:9/phone" header="{{header}}"`, { header: { 'x-n': 1 } }, /header/],
    ])('%s: emits a misconfigured error, tells the console, sends nothing and clears loading', async (_, attributes, data, problem) => {
      const consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
      const view = mount(target, attributes, data);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'error', detail: { reason: 'misconfigured', message: expect.stringMatching(problem) } }]);
      expect(String(consoleError.mock.calls[0][1])).toMatch(problem);
      expect(wxRequest.spy).not.toHaveBeenCalled();
      expect(view.attr('loading')).toBe(false);
    });
  });

  describe('error event', () => {
    it.each<[string, GetPhoneNumberDetail, Record<string, unknown>]>([
      ['denied (iOS, devtools)', { errMsg: 'getPhoneNumber:fail user deny' }, { reason: 'denied', errMsg: 'getPhoneNumber:fail user deny' }],
      ['denied (Android)', { errMsg: 'getPhoneNumber:fail:user deny' }, { reason: 'denied', errMsg: 'getPhoneNumber:fail:user deny' }],
      ['no-quota', { errMsg: 'getPhoneNumber:fail no quota', errno: 1400001 }, { reason: 'no-quota', errno: 1400001 }],
      ['unsupported', { errMsg: 'getPhoneNumber:ok', encryptedData: 'enc', iv: 'iv' }, { reason: 'unsupported' }],
      ['wechat-failed', { errMsg: 'getPhoneNumber:fail system error', errno: 102 }, { reason: 'wechat-failed', errno: 102 }],
      [
        'privacy (not agreed, errno 104)',
        { errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 },
        { reason: 'privacy', errno: 104 },
      ],
      [
        'privacy (not declared, errno 112)',
        { errMsg: 'getPhoneNumber:fail api scope is not declared in the privacy agreement', errno: 112 },
        { reason: 'privacy', errno: 112 },
      ],
    ])('emits %s without a request or a setData', async (_, detail, expected) => {
      const view = mount(target, `endpoint="${proxy.url}"`);
      await view.tap(detail);
      expect(view.events).toEqual([{ type: 'error', detail: expect.objectContaining({ ...expected, message: expect.any(String) }) }]);
      expect(proxy.requests).toHaveLength(0);
      expect(view.setData).not.toHaveBeenCalled();
    });

    it.each<[string, Reply | 'hang', Record<string, unknown>]>([
      [
        'rejected (HTTP 4xx)',
        { status: 422, body: { statusCode: 422, message: 'Code rejected', error: 'CODE_REJECTED', requestId: 'r-1' } },
        { reason: 'rejected', statusCode: 422, error: 'CODE_REJECTED', requestId: 'r-1' },
      ],
      [
        'rejected (HTTP 5xx)',
        { status: 504, body: { statusCode: 504, message: 'Upstream timeout', error: 'UPSTREAM_TIMEOUT' } },
        { reason: 'rejected', statusCode: 504, error: 'UPSTREAM_TIMEOUT' },
      ],
      ['invalid-response (malformed JSON)', { status: 200, body: '{"data": {' }, { reason: 'invalid-response', statusCode: 200 }],
      ['timeout', 'hang', { reason: 'timeout', errMsg: 'request:fail timeout' }],
    ])('emits %s and clears loading', async (_, answer, expected) => {
      reply = answer;
      // Short only where the proxy hangs: elsewhere a busy machine must not turn an answer into a timeout.
      const view = mount(target, `endpoint="${proxy.url}" timeout="{{${answer === 'hang' ? 60 : 5000}}}"`);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'error', detail: expect.objectContaining(expected) }]);
      expect(view.attr('loading')).toBe(false);
      expect(view.setData).toHaveBeenCalledTimes(2);
    });

    it('after a timeout sends the same code once more and emits phone with the answer of that retry', async () => {
      reply = 'hang';
      const view = mount(target, `endpoint="${proxy.url}" timeout="{{300}}"`);
      await view.tap(OK);
      await until(() => proxy.requests.length === 1);
      reply = { status: 200, body: successBody() };
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'phone', detail: PHONE }]);
      expect(proxy.requests.map((request) => request.body)).toEqual([proxy.requests[0].body, proxy.requests[0].body]);
      expect(view.attr('loading')).toBe(false);
    });

    it('emits network when nothing listens', async () => {
      const view = mount(target, `endpoint="${await closedEndpoint()}"`);
      await view.tap(OK);
      await until(() => view.events.length > 0);
      expect(view.events).toEqual([{ type: 'error', detail: expect.objectContaining({ reason: 'network' }) }]);
      expect(view.attr('loading')).toBe(false);
    });
  });
});
