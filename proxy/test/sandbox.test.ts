import { request, Agent } from 'node:http';
import { CodeBook } from '../src/sandbox/code-book';
import { EXCHANGE_PATH, DEFAULT_CONNECTION_ID, startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox';
import { parseSandboxArgs, runSandboxCli } from '../src/runtimes/sandbox-cli';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WECHAT_RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** The sandbox's envelope, as far as these tests read it. */
interface Envelope {
  statusCode: number;
  message: string;
  requestId: string;
  apiCode?: number;
  data?: Record<string, unknown> & { phone_info?: Record<string, unknown> };
}

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  /** undefined when the body is not JSON. */
  json: Envelope;
}

const running: Sandbox[] = [];
async function sandboxWith(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox(options);
  running.push(sandbox);
  return sandbox;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
});

async function post(sandbox: Sandbox, body: unknown, headers: Record<string, string> = {}, path = EXCHANGE_PATH): Promise<Answer> {
  const res = await fetch(sandbox.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json: json as Envelope };
}

function exchange(sandbox: Sandbox, code: string, headers: Record<string, string> = {}): Promise<Answer> {
  return post(sandbox, { code, extIdpConnidentifier: DEFAULT_CONNECTION_ID }, headers);
}

function expectEnvelope(answer: Answer, statusCode: number, httpStatus = 200): void {
  expect(answer.status).toBe(httpStatus);
  expect(answer.contentType).toBe('application/json; charset=utf-8');
  expect(answer.json.statusCode).toBe(statusCode);
  expect(answer.json.requestId).toMatch(UUID);
}

function expectInvalidCode(answer: Answer): void {
  expectEnvelope(answer, 602);
  expect(answer.json.message).toMatch(/^invalid code, rid: /);
  expect(answer.json.message).toMatch(WECHAT_RID);
  expect(answer.json.data).toBeUndefined();
}

describe('success shapes', () => {
  test("phone_info (default): the shape Authing's mini program SDK reads, numbers from phoneFor", async () => {
    const now = 1_700_000_000_123;
    const sandbox = await sandboxWith({ now: () => now });
    const code = sandbox.mintCode();
    const answer = await exchange(sandbox, code);
    expectEnvelope(answer, 200);
    expect(answer.json.message).toBe('操作成功');
    const phone = sandbox.phoneFor(code);
    expect(phone.phoneNumber).toBe(phone.purePhoneNumber);
    expect(answer.json.data).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: { ...phone, watermark: { timestamp: 1_700_000_000 } },
    });
  });

  test('wechatAppId: the watermark names that mini program', async () => {
    const sandbox = await sandboxWith({ wechatAppId: 'wx1234567890abcdef' });
    const answer = await exchange(sandbox, sandbox.mintCode());
    expect((answer.json.data as Record<string, Record<string, Record<string, unknown>>>).phone_info.watermark.appid).toBe('wx1234567890abcdef');
  });

  test('flat: the documented shape, phoneNumber carries +86', async () => {
    const sandbox = await sandboxWith({ shape: 'flat' });
    const code = sandbox.mintCode();
    const answer = await exchange(sandbox, code);
    expectEnvelope(answer, 200);
    const phone = sandbox.phoneFor(code);
    expect(phone.phoneNumber).toBe(`+86${phone.purePhoneNumber}`);
    expect(answer.json.data).toEqual({ ...phone, countryCode: '86' });
  });

  test.each(['flat', 'phone_info'] as const)('numericCountryCode emits the number 86 (%s)', async (shape) => {
    const sandbox = await sandboxWith({ shape, numericCountryCode: true });
    const answer = await exchange(sandbox, sandbox.mintCode());
    const phone = shape === 'flat' ? answer.json.data : answer.json.data?.phone_info;
    expect(phone?.countryCode).toBe(86);
  });
});

