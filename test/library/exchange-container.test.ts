import { closedEndpoint, type LoopbackProxy, type Reply, startLoopbackProxy, successBody } from '../helpers/loopback-proxy';
import { rejectionDetail } from '../helpers/rejection';
import { TARGETS } from '../helpers/targets';
import { createCallContainer } from '../helpers/wx-call-container';

const OK = { errMsg: 'getPhoneNumber:ok', code: 'code-123' };
const SERVICE = 'phone-proxy';
const CONTAINER = { type: 'container', service: SERVICE, env: 'prod-1a2b', path: '/api/phone' } as const;

type Param = Parameters<ReturnType<typeof createCallContainer>>[0];

/** wx.cloud is undefined in miniprogram-simulate: install one whose callContainer does `behave`. */
function installCloud(behave: (param: Param) => void) {
  const callContainer = jest.fn(behave);
  Object.assign(wx, { cloud: { callContainer } });
  return callContainer;
}

describe.each(TARGETS)('$name: exchangePhoneCode over wx.cloud.callContainer', (target) => {
  const { configure, exchangePhoneCode, PhoneExchangeError } = target.library();
  let proxy: LoopbackProxy;
  let reply: Reply | 'hang';
  /** callContainer through a gateway that forwards over real HTTP to the loopback proxy. */
  let callContainer: jest.Mock<void, [Param]>;

  beforeEach(async () => {
    reply = { status: 200, body: successBody() };
    proxy = await startLoopbackProxy(() => reply);
    const overHttp = createCallContainer({
      services: { [SERVICE]: new URL(proxy.url).origin },
      identity: { appid: 'wx-container-test', openid: 'o-user-1' },
    });
    callContainer = installCloud(overHttp);
  });

  afterEach(async () => {
    await proxy.close();
    Object.assign(wx, { cloud: undefined });
    configure({});
  });

  const failure = (promise: Promise<unknown>) => rejectionDetail(promise, PhoneExchangeError);

  it('POSTs { code, nonce } as JSON to the service path through the gateway and resolves with the DTO', async () => {
    await expect(exchangePhoneCode(OK, { transport: CONTAINER, nonce: 'n-1' })).resolves.toEqual(successBody());
    expect(callContainer.mock.calls[0][0]).toMatchObject({
      config: { env: 'prod-1a2b' },
      path: '/api/phone',
      method: 'POST',
      header: { 'X-WX-SERVICE': SERVICE, 'content-type': 'application/json' },
      dataType: 'json',
      timeout: 10000,
    });
    const [request] = proxy.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/api/phone' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-wx-openid': 'o-user-1', 'x-wx-appid': 'wx-container-test' });
    expect(JSON.parse(request.body)).toEqual({ code: 'code-123', nonce: 'n-1' });
  });

  it("sends the page's headers along, but never a page's X-WX-* (the gateway's names) nor its Content-Type", async () => {
    const header = { Authorization: 'Bearer page-session', 'X-WX-OPENID': 'o-forged', 'Content-Type': 'text/plain' };
    await exchangePhoneCode(OK, { transport: CONTAINER, header });
    expect(callContainer.mock.calls[0][0].header).toEqual({
      Authorization: 'Bearer page-session',
      'content-type': 'application/json',
      'X-WX-SERVICE': SERVICE,
    });
    expect(proxy.requests[0].headers).toMatchObject({ authorization: 'Bearer page-session', 'x-wx-openid': 'o-user-1' });
  });

  it('defaults the path to /phone and leaves the env to wx.cloud.init(); the transport can come from configure()', async () => {
    configure({ transport: { type: 'container', service: SERVICE } });
    await exchangePhoneCode(OK);
    expect(callContainer.mock.calls[0][0].path).toBe('/phone');
    expect(callContainer.mock.calls[0][0]).not.toHaveProperty('config');
    expect(proxy.requests[0].url).toBe('/phone');
  });

  it('resolves with the assertion when the service sent one', async () => {
    reply = { status: 200, body: { ...successBody(), assertion: 'h.p.s' } };
    expect((await exchangePhoneCode(OK, { transport: CONTAINER })).assertion).toBe('h.p.s');
  });

  it.each<[string, Reply, Record<string, unknown>]>([
    [
      'a 4xx error envelope as rejected',
      { status: 403, body: { statusCode: 403, message: 'Forbidden', error: 'ORIGIN_FORBIDDEN', requestId: 'r-9' } },
      { reason: 'rejected', statusCode: 403, error: 'ORIGIN_FORBIDDEN', requestId: 'r-9' },
    ],
    [
      'a 5xx error envelope as rejected',
      { status: 503, body: { statusCode: 503, message: 'Unavailable', error: 'UPSTREAM_UNAVAILABLE' } },
      { reason: 'rejected', statusCode: 503, error: 'UPSTREAM_UNAVAILABLE' },
    ],
    [
      "a gateway's HTML error page as invalid-response",
      { status: 502, body: '<html>Bad Gateway</html>' },
      { reason: 'invalid-response', statusCode: 502 },
    ],
    [
      "a service's own 404 as misconfigured, naming the path",
      { status: 404, body: 'Cannot POST /api/phone' },
      { reason: 'misconfigured', statusCode: 404, message: expect.stringMatching(/^Nothing answers at \/api\/phone \(HTTP 404\)/) },
    ],
  ])('reads %s', async (_, answer, expected) => {
    reply = answer;
    expect(await failure(exchangePhoneCode(OK, { transport: CONTAINER }))).toMatchObject(expected);
  });

  it('rejects as timeout (errCode 102002) when the service does not answer in time', async () => {
    reply = 'hang';
    expect(await failure(exchangePhoneCode(OK, { transport: CONTAINER, timeout: 60 }))).toMatchObject({ reason: 'timeout', errno: 102002 });
  });

  it.each([
    ['errCode 102002 alone', { errMsg: 'cloud.callContainer:fail', errCode: 102002 }],
    ['the code in the text alone', { errMsg: 'cloud.callContainer:fail 102002 请求超时 (callId: abc)' }],
  ])('classifies a failure with %s as timeout', async (_, failed) => {
    installCloud((param) => param.fail?.(failed as { errMsg: string; errCode: number }));
    expect((await failure(exchangePhoneCode(OK, { transport: CONTAINER }))).reason).toBe('timeout');
  });

  it('rejects other failures as network, with errMsg and errCode', async () => {
    const detail = await failure(exchangePhoneCode(OK, { transport: { type: 'container', service: 'no-such-service' } }));
    expect(detail).toEqual({
      reason: 'network',
      message: expect.any(String),
      errMsg: expect.stringMatching(/^cloud\.callContainer:fail -501000/),
      errno: -501000,
    });
    expect(proxy.requests).toHaveLength(0);
  });

  it('rejects as network when the service refuses the connection', async () => {
    const closed = new URL(await closedEndpoint()).origin;
    installCloud(createCallContainer({ services: { [SERVICE]: closed }, identity: { appid: 'wx-container-test', openid: 'o-user-1' } }));
    expect((await failure(exchangePhoneCode(OK, { transport: CONTAINER }))).reason).toBe('network');
  });

  it("caps callContainer's timeout at the platform's 15 s", async () => {
    const call = installCloud((param) => param.success?.({ statusCode: 200, data: successBody() }));
    await exchangePhoneCode(OK, { transport: CONTAINER, timeout: 20000 });
    expect(call.mock.calls[0][0].timeout).toBe(15000);
  });

  it('enforces the timeout itself (plus a second for the platform to speak first) when callContainer never calls back', async () => {
    installCloud(() => undefined);
    expect(await failure(exchangePhoneCode(OK, { transport: CONTAINER, timeout: 30 }))).toEqual({ reason: 'timeout', message: expect.any(String) });
  });

  describe('leaves no timer behind', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it.each<[string, (param: Param) => void]>([
      ['an answer', (param) => param.success?.({ statusCode: 200, data: successBody() })],
      ['a failure', (param) => param.fail?.({ errMsg: 'cloud.callContainer:fail 40097 system error', errCode: 40097 })],
      [
        'a callContainer that throws',
        () => {
          throw new Error('cloud.callContainer:fail not initialized');
        },
      ],
    ])('after %s', async (_, behave) => {
      installCloud(behave);
      await exchangePhoneCode(OK, { transport: CONTAINER }).catch(() => undefined);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  it.each([
    ['wx.cloud is missing', undefined],
    ['wx.cloud has no callContainer (base library too old)', { callFunction: () => undefined }],
  ])('rejects as misconfigured when %s', async (_, cloud) => {
    Object.assign(wx, { cloud });
    const detail = await failure(exchangePhoneCode(OK, { transport: CONTAINER }));
    expect(detail).toEqual({ reason: 'misconfigured', message: expect.stringMatching(/callContainer/) });
  });
});
