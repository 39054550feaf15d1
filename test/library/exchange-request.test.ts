import { closedEndpoint, type LoopbackProxy, type Reply, startLoopbackProxy, successBody } from '../helpers/loopback-proxy';
import { rejectionDetail } from '../helpers/rejection';
import { TARGETS } from '../helpers/targets';
import { installWxRequestOverHttp } from '../helpers/wx-request-over-http';

const OK = { errMsg: 'getPhoneNumber:ok', code: 'code-123' };

describe.each(TARGETS)('$name: exchangePhoneCode over wx.request', (target) => {
  const { configure, exchangePhoneCode, PhoneExchangeError, DEFAULT_TIMEOUT } = target.library();
  let proxy: LoopbackProxy;
  let reply: Reply | 'hang';
  let wxRequest: ReturnType<typeof installWxRequestOverHttp>;

  beforeEach(async () => {
    reply = { status: 200, body: successBody() };
    proxy = await startLoopbackProxy(() => reply);
    wxRequest = installWxRequestOverHttp();
  });

  afterEach(async () => {
    await proxy.close();
    await wxRequest.settled();
    configure({});
    jest.restoreAllMocks();
  });

  const failure = (promise: Promise<unknown>) => rejectionDetail(promise, PhoneExchangeError);

  it('POSTs { code } as JSON to the endpoint and resolves with the DTO', async () => {
    await expect(exchangePhoneCode(OK, { endpoint: proxy.url })).resolves.toEqual(successBody());
    expect(proxy.requests).toHaveLength(1);
    const [request] = proxy.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/phone');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ code: 'code-123' });
  });

  it('sends the nonce beside the code: the per-call one, else the global one', async () => {
    configure({ endpoint: proxy.url, nonce: 'global-nonce' });
    await exchangePhoneCode(OK);
    await exchangePhoneCode(OK, { nonce: 'session 7f3a:~' });
    expect(proxy.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([
      { code: 'code-123', nonce: 'global-nonce' },
      { code: 'code-123', nonce: 'session 7f3a:~' },
    ]);
  });

  it('resolves with the assertion when the proxy sent one', async () => {
    reply = { status: 200, body: { ...successBody(), assertion: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' } };
    const result = await exchangePhoneCode(OK, { endpoint: proxy.url, nonce: 'n-1' });
    expect(result).toEqual({ ...successBody(), assertion: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' });
  });

  it("keeps the fields an app's own server added (onPhone) as extra, and nothing else", async () => {
    reply = { status: 200, body: { ...successBody(), upstreamRequestId: 'up-1', session: { token: 's-1' }, isNewUser: true } };
    const result = await exchangePhoneCode(OK, { endpoint: proxy.url });
    expect(result).toEqual({ ...successBody(), extra: { session: { token: 's-1' }, isNewUser: true } });
    reply = { status: 200, body: { ...successBody(), upstreamRequestId: 'up-2' } };
    expect(await exchangePhoneCode(OK, { endpoint: proxy.url })).not.toHaveProperty('extra');
  });

  it.each([null, 42, '', { token: 'x' }])('rejects a success whose assertion is %p as invalid-response', async (assertion) => {
    reply = { status: 200, body: { ...successBody(), assertion } };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toMatchObject({ reason: 'invalid-response', statusCode: 200 });
  });

  it('rejects as network when wx.request throws instead of calling fail', async () => {
    jest.spyOn(wx, 'request').mockImplementation(() => {
      throw new Error('request:fail invalid url');
    });
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toEqual({
      reason: 'network',
      message: expect.any(String),
      errMsg: 'request:fail invalid url',
    });
  });

  it('turns a numeric countryCode into a string', async () => {
    reply = { status: 200, body: successBody({ countryCode: 86 }) };
    const result = await exchangePhoneCode(OK, { endpoint: proxy.url });
    expect(result.data.countryCode).toBe('86');
  });

  it('falls back to configure() and merges the headers of both', async () => {
    configure({ endpoint: proxy.url, header: { 'x-app': 'demo', 'x-both': 'global' } });
    await exchangePhoneCode(OK, { header: { authorization: 'Bearer page-token', 'x-both': 'call' } });
    expect(proxy.requests[0].headers).toMatchObject({ 'x-app': 'demo', authorization: 'Bearer page-token', 'x-both': 'call' });
  });

  it('passes the timeout to wx.request: the per-call one, else the global one, else 10000', async () => {
    configure({ endpoint: proxy.url });
    await exchangePhoneCode(OK);
    configure({ endpoint: proxy.url, timeout: 3000 });
    await exchangePhoneCode(OK);
    await exchangePhoneCode(OK, { timeout: 1500 });
    expect(wxRequest.spy.mock.calls.map(([options]) => options.timeout)).toEqual([DEFAULT_TIMEOUT, 3000, 1500]);
  });

  it('rejects with the proxy error envelope of an HTTP 4xx as rejected', async () => {
    const envelope = { statusCode: 422, message: 'The phone code is invalid or expired', error: 'CODE_REJECTED', apiCode: 40029, requestId: 'req-9' };
    reply = { status: 422, body: envelope };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toEqual({
      reason: 'rejected',
      message: envelope.message,
      statusCode: 422,
      error: 'CODE_REJECTED',
      apiCode: 40029,
      requestId: 'req-9',
    });
  });

  it('passes on how long to wait when the proxy says RATE_LIMITED', async () => {
    reply = {
      status: 429,
      body: { statusCode: 429, message: 'Too many requests, retry later', error: 'RATE_LIMITED', requestId: 'req-7', retryAfter: 42 },
    };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toMatchObject({
      reason: 'rejected',
      error: 'RATE_LIMITED',
      statusCode: 429,
      retryAfter: 42,
    });
  });

  it.each([-1, 0, 1.5, 86_400, '42'])('leaves out a retryAfter of %p, and any with another error', async (retryAfter) => {
    reply = { status: 429, body: { statusCode: 429, message: 'Too many', error: 'RATE_LIMITED', retryAfter } };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).not.toHaveProperty('retryAfter');
    reply = { status: 503, body: { statusCode: 503, message: 'Busy', error: 'UPSTREAM_UNAVAILABLE', retryAfter: 5 } };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).not.toHaveProperty('retryAfter');
  });

  it('rejects with the proxy error envelope of an HTTP 5xx as rejected, with the HTTP status', async () => {
    reply = { status: 503, body: { statusCode: 503, message: 'Try again later', error: 'UPSTREAM_UNAVAILABLE', requestId: 'req-5' } };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toEqual({
      reason: 'rejected',
      message: 'Try again later',
      statusCode: 503,
      error: 'UPSTREAM_UNAVAILABLE',
      requestId: 'req-5',
    });
  });

  it.each<[string, Reply]>([
    ['a malformed JSON body', { status: 200, body: '{"statusCode":200,"data":' }],
    ['an HTML error page', { status: 502, body: '<html>Bad Gateway</html>' }],
    ['a success without data.phoneNumber', { status: 200, body: { statusCode: 200, message: 'ok', data: {} } }],
    ['a success body on an HTTP error', { status: 500, body: successBody() }],
    ['an error statusCode in a 200 body', { status: 200, body: { ...successBody(), statusCode: 500 } }],
  ])('rejects %s as invalid-response', async (_, answer) => {
    reply = answer;
    const detail = await failure(exchangePhoneCode(OK, { endpoint: proxy.url }));
    expect(detail).toMatchObject({ reason: 'invalid-response', statusCode: answer.status });
    expect(detail.error).toBeUndefined();
  });

  it('rejects with timeout when no answer comes within the timeout, after one retry of the same code', async () => {
    reply = 'hang';
    const detail = await failure(exchangePhoneCode(OK, { endpoint: proxy.url, timeout: 50 }));
    expect(detail).toEqual({ reason: 'timeout', message: expect.stringContaining('50 ms'), errMsg: 'request:fail timeout', errno: 5 });
    expect(proxy.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([{ code: 'code-123' }, { code: 'code-123' }]);
  });

  it('rejects with network when nothing listens', async () => {
    const detail = await failure(exchangePhoneCode(OK, { endpoint: await closedEndpoint() }));
    expect(detail).toMatchObject({ reason: 'network', errMsg: expect.stringMatching(/^request:fail /), errno: 600001 });
  });

  it('classifies the WeChat detail first and sends nothing when there is no code', async () => {
    const detail = await failure(exchangePhoneCode({ errMsg: 'getPhoneNumber:fail user deny' }, { endpoint: proxy.url }));
    expect(detail.reason).toBe('denied');
    expect(wxRequest.spy).not.toHaveBeenCalled();
  });

  it.each<[string, Reply]>([
    ['rejected', { status: 422, body: { statusCode: 422, message: 'rejected', error: 'CODE_REJECTED' } }],
    ['invalid-response', { status: 500, body: successBody() }],
  ])('keeps the code and the phone number out of the error (%s)', async (reason, answer) => {
    reply = answer;
    const error = await exchangePhoneCode(OK, { endpoint: proxy.url }).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(PhoneExchangeError);
    expect((error as InstanceType<typeof PhoneExchangeError>).reason).toBe(reason);
    const everything = `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)}`;
    expect(everything).not.toContain('code-123');
    expect(everything).not.toContain('13800138000');
  });

  it("reports a host framework's 404 (no proxy envelope) as misconfigured, naming the path", async () => {
    reply = { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Route POST:/phon not found' } };
    expect(await failure(exchangePhoneCode(OK, { endpoint: `${proxy.url}/phon` }))).toEqual({
      reason: 'misconfigured',
      message: `Nothing answers at ${new URL(proxy.url).pathname}/phon (HTTP 404): check the endpoint path against the proxy's route (PHONE_ROUTE_PATH, default /phone)`,
      statusCode: 404,
    });
  });

  it('reports another error body that is not the proxy envelope as invalid-response', async () => {
    reply = { status: 502, body: { statusCode: 502, error: 'Bad Gateway', message: 'upstream down' } };
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toEqual({
      reason: 'invalid-response',
      message: expect.stringContaining('502'),
      statusCode: 502,
    });
  });

  it('sends one Content-Type, application/json, whatever the page header says', async () => {
    const request = jest.spyOn(wx, 'request');
    await exchangePhoneCode(OK, { endpoint: proxy.url, header: { 'Content-Type': 'text/plain', 'x-app': 'demo' } });
    expect(request.mock.calls[0][0].header).toEqual({ 'x-app': 'demo', 'content-type': 'application/json' });
    expect(proxy.requests[0].headers['content-type']).toBe('application/json');
  });
});
