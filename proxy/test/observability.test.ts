// Logs: one JSON line per exchange, request ids, a masked phone and a short code hash only.
// Metrics: per-app registry, outcomes and upstream latency, no phone numbers.
import { startSandbox } from '../src/sandbox';
import { maskPhone } from '../src/observability/logging';
import { LogCapture, startStack } from './helpers';

it('masks phone numbers: 138****8000', () => {
  expect(maskPhone('13812348000')).toBe('138****8000');
  expect(maskPhone('91234567')).toBe('****67');
});

it('never logs a code, a full phone number or the Authing tenant ids; logs one line per exchange', async () => {
  const sandbox = await startSandbox({ userPoolId: 'pool-secretish-42', appId: 'app-secretish-17' });
  const logs = new LogCapture();
  const { startProxy } = await import('../src');
  const proxy = await startProxy({
    authing: { appHost: sandbox.url, appId: 'app-secretish-17', userPoolId: 'pool-secretish-42', extIdpConnidentifier: 'wechat-miniprogram-sandbox' },
    rateLimit: false,
    logger: { level: 'info', stream: logs },
  });
  const post = (body: unknown) =>
    fetch(`${proxy.url}/phone`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  try {
    const good = sandbox.mintCode();
    const rejected = sandbox.mintCode();
    const echoed = sandbox.mintCode();
    const phone = sandbox.phoneFor(good);

    const response = await post({ code: good });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    sandbox.inject({ kind: 'wechat', statusCode: 602, errcode: 40029 });
    expect((await post({ code: rejected })).status).toBe(422);
    // An upstream message that echoes the code must not carry it into the log.
    sandbox.inject({ kind: 'envelope', statusCode: 500, message: `failed for code ${echoed}` });
    expect((await post({ code: echoed })).status).toBe(503);
    expect((await post({ code: 42 })).status).toBe(400);

    const exchangeLines = logs.records().filter((record) => record.msg === 'phone exchange');
    expect(exchangeLines).toHaveLength(4);
    expect(logs.lines.length).toBe(exchangeLines.length + 1); // + "miniprogram-phone-proxy listening"

    const text = logs.text;
    for (const secret of [good, rejected, echoed, phone.phoneNumber, phone.purePhoneNumber]) {
      expect(text).not.toContain(secret);
    }
    // The tenant ids are not secrets: the start-up summary names them (to check the configuration); no exchange line does.
    const exchangeText = exchangeLines.map((line) => JSON.stringify(line)).join('\n');
    for (const id of ['app-secretish-17', 'pool-secretish-42']) expect(exchangeText).not.toContain(id);
    expect(logs.records()[0]).toMatchObject({ msg: 'miniprogram-phone-proxy listening', appId: 'app-secretish-17', userPoolId: 'pool-secretish-42' });
    const [ok, reject, unavailable, invalid] = exchangeLines;
    expect(ok).toMatchObject({
      reqId: requestId,
      outcome: 'ok',
      statusCode: 200,
      phone: maskPhone(phone.purePhoneNumber),
      dedupe: 'upstream',
      level: 30,
    });
    expect(ok.codeHash).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(reject).toMatchObject({ outcome: 'CODE_REJECTED', detail: { wechatErrcode: 40029 } });
    expect(unavailable).toMatchObject({ outcome: 'UPSTREAM_UNAVAILABLE', level: 40, detail: { upstreamMessage: 'failed for code [code]' } });
    expect(invalid).toMatchObject({ outcome: 'INVALID_REQUEST', statusCode: 400 });
  } finally {
    await proxy.close();
    await sandbox.close();
  }
});

it('exposes Prometheus metrics from its own registry, without phone numbers', async () => {
  const stack = await startStack();
  try {
    const code = stack.sandbox.mintCode();
    await stack.post({ code });
    await stack.post({ code });
    await stack.post({});
    const response = await fetch(`${stack.proxy.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = await response.text();
    expect(metrics).toMatch(/phone_proxy_requests_total\{outcome="ok"\} 2/);
    expect(metrics).toMatch(/phone_proxy_requests_total\{outcome="INVALID_REQUEST"\} 1/);
    expect(metrics).toMatch(/phone_proxy_dedupe_hits_total\{source="remembered"\} 1/);
    expect(metrics).toMatch(/phone_proxy_upstream_duration_seconds_count\{outcome="ok"\} 1/);
    expect(metrics).not.toContain(stack.sandbox.phoneFor(code).purePhoneNumber);
    expect(metrics).not.toContain(code);

    const health = await fetch(`${stack.proxy.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', store: 'memory' });
    expect(health.headers.get('cache-control')).toBe('no-store');
  } finally {
    await stack.close();
  }
});

// The memory store no longer evicts a live answer (issue 18): a full store refuses new codes, counted and warned about.
it('counts new codes refused by a full memory store and warns once per interval, naming the setting to raise and Redis', async () => {
  const stack = await startStack({ proxy: { dedupe: { maxEntries: 1 } } });
  try {
    expect((await stack.post({ code: stack.sandbox.mintCode() })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await stack.post({ code: stack.sandbox.mintCode() })).body.error).toBe('UPSTREAM_UNAVAILABLE');
    const metrics = await (await fetch(`${stack.proxy.url}/metrics`)).text();
    expect(metrics).toMatch(/^phone_proxy_store_refusals_total\{reason="full"\} 2$/m);
    expect(metrics).toMatch(/^phone_proxy_dedupe_early_evictions_total 0$/m);
    const warnings = stack.logs.records().filter((record) => record.level === 40 && record.msg !== 'phone exchange');
    expect(warnings).toEqual([
      expect.objectContaining({ maxEntries: 1, reason: 'full', msg: expect.stringMatching(/DEDUPE_MAX_ENTRIES.*REDIS_URL/) }),
    ]);
  } finally {
    await stack.close();
  }
});
