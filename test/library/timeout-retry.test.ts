// After a timeout (wx.request's own, or the proxy's UPSTREAM_TIMEOUT) the library sends the very same code once more,
// within the code's life, and only then reports the failure: the proxy de-duplicates codes, so the retry gets the answer
// Authing gave meanwhile instead of a second Authing call. Every other failure is reported at once, never retried.
import { closedEndpoint, type LoopbackProxy, type ReceivedRequest, type Reply, startLoopbackProxy, successBody } from '../helpers/loopback-proxy';
import { rejectionDetail } from '../helpers/rejection';
import { TARGETS } from '../helpers/targets';
import { installWxRequestOverHttp } from '../helpers/wx-request-over-http';

const OK = { errMsg: 'getPhoneNumber:ok', code: 'code-123' };
const PROXY_TIMEOUT: Reply = {
  status: 504,
  body: { statusCode: 504, message: 'Identity provider did not answer in time', error: 'UPSTREAM_TIMEOUT', requestId: 'r-1' },
};
/** WeChat's phone code life: 5 minutes. */
const CODE_LIFE_MS = 5 * 60 * 1000;

describe.each(TARGETS)('$name: one retry after a timeout', (target) => {
  const { exchangePhoneCode, sendPhoneCode, PhoneExchangeError } = target.library();
  let proxy: LoopbackProxy;
  /** The answers in order, one per request; the last repeats. */
  let replies: Array<Reply | 'hang'>;
  let onRequest: (request: ReceivedRequest) => void;
  let wxRequest: ReturnType<typeof installWxRequestOverHttp>;

  beforeEach(async () => {
    onRequest = () => undefined;
    proxy = await startLoopbackProxy((request) => {
      onRequest(request);
      return replies[Math.min(proxy.requests.length - 1, replies.length - 1)];
    });
    wxRequest = installWxRequestOverHttp();
  });

  afterEach(async () => {
    await proxy.close();
    await wxRequest.settled();
    jest.restoreAllMocks();
  });

  const failure = (promise: Promise<unknown>) => rejectionDetail(promise, PhoneExchangeError);
  const sentCodes = () => proxy.requests.map((request) => (JSON.parse(request.body) as { code: string }).code);

  it('a wx.request timeout is retried with the same code; the retry’s answer is the result', async () => {
    replies = ['hang', { status: 200, body: successBody() }];
    await expect(exchangePhoneCode(OK, { endpoint: proxy.url, timeout: 80 })).resolves.toEqual(successBody());
    expect(sentCodes()).toEqual(['code-123', 'code-123']);
  });

  it("the proxy's UPSTREAM_TIMEOUT is retried with the same code: the late answer the proxy kept is the result", async () => {
    replies = [PROXY_TIMEOUT, { status: 200, body: successBody() }];
    await expect(sendPhoneCode('code-123', { endpoint: proxy.url, nonce: 'n-1' })).resolves.toEqual(successBody());
    expect(proxy.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([
      { code: 'code-123', nonce: 'n-1' },
      { code: 'code-123', nonce: 'n-1' },
    ]);
  });

  it('a second UPSTREAM_TIMEOUT is reported as it came: once only', async () => {
    replies = [PROXY_TIMEOUT];
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url }))).toMatchObject({
      reason: 'rejected',
      statusCode: 504,
      error: 'UPSTREAM_TIMEOUT',
    });
    expect(sentCodes()).toEqual(['code-123', 'code-123']);
  });

  it.each<[string, Reply]>([
    ['UPSTREAM_UNAVAILABLE (nothing sent)', { status: 503, body: { statusCode: 503, message: 'busy', error: 'UPSTREAM_UNAVAILABLE' } }],
    ['CODE_REJECTED', { status: 422, body: { statusCode: 422, message: 'rejected', error: 'CODE_REJECTED' } }],
    ['RATE_LIMITED', { status: 429, body: { statusCode: 429, message: 'slow down', error: 'RATE_LIMITED', retryAfter: 30 } }],
    ['an invalid response', { status: 502, body: '<html>bad gateway</html>' }],
  ])('%s is reported at once, never retried', async (_name, reply) => {
    replies = [reply, { status: 200, body: successBody() }];
    await expect(exchangePhoneCode(OK, { endpoint: proxy.url })).rejects.toBeInstanceOf(PhoneExchangeError);
    expect(proxy.requests).toHaveLength(1);
  });

  it('a network failure is reported at once, never retried', async () => {
    expect(await failure(exchangePhoneCode(OK, { endpoint: await closedEndpoint() }))).toMatchObject({ reason: 'network' });
    expect(wxRequest.spy).toHaveBeenCalledTimes(1);
  });

  it("no retry that would end past the code's life: the timeout is reported", async () => {
    let clock = 1_700_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    replies = ['hang'];
    // The first answer is awaited so long that a retry (up to `timeout` more) would outlive the code.
    onRequest = () => (clock += CODE_LIFE_MS - 60);
    expect(await failure(exchangePhoneCode(OK, { endpoint: proxy.url, timeout: 80 }))).toMatchObject({ reason: 'timeout' });
    expect(proxy.requests).toHaveLength(1);
  });
});
