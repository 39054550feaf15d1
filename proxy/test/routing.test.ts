// The HTTP layer around the exchange: which method and path reach what, the headers every answer carries, CORS,
// and answers sent before a body has fully arrived (which must end their connection).
import { request } from 'node:http';
import { createFetchHandler } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { authingFor, refererFor, startStack, type Stack } from './helpers';
import { send, type Answer } from './reliability/harness';

const ALLOWED = 'wx1234567890abcdef';
const H5 = 'https://h5.example.com';

const json = (answer: Answer): Record<string, unknown> => JSON.parse(answer.text) as Record<string, unknown>;

/** Our failure envelope with `error`, its request id also in x-request-id, and never cached. */
function expectFailure(answer: Answer, status: number, error: string): void {
  expect(answer.status).toBe(status);
  expect(json(answer)).toMatchObject({ statusCode: status, error, requestId: answer.headers['x-request-id'] });
  expect(answer.headers['cache-control']).toBe('no-store');
}

/**
 * POSTs headers declaring `declaredLength` bytes but sends only `sent`, then waits for the answer: it can only come
 * if the proxy answers without the rest of the body.
 */
function answerBeforeBodyEnds(baseUrl: string, headers: Record<string, string>, declaredLength: number, sent: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL('/phone', baseUrl), {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': declaredLength, ...headers },
    });
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        outgoing.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    outgoing.write(sent);
  });
}

describe('over HTTP, without CORS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it.each([
    ['GET', '/phone'],
    ['PUT', '/phone'],
    ['OPTIONS', '/phone'], // a preflight is answered only when CORS is configured
    ['GET', '/phone/'],
    ['POST', '/healthz'],
    ['DELETE', '/metrics'],
    ['GET', '/'],
  ])('%s %s -> 404 NOT_FOUND envelope, never reaching Authing', async (method, path) => {
    const before = stack.sandbox.calls;
    const answer = await send(stack.proxy.url, { method, path });
    expectFailure(answer, 404, 'NOT_FOUND');
    expect(answer.headers.vary).toBeUndefined();
    expect(stack.sandbox.calls).toBe(before);
  });

  it.each([
    ['/healthz', 'application/json'],
    ['/metrics', 'text/plain'],
  ])('HEAD %s -> 200 with the GET headers and no body', async (path, contentType) => {
    const answer = await send(stack.proxy.url, { method: 'HEAD', path });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain(contentType);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.text).toBe('');
  });

  it('a query string does not change the route', async () => {
    const code = stack.sandbox.mintCode();
    const answer = await send(stack.proxy.url, {
      path: '/phone?from=test&x=1',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(answer.status).toBe(200);
    expect(json(answer).data).toEqual(stack.sandbox.phoneFor(code));
    expect((await send(stack.proxy.url, { method: 'GET', path: '/healthz?probe=1' })).status).toBe(200);
  });

  it('an answer to a fully read body keeps the connection alive', async () => {
    const answer = await send(stack.proxy.url, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: stack.sandbox.mintCode() }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('keep-alive');
  });

  it('a body over 4 KiB is answered 413 before the rest arrives, and the connection ends', async () => {
    const answer = await answerBeforeBodyEnds(stack.proxy.url, {}, 10_000, `{"code":"abc","pad":"${'x'.repeat(5000)}`);
    expectFailure(answer, 413, 'INVALID_REQUEST');
    expect(answer.headers.connection).toBe('close');
  });
});

