// The listening server's hygiene with connections, on loopback against the real sandbox: a cap on open connections,
// silent connections closed after the request deadline, idle keep-alive kept past the header deadline (the rule
// config/server-options.ts documents), probes limited per client, an accept() error that does not end the process,
// and the fetch handler's body deadline.
import http from 'node:http';
import net from 'node:net';
import { ConfigError, createFetchHandler, loadConfigFromEnv, startProxy, type RunningProxy } from '../src';
import { PROBE_RATE_LIMIT } from '../src/app';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { APP_ID, authingFor, CONNECTION, LogCapture, refererFor } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP_ID });
});
afterAll(() => sandbox.close());
afterEach(() => sandbox.clearFaults());

const sockets: net.Socket[] = [];
const proxies: RunningProxy[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function proxyWith(options: Partial<Parameters<typeof startProxy>[0]> = {}, logs = new LogCapture()): Promise<RunningProxy> {
  const proxy = await startProxy({ authing: authingFor(sandbox), rateLimit: false, logger: { level: 'info', stream: logs }, ...options });
  proxies.push(proxy);
  return proxy;
}

/** A raw connection that sends nothing; resolves once connected. */
function silentConnection(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.on('error', () => undefined); // a refused connection is reset: what the tests look at is 'close'
    socket.once('error', reject);
    sockets.push(socket);
  });
}

/** Milliseconds until the server closes `socket`, or Infinity past `withinMs`. */
function closedWithin(socket: net.Socket, withinMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Infinity), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

