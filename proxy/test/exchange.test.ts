// The exchange against the real sandbox: both success shapes and every upstream row of the error table.
import { startSandbox, type SandboxFault } from '../src/sandbox';
import { APP_ID, CONNECTION, startStack, type Stack } from './helpers';

describe('successful exchange', () => {
  it.each([
    ['phone_info', false],
    ['phone_info', true],
    ['flat', false],
    ['flat', true],
  ] as const)('answers the DTO from the %s shape (numeric countryCode: %s)', async (shape, numericCountryCode) => {
    const stack = await startStack({ sandbox: { shape, numericCountryCode } });
    try {
      const code = stack.sandbox.mintCode();
      const answer = await stack.post({ code });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        statusCode: 200,
        message: 'ok',
        requestId: answer.headers.get('x-request-id'),
        upstreamRequestId: expect.any(String),
        data: stack.sandbox.phoneFor(code),
      });
      expect((answer.body.data as { countryCode: unknown }).countryCode).toBe('86');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    } finally {
      await stack.close();
    }
  });

  it('identifies with the user pool id alone', async () => {
    const sandbox = await startSandbox({ userPoolId: 'pool-1' });
    const stack = await startStack({
      proxy: { authing: { appHost: sandbox.url, userPoolId: 'pool-1', extIdpConnidentifier: CONNECTION } },
    });
    try {
      const answer = await stack.post({ code: sandbox.mintCode() });
      expect(answer.status).toBe(200);
      expect(sandbox.calls).toBe(1);
      expect(stack.sandbox.calls).toBe(0);
    } finally {
      await stack.close();
      await sandbox.close();
    }
  });

  it('ignores extra body fields', async () => {
    const stack = await startStack();
    try {
      const answer = await stack.post({ code: stack.sandbox.mintCode(), scene: 'checkout' });
      expect(answer.status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

describe('upstream failures map to the error table', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sandbox: { strictCodes: true }, proxy: { upstreamTimeoutMs: 500 } });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.sandbox.clearFaults());

  const rows: Array<[string, SandboxFault, number, string]> = [
    ['WeChat 40029 (602)', { kind: 'wechat', statusCode: 602, errcode: 40029 }, 422, 'CODE_REJECTED'],
    ['WeChat 40029 (601)', { kind: 'wechat', statusCode: 601, errcode: 40029 }, 422, 'CODE_REJECTED'],
    ['WeChat 45011', { kind: 'wechat', statusCode: 602, errcode: 45011 }, 429, 'RATE_LIMITED'],
    ['Authing throttled (HTTP 429)', { kind: 'throttled' }, 429, 'RATE_LIMITED'],
    ['WeChat -1 system busy', { kind: 'wechat', statusCode: 601, errcode: -1 }, 503, 'UPSTREAM_UNAVAILABLE'],
    ['WeChat 40013 invalid appid', { kind: 'wechat', statusCode: 602, errcode: 40013 }, 500, 'MISCONFIGURED'],
    ['WeChat unknown errcode', { kind: 'wechat', statusCode: 602, errcode: 41234 }, 502, 'UPSTREAM_ERROR'],
    ['HTTP 502 with envelope', { kind: 'http-status', status: 502 }, 503, 'UPSTREAM_UNAVAILABLE'],
    ['HTTP 500 with envelope', { kind: 'http-status', status: 500 }, 503, 'UPSTREAM_UNAVAILABLE'],
    ['nginx HTML 504', { kind: 'html', status: 504 }, 503, 'UPSTREAM_UNAVAILABLE'],
    ['nginx HTML 400', { kind: 'html', status: 400 }, 502, 'UPSTREAM_ERROR'],
    ['truncated JSON', { kind: 'malformed' }, 502, 'UPSTREAM_ERROR'],
    ['connection reset mid-body', { kind: 'reset' }, 503, 'UPSTREAM_UNAVAILABLE'],
    ['HTTP 404', { kind: 'http-status', status: 404 }, 500, 'MISCONFIGURED'],
    ['envelope 503', { kind: 'envelope', statusCode: 503 }, 503, 'UPSTREAM_UNAVAILABLE'],
    ['envelope 400', { kind: 'envelope', statusCode: 400 }, 502, 'UPSTREAM_ERROR'],
    ['envelope 401', { kind: 'envelope', statusCode: 401 }, 500, 'MISCONFIGURED'],
    ['apiCode 2011 app not found', { kind: 'envelope', statusCode: 400, apiCode: 2011 }, 500, 'MISCONFIGURED'],
    ['apiCode 2224 user pool not found', { kind: 'envelope', statusCode: 400, apiCode: 2224 }, 500, 'MISCONFIGURED'],
    ['latency beyond the timeout', { kind: 'latency', ms: 1500 }, 504, 'UPSTREAM_TIMEOUT'],
  ];

  it.each(rows)('%s (%j) -> %i %s', async (_name, fault, status, error) => {
    stack.sandbox.inject(fault);
    const answer = await stack.post({ code: stack.sandbox.mintCode() });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ statusCode: status, error, requestId: answer.headers.get('x-request-id') });
    expect(typeof answer.body.message).toBe('string');
    // Upstream wording never reaches the client.
    expect(JSON.stringify(answer.body)).not.toMatch(/rid:|nginx|sandbox failure|<html/i);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    if (status === 429) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps Authing requestId and apiCode in failures', async () => {
    stack.sandbox.inject({ kind: 'envelope', statusCode: 400, apiCode: 2011, message: '应用不存在' });
    const answer = await stack.post({ code: stack.sandbox.mintCode() });
    expect(answer.body).toMatchObject({ error: 'MISCONFIGURED', apiCode: 2011, upstreamRequestId: expect.any(String) });
    expect(JSON.stringify(answer.body)).not.toContain('应用不存在');
  });

  it('a code the sandbox never minted is rejected (422)', async () => {
    const answer = await stack.post({ code: 'a'.repeat(64) });
    expect(answer).toMatchObject({ status: 422, body: { error: 'CODE_REJECTED' } });
  });

  it('an unknown route is a 404 envelope', async () => {
    const response = await fetch(`${stack.proxy.url}/nope`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'NOT_FOUND' });
  });
});

describe('misconfiguration detected by the real sandbox', () => {
  it.each([
    ['a wrong app id', { appId: 'other-app' }, 2011],
    ['a wrong connection identifier', { extIdpConnidentifier: 'other-connection' }, undefined],
  ])('%s -> 500 MISCONFIGURED', async (_name, override, apiCode) => {
    const sandbox = await startSandbox({ appId: APP_ID });
    const stack = await startStack({
      proxy: { authing: { appHost: sandbox.url, appId: APP_ID, extIdpConnidentifier: CONNECTION, ...override } },
    });
    try {
      const code = sandbox.mintCode();
      const answer = await stack.post({ code });
      expect(answer).toMatchObject({ status: 500, body: { error: 'MISCONFIGURED' } });
      expect(answer.body.apiCode).toBe(apiCode);
      // Remembered like every upstream answer: a repeat gets the same answer and never reaches Authing.
      expect(await stack.post({ code })).toMatchObject({ status: 500, body: { error: 'MISCONFIGURED' } });
      expect(sandbox.callsFor(code)).toBe(1);
    } finally {
      await stack.close();
      await sandbox.close();
    }
  });
});
