// The cases every framework adapter must pass, against the real framework on loopback and the real sandbox as Authing.
import { request as httpRequest } from 'node:http';
import { type OnPhoneContext, type ProxyOptions } from '../../src';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { APP_ID, authingFor, LogCapture, postJson, refererFor } from '../helpers';

/** A framework server with the adapter inside; `url` is the exchange's URL. */
export interface Mounted {
  url: string;
  /** Closes the adapter (in-flight exchanges finish), then the server. */
  close(): Promise<void>;
}

export interface AdapterCase {
  /** Starts the framework with the adapter built from `options`. */
  mount(options: ProxyOptions): Promise<Mounted>;
  /** Checks the `context.request` the hook got is the framework's own request object. */
  isNativeRequest(value: unknown): boolean;
  /** Whether a malformed JSON body reaches the adapter (false when the host's own JSON parser answers it first). */
  ownsMalformedJson: boolean;
}

/** POSTs raw bytes with the given content type; resolves with status, headers and the parsed body. */
export function postRaw(url: string, body: string, contentType: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export function adapterSuite(name: string, adapter: AdapterCase): void {
  describe(name, () => {
    let sandbox: Sandbox;
    const mounted: Mounted[] = [];
    beforeAll(async () => {
      sandbox = await startSandbox({ appId: APP_ID });
    });
    afterEach(async () => {
      await Promise.all(mounted.splice(0).map((server) => server.close()));
    });
    afterAll(() => sandbox.close());

    const start = async (options: Partial<ProxyOptions> = {}): Promise<{ url: string; logs: LogCapture }> => {
      const logs = new LogCapture();
      const server = await adapter.mount({ authing: authingFor(sandbox), rateLimit: false, logger: { level: 'info', stream: logs }, ...options });
      mounted.push(server);
      return { url: server.url, logs };
    };

    it('exchanges a code: our DTO, x-request-id, no-store', async () => {
      const { url } = await start();
      const code = sandbox.mintCode();
      const answer = await postJson(url, { code });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        statusCode: 200,
        message: 'ok',
        requestId: answer.headers.get('x-request-id'),
        upstreamRequestId: expect.any(String),
        data: sandbox.phoneFor(code),
      });
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('refuses an invalid body (400), a wrong content type (415) and a body over 4 KiB (413) in our envelope', async () => {
      const { url } = await start();
      const invalid = await postJson(url, { code: 1 });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST', requestId: invalid.headers.get('x-request-id') });
      expect((await postRaw(url, JSON.stringify({ code: sandbox.mintCode() }), 'text/plain')).body).toMatchObject({
        statusCode: 415,
        error: 'INVALID_REQUEST',
      });
      const large = await postRaw(url, JSON.stringify({ code: sandbox.mintCode(), pad: 'x'.repeat(5000) }), 'application/json');
      expect(large).toMatchObject({ status: 413, body: { error: 'INVALID_REQUEST', message: 'Request body too large' } });
      if (adapter.ownsMalformedJson) {
        expect(await postRaw(url, '{"code": ', 'application/json')).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
      }
    });

    it('sends one code to Authing once, however often it comes', async () => {
      const { url } = await start();
      const code = sandbox.mintCode();
      const answers = await Promise.all([postJson(url, { code }), postJson(url, { code })]);
      const again = await postJson(url, { code });
      for (const answer of [...answers, again]) expect(answer.body).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
      expect(sandbox.callsFor(code)).toBe(1);
    });

    it('rate limits with 429 and Retry-After; the refused code never reaches Authing', async () => {
      const { url } = await start({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
      expect((await postJson(url, { code: sandbox.mintCode() })).status).toBe(200);
      const refused = sandbox.mintCode();
      const limited = await postJson(url, { code: refused });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error: 'RATE_LIMITED' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Counted once closed (close() waits for every call to Authing): a call sent in the background would have landed.
      await Promise.all(mounted.splice(0).map((server) => server.close()));
      expect(sandbox.callsFor(refused)).toBe(0);
    });

    it('onPhone: adds its fields to the success body, given the phone, appid, nonce, source and the framework request', async () => {
      const contexts: OnPhoneContext[] = [];
      const { url } = await start({
        onPhone: (context) => {
          contexts.push(context);
          return { extra: { session: `s-${context.phone.purePhoneNumber.slice(-4)}` } };
        },
      });
      const code = sandbox.mintCode();
      const answer = await postJson(url, { code, nonce: 'n-123' }, { referer: refererFor('wxhost') });
      const phone = sandbox.phoneFor(code);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ statusCode: 200, data: phone, session: `s-${phone.purePhoneNumber.slice(-4)}` });
      expect(contexts).toHaveLength(1);
      const [context] = contexts;
      expect(context).toMatchObject({ phone, appId: 'wxhost', nonce: 'n-123', source: 'upstream', requestId: answer.body.requestId });
      expect(adapter.isNativeRequest(context.request)).toBe(true);
    });

    it('onPhone: refuses with its own status, message and error code', async () => {
      const { url } = await start({ onPhone: () => ({ refuse: { status: 403, message: 'No account for this number', error: 'NOT_REGISTERED' } }) });
      const answer = await postJson(url, { code: sandbox.mintCode() });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({
        statusCode: 403,
        message: 'No account for this number',
        error: 'NOT_REGISTERED',
        requestId: answer.headers.get('x-request-id'),
      });
      expect(answer.body).not.toHaveProperty('data');
    });

    it('onPhone throws: HOOK_FAILED, the phone logged masked; a retry of the code runs the hook again without Authing', async () => {
      let failures = 1;
      const { url, logs } = await start({
        onPhone: ({ phone }) =>
          failures-- > 0
            ? Promise.reject(new Error(`database down while saving ${phone.purePhoneNumber}`))
            : Promise.resolve({ extra: { session: 'ok' } }),
      });
      const code = sandbox.mintCode();
      const phone = sandbox.phoneFor(code);
      const failed = await postJson(url, { code });
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({ statusCode: 500, error: 'HOOK_FAILED', requestId: failed.headers.get('x-request-id') });
      expect(JSON.stringify(failed.body)).not.toContain(phone.purePhoneNumber);

      const retried = await postJson(url, { code });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ data: phone, session: 'ok' });
      expect(sandbox.callsFor(code)).toBe(1);

      const line = logs.records().find((record) => record.outcome === 'HOOK_FAILED');
      expect(line).toMatchObject({ level: 50, detail: { phone: `${phone.purePhoneNumber.slice(0, 3)}****${phone.purePhoneNumber.slice(-4)}` } });
      expect(logs.text).not.toContain(phone.purePhoneNumber);
    });

    it('close(): an exchange in flight still gets its answer', async () => {
      const logs = new LogCapture();
      const server = await adapter.mount({ authing: authingFor(sandbox), rateLimit: false, logger: { level: 'info', stream: logs } });
      sandbox.inject({ kind: 'latency', ms: 300 }, { times: 1 });
      const code = sandbox.mintCode();
      const pending = postJson(server.url, { code });
      while (sandbox.callsFor(code) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const closed = server.close();
      expect((await pending).body).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
      await closed;
    });
  });
}
