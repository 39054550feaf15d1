// The Authing client against raw loopback servers: the request it sends, the size cap, the whole-exchange deadline
// (never retried), bounded keep-alive connections, and close() letting in-flight exchanges finish.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AuthingClient, EXCHANGE_PATH } from '../src/exchange/authing-client';
import { errors, variants } from '../src/contract/errors';
import { AUTHING_SUCCESS as SUCCESS } from './helpers';

interface Upstream {
  url: string;
  requests: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }>;
  connections: Set<Socket>;
  close(): Promise<void>;
}

/** A loopback upstream that records each request, then lets `answer` reply (or not). */
async function startUpstream(answer: (res: ServerResponse) => void): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const connections = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(res);
    });
  });
  server.on('connection', (socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const json = (body: string) => (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);

function clientFor(upstream: Upstream, timeoutMs = 1000, appHost = upstream.url): AuthingClient {
  return new AuthingClient({ appHost, appId: 'app-1', userPoolId: 'pool-1', lang: 'en-US', extIdpConnidentifier: 'conn-1', timeoutMs });
}

describe('AuthingClient', () => {
  let upstream: Upstream | undefined;
  let client: AuthingClient | undefined;
  afterEach(async () => {
    await client?.close();
    await upstream?.close();
    client = upstream = undefined;
  });

  it('POSTs the code with the tenant headers to the exchange path, under a path prefix', async () => {
    upstream = await startUpstream(json(SUCCESS));
    client = clientFor(upstream, 1000, `${upstream.url}/authing/`);
    const outcome = await client.exchange('code-1');
    expect(outcome).toEqual({
      ok: true,
      phone: { phoneNumber: '+8613800000000', purePhoneNumber: '13800000000', countryCode: '86' },
      upstreamRequestId: 'rid-1',
    });
    expect(upstream.requests).toHaveLength(1);
    const [sent] = upstream.requests;
    expect(sent).toMatchObject({ method: 'POST', url: `/authing${EXCHANGE_PATH}` });
    expect(sent.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(sent.body)),
      'x-authing-app-id': 'app-1',
      'x-authing-userpool-id': 'pool-1',
      'x-authing-lang': 'en-US',
    });
    expect(JSON.parse(sent.body)).toEqual({ code: 'code-1', extIdpConnidentifier: 'conn-1' });
  });

  it.each([
    ['announced', true],
    ['streamed', false],
  ])('an answer over 64 KiB (%s) is a malformed upstream answer, and the code counts as spent', async (_name, announced) => {
    const huge = JSON.stringify({ ...JSON.parse(SUCCESS), padding: 'x'.repeat(70 * 1024) });
    upstream = await startUpstream((res) => {
      res.writeHead(200, announced ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(huge) } : {});
      res.end(huge);
    });
    client = clientFor(upstream);
    const outcome = await client.exchange('code-1');
    expect(outcome).toMatchObject({ ok: false, neverSent: false, failure: { definition: errors.UPSTREAM_ERROR } });
  });

  it('an answer just under 64 KiB is read whole', async () => {
    const body = JSON.stringify({ ...JSON.parse(SUCCESS), padding: 'x'.repeat(60 * 1024) });
    upstream = await startUpstream(json(body));
    client = clientFor(upstream);
    expect(await client.exchange('code-1')).toMatchObject({ ok: true, upstreamRequestId: 'rid-1' });
  });

  it('the deadline bounds the whole exchange: 504, the code counts as spent, never retried', async () => {
    upstream = await startUpstream(() => undefined); // reads the request, never answers
    client = clientFor(upstream, 200);
    const started = Date.now();
    const outcome = await client.exchange('code-1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(outcome).toMatchObject({ ok: false, neverSent: false, failure: { definition: errors.UPSTREAM_TIMEOUT } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.requests).toHaveLength(1);
  });

  it('a deadline hit after the headers, during a stalled body, is a timeout too', async () => {
    upstream = await startUpstream((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(SUCCESS.slice(0, 20));
    });
    client = clientFor(upstream, 200);
    const outcome = await client.exchange('code-1');
    expect(outcome).toMatchObject({ ok: false, neverSent: false, failure: { definition: errors.UPSTREAM_TIMEOUT } });
  });

  it('reuses keep-alive connections and opens at most 128', async () => {
    upstream = await startUpstream(json(SUCCESS));
    // A generous timeout: the calls beyond 128 wait for a slot at most half of it, even on a busy machine.
    client = clientFor(upstream, 10_000);
    for (let i = 0; i < 5; i++) expect((await client.exchange(`seq-${i}`)).ok).toBe(true);
    expect(upstream.connections.size).toBe(1);

    const outcomes = await Promise.all(Array.from({ length: 300 }, (_, i) => client!.exchange(`par-${i}`)));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(upstream.requests).toHaveLength(305);
    expect(upstream.connections.size).toBeLessThanOrEqual(128);
  });

  it('close() lets an in-flight exchange finish; later exchanges fail without reaching Authing', async () => {
    upstream = await startUpstream((res) => setTimeout(() => json(SUCCESS)(res), 150));
    client = clientFor(upstream);
    const inFlight = client.exchange('code-1');
    while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const order: string[] = [];
    const closing = client.close().then(() => order.push('closed'));
    const outcome = await inFlight.finally(() => order.push('answered'));
    await closing;
    expect(outcome.ok).toBe(true);
    expect(order).toEqual(['answered', 'closed']);

    const late = await client.exchange('code-2');
    expect(late).toMatchObject({ ok: false, neverSent: true, failure: { definition: variants.UPSTREAM_UNAVAILABLE.notSent } });
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('AuthingClient never throws outside its promise', () => {
  it('a header value node:http refuses (U+200B in the app id) answers 503 with the code free, and the deadline passing later crashes nothing', async () => {
    const upstream = await startUpstream(json(SUCCESS));
    const client = new AuthingClient({ appHost: upstream.url, appId: 'app\u200b-1', extIdpConnidentifier: 'conn-1', timeoutMs: 100 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await client.exchange('code-1');
      expect(outcome).toMatchObject({ ok: false, neverSent: true, failure: { definition: variants.UPSTREAM_UNAVAILABLE.notSent } });
      // Past the deadline: the old client called destroy() on a request it never had, outside any promise.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(uncaught).toEqual([]);
      expect(upstream.requests).toHaveLength(0);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.close();
      await upstream.close();
    }
  });
});