describe('over HTTP, with an allow-list and CORS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { allowedAppIds: [ALLOWED], corsOrigins: [H5] } });
  });
  afterAll(() => stack.close());

  const preflight = (headers: Record<string, string>, path = '/phone') =>
    send(stack.proxy.url, { method: 'OPTIONS', path, headers: { 'access-control-request-method': 'POST', ...headers } });

  it('a refused caller gets its 403 without sending the rest of its body, and the connection ends', async () => {
    const before = stack.sandbox.calls;
    const answer = await answerBeforeBodyEnds(stack.proxy.url, { referer: refererFor('wxfedcba0987654321') }, 100, '{"code":"ab');
    expectFailure(answer, 403, 'ORIGIN_FORBIDDEN');
    expect(answer.headers.connection).toBe('close');
    expect(stack.sandbox.calls).toBe(before);
  });

  it('an allowed preflight: 204 without a body, POST only, 10 min cache, the requested headers echoed', async () => {
    const answer = await preflight({ origin: H5, 'access-control-request-headers': 'content-type, x-trace' });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': H5,
      'access-control-allow-methods': 'POST',
      'access-control-max-age': '600',
      'access-control-allow-headers': 'content-type, x-trace',
    });
    expect((await preflight({ origin: H5 })).headers['access-control-allow-headers']).toBeUndefined();
  });

  it.each(['x-a, x b', 'content-type; x=1', 'x-a,,x-b', 'caf\u00e9'])(
    'requested headers that are not a list of header names (%j) are not echoed',
    async (requested) => {
      const answer = await preflight({ origin: H5, 'access-control-request-headers': requested });
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-headers']).toBeUndefined();
    },
  );

  it.each([
    ['a disallowed origin', { origin: 'https://evil.example' }],
    ['no origin', {}],
  ])('a preflight from %s -> 403 ORIGIN_FORBIDDEN without CORS grants', async (_name, headers: Record<string, string>) => {
    const answer = await preflight(headers);
    expectFailure(answer, 403, 'ORIGIN_FORBIDDEN');
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('a preflight is answered on the route only', async () => {
    expectFailure(await preflight({ origin: H5 }, '/healthz'), 404, 'NOT_FOUND');
  });

  it('every answer carries vary: Origin and cache-control: no-store, with an Origin header or without', async () => {
    const answers: Array<[string, Answer]> = [
      ['health', await send(stack.proxy.url, { method: 'GET', path: '/healthz' })],
      ['metrics', await send(stack.proxy.url, { method: 'GET', path: '/metrics', headers: { origin: H5 } })],
      ['not found', await send(stack.proxy.url, { method: 'GET', path: '/nope', headers: { origin: 'https://evil.example' } })],
      ['refused', await send(stack.proxy.url, { headers: { 'content-type': 'application/json' }, body: '{"code":"abc"}' })],
      ['preflight', await preflight({ origin: H5 })],
    ];
    const seen = answers.map(([name, answer]) => [name, answer.headers.vary, answer.headers['cache-control']]);
    expect(seen).toEqual(answers.map(([name]) => [name, 'Origin', 'no-store']));
  });
});

describe('createFetchHandler routing', () => {
  let sandbox: Sandbox;
  let handler: ReturnType<typeof createFetchHandler>;
  beforeAll(async () => {
    sandbox = await startSandbox({ appId: 'test-app-id-6a1f' });
    handler = createFetchHandler({ authing: authingFor(sandbox), logger: false, corsOrigins: [H5] });
  });
  afterAll(async () => {
    await handler.close();
    await sandbox.close();
  });
  const call = (method: string, path: string, init: RequestInit = {}) => handler(new Request(`https://fn.example.com${path}`, { method, ...init }));

  it('HEAD /healthz -> 200 with a null body', async () => {
    const response = await call('HEAD', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toBeNull();
    expect(response.headers.get('content-type')).toContain('application/json');
  });

  it('GET on the route -> 404 NOT_FOUND; a query string on a POST still reaches the exchange', async () => {
    const notFound = await call('GET', '/phone');
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 'NOT_FOUND', requestId: notFound.headers.get('x-request-id') });

    const code = sandbox.mintCode();
    const found = await call('POST', '/phone?x=1', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(found.status).toBe(200);
    expect(((await found.json()) as { data: unknown }).data).toEqual(sandbox.phoneFor(code));
  });

  it('an allowed preflight -> 204 with a null body and the CORS grants', async () => {
    const response = await call('OPTIONS', '/phone', { headers: { origin: H5, 'access-control-request-method': 'POST' } });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBe(H5);
    expect(response.headers.get('vary')).toBe('Origin');
  });
});
