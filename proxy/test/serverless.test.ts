// The framework-free handlers dispatch through the same app: same DTO, same protections.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, createFetchHandler, createNodeHandler, startSandbox, type Sandbox } from '../src';
import { authingFor, postJson, refererFor } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: 'test-app-id-6a1f' });
});
afterAll(() => sandbox.close());

describe('createNodeHandler', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A plain http.Server stands in for the function runtime (SCF web function, WeChat Cloud HTTP access).
    server = createServer(createNodeHandler({ authing: authingFor(sandbox), logger: false, allowedAppIds: ['wxallowed'] }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/phone`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('exchanges a code with the same DTO and headers as the server', async () => {
    const code = sandbox.mintCode();
    const answer = await postJson(url, { code }, { referer: refererFor('wxallowed') });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code), requestId: answer.headers.get('x-request-id') });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('applies the same protections (Referer allow-list, validation)', async () => {
    expect((await postJson(url, { code: sandbox.mintCode() }, { referer: refererFor('wxother') })).status).toBe(403);
    expect((await postJson(url, { code: 1 }, { referer: refererFor('wxallowed') })).status).toBe(400);
  });
});

describe('createFetchHandler', () => {
  let handler: ReturnType<typeof createFetchHandler>;
  beforeAll(() => {
    handler = createFetchHandler({ authing: authingFor(sandbox), logger: false, rateLimit: { max: 2, timeWindowMs: 60_000 } });
  });
  const call = (body: string | null, headers: Record<string, string> = { 'content-type': 'application/json' }, info?: { remoteAddress?: string }) =>
    handler(new Request('https://fn.example.com/phone', { method: 'POST', headers, body }), info);

  it('turns a Web Request into the DTO Response', async () => {
    const code = sandbox.mintCode();
    const response = await call(JSON.stringify({ code }), undefined, { remoteAddress: '198.51.100.1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code), requestId: response.headers.get('x-request-id') });
  });

  it('answers 413 to an oversized streamed body and 415 to a wrong type', async () => {
    const big = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1024).fill(0x20));
      },
    });
    const oversized = await handler(
      new Request('https://fn.example.com/phone', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
        duplex: 'half',
      } as RequestInit),
      { remoteAddress: '198.51.100.2' },
    );
    expect(oversized.status).toBe(413);
    const wrongType = await call('code=1', { 'content-type': 'text/plain' }, { remoteAddress: '198.51.100.3' });
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({ error: 'INVALID_REQUEST' });
  });

  it('rate-limits per remote address when the runtime provides it', async () => {
    const from = (ip: string) => call(JSON.stringify({ code: sandbox.mintCode() }), undefined, { remoteAddress: ip });
    expect((await from('198.51.100.9')).status).toBe(200);
    expect((await from('198.51.100.9')).status).toBe(200);
    const limited = await from('198.51.100.9');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await from('198.51.100.10')).status).toBe(200);
  });

  it('serves /healthz', async () => {
    const response = await handler(new Request('https://fn.example.com/healthz'));
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

it('both factories validate options up front', () => {
  const bad = { authing: { appHost: 'not a url', appId: 'a', extIdpConnidentifier: 'c' } };
  expect(() => createNodeHandler(bad)).toThrow(ConfigError);
  expect(() => createFetchHandler(bad)).toThrow(/authing\.appHost/);
});