describe('codes and phone numbers', () => {
  test('mintCode looks like a WeChat phone code and never repeats', async () => {
    const sandbox = await sandboxWith();
    const codes = Array.from({ length: 50 }, () => sandbox.mintCode());
    for (const code of codes) expect(code).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  test('phoneFor is a deterministic mainland mobile number, the same across sandboxes', async () => {
    const one = await sandboxWith();
    const other = await sandboxWith();
    const codes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const code of codes) {
      const phone = one.phoneFor(code);
      expect(phone.purePhoneNumber).toMatch(/^1[3-9]\d{9}$/);
      expect(phone.countryCode).toBe('86');
      expect(other.phoneFor(code)).toEqual(phone);
    }
    expect(new Set(codes.map((code) => one.phoneFor(code).purePhoneNumber)).size).toBeGreaterThan(1);
  });

  test('a code is single use: the replay gets 602 with WeChat 40029, both calls counted', async () => {
    const sandbox = await sandboxWith();
    const code = sandbox.mintCode();
    expectEnvelope(await exchange(sandbox, code), 200);
    expectInvalidCode(await exchange(sandbox, code));
    expect(sandbox.callsFor(code)).toBe(2);
    expect(sandbox.callsFor('never-sent')).toBe(0);
    expect(sandbox.calls).toBe(2);
  });

  test('a code expires codeTtlMs after it was minted', async () => {
    let now = 1_000_000;
    const sandbox = await sandboxWith({ codeTtlMs: 60_000, now: () => now });
    const fresh = sandbox.mintCode();
    const stale = sandbox.mintCode();
    now += 59_999;
    expectEnvelope(await exchange(sandbox, fresh), 200);
    now += 1;
    expectInvalidCode(await exchange(sandbox, stale));
  });

  test('a code seen but not redeemed (wrong connection) expires from first sight', async () => {
    let now = 0;
    const sandbox = await sandboxWith({ codeTtlMs: 1_000, now: () => now });
    const wrong = await post(sandbox, { code: 'first-sight', extIdpConnidentifier: 'other' });
    expectEnvelope(wrong, 404);
    now = 1_000;
    expectInvalidCode(await exchange(sandbox, 'first-sight'));
  });

  test('lenient (default): a never-seen code is accepted once', async () => {
    const sandbox = await sandboxWith();
    expectEnvelope(await exchange(sandbox, 'devtools-code-123'), 200);
    expectInvalidCode(await exchange(sandbox, 'devtools-code-123'));
  });

  test('strict: only minted codes are accepted', async () => {
    const sandbox = await sandboxWith({ strictCodes: true });
    expectInvalidCode(await exchange(sandbox, 'devtools-code-123'));
    expectEnvelope(await exchange(sandbox, sandbox.mintCode()), 200);
  });

  test('reset forgets codes, counts and faults', async () => {
    const sandbox = await sandboxWith({ strictCodes: true });
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'throttled' });
    sandbox.reset();
    expect(sandbox.calls).toBe(0);
    expectInvalidCode(await exchange(sandbox, code)); // forgotten, so no longer minted
    expect(sandbox.callsFor(code)).toBe(1);
    expect(sandbox.calls).toBe(1);
  });
});

describe('CodeBook memory bounds', () => {
  test('never holds more than its capacity, oldest forgotten first', () => {
    const book = new CodeBook({ ttlMs: 1_000, lenient: true, now: () => 0, capacity: 3 });
    for (const code of ['a', 'b', 'c', 'd', 'e']) book.recordCall(code);
    expect(book.size).toBe(3);
    expect(book.callsFor('a')).toBe(0);
    expect(book.callsFor('e')).toBe(1);
  });

  test('forgets codes two lifetimes after birth, so replays within that window still fail', () => {
    let now = 0;
    const book = new CodeBook({ ttlMs: 1_000, lenient: true, now: () => now, capacity: 100 });
    book.recordCall('used');
    expect(book.redeem('used')).toBe('ok');
    now = 1_999;
    expect(book.redeem('used')).toBe('used');
    book.recordCall('later');
    expect(book.size).toBe(2);
    now = 2_000;
    book.recordCall('latest');
    expect(book.size).toBe(2);
    expect(book.callsFor('used')).toBe(0);
  });
});

