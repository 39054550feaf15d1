// The Authing client's upstream path against a raw loopback upstream: at most UPSTREAM_MAX_CONCURRENCY calls at once, a
// call that cannot start in time refused unsent, the deadline counted from the socket, "sent" meaning written (EMFILE
// is not), and a late answer within the grace becoming the call's final outcome.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AuthingClient } from '../src/exchange/authing-client';
import { errors, variants } from '../src/contract/errors';
import { AUTHING_SUCCESS as SUCCESS } from './helpers';

interface Upstream {
  url: string;
  /** Codes received, in order. */
  codes: string[];
  /** Requests whose connection closed before they were answered. */
  abandoned: number;
  close(): Promise<void>;
}

/** Answers each request with the success after `delayFor(index)` ms. */
async function startUpstream(delayFor: (index: number) => number): Promise<Upstream> {
  const upstream = { codes: [] as string[], abandoned: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const index = upstream.codes.push((JSON.parse(body) as { code: string }).code) - 1;
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(SUCCESS), delayFor(index));
      res.on('close', () => {
        if (!res.writableFinished) upstream.abandoned++;
        clearTimeout(timer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(upstream, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the upstream path', () => {
  let upstream: Upstream | undefined;
  let client: AuthingClient | undefined;
  afterEach(async () => {
    await client?.close();
    await upstream?.close();
    client = upstream = undefined;
  });
  const clientFor = (url: string, options: { timeoutMs: number; maxConcurrency?: number; lateGraceMs?: number }) =>
    (client = new AuthingClient({ appHost: url, appId: 'app-1', extIdpConnidentifier: 'conn-1', ...options }));

  it('calls beyond the concurrency wait for a slot; one that cannot start within half the timeout is refused unsent', async () => {
    upstream = await startUpstream(() => 800);
    const authing = clientFor(upstream.url, { timeoutMs: 1000, maxConcurrency: 2 });
    const outcomes = await Promise.all(['a', 'b', 'c'].map((code) => authing.exchange(code)));
    expect(outcomes.slice(0, 2).map((outcome) => outcome.ok)).toEqual([true, true]);
    expect(outcomes[2]).toMatchObject({
      ok: false,
      neverSent: true,
      failure: { definition: variants.UPSTREAM_UNAVAILABLE.notSent, detail: { errorCode: 'ERR_NO_SLOT' } },
    });
    await authing.close();
    expect(upstream.codes).toEqual(['a', 'b']);
  });

  it('the deadline starts on the socket: a call that waited for a slot still gets its whole timeout', async () => {
    // The second call waits 400 ms for the slot, then Authing takes 800 ms: 1200 ms in all, over the 1000 ms timeout.
    upstream = await startUpstream((index) => (index === 0 ? 400 : 800));
    const authing = clientFor(upstream.url, { timeoutMs: 1000, maxConcurrency: 1 });
    const started = performance.now();
    const [first, second] = await Promise.all([authing.exchange('a'), authing.exchange('b')]);
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect([first.ok, second.ok]).toEqual([true, true]);
  });

  it('a waiting call gets the slot in arrival order', async () => {
    upstream = await startUpstream(() => 50);
    const authing = clientFor(upstream.url, { timeoutMs: 2000, maxConcurrency: 1 });
    await Promise.all(['a', 'b', 'c', 'd'].map((code) => authing.exchange(code)));
    expect(upstream.codes).toEqual(['a', 'b', 'c', 'd']);
  });

  it('connection refused (after its one retry) is unsent: 503, the code free', async () => {
    upstream = await startUpstream(() => 0);
    const url = upstream.url;
    await upstream.close();
    upstream = undefined;
    const outcome = await clientFor(url, { timeoutMs: 1000 }).exchange('a');
    expect(outcome).toMatchObject({
      ok: false,
      neverSent: true,
      failure: { definition: variants.UPSTREAM_UNAVAILABLE.notSent, detail: { errorCode: 'ECONNREFUSED' } },
    });
  });

  it('out of file descriptors (EMFILE) is unsent: 503, the code free, Authing saw nothing', async () => {
    upstream = await startUpstream(() => 0);
    const fixture = path.join(__dirname, 'fixtures', 'emfile-exchange.ts');
    const child = spawn('bash', ['-c', 'ulimit -n 256 && exec node --import tsx "$0" "$1"', fixture, upstream.url], {
      cwd: path.join(__dirname, '..'),
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
    });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      neverSent: true,
      failure: { definition: { statusCode: 503 }, detail: { errorCode: 'EMFILE' } },
    });
    expect(upstream.codes).toEqual([]);
  }, 30_000);

  it('a late answer within the grace is the final outcome; the answer given was the 504', async () => {
    upstream = await startUpstream(() => 600);
    const call = clientFor(upstream.url, { timeoutMs: 200, lateGraceMs: 2000 }).call('a');
    const answer = await call.answer;
    expect(answer).toMatchObject({ ok: false, neverSent: false, failure: { definition: errors.UPSTREAM_TIMEOUT } });
    const final = await call.final;
    expect(final).toMatchObject({ ok: true, upstreamRequestId: 'rid-1' });
    expect(upstream.abandoned).toBe(0);
  });

  it('no answer within the grace: the call is given up, its final outcome the 504 given', async () => {
    upstream = await startUpstream(() => 5000);
    const call = clientFor(upstream.url, { timeoutMs: 200, lateGraceMs: 300 }).call('a');
    const answer = await call.answer;
    const final = await call.final;
    expect(final).toBe(answer);
    expect(final).toMatchObject({ failure: { definition: errors.UPSTREAM_TIMEOUT } });
    await sleep(100);
    expect(upstream.abandoned).toBe(1);
  });

  it('without a grace, the call is given up at the deadline', async () => {
    upstream = await startUpstream(() => 5000);
    const call = clientFor(upstream.url, { timeoutMs: 200, lateGraceMs: 0 }).call('a');
    expect(await call.final).toBe(await call.answer);
    await sleep(100);
    expect(upstream.abandoned).toBe(1);
  });

  it('close() ends a grace at once and refuses calls still waiting for a slot', async () => {
    upstream = await startUpstream(() => 5000);
    const authing = clientFor(upstream.url, { timeoutMs: 200, lateGraceMs: 30_000, maxConcurrency: 1 });
    const inGrace = authing.call('a');
    await inGrace.answer;
    const waiting = authing.call('b'); // the slot is held by the call in its grace
    const started = performance.now();
    await authing.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await inGrace.final).toBe(await inGrace.answer);
    expect(await waiting.answer).toMatchObject({ neverSent: true, failure: { definition: variants.UPSTREAM_UNAVAILABLE.notSent } });
    expect(upstream.codes).toEqual(['a']);
  });
});
