// The framework-free handlers dispatch through the same app: same DTO, same protections.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError, createFetchHandler, createNodeHandler, type ProxyOptions } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { authingFor, LogCapture, postJson, refererFor } from './helpers';

/** Connections opened to `url` (the proxy's upstream agent, when `url` is the sandbox) until stop(). */
function watchConnectionsTo(url: string): { sockets: Socket[]; stop(): void } {
  const port = Number(new URL(url).port);
  const sockets: Socket[] = [];
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    socket.once('connect', () => {
      if (socket.remotePort === port) sockets.push(socket);
    });
  };
  subscribe('net.client.socket', onSocket);
  return { sockets, stop: () => unsubscribe('net.client.socket', onSocket) };
}

async function untilSandboxCalled(): Promise<void> {
  while (sandbox.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: 'test-app-id-6a1f' });
});
afterAll(() => sandbox.close());

describe('createNodeHandler', () => {
  let handler: ReturnType<typeof createNodeHandler>;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A plain http.Server stands in for the function runtime (SCF web function, WeChat Cloud HTTP access).
    handler = createNodeHandler({ authing: authingFor(sandbox), logger: false, allowedAppIds: ['wxallowed'] });
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/phone`;
  });
  afterAll(async () => {
    await handler.close();
    await new Promise((resolve) => server.close(resolve));
  });

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

it('createNodeHandler close(): a request still arriving gets its DTO first, then the upstream connections close', async () => {
  const handler = createNodeHandler({ authing: authingFor(sandbox), logger: false });
  const order: string[] = [];
  const server = createServer((req, res) => {
    res.once('finish', () => order.push('answered'));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream = watchConnectionsTo(sandbox.url);
  try {
    const code = sandbox.mintCode();
    const body = JSON.stringify({ code });
    const received = once(server, 'request');
    const request = httpRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}/phone`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = once(request, 'response') as Promise<[IncomingMessage]>;
    request.write(body.slice(0, 4));
    await received;
    const closed = handler.close().then(() => order.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    request.end(body.slice(4)); // the rest of the body arrives after close() was called
    const [response] = await answered;
    const text = (await response.toArray()).join('');
    await closed;
    expect(order).toEqual(['answered', 'closed']);
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(text) as { data: unknown }).data).toEqual(sandbox.phoneFor(code));
    expect(upstream.sockets.length).toBeGreaterThan(0);
    expect(upstream.sockets.filter((socket) => !socket.destroyed)).toHaveLength(0);
  } finally {
    upstream.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('createNodeHandler: answers sent after close() end their keep-alive connection', async () => {
  const handler = createNodeHandler({ authing: authingFor(sandbox), logger: false });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const health = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  try {
    expect((await fetch(health)).headers.get('connection')).toBe('keep-alive');
    await handler.close();
    const afterClose = await fetch(health);
    expect(afterClose.status).toBe(200);
    expect(afterClose.headers.get('connection')).toBe('close');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('createFetchHandler close(): the exchange in flight gets its DTO first, then the upstream connections close', async () => {
  const handler = createFetchHandler({ authing: authingFor(sandbox), logger: false });
  const upstream = watchConnectionsTo(sandbox.url);
  try {
    sandbox.reset();
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 300 });
    const order: string[] = [];
    const request = new Request('https://fn.example.com/phone', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    const inFlight = handler(request).then((response) => {
      order.push('answered');
      return response;
    });
    await untilSandboxCalled();
    await handler.close().then(() => order.push('closed'));
    const response = await inFlight;
    expect(order).toEqual(['answered', 'closed']);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown }).data).toEqual(sandbox.phoneFor(code));
    expect(upstream.sockets.length).toBeGreaterThan(0);
    expect(upstream.sockets.filter((socket) => !socket.destroyed)).toHaveLength(0);
  } finally {
    upstream.stop();
  }
});

describe('createFetchHandler', () => {
  let handler: ReturnType<typeof createFetchHandler>;
  beforeAll(() => {
    handler = createFetchHandler({ authing: authingFor(sandbox), logger: false, rateLimit: { max: 2, timeWindowMs: 60_000 } });
  });
  afterAll(() => handler.close());
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
      }),
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
    expect(await response.json()).toEqual({ status: 'ok', store: 'memory' });
  });

  it('answers 400 to a body someone else already read', async () => {
    const request = new Request('https://fn.example.com/phone', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'abc' }),
    });
    await request.text();
    const response = await handler(request, { remoteAddress: '198.51.100.11' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'INVALID_REQUEST' });
  });
});

it('createFetchHandler warns once when callers would share one rate-limit bucket, and not when they cannot', async () => {
  const calls = async (options: Partial<ProxyOptions>, info?: { remoteAddress: string }): Promise<string[]> => {
    const logs = new LogCapture();
    const handler = createFetchHandler({ authing: authingFor(sandbox), logger: { level: 'info', stream: logs }, ...options });
    try {
      for (let i = 0; i < 2; i++) await handler(new Request('https://fn.example.com/healthz'), info);
    } finally {
      await handler.close();
    }
    return logs
      .records()
      .filter((record) => record.level === 40)
      .map((record) => String(record.msg));
  };
  expect(await calls({})).toEqual([expect.stringMatching(/remoteAddress.*TRUST_PROXY.*one rate-limit bucket/)]);
  expect(await calls({}, { remoteAddress: '198.51.100.12' })).toEqual([]);
  expect(await calls({ trustProxy: 'loopback' })).toEqual([]);
  expect(await calls({ rateLimit: false })).toEqual([]);
});

it('both factories validate options up front', () => {
  const bad = { authing: { appHost: 'not a url', appId: 'a', extIdpConnidentifier: 'c' } };
  expect(() => createNodeHandler(bad)).toThrow(ConfigError);
  expect(() => createFetchHandler(bad)).toThrow(/authing\.appHost/);
  const badTrustProxy = { authing: authingFor(sandbox), trustProxy: 'abc' };
  expect(() => createNodeHandler(badTrustProxy)).toThrow(/^trustProxy: must be true, false, a hop count/);
  expect(() => createFetchHandler(badTrustProxy)).toThrow(ConfigError);
});