describe('tenant headers and connection', () => {
  const withBoth = { appId: 'app-1', userPoolId: 'pool-1' };

  test.each([
    ['app id only configured, no header -> 2011', { appId: 'app-1' }, {}, 2011],
    ['app id only configured, wrong app id -> 2011', { appId: 'app-1' }, { 'x-authing-app-id': 'app-2' }, 2011],
    ['pool only configured, wrong pool id -> 2224', { userPoolId: 'pool-1' }, { 'x-authing-userpool-id': 'pool-2' }, 2224],
    ['pool only configured, app header instead -> 2224', { userPoolId: 'pool-1' }, { 'x-authing-app-id': 'app-1' }, 2224],
    ['both configured, wrong pool id -> 2224', withBoth, { 'x-authing-userpool-id': 'pool-2' }, 2224],
    ['both configured, no header -> 2011', withBoth, {}, 2011],
  ])('%s (statusCode 400 envelope)', async (_name, options, headers, apiCode) => {
    const sandbox = await sandboxWith(options);
    const answer = await exchange(sandbox, 'tenant-code', headers);
    expectEnvelope(answer, 400);
    expect(answer.json.apiCode).toBe(apiCode);
    expect(answer.json.message).toBe(apiCode === 2011 ? '应用不存在' : '用户池不存在');
  });

  test.each([
    ['app id header', { 'x-authing-app-id': 'app-1' }],
    ['user pool id header', { 'x-authing-userpool-id': 'pool-1' }],
    ['both headers', { 'x-authing-app-id': 'app-1', 'x-authing-userpool-id': 'pool-1' }],
  ])('either matching header is enough (%s)', async (_name, headers) => {
    const sandbox = await sandboxWith(withBoth);
    expectEnvelope(await exchange(sandbox, sandbox.mintCode(), headers), 200);
  });

  test('a rejected tenant does not consume the code', async () => {
    const sandbox = await sandboxWith({ appId: 'app-1' });
    const code = sandbox.mintCode();
    expectEnvelope(await exchange(sandbox, code), 400);
    expectEnvelope(await exchange(sandbox, code, { 'x-authing-app-id': 'app-1' }), 200);
  });

  test('an unknown connection identifier -> statusCode 404 envelope, code not consumed', async () => {
    const sandbox = await sandboxWith({ extIdpConnidentifier: 'my-wxapp' });
    const code = sandbox.mintCode();
    const wrong = await post(sandbox, { code, extIdpConnidentifier: DEFAULT_CONNECTION_ID });
    expectEnvelope(wrong, 404);
    expect(wrong.json.message).toBe(`身份源连接不存在: ${DEFAULT_CONNECTION_ID}`);
    expect(wrong.json.apiCode).toBeUndefined();
    expectEnvelope(await post(sandbox, { code, extIdpConnidentifier: 'my-wxapp' }), 200);
  });
});

