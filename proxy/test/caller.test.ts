// Referer allow-list (wx.request's fixed servicewechat.com Referer), devtools, and H5 callers through CORS.
import { callerFromHeaders } from '../src/guards/caller';
import { startStack, refererFor, type Stack } from './helpers';

const ALLOWED = 'wx1234567890abcdef';
const OTHER = 'wxfedcba0987654321';
const H5 = 'https://h5.example.com';

describe('with an allow-list', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { allowedAppIds: [ALLOWED], corsOrigins: [H5] } });
  });
  afterAll(() => stack.close());

  it.each([
    ['a release build', refererFor(ALLOWED, 12)],
    ['a develop/trial build (version 0)', refererFor(ALLOWED, 0)],
  ])('%s of an allowed appid passes', async (_name, referer) => {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, { referer });
    expect(answer.status).toBe(200);
  });

  it.each([
    ['another appid', refererFor(OTHER, 1), undefined],
    ['the developer tool (not allowed here)', refererFor(ALLOWED, 'devtools'), undefined],
    ['no Referer', undefined, undefined],
    ['a look-alike host', `https://servicewechat.com.evil.example/${ALLOWED}/1/page-frame.html`, undefined],
    ['http instead of https', `http://servicewechat.com/${ALLOWED}/1/page-frame.html`, undefined],
    ['another page', `https://servicewechat.com/${ALLOWED}/1/index.html`, undefined],
    ['an odd version', `https://servicewechat.com/${ALLOWED}/beta/page-frame.html`, undefined],
    ['an H5 origin not allowed by CORS', undefined, 'https://evil.example'],
  ])('%s -> 403 ORIGIN_FORBIDDEN without an upstream call', async (_name, referer: string | undefined, origin: string | undefined) => {
    const before = stack.sandbox.calls;
    const headers: Record<string, string> = {};
    if (referer) headers.referer = referer;
    if (origin) headers.origin = origin;
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, headers);
    expect(answer).toMatchObject({ status: 403, body: { statusCode: 403, error: 'ORIGIN_FORBIDDEN' } });
    expect(stack.sandbox.calls).toBe(before);
  });

  it('an H5 caller from an allowed CORS origin passes and gets CORS headers', async () => {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, { origin: H5 });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(H5);
    expect(answer.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('answers the CORS preflight for an allowed origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.proxy.url}/phone`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight(H5);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(H5);
    const denied = await preflight('https://evil.example');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });
});

it('allowDevtools lets the developer tool through', async () => {
  const stack = await startStack({ proxy: { allowedAppIds: [ALLOWED], allowDevtools: true } });
  try {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, { referer: refererFor(ALLOWED, 'devtools') });
    expect(answer.status).toBe(200);
    const other = await stack.post({ code: stack.sandbox.mintCode() }, { referer: refererFor(OTHER, 'devtools') });
    expect(other.status).toBe(403);
  } finally {
    await stack.close();
  }
});

it('without an allow-list every caller passes', async () => {
  const stack = await startStack();
  try {
    const answer = await stack.post({ code: stack.sandbox.mintCode() }, { referer: refererFor(OTHER, 'devtools') });
    expect(answer.status).toBe(200);
  } finally {
    await stack.close();
  }
});

describe('callerFromHeaders', () => {
  it.each([
    ['an appid longer than 32 characters', refererFor('wx'.padEnd(40, '0'))],
    ['an appid with other characters', 'https://servicewechat.com/wx%22%7D/1/page-frame.html'],
  ])('names no appid for %s (it could end up in a signed claim)', (_name, referer) => {
    expect(callerFromHeaders({ referer }, '127.0.0.1')).toEqual({ rateLimitKey: '127.0.0.1', unidentified: 'malformed-referer' });
  });

  it("keeps the developer tool's tourist appid", () => {
    expect(callerFromHeaders({ referer: refererFor('touristappid', 'devtools') }, '127.0.0.1')).toEqual({
      appId: 'touristappid',
      devtools: true,
      rateLimitKey: '127.0.0.1',
    });
  });
});
