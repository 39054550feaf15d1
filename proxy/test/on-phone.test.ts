// The onPhone hook in the framework-neutral core (createPhoneExchange) and the handlers: context, results, failures.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, createFetchHandler, createPhoneExchange, type OnPhoneContext, type OnPhoneHook, type PhoneExchange } from '../src';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { APP_ID, authingFor, LogCapture } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP_ID });
});
afterAll(() => sandbox.close());

const exchanges: PhoneExchange[] = [];
afterEach(async () => {
  await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
});

function exchangeWith(onPhone: OnPhoneHook, logs = new LogCapture()): PhoneExchange {
  const exchange = createPhoneExchange({ authing: authingFor(sandbox), rateLimit: false, logger: { level: 'info', stream: logs }, onPhone });
  exchanges.push(exchange);
  return exchange;
}

const ask = (exchange: PhoneExchange, body: unknown, openId?: string) =>
  exchange.exchange({ caller: { openId, rateLimitKey: 'test' }, readBody: () => ({ body }), request: { native: true } });

async function hookFailures(exchange: PhoneExchange): Promise<number> {
  const metric = await exchange.metrics.registry.getSingleMetricAsString('phone_proxy_hook_failures_total');
  return Number(/phone_proxy_hook_failures_total (\d+)/.exec(metric)?.[1]);
}

it('gives the hook the trusted openid, the nonce, the request and where the phone came from', async () => {
  const contexts: OnPhoneContext[] = [];
  const exchange = exchangeWith((context) => void contexts.push(context));
  const code = sandbox.mintCode();
  const [first, second] = await Promise.all([ask(exchange, { code, nonce: 'abc' }, 'o-user'), ask(exchange, { code, nonce: 'abc' }, 'o-user')]);
  const third = await ask(exchange, { code, nonce: 'abc' }, 'o-user');
  expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
  expect(first.body).toEqual({
    statusCode: 200,
    message: 'ok',
    requestId: expect.any(String),
    upstreamRequestId: expect.any(String),
    data: sandbox.phoneFor(code),
  });
  expect(contexts.map(({ source }) => source)).toEqual(['upstream', 'inflight', 'remembered']);
  expect(contexts[0]).toMatchObject({
    phone: sandbox.phoneFor(code),
    openId: 'o-user',
    nonce: 'abc',
    requestId: first.body.requestId,
    request: { native: true },
  });
  expect(sandbox.callsFor(code)).toBe(1);
});

it('does not run for a repeat of the code from another caller (CODE_REJECTED)', async () => {
  const sources: string[] = [];
  const exchange = exchangeWith(({ source }) => void sources.push(source));
  const code = sandbox.mintCode();
  expect((await ask(exchange, { code, nonce: 'abc' }, 'o-user')).status).toBe(200);
  expect((await ask(exchange, { code, nonce: 'abc' }, 'o-other')).body).toMatchObject({ error: 'CODE_REJECTED' });
  expect((await ask(exchange, { code, nonce: 'xyz' }, 'o-user')).body).toMatchObject({ error: 'CODE_REJECTED' });
  expect(sources).toEqual(['upstream']);
});

it.each<[string, unknown, RegExp]>([
  ['a reserved field', { extra: { data: 'forged' } }, /must not set "data"/],
  ['the assertion field', { extra: { assertion: 'x' } }, /must not set "assertion"/],
  ['both extra and refuse', { extra: {}, refuse: { status: 403, message: 'no' } }, /both/],
  ['a status outside 400-599', { refuse: { status: 200, message: 'fine' } }, /refuse.status/],
  ['an empty message', { refuse: { status: 403, message: '' } }, /refuse.message/],
  ['a lower-case error code', { refuse: { status: 403, message: 'no', error: 'nope' } }, /UPPER_SNAKE/],
  ['extra that is no JSON', { extra: { big: BigInt(1) } }, /JSON/],
  ['a string', 'session-1', /must resolve with/],
  ...['CODE_REJECTED', 'RATE_LIMITED', 'HOOK_FAILED', 'INVALID_REQUEST', 'UPSTREAM_UNAVAILABLE'].map((error): [string, unknown, RegExp] => [
    `the proxy's own code ${error}`,
    { refuse: { status: 422, message: 'no', error } },
    new RegExp(`proxy's own code ${error}`),
  ]),
])('answers HOOK_FAILED (500), logged and counted, for %s', async (_name, result, why) => {
  const logs = new LogCapture();
  const exchange = exchangeWith(() => Promise.resolve(result as never), logs);
  const answer = await ask(exchange, { code: sandbox.mintCode() });
  expect(answer).toMatchObject({ status: 500, body: { error: 'HOOK_FAILED', message: expect.stringContaining('retry') } });
  expect(await hookFailures(exchange)).toBe(1);
  const line = logs.records().find((record) => record.msg === 'phone exchange');
  expect(line).toMatchObject({ level: 50, outcome: 'HOOK_FAILED', detail: { hookError: expect.stringMatching(why) } });
});