describe('bad requests', () => {
  test.each([
    ['invalid JSON', '{"code": "abc"', 'application/json'],
    ['a JSON array', '["abc"]', 'application/json'],
    ['JSON null', 'null', 'application/json'],
    ['a form body', 'code=abc&extIdpConnidentifier=x', 'application/x-www-form-urlencoded'],
    ['an oversized body', JSON.stringify({ code: 'x'.repeat(20_000), extIdpConnidentifier: DEFAULT_CONNECTION_ID }), 'application/json'],
    ['no code', JSON.stringify({ extIdpConnidentifier: DEFAULT_CONNECTION_ID }), 'application/json'],
    ['an empty code', JSON.stringify({ code: '', extIdpConnidentifier: DEFAULT_CONNECTION_ID }), 'application/json'],
    ['a numeric code', JSON.stringify({ code: 123, extIdpConnidentifier: DEFAULT_CONNECTION_ID }), 'application/json'],
    ['no connection identifier', JSON.stringify({ code: 'abc' }), 'application/json'],
  ])('%s -> HTTP 200, statusCode 400', async (_name, body, contentType) => {
    const sandbox = await sandboxWith();
    const answer = await post(sandbox, body, { 'content-type': contentType });
    expectEnvelope(answer, 400);
    expect(typeof answer.json.message).toBe('string');
    expect(sandbox.calls).toBe(1);
  });

  test('a request without a connection identifier does not consume its code', async () => {
    const sandbox = await sandboxWith();
    expectEnvelope(await post(sandbox, { code: 'kept' }), 400);
    expect(sandbox.callsFor('kept')).toBe(1);
    expectEnvelope(await exchange(sandbox, 'kept'), 200);
  });

  test.each([
    ['POST elsewhere', 'POST', '/api/v3/other'],
    ['GET on the exchange path', 'GET', EXCHANGE_PATH],
  ])('%s -> HTTP 404 envelope, not counted', async (_name, method, path) => {
    const sandbox = await sandboxWith();
    const res = await fetch(sandbox.url + path, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
    const json = (await res.json()) as { statusCode: number; message: string; requestId: string };
    expect(res.status).toBe(404);
    expect(json).toEqual({ statusCode: 404, message: `Cannot ${method} ${path}`, requestId: expect.stringMatching(UUID) });
    expect(sandbox.calls).toBe(0);
  });

  test('a query string does not change the route', async () => {
    const sandbox = await sandboxWith();
    const answer = await post(sandbox, { code: 'q', extIdpConnidentifier: DEFAULT_CONNECTION_ID }, {}, `${EXCHANGE_PATH}?lang=zh`);
    expectEnvelope(answer, 200);
  });
});

describe('faults', () => {
  test('latency: answers normally, no sooner than asked, and the code is consumed on arrival', async () => {
    const sandbox = await sandboxWith();
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 80 });
    const started = Date.now();
    expectEnvelope(await exchange(sandbox, code), 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expectInvalidCode(await exchange(sandbox, code));
  });

  test.each([500, 502, 503])('http-status %s: that HTTP status with a JSON envelope, code kept', async (status) => {
    const sandbox = await sandboxWith();
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'http-status', status });
    expectEnvelope(await exchange(sandbox, code), status, status);
    expectEnvelope(await exchange(sandbox, code), 200);
    expect(sandbox.callsFor(code)).toBe(2);
  });

  test('html: an nginx error page', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'html', status: 502 });
    const answer = await exchange(sandbox, 'html-code');
    expect(answer.status).toBe(502);
    expect(answer.contentType).toBe('text/html');
    expect(answer.text).toContain('<title>502 Bad Gateway</title>');
    expect(answer.text).toContain('<center>nginx</center>');
    expect(answer.json).toBeUndefined();
  });

  test('malformed: HTTP 200, announced as JSON, does not parse', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'malformed' });
    const answer = await exchange(sandbox, 'malformed-code');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    expect(answer.text.startsWith('{"statusCode":200')).toBe(true);
    expect(answer.json).toBeUndefined();
  });

  test('reset: headers arrive, then the socket dies mid-body', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'reset' });
    const res = await fetch(sandbox.url + EXCHANGE_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'reset-code', extIdpConnidentifier: DEFAULT_CONNECTION_ID }),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(sandbox.callsFor('reset-code')).toBe(1);
  });

  test.each([
    [602, 40029, 'invalid code'],
    [602, 45011, 'api minute-quota reach limit  mustslower  retry next minute'],
    [601, -1, 'system error'],
    [602, 40013, 'invalid appid'],
    [602, 12345, 'errcode 12345'],
  ] as const)("wechat %s/%s: HTTP 200 envelope, message is WeChat's errmsg", async (statusCode, errcode, errmsg) => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'wechat', statusCode, errcode });
    const answer = await exchange(sandbox, sandbox.mintCode());
    expectEnvelope(answer, statusCode);
    expect(answer.json.message.startsWith(`${errmsg}, rid: `)).toBe(true);
    expect(answer.json.message).toMatch(WECHAT_RID);
  });

  test('throttled: HTTP 429 with a statusCode 429 envelope', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'throttled' });
    expectEnvelope(await exchange(sandbox, 'throttled-code'), 429, 429);
  });

  test('envelope: any Authing failure, exactly as given', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'envelope', statusCode: 500, apiCode: 1000, message: '系统繁忙,请稍后再试' });
    sandbox.inject({ kind: 'envelope', statusCode: 403 });
    const first = await exchange(sandbox, 'e1');
    expectEnvelope(first, 500);
    expect(first.json).toEqual({ statusCode: 500, apiCode: 1000, message: '系统繁忙,请稍后再试', requestId: first.json.requestId });
    const second = await exchange(sandbox, 'e2');
    expectEnvelope(second, 403);
    expect(second.json.apiCode).toBeUndefined();
    expect(second.json.message).toBe('sandbox failure 403');
  });

  test('faults queue in order, each for its `times`, then normal answers resume', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'http-status', status: 503 }, { times: 2 });
    sandbox.inject({ kind: 'throttled' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await exchange(sandbox, `queued-${i}`)).status);
    expect(statuses).toEqual([503, 503, 429, 200]);
  });

  test('times: Infinity lasts until clearFaults', async () => {
    const sandbox = await sandboxWith();
    sandbox.inject({ kind: 'throttled' }, { times: Infinity });
    for (let i = 0; i < 3; i++) expect((await exchange(sandbox, `inf-${i}`)).status).toBe(429);
    sandbox.clearFaults();
    expect((await exchange(sandbox, 'after-clear')).status).toBe(200);
  });

  test.each([
    [{ kind: 'latency', ms: -1 }, undefined],
    [{ kind: 'http-status', status: 200 }, undefined],
    [{ kind: 'html', status: 99 }, undefined],
    [{ kind: 'wechat', statusCode: 600, errcode: 40029 }, undefined],
    [{ kind: 'envelope', statusCode: 200 }, undefined],
    [{ kind: 'nonsense' }, undefined],
    [{ kind: 'throttled' }, 0],
    [{ kind: 'throttled' }, 1.5],
  ])('inject rejects %j (times %s) and queues nothing', async (fault, times) => {
    const sandbox = await sandboxWith();
    expect(() => sandbox.inject(fault as never, { times })).toThrow(TypeError);
    expect((await exchange(sandbox, 'untouched')).status).toBe(200);
  });
});

