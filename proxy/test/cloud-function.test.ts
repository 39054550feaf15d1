// The cloud function the way WeChat calls it: main(event, context) with the mini program's data plus the userInfo
// the platform injects; its result is the envelope the component reads. Upstream is the real sandbox on loopback.
import { ConfigError, createCloudFunction, loadConfigFromEnv } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { cloudFunctionsClosedAfterEach, LogCapture } from './helpers';

const APP = 'wxc10udf000000001';
const OTHER_APP = 'wxc10udf000000002';
/** What the platform adds to every event from a mini program (openids are 28 characters). */
const userInfo = (openId = 'oUSER0000000000000000000001', appId = APP) => ({ userInfo: { appId, openId } });
/** What the platform hands to main: the mini program's data, userInfo injected. */
const fromMiniProgram = (data: Record<string, unknown>, identity = userInfo()) => ({ ...data, ...identity });
const CONTEXT = { request_id: 'scf-request-1', function_name: 'getPhoneNumber' };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: 'test-app-id-6a1f', strictCodes: true });
});
afterAll(() => sandbox.close());
afterEach(() => sandbox.clearFaults());

/** A cloud function on the sandbox; closed after the test. */
const cloudFunction = cloudFunctionsClosedAfterEach(() => sandbox);

describe('an exchange', () => {
  it('answers the DTO with statusCode 200, the way the HTTP proxy does', async () => {
    const main = cloudFunction({ allowedAppIds: [APP] });
    const code = sandbox.mintCode();

    const result = await main(fromMiniProgram({ code }), CONTEXT);

    expect(result).toEqual({
      statusCode: 200,
      message: 'ok',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      upstreamRequestId: expect.any(String),
      data: sandbox.phoneFor(code),
    });
  });

  it('accepts a nonce beside the code', async () => {
    const main = cloudFunction();
    const code = sandbox.mintCode();
    expect(await main(fromMiniProgram({ code, nonce: 'n-0123456789' }))).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  });

  it('a warm container answers a repeated code from memory: one Authing call for three invocations', async () => {
    const main = cloudFunction();
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 150 });

    // Two at once (a double tap lands in one container), then one more later.
    const [first, second] = await Promise.all([main(fromMiniProgram({ code })), main(fromMiniProgram({ code }))]);
    const third = await main(fromMiniProgram({ code }));

    for (const result of [first, second, third]) expect(result).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
    expect(sandbox.callsFor(code)).toBe(1);
    const dedupe = await main.metrics.dedupeHits.get();
    expect(dedupe.values.map(({ labels, value }) => [labels.source, value]).sort()).toEqual([
      ['inflight', 1],
      ['remembered', 1],
    ]);
  });

  it('writes one summary log line per invocation, without the code or the full number', async () => {
    const logs = new LogCapture();
    const main = cloudFunction({ logger: { level: 'info', stream: logs } });
    const code = sandbox.mintCode();

    const result = await main(fromMiniProgram({ code }));

    const lines = logs.records().filter((line) => line.msg === 'phone exchange');
    expect(lines).toEqual([expect.objectContaining({ outcome: 'ok', reqId: result.requestId, codeHash: expect.any(String) })]);
    expect(logs.text).not.toContain(code);
    expect(logs.text).not.toContain(sandbox.phoneFor(code).purePhoneNumber);
  });
});

describe('what a caller can send is answered, never thrown', () => {
  it.each([
    ['no code', {}],
    ['a numeric code', { code: 123 }],
    ['an empty code', { code: '' }],
    ['a code with odd characters', { code: 'abc def' }],
    ['a code too long', { code: 'a'.repeat(129) }],
    ['a non-printable nonce', { code: 'a'.repeat(64), nonce: '\u0000' }],
  ])('%s -> INVALID_REQUEST 400', async (_name, data) => {
    const main = cloudFunction();
    const callsBefore = sandbox.calls;

    expect(await main(fromMiniProgram(data))).toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST', requestId: expect.any(String) });
    expect(sandbox.calls).toBe(callsBefore);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'a'.repeat(64)],
    ['a number', 42],
    ['an array', [{ code: 'a'.repeat(64) }]],
  ])('an event that is %s -> INVALID_REQUEST 400', async (_name, event) => {
    const main = cloudFunction();
    await expect(main(event)).resolves.toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST' });
  });

  it('an event whose fields throw when read -> INTERNAL_ERROR 500, still resolved', async () => {
    const main = cloudFunction();
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    await expect(main(hostile)).resolves.toMatchObject({ statusCode: 500, error: 'INTERNAL_ERROR' });
  });
});

