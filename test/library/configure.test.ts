import type { PhoneClientOptions } from '../../src/index';
import { successBody } from '../helpers/loopback-proxy';
import { rejectionDetail } from '../helpers/rejection';
import { TARGETS } from '../helpers/targets';
import { requestSuccess } from '../helpers/wx-request-over-http';

/** Answers every wx.request with the proxy's success DTO, recording the options it was called with. */
function answerEveryRequest() {
  return jest.spyOn(wx, 'request').mockImplementation((options) => {
    options.success?.(requestSuccess(200, successBody()));
    return {} as WechatMiniprogram.RequestTask;
  });
}

const BAD_OPTIONS: [string, unknown][] = [
  ['options not an object', null],
  ['endpoint not a URL', { endpoint: 'phone-proxy.example.com' }],
  ['endpoint of another scheme', { endpoint: 'ftp://example.com/phone' }],
  ['endpoint empty', { endpoint: '' }],
  ['timeout zero', { timeout: 0 }],
  ['timeout negative', { timeout: -1 }],
  ['timeout not finite', { timeout: Number.NaN }],
  ['timeout as a string', { timeout: '100' }],
  ['timeout beyond what setTimeout can wait', { timeout: 2147483648 }],
  ['header with a number value', { header: { 'x-n': 1 } }],
  ['header as an array', { header: ['x'] }],
  ['transport unknown', { transport: 'http' }],
  ['cloud transport without name', { transport: { type: 'cloud' } }],
  ['cloud transport with empty name', { transport: { type: 'cloud', name: '' } }],
  ['cloud transport with empty env', { transport: { type: 'cloud', name: 'fn', env: '' } }],
  ['container transport without service', { transport: { type: 'container' } }],
  ['container transport with empty service', { transport: { type: 'container', service: '' } }],
  ['container transport with empty env', { transport: { type: 'container', service: 'svc', env: '' } }],
  ['container transport with a path not starting with /', { transport: { type: 'container', service: 'svc', path: 'phone' } }],
  ['nonce empty', { nonce: '' }],
  ['nonce longer than 128', { nonce: 'n'.repeat(129) }],
  ['nonce with a non-ASCII character', { nonce: 'nonce-é' }],
  ['nonce with a control character', { nonce: 'nonce\n' }],
  ['nonce as a number', { nonce: 7 }],
];

describe.each(TARGETS)('$name: configure', (target) => {
  const { configure, sendPhoneCode, PhoneExchangeError, DEFAULT_TIMEOUT } = target.library();

  afterEach(() => {
    configure({});
    jest.restoreAllMocks();
  });

  it.each(BAD_OPTIONS)('rejects %s with a TypeError and keeps the previous defaults', async (_, bad) => {
    configure({ endpoint: 'https://kept.example.com/phone', timeout: 1234 });
    expect(() => configure(bad as PhoneClientOptions)).toThrow(TypeError);

    const request = answerEveryRequest();
    await sendPhoneCode('code-1');
    expect(request.mock.calls[0][0]).toMatchObject({ url: 'https://kept.example.com/phone', timeout: 1234 });
  });

  it.each(BAD_OPTIONS)('rejects per-call %s before sending anything', async (_, bad) => {
    configure({ endpoint: 'https://kept.example.com/phone' });
    const request = answerEveryRequest();
    const detail = await rejectionDetail(sendPhoneCode('code-1', bad as PhoneClientOptions), PhoneExchangeError);
    expect(detail.reason).toBe('misconfigured');
    expect(request).not.toHaveBeenCalled();
  });

  it('replaces the previous defaults as a whole', async () => {
    configure({ endpoint: 'https://a.example.com/phone', header: { 'x-app': 'demo' }, timeout: 500 });
    configure({ endpoint: 'https://b.example.com/phone' });
    const request = answerEveryRequest();
    await sendPhoneCode('code-1');
    const sent = request.mock.calls[0][0];
    expect(sent.url).toBe('https://b.example.com/phone');
    expect(sent.timeout).toBe(DEFAULT_TIMEOUT);
    expect(sent.header).toEqual({ 'content-type': 'application/json' });
  });

  it('keeps its own copy of the header', async () => {
    const header = { authorization: 'Bearer one' };
    configure({ endpoint: 'https://a.example.com/phone', header });
    header.authorization = 'Bearer two';
    const request = answerEveryRequest();
    await sendPhoneCode('code-1');
    expect(request.mock.calls[0][0].header).toMatchObject({ authorization: 'Bearer one' });
  });

  it('keeps its own copy of the cloud transport, checked once and for all', async () => {
    const transport = { type: 'cloud' as const, name: 'getPhoneNumber' };
    configure({ transport });
    transport.name = '';
    const callFunction = jest.fn((options: { name: string; success: (res: { result: unknown }) => void }) =>
      options.success({ result: successBody() }),
    );
    Object.assign(wx, { cloud: { callFunction } });
    try {
      await sendPhoneCode('code-1');
    } finally {
      Object.assign(wx, { cloud: undefined });
    }
    expect(callFunction.mock.calls[0][0].name).toBe('getPhoneNumber');
  });

  it('rejects as misconfigured and sends nothing when no endpoint is configured', async () => {
    const request = answerEveryRequest();
    const detail = await rejectionDetail(sendPhoneCode('code-1'), PhoneExchangeError);
    expect(detail).toEqual({ reason: 'misconfigured', message: expect.stringMatching(/endpoint/) });
    await expect(sendPhoneCode('', { endpoint: 'https://a.example.com/phone' })).rejects.toThrow(TypeError);
    expect(request).not.toHaveBeenCalled();
  });
});
