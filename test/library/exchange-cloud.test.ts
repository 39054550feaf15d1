import { successBody } from '../helpers/loopback-proxy';
import { rejectionDetail } from '../helpers/rejection';
import { TARGETS } from '../helpers/targets';

type CallFunctionOptions = {
  name: string;
  data: unknown;
  config?: { env?: string };
  success?: (res: { result: unknown; errMsg: string }) => void;
  fail?: (failure: { errMsg: string; errCode?: number }) => void;
};

/** wx.cloud is undefined in miniprogram-simulate: install one whose callFunction does what the test says. */
function installCloud(behave: (options: CallFunctionOptions) => void) {
  const callFunction = jest.fn(behave);
  Object.assign(wx, { cloud: { callFunction } });
  return callFunction;
}

const OK = { errMsg: 'getPhoneNumber:ok', code: 'code-123' };
const CLOUD = { type: 'cloud', name: 'getPhoneNumber', env: 'prod-1a2b' } as const;

describe.each(TARGETS)('$name: exchangePhoneCode over wx.cloud.callFunction', (target) => {
  const { configure, exchangePhoneCode, PhoneExchangeError } = target.library();

  afterEach(() => {
    Object.assign(wx, { cloud: undefined });
    configure({});
  });

  const failure = (promise: Promise<unknown>) => rejectionDetail(promise, PhoneExchangeError);

  it('calls the function with { code } in its env and resolves with the DTO in result', async () => {
    const callFunction = installCloud(({ success }) => success?.({ result: successBody({ countryCode: 86 }), errMsg: 'cloud.callFunction:ok' }));
    const result = await exchangePhoneCode(OK, { transport: CLOUD });
    expect(result).toEqual(successBody({ countryCode: '86' }));
    expect(callFunction).toHaveBeenCalledTimes(1);
    expect(callFunction.mock.calls[0][0]).toMatchObject({ name: 'getPhoneNumber', data: { code: 'code-123' }, config: { env: 'prod-1a2b' } });
  });

  it('sends the nonce in data beside the code', async () => {
    const callFunction = installCloud(({ success }) => success?.({ result: successBody(), errMsg: 'cloud.callFunction:ok' }));
    await exchangePhoneCode(OK, { transport: CLOUD, nonce: 'n-42' });
    expect(callFunction.mock.calls[0][0].data).toEqual({ code: 'code-123', nonce: 'n-42' });
  });

  it('uses the transport from configure() and leaves the env to wx.cloud.init() when none is given', async () => {
    const callFunction = installCloud(({ success }) => success?.({ result: successBody(), errMsg: 'cloud.callFunction:ok' }));
    configure({ transport: { type: 'cloud', name: 'phone' } });
    await exchangePhoneCode(OK);
    expect(callFunction.mock.calls[0][0].name).toBe('phone');
    expect(callFunction.mock.calls[0][0]).not.toHaveProperty('config');
  });

  it('rejects an error envelope in result as rejected, with its statusCode', async () => {
    const envelope = { statusCode: 429, message: 'Too many requests', error: 'RATE_LIMITED', requestId: 'req-7' };
    installCloud(({ success }) => success?.({ result: envelope, errMsg: 'cloud.callFunction:ok' }));
    expect(await failure(exchangePhoneCode(OK, { transport: CLOUD }))).toEqual({ reason: 'rejected', ...envelope });
  });

  it.each([undefined, 'not json', { statusCode: 200, data: { purePhoneNumber: '13800138000' } }])(
    'rejects result %p as invalid-response',
    async (result) => {
      installCloud(({ success }) => success?.({ result, errMsg: 'cloud.callFunction:ok' }));
      expect((await failure(exchangePhoneCode(OK, { transport: CLOUD }))).reason).toBe('invalid-response');
    },
  );

  it('classifies a failed call: timeout when its errMsg says so, network otherwise', async () => {
    installCloud(({ fail }) => fail?.({ errMsg: 'cloud.callFunction:fail request timeout', errCode: -501001 }));
    expect(await failure(exchangePhoneCode(OK, { transport: CLOUD }))).toMatchObject({ reason: 'timeout', errno: -501001 });
    installCloud(({ fail }) =>
      fail?.({ errMsg: 'cloud.callFunction:fail Error: errCode: -504003 | errMsg: Invoking task timed out after 3 seconds', errCode: -504003 }),
    );
    expect(await failure(exchangePhoneCode(OK, { transport: CLOUD }))).toMatchObject({ reason: 'timeout', errno: -504003 });
    installCloud(({ fail }) => fail?.({ errMsg: 'cloud.callFunction:fail FunctionName parameter could not be found', errCode: -501000 }));
    expect(await failure(exchangePhoneCode(OK, { transport: CLOUD }))).toEqual({
      reason: 'network',
      message: expect.any(String),
      errMsg: 'cloud.callFunction:fail FunctionName parameter could not be found',
      errno: -501000,
    });
  });

  it('enforces the timeout itself, and a late answer is harmless', async () => {
    let answerLate: (() => void) | undefined;
    installCloud(({ success }) => {
      answerLate = () => success?.({ result: successBody(), errMsg: 'cloud.callFunction:ok' });
    });
    expect((await failure(exchangePhoneCode(OK, { transport: CLOUD, timeout: 30 }))).reason).toBe('timeout');
    expect(answerLate).toBeDefined();
    expect(() => answerLate?.()).not.toThrow();
  });

  describe('leaves no timer behind', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it.each<[string, (options: CallFunctionOptions) => void]>([
      ['an answer', ({ success }) => success?.({ result: successBody(), errMsg: 'cloud.callFunction:ok' })],
      ['a failure', ({ fail }) => fail?.({ errMsg: 'cloud.callFunction:fail internal error', errCode: -501000 })],
      [
        'a callFunction that throws',
        () => {
          throw new Error('cloud.callFunction:fail not initialized');
        },
      ],
    ])('after %s', async (_, behave) => {
      installCloud(behave);
      await exchangePhoneCode(OK, { transport: CLOUD }).catch(() => undefined);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  it('rejects as misconfigured when wx.cloud is missing', async () => {
    const detail = await rejectionDetail(exchangePhoneCode(OK, { transport: CLOUD }), PhoneExchangeError);
    expect(detail).toEqual({ reason: 'misconfigured', message: expect.stringMatching(/wx\.cloud/) });
  });
});