describe('lifecycle', () => {
  test('invalid options are refused with a TypeError', async () => {
    await expect(startSandbox({ port: -1 })).rejects.toThrow(/port/);
    await expect(startSandbox({ shape: 'xml' as never })).rejects.toThrow(/shape/);
    await expect(startSandbox({ codeTtlMs: 0 })).rejects.toThrow(/codeTtlMs/);
    await expect(startSandbox({ appId: '' })).rejects.toThrow(/appId/);
  });

  test('keeps connections alive, and close() ends an idle keep-alive socket promptly', async () => {
    const sandbox = await startSandbox();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<{ status: number; localPort: number; socketClosed: Promise<void> }> =>
      new Promise((resolve, reject) => {
        const req = request(sandbox.url + EXCHANGE_PATH, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              localPort: req.socket!.localPort!,
              socketClosed: new Promise((done) => req.socket!.once('close', () => done())),
            }),
          );
        });
        req.on('error', reject);
        req.end(JSON.stringify({ code: 'ka', extIdpConnidentifier: DEFAULT_CONNECTION_ID }));
      });
    const first = await get();
    const second = await get();
    expect(second.localPort).toBe(first.localPort); // same socket reused
    await sandbox.close();
    await second.socketClosed;
    agent.destroy();
    await sandbox.close(); // idempotent
  });

  test('close() does not wait for a pending latency fault', async () => {
    const sandbox = await startSandbox();
    sandbox.inject({ kind: 'latency', ms: 600_000 });
    const pending = exchange(sandbox, 'slow');
    while (sandbox.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await sandbox.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('CLI', () => {
  test('parses every flag, both --flag value and --flag=value', () => {
    expect(
      parseSandboxArgs([
        '--port',
        '4000',
        '--host=0.0.0.0',
        '--shape',
        'flat',
        '--strict',
        '--connection',
        'my-wxapp',
        '--app-id=app-1',
        '--userpool-id',
        'pool-1',
        '--numeric-country-code',
      ]),
    ).toEqual({
      upstream: 'authing',
      options: {
        port: 4000,
        host: '0.0.0.0',
        shape: 'flat',
        strictCodes: true,
        extIdpConnidentifier: 'my-wxapp',
        appId: 'app-1',
        userPoolId: 'pool-1',
        numericCountryCode: true,
      },
    });
    expect(parseSandboxArgs([])).toEqual({ upstream: 'authing', options: {} });
    expect(parseSandboxArgs(['--strict', '--help'])).toBe('help');
  });

  test.each([
    [['--port', 'abc'], /--port/],
    [['--port', '70000'], /--port/],
    [['--port'], /--port needs a value/],
    [['--shape', 'xml'], /--shape/],
    [['--verbose'], /unknown option --verbose/],
    [['--port='], /--port needs a value/],
    [['--strict=yes'], /--strict takes no value/],
    [['extra'], /unexpected argument extra/],
    [['--upstream', 'alipay'], /--upstream must be authing or wechat, got alipay/],
    [['--upstream', 'wechat', '--shape', 'flat'], /--shape applies to --upstream authing only/],
    [['--secret', 's'], /--secret applies to --upstream wechat only/],
    [['--upstream', 'wechat', '--appid', 'app-1'], /--appid must be a mini program appid/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSandboxArgs(argv)).toThrow(message);
  });

  test('prints one line with the URL and connection identifier, serves, and stops', async () => {
    const lines: string[] = [];
    const sigints = process.listenerCount('SIGINT');
    const cli = await runSandboxCli(['--port', '0', '--shape', 'flat', '--connection', 'my-wxapp'], (line) => lines.push(line));
    expect(cli).toBeDefined();
    const sandbox = cli!.sandbox as Sandbox;
    expect(lines).toEqual([`Authing sandbox listening on ${sandbox.url} (extIdpConnidentifier: my-wxapp, shape: flat, codes: lenient)`]);
    expect(process.listenerCount('SIGINT')).toBe(sigints + 1);
    const answer = await post(sandbox, { code: 'cli', extIdpConnidentifier: 'my-wxapp' });
    expect(answer.json.data?.phoneNumber).toBe(sandbox.phoneFor('cli').phoneNumber);
    await cli!.stop();
    expect(process.listenerCount('SIGINT')).toBe(sigints);
    await expect(fetch(sandbox.url + EXCHANGE_PATH, { method: 'POST' })).rejects.toThrow();
  });

  test('--help prints the usage and starts nothing', async () => {
    const lines: string[] = [];
    expect(await runSandboxCli(['--help'], (line) => lines.push(line))).toBeUndefined();
    expect(lines.join('\n')).toContain('--shape phone_info|flat');
  });
});
