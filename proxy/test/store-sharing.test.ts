// One store per process and configuration: runtimes created in the same process for the same Authing connection share
// answers and rate-limit counters, so a code sent to two of them reaches Authing once; other configurations do not.
import { createFetchHandler, createPhoneExchange, startProxy, type PhoneExchange, type ProxyOptions } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { APP_ID, authingFor, postJson } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP_ID });
});
afterAll(() => sandbox.close());

/** The same code through the listening server, then through a fetch handler of the same process. */
async function throughBoth(server: Partial<ProxyOptions>, handler: Partial<ProxyOptions>) {
  const proxy = await startProxy({ authing: authingFor(sandbox), logger: false, rateLimit: false, ...server });
  const fetchHandler = createFetchHandler({ authing: authingFor(sandbox), logger: false, rateLimit: false, ...handler });
  const code = sandbox.mintCode();
  const post = (body: unknown) =>
    fetchHandler(
      new Request('http://runtime.local/phone', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
  try {
    const first = await postJson(`${proxy.url}/phone`, { code });
    await proxy.close(); // the handler keeps the store alive
    const second = await post({ code });
    return { first, second: { status: second.status, body: (await second.json()) as Record<string, unknown> }, calls: sandbox.callsFor(code) };
  } finally {
    await proxy.close();
    await fetchHandler.close();
  }
}

test('a code sent to two runtimes of the same configuration reaches Authing once, and both get the number', async () => {
  const { first, second, calls } = await throughBoth({}, {});
  expect(first.status).toBe(200);
  expect(second).toMatchObject({ status: 200, body: { data: first.body.data } });
  expect(calls).toBe(1);
});

test('runtimes of another configuration (here another de-duplication bound) keep their own store', async () => {
  const { first, second, calls } = await throughBoth({}, { dedupe: { maxEntries: 500 } });
  expect(first.status).toBe(200);
  expect(second).toMatchObject({ status: 422, body: { error: 'CODE_REJECTED' } }); // Authing saw the code twice
  expect(calls).toBe(2);
});

test('the rate limit counts across the runtimes of one configuration', async () => {
  const options: Partial<ProxyOptions> = { rateLimit: { max: 1, timeWindowMs: 60_000 }, trustProxy: 'loopback' };
  const proxy = await startProxy({ authing: authingFor(sandbox), logger: false, ...options });
  const fetchHandler = createFetchHandler({ authing: authingFor(sandbox), logger: false, ...options });
  try {
    const client = { 'x-forwarded-for': '203.0.113.9' };
    expect((await postJson(`${proxy.url}/phone`, { code: sandbox.mintCode() }, client)).status).toBe(200);
    const request = new Request('http://runtime.local/phone', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...client },
      body: JSON.stringify({ code: sandbox.mintCode() }),
    });
    expect((await fetchHandler(request, { remoteAddress: '127.0.0.1' })).status).toBe(429);
  } finally {
    await proxy.close();
    await fetchHandler.close();
  }
});

describe('exchanges sharing a memory store', () => {
  const exchangeOf = (options: Partial<ProxyOptions> = {}) =>
    createPhoneExchange({ authing: authingFor(sandbox), logger: false, rateLimit: false, ...options });
  const send = (exchange: PhoneExchange, code: string) =>
    exchange.exchange({ caller: { rateLimitKey: '127.0.0.1' }, readBody: () => ({ body: { code } }) });

  it('a closed one answers nothing, not even what the store still remembers for the others', async () => {
    const [first, second] = [exchangeOf(), exchangeOf()];
    try {
      const code = sandbox.mintCode();
      expect((await send(first, code)).status).toBe(200);
      await first.close();
      expect(await send(first, code)).toMatchObject({ status: 503, body: { error: 'UPSTREAM_UNAVAILABLE' } });
      expect((await send(second, code)).status).toBe(200);
      expect(sandbox.callsFor(code)).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a code refused by the full store is counted in the metrics of every exchange using the store', async () => {
    const options = { dedupe: { maxEntries: 1 } };
    const [first, second] = [exchangeOf(options), exchangeOf(options)];
    const refusals = async (exchange: PhoneExchange) => (await exchange.metrics.storeRefusals.get()).values[0]?.value ?? 0;
    try {
      await send(first, sandbox.mintCode());
      await send(second, sandbox.mintCode()); // the store holds one answer, live: the second code is refused, not the answer evicted
      expect([await refusals(first), await refusals(second)]).toEqual([1, 1]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