function exchange(url: string, code: string, agent?: http.Agent): Promise<{ status: number; reused: boolean; body: Record<string, unknown> }> {
  const body = JSON.stringify({ code });
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/phone`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), referer: refererFor(APP_ID) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            reused: request.reusedSocket,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const metricsOf = async (proxy: RunningProxy): Promise<string> => (await fetch(`${proxy.url}/metrics`)).text();

describe('the cap on open connections', () => {
  it('closes connections past maxConnections at once, counts and logs them, and serves again once one ends', async () => {
    const logs = new LogCapture();
    const proxy = await proxyWith({ maxConnections: 3 }, logs);
    const held = await Promise.all([1, 2, 3].map(() => silentConnection(proxy.url)));
    while ((await new Promise<number>((resolve) => proxy.server.getConnections((_error, count) => resolve(count)))) < 3)
      await new Promise((r) => setTimeout(r, 10));

    const extra = await silentConnection(proxy.url);
    expect(await closedWithin(extra, 5000)).toBeLessThan(5000);

    held[0].destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const code = sandbox.mintCode();
    expect(await exchange(proxy.url, code)).toMatchObject({ status: 200, body: { data: sandbox.phoneFor(code) } });
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await metricsOf(proxy)).toMatch(/phone_proxy_connections_refused_total\{reason="max_connections"\} [1-9]/);
    expect(logs.records()).toContainEqual(expect.objectContaining({ level: 40, reason: 'max_connections', maxConnections: 3 }));
  });

  it('is an option and a variable with bounds, named in the error', async () => {
    await expect(startProxy({ authing: authingFor(sandbox), maxConnections: 0 })).rejects.toThrow(
      new ConfigError('maxConnections', 'must be a whole number from 1 to 1000000, got 0'),
    );
    await expect(startProxy({ authing: authingFor(sandbox), keepAliveTimeoutMs: 10 })).rejects.toThrow(ConfigError);
    const env = { AUTHING_APP_HOST: sandbox.url, AUTHING_APP_ID: APP_ID, AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION };
    expect(loadConfigFromEnv({ ...env, MAX_CONNECTIONS: '200', KEEP_ALIVE_TIMEOUT_MS: '65000' })).toMatchObject({
      maxConnections: 200,
      keepAliveTimeoutMs: 65_000,
    });
    expect(() => loadConfigFromEnv({ ...env, MAX_CONNECTIONS: '0' })).toThrow(/^MAX_CONNECTIONS: must be a whole number from 1/);
    expect(() => loadConfigFromEnv({ ...env, KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(/^KEEP_ALIVE_TIMEOUT_MS: must be a whole number/);
  });
});

describe('idle connections', () => {
  it('a connection that never sends a request is closed after the request deadline', async () => {
    const proxy = await proxyWith({ requestTimeoutMs: 300 });
    expect(await closedWithin(await silentConnection(proxy.url), 10_000)).toBeLessThan(10_000);
  }, 15_000);

  it('the first request on a connection is not cut by that deadline while the exchange waits for Authing', async () => {
    const proxy = await proxyWith({ requestTimeoutMs: 200, upstreamTimeoutMs: 5000 });
    sandbox.inject({ kind: 'latency', ms: 1000 });
    const code = sandbox.mintCode();
    expect(await exchange(proxy.url, code)).toMatchObject({ status: 200, body: { data: sandbox.phoneFor(code) } });
  });

  it('an idle keep-alive connection outlives the header deadline and is reused; it closes after the keep-alive time', async () => {
    const proxy = await proxyWith({ requestTimeoutMs: 200, keepAliveTimeoutMs: 2000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await exchange(proxy.url, sandbox.mintCode(), agent)).toMatchObject({ status: 200, reused: false });
      await new Promise((resolve) => setTimeout(resolve, 800)); // four header deadlines, idle
      expect(await exchange(proxy.url, sandbox.mintCode(), agent)).toMatchObject({ status: 200, reused: true });
      const [socket] = Object.values(agent.freeSockets).flat() as net.Socket[];
      const closedAfter = await closedWithin(socket, 15_000);
      expect(closedAfter).toBeGreaterThan(1000);
      expect(closedAfter).toBeLessThan(15_000);
    } finally {
      agent.destroy();
    }
  }, 30_000);
});

describe('/healthz and /metrics', () => {
  it('are limited per client, in the documented envelope, and another client is unaffected', async () => {
    const proxy = await proxyWith({ trustProxy: true });
    const probe = (path: string, client: string) => fetch(`${proxy.url}${path}`, { headers: { 'x-forwarded-for': client } });
    const statuses: number[] = [];
    for (let i = 0; i < PROBE_RATE_LIMIT.max; i++) statuses.push((await probe(i % 2 ? '/healthz' : '/metrics', '203.0.113.1')).status);
    expect(statuses.every((status) => status === 200)).toBe(true);

    const limited = await probe('/healthz', '203.0.113.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED', retryAfter: Number(limited.headers.get('retry-after')) });
    expect((await probe('/healthz', '203.0.113.2')).status).toBe(200);
    // The exchange has its own limit (off here): a limited prober can still exchange.
    expect((await exchange(proxy.url, sandbox.mintCode())).status).toBe(200);
  }, 30_000);
});

describe('an accept() that fails', () => {
  it('does not end the process: counted, logged, and the server keeps serving', async () => {
    const logs = new LogCapture();
    const proxy = await proxyWith({}, logs);
    // What libuv reports when accept() meets EMFILE: an 'error' on the listening server.
    proxy.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' }));
    expect((await exchange(proxy.url, sandbox.mintCode())).status).toBe(200);
    expect(await metricsOf(proxy)).toContain('phone_proxy_connections_refused_total{reason="accept_error"} 1');
    expect(logs.records()).toContainEqual(expect.objectContaining({ reason: 'accept_error', errorCode: 'EMFILE' }));
  });
});

describe('the fetch handler', () => {
  /** A body that sends the start of a JSON object and then nothing, ever. */
  const neverEnding = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"code":"'));
      },
    });

  it('answers a body that never ends INVALID_REQUEST after the request deadline, and close() then resolves', async () => {
    const handler = createFetchHandler({ authing: authingFor(sandbox), logger: false, rateLimit: false, requestTimeoutMs: 300 });
    const request = new Request('http://proxy.test/phone', {
      method: 'POST',
      headers: { 'content-type': 'application/json', referer: refererFor(APP_ID) },
      body: neverEnding(),
      duplex: 'half',
    });
    const answer = await handler(request);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'INVALID_REQUEST' });
    await expect(handler.close()).resolves.toBeUndefined();
  });

  it('close() resolves while such a request is still being read', async () => {
    const handler = createFetchHandler({ authing: authingFor(sandbox), logger: false, rateLimit: false, requestTimeoutMs: 500 });
    const request = new Request('http://proxy.test/phone', {
      method: 'POST',
      headers: { 'content-type': 'application/json', referer: refererFor(APP_ID) },
      body: neverEnding(),
      duplex: 'half',
    });
    const callsBefore = sandbox.calls;
    const pending = handler(request);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = handler.close().then(() => 'closed');
    const bound = new Promise((resolve) => setTimeout(resolve, 10_000, 'still open'));
    expect(await Promise.race([closed, bound])).toBe('closed');
    expect((await pending).status).toBe(400);
    expect(sandbox.calls).toBe(callsBefore); // nothing was sent: the code never arrived
  });
});