describe("without a platform context, the caller is the event's userInfo", () => {
  it('an appid off the allow-list -> ORIGIN_FORBIDDEN 403, Authing not called', async () => {
    const main = cloudFunction({ allowedAppIds: [APP] });
    const callsBefore = sandbox.calls;

    const result = await main(fromMiniProgram({ code: sandbox.mintCode() }, userInfo(undefined, OTHER_APP)));

    expect(result).toMatchObject({ statusCode: 403, error: 'ORIGIN_FORBIDDEN', message: 'Caller not allowed' });
    expect(sandbox.calls).toBe(callsBefore);
  });

  it('with an allow-list, an event without userInfo (console test, timer, server SDK) -> ORIGIN_FORBIDDEN', async () => {
    const main = cloudFunction({ allowedAppIds: [APP] });
    expect(await main({ code: sandbox.mintCode() })).toMatchObject({ statusCode: 403, error: 'ORIGIN_FORBIDDEN' });
  });

  it('without an allow-list, an event without userInfo is exchanged (rate limited in one shared bucket)', async () => {
    const main = cloudFunction({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    expect(await main({ code: sandbox.mintCode() })).toMatchObject({ statusCode: 200 });
    expect(await main({ code: sandbox.mintCode(), userInfo: {} })).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
  });

  it('the rate limit counts per openid: two users have two budgets', async () => {
    const main = cloudFunction({ rateLimit: { max: 2, timeWindowMs: 60_000 } });
    const alice = userInfo('oALICE00000000000000000000001');
    const bob = userInfo('oBOB0000000000000000000000001');

    for (let i = 0; i < 2; i++) expect(await main(fromMiniProgram({ code: sandbox.mintCode() }, alice))).toMatchObject({ statusCode: 200 });
    const refused = sandbox.mintCode();
    const limited = await main(fromMiniProgram({ code: refused }, alice));
    // No headers here: the envelope says when to come back (whole seconds left in the 60 s window).
    expect(limited).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect((limited as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
    expect((limited as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(60);
    for (let i = 0; i < 2; i++) expect(await main(fromMiniProgram({ code: sandbox.mintCode() }, bob))).toMatchObject({ statusCode: 200 });
    // Counted once closed (close() waits for every call to Authing): a call sent in the background would have landed.
    await main.close();
    expect(sandbox.callsFor(refused)).toBe(0);
  });

  it('fields a client adds beside userInfo (openId, appId, openid, OPENID...) change nothing', async () => {
    const main = cloudFunction({ allowedAppIds: [APP], rateLimit: { max: 1, timeWindowMs: 60_000 } });
    const forged = { openId: 'oFORGED', openid: 'oFORGED', appId: APP, appid: APP, OPENID: 'oFORGED', APPID: APP };

    // The platform says OTHER_APP: whatever the data says, the allow-list refuses.
    expect(await main(fromMiniProgram({ code: sandbox.mintCode(), ...forged }, userInfo(undefined, OTHER_APP)))).toMatchObject({
      error: 'ORIGIN_FORBIDDEN',
    });
    // The platform says the same user twice: fresh openids in the data do not buy a second budget.
    expect(await main(fromMiniProgram({ code: sandbox.mintCode(), ...forged }))).toMatchObject({ statusCode: 200 });
    expect(await main(fromMiniProgram({ code: sandbox.mintCode(), ...forged, openId: 'oFORGED2' }))).toMatchObject({
      error: 'RATE_LIMITED',
    });
  });

  it('a userInfo of the wrong shape names nobody', async () => {
    const main = cloudFunction({ allowedAppIds: [APP] });
    for (const odd of [null, 'x', [APP], { appId: 42, openId: {} }, { appId: '', openId: '' }]) {
      expect(await main({ code: sandbox.mintCode(), userInfo: odd })).toMatchObject({ error: 'ORIGIN_FORBIDDEN' });
    }
  });
});

describe('upstream failures arrive in the same envelope', () => {
  it.each([
    ['a spent code', { kind: 'wechat', statusCode: 602, errcode: 40029 } as const, 422, 'CODE_REJECTED'],
    ['Authing down', { kind: 'reset' } as const, 503, 'UPSTREAM_UNAVAILABLE'],
    ['Authing slower than UPSTREAM_TIMEOUT_MS', { kind: 'latency', ms: 1500 } as const, 504, 'UPSTREAM_TIMEOUT'],
    ['an unexpected answer', { kind: 'malformed' } as const, 502, 'UPSTREAM_ERROR'],
    ['a wrong app id at Authing', { kind: 'envelope', statusCode: 400, apiCode: 2011 } as const, 500, 'MISCONFIGURED'],
  ])('%s (%j) -> %i %s', async (_name, fault, statusCode, error) => {
    const main = cloudFunction({ upstreamTimeoutMs: 300 });
    sandbox.inject(fault);

    const result = await main(fromMiniProgram({ code: sandbox.mintCode() }));

    expect(result).toMatchObject({ statusCode, error, message: expect.any(String), requestId: expect.any(String) });
    expect(JSON.stringify(result)).not.toMatch(/rid:|sandbox failure|<html/i);
  });

  it('after close(), an invocation is answered 503, not thrown', async () => {
    const main = cloudFunction();
    await main.close();
    await expect(main(fromMiniProgram({ code: sandbox.mintCode() }))).resolves.toMatchObject({ statusCode: 503, error: 'UPSTREAM_UNAVAILABLE' });
  });
});

describe('configuration', () => {
  it('is checked when the function is created (ConfigError naming the option)', () => {
    expect(() => createCloudFunction({ authing: { appHost: 'not a url', appId: 'a', extIdpConnidentifier: 'c' } })).toThrow(ConfigError);
    expect(() => createCloudFunction({ authing: { appHost: 'not a url', appId: 'a', extIdpConnidentifier: 'c' } })).toThrow(/authing\.appHost/);
  });

  it('takes loadConfigFromEnv() as the template does (host and port left out)', async () => {
    const { host, port, ...options } = loadConfigFromEnv({
      AUTHING_APP_HOST: sandbox.url,
      AUTHING_APP_ID: 'test-app-id-6a1f',
      AUTHING_EXT_IDP_CONNIDENTIFIER: 'wechat-miniprogram-sandbox',
      ALLOWED_APPIDS: APP,
      LOG_LEVEL: 'silent',
    });
    expect([host, port]).toEqual(['0.0.0.0', 8787]);
    const main = cloudFunction(options); // the environment's options, whole: they override the helper's
    const code = sandbox.mintCode();
    expect(await main(fromMiniProgram({ code }))).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  });
});
