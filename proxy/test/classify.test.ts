// Authing's answers, one by one, straight into the classifier: the shapes the sandbox does not produce.
import type { UpstreamOutcome } from '../src/contract/types';
import { classifyResponse } from '../src/exchange/classify';

const CODE = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';
const PHONE = { phoneNumber: '+8613812348000', purePhoneNumber: '13812348000', countryCode: '86' };

const answer = (status: number, body: unknown, retryAfter?: string): UpstreamOutcome =>
  classifyResponse({ status, retryAfter, body: JSON.stringify(body) }, CODE);

/** The error code an outcome carries, or 'ok'. */
const errorOf = (outcome: UpstreamOutcome): string => (outcome.ok ? 'ok' : outcome.failure.definition.error);

it.each<[string, string, number, unknown]>([
  ['HTTP 200 with body statusCode 429', 'RATE_LIMITED', 200, { statusCode: 429, message: 'Too many requests', apiCode: 429 }],
  [
    'a success envelope whose phone_info call failed: invalid code',
    'CODE_REJECTED',
    200,
    { statusCode: 200, data: { errcode: 40029, errmsg: 'invalid code' } },
  ],
  [
    'a success envelope whose call failed: code been used',
    'CODE_REJECTED',
    200,
    { statusCode: 200, data: { errcode: 40163, errmsg: 'code been used' } },
  ],
  [
    'a success envelope whose call failed: quota',
    'RATE_LIMITED',
    200,
    { statusCode: 200, data: { errcode: 45011, errmsg: 'api minute-quota reach limit' } },
  ],
  ['602 with WeChat errmsg text only: code been used', 'CODE_REJECTED', 200, { statusCode: 602, message: 'code been used, rid: 6f1e-22' }],
  [
    '601 with a labelled errcode in the message',
    'CODE_REJECTED',
    200,
    { statusCode: 601, message: 'request failed: errcode: 40029, errmsg: invalid code' },
  ],
  ['601 with a labelled busy errcode', 'UPSTREAM_UNAVAILABLE', 200, { statusCode: 601, message: 'errcode=-1 system error' }],
])('%s -> %s', (_, expected, status, body) => {
  expect(errorOf(answer(status, body))).toBe(expected);
});

it('reads the phone_info success shape', () => {
  const outcome = answer(200, { statusCode: 200, message: 'ok', requestId: 'r-1', data: { errcode: 0, errmsg: 'ok', phone_info: PHONE } });
  expect(outcome).toEqual({ ok: true, phone: PHONE, upstreamRequestId: 'r-1' });
});

it.each<[string | undefined, number]>([
  ['7', 7],
  [undefined, 60],
  ['soon', 60],
  ['0', 60],
  ['99999', 60],
])("passes Authing's Retry-After %p on as %p seconds when it is a sane number", (header, seconds) => {
  const outcome = answer(429, { statusCode: 429, message: 'Too many requests' }, header);
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.failure.retryAfterSeconds).toBe(seconds);
});

it('keeps the code out of the upstream message it logs', () => {
  const outcome = answer(200, { statusCode: 602, message: `invalid code ${CODE}, rid: 1` });
  expect(JSON.stringify(outcome)).not.toContain(CODE);
  expect(errorOf(outcome)).toBe('CODE_REJECTED');
});