it('a hook that throws something other than an Error still gets HOOK_FAILED; the number never reaches the log', async () => {
  const logs = new LogCapture();
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a rejection that is not an Error
  const exchange = exchangeWith(({ phone }) => Promise.reject(`no user ${phone.phoneNumber}`), logs);
  const code = sandbox.mintCode();
  expect((await ask(exchange, { code })).body).toMatchObject({ error: 'HOOK_FAILED' });
  expect(logs.text).not.toContain(sandbox.phoneFor(code).purePhoneNumber);
  expect(logs.text).toContain('****');
});

it('a refusal defaults to error REFUSED, counted under outcome REFUSED', async () => {
  const exchange = exchangeWith(() => ({ refuse: { status: 409, message: 'Number bound to another account' } }));
  const answer = await ask(exchange, { code: sandbox.mintCode() });
  expect(answer).toMatchObject({ status: 409, body: { statusCode: 409, message: 'Number bound to another account', error: 'REFUSED' } });
  expect(await exchange.metrics.registry.getSingleMetricAsString('phone_proxy_requests_total')).toContain('outcome="REFUSED"} 1');
});

it("a refusal may name REFUSED itself, or a code of the app's own", async () => {
  for (const error of ['REFUSED', 'ACCOUNT_LOCKED']) {
    const exchange = exchangeWith(() => ({ refuse: { status: 403, message: 'Locked', error } }));
    expect(await ask(exchange, { code: sandbox.mintCode() })).toMatchObject({ status: 403, body: { error, message: 'Locked' } });
  }
});

it('runs only once the answer is signed: a number that cannot be signed leaves the hook untouched', async () => {
  // A real upstream whose success carries fields that disagree (phoneClaims refuses to vouch for them).
  const upstream = createServer((_request, response) => {
    const data = { phoneNumber: '+8613900000000', purePhoneNumber: '13800138000', countryCode: '86' };
    response.setHeader('content-type', 'application/json').end(JSON.stringify({ statusCode: 200, message: 'ok', requestId: 'up-1', data }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  let runs = 0;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const exchange = createPhoneExchange({
    authing: { appHost: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, appId: APP_ID, extIdpConnidentifier: 'c' },
    logger: false,
    assertion: { privateKey, audience: 'backend' },
    onPhone: () => void runs++,
  });
  exchanges.push(exchange);
  try {
    expect(await ask(exchange, { code: 'a'.repeat(64) })).toMatchObject({ status: 502, body: { error: 'UPSTREAM_ERROR' } });
    expect(runs).toBe(0);
  } finally {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  }
});

it('runs in the fetch handler too, with the Web Request as context.request', async () => {
  let seen: unknown;
  const handler = createFetchHandler({
    authing: authingFor(sandbox),
    logger: false,
    onPhone: ({ request }) => {
      seen = request;
      return { extra: { session: 'from-fetch' } };
    },
  });
  try {
    const code = sandbox.mintCode();
    const response = await handler(
      new Request('http://proxy.local/phone', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) }),
    );
    expect(await response.json()).toMatchObject({ data: sandbox.phoneFor(code), session: 'from-fetch' });
    expect(seen).toBeInstanceOf(Request);
  } finally {
    await handler.close();
  }
});

it('refuses an onPhone that is not a function with a ConfigError naming onPhone', () => {
  const attempt = () => createPhoneExchange({ authing: authingFor(sandbox), onPhone: { extra: {} } as never });
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(/^onPhone: must be a function/);
});
