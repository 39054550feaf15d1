// A code never reaches Authing twice: shared in-flight calls, remembered answers (every one, failures included), and
// the one kind deliberately forgotten: a request that provably never left this machine.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { startSandbox } from '../src/sandbox';
import { Dedupe, hashCode } from '../src/store/dedupe';
import { APP_ID, closedPortUrl, startStack, type Stack } from './helpers';

/** Short, so that a call past its deadline and its grace is given up within the test. */
const GRACE_MS = 1000;

describe('duplicate codes against the sandbox', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sandbox: { strictCodes: true }, proxy: { upstreamTimeoutMs: 600, upstreamLateGraceMs: GRACE_MS } });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.sandbox.clearFaults());

  it('concurrent duplicates share one upstream call and get the same phone', async () => {
    const code = stack.sandbox.mintCode();
    stack.sandbox.inject({ kind: 'latency', ms: 50 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => stack.post({ code })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    for (const answer of answers) expect(answer.body.data).toEqual(stack.sandbox.phoneFor(code));
    expect(new Set(answers.map((answer) => answer.body.requestId)).size).toBe(8);
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it('a sequential repeat gets the first answer without an upstream call', async () => {
    const code = stack.sandbox.mintCode();
    const first = await stack.post({ code });
    const second = await stack.post({ code });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual(first.body.data);
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it('a rejected code is remembered too', async () => {
    stack.sandbox.inject({ kind: 'wechat', statusCode: 602, errcode: 40029 });
    const code = stack.sandbox.mintCode();
    expect((await stack.post({ code })).status).toBe(422);
    expect((await stack.post({ code })).status).toBe(422);
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it('a timeout with no answer within the grace is remembered: the code may have been consumed, a repeat must not reach Authing', async () => {
    stack.sandbox.inject({ kind: 'latency', ms: 600 + GRACE_MS + 1500 });
    const code = stack.sandbox.mintCode();
    expect((await stack.post({ code })).body.error).toBe('UPSTREAM_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200)); // the grace is over: the call was given up
    expect((await stack.post({ code })).body.error).toBe('UPSTREAM_TIMEOUT');
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it('a duplicate arriving during the grace waits for the late answer and gets the phone', async () => {
    stack.sandbox.inject({ kind: 'latency', ms: 900 });
    const code = stack.sandbox.mintCode();
    expect((await stack.post({ code })).body.error).toBe('UPSTREAM_TIMEOUT');
    const duplicate = await stack.post({ code }); // the call is still in its grace: the duplicate joins it
    expect(duplicate.status).toBe(200);
    expect(duplicate.body.data).toEqual(stack.sandbox.phoneFor(code));
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it('a late answer within the grace is kept: the repeat gets the phone, Authing saw the code once', async () => {
    stack.sandbox.inject({ kind: 'latency', ms: 900 });
    const code = stack.sandbox.mintCode();
    expect((await stack.post({ code })).body.error).toBe('UPSTREAM_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 600)); // the late answer came meanwhile
    const repeat = await stack.post({ code });
    expect(repeat.status).toBe(200);
    expect(repeat.body.data).toEqual(stack.sandbox.phoneFor(code));
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it('a reset is remembered (the request reached Authing)', async () => {
    stack.sandbox.inject({ kind: 'reset' });
    const code = stack.sandbox.mintCode();
    expect((await stack.post({ code })).body.error).toBe('UPSTREAM_UNAVAILABLE');
    expect((await stack.post({ code })).body.error).toBe('UPSTREAM_UNAVAILABLE');
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });

  it.each([
    ['Authing throttling (HTTP 429)', { kind: 'throttled' } as const, 429, 'RATE_LIMITED'],
    ['WeChat 45011 throttling', { kind: 'wechat', statusCode: 602, errcode: 45011 } as const, 429, 'RATE_LIMITED'],
    ['a misconfiguration (apiCode 2011)', { kind: 'envelope', statusCode: 400, apiCode: 2011 } as const, 500, 'MISCONFIGURED'],
  ])('%s is remembered too: the request reached Authing, a repeat gets the same answer', async (_name, fault, status, error) => {
    stack.sandbox.inject(fault);
    const code = stack.sandbox.mintCode();
    const first = await stack.post({ code });
    const repeat = await stack.post({ code });
    expect(first).toMatchObject({ status, body: { error } });
    expect(repeat).toMatchObject({ status, body: { error } });
    expect(repeat.body.apiCode).toBe(first.body.apiCode);
    expect(repeat.headers.get('retry-after')).toBe(first.headers.get('retry-after'));
    expect(stack.sandbox.callsFor(code)).toBe(1);
  });
});

describe('a full de-duplication cache', () => {
  // The memory store never evicts a live call or answer (issue 18): full, a new code is refused with nothing sent.
  it('keeps the call in flight: a duplicate arriving after other codes filled the cache shares it, a new code is refused unsent', async () => {
    const stack = await startStack({ proxy: { dedupe: { maxEntries: 2, maxEntriesPerClient: 2 } } });
    try {
      const code = stack.sandbox.mintCode();
      stack.sandbox.inject({ kind: 'latency', ms: 300 });
      const first = stack.post({ code });
      while (stack.sandbox.callsFor(code) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await stack.post({ code: stack.sandbox.mintCode() })).status).toBe(200);
      const refused = stack.sandbox.mintCode();
      expect((await stack.post({ code: refused })).body).toMatchObject({ statusCode: 503, error: 'UPSTREAM_UNAVAILABLE' });
      expect(stack.sandbox.callsFor(refused)).toBe(0);
      const [answer, duplicate] = await Promise.all([first, stack.post({ code })]);
      expect(answer.status).toBe(200);
      expect(duplicate.status).toBe(200);
      expect(duplicate.body.data).toEqual(answer.body.data);
      expect(stack.sandbox.callsFor(code)).toBe(1);
    } finally {
      await stack.close();
    }
  });
});

describe('refused connections', () => {
  it('retries once, answers 503, and lets the same code through once Authing is back', async () => {
    const appHost = await closedPortUrl();
    const port = Number(new URL(appHost).port);
    // Every connection attempt the proxy makes to the closed port, and how it ended.
    const refusedAttempts: unknown[] = [];
    const onSocket = (message: unknown): void => {
      (message as { socket: Socket }).socket.once('error', (error: NodeJS.ErrnoException & { port?: number }) => {
        if (error.code === 'ECONNREFUSED' && error.port === port) refusedAttempts.push(error);
      });
    };
    subscribe('net.client.socket', onSocket);
    const stack = await startStack({
      proxy: { authing: { appHost, appId: APP_ID, extIdpConnidentifier: 'wechat-miniprogram-sandbox' } },
    });
    let sandbox;
    try {
      const code = 'c'.repeat(64);
      const refused = await stack.post({ code });
      expect(refused).toMatchObject({ status: 503, body: { error: 'UPSTREAM_UNAVAILABLE' } });
      expect(refusedAttempts).toHaveLength(2); // the first attempt and exactly one retry

      // The request never left, so the answer is not remembered: the same code works when Authing is reachable.
      sandbox = await startSandbox({ port, appId: APP_ID });
      const later = await stack.post({ code });
      expect(later.status).toBe(200);
      expect(sandbox.callsFor(code)).toBe(1);
    } finally {
      unsubscribe('net.client.socket', onSocket);
      await stack.close();
      await sandbox?.close();
    }
  });
});

describe('Dedupe (bounded memory)', () => {
  it('keys are sha256 hashes, never the code', () => {
    const key = hashCode('secret-code');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('secret');
  });

  it('forgets answers after the TTL and evicts the oldest beyond maxEntries', async () => {
    let now = 0;
    const dedupe = new Dedupe<number>({ ttlMs: 1000, maxEntries: 3, now: () => now });
    let calls = 0;
    const task = (): Promise<number> => Promise.resolve(++calls);
    const always = (): boolean => true;

    for (const key of ['a', 'b', 'c']) await dedupe.run(key, task, always).promise;
    expect(dedupe.run('a', task, always).source).toBe('remembered');
    expect(calls).toBe(3);

    await dedupe.run('d', task, always).promise; // full: 'a' (the oldest) goes
    expect(dedupe.size).toBe(3);
    expect(dedupe.run('a', task, always).source).toBe('upstream');
    await Promise.resolve();

    now = 5000; // everything expired
    expect(dedupe.run('b', task, always).source).toBe('upstream');
    await Promise.resolve();
    expect(dedupe.size).toBe(1);
  });

  it('evicts the oldest remembered answer first, past any number of answers forgotten early', async () => {
    const dedupe = new Dedupe<string>({ ttlMs: 1000, maxEntries: 3, now: () => 0 });
    const task = (): Promise<string> => Promise.resolve('answer');
    const keep = (): boolean => true;
    await dedupe.run('a', task, keep).promise;
    for (let i = 0; i < 20; i++) await dedupe.run(`forgotten-${i}`, task, () => false).promise;
    expect(dedupe.size).toBe(1);

    for (const key of ['b', 'c']) await dedupe.run(key, task, keep).promise;
    expect(dedupe.run('a', task, keep).source).toBe('remembered');
    await dedupe.run('d', task, keep).promise; // full: 'a', the oldest, goes
    expect(dedupe.size).toBe(3);
    expect(['b', 'c', 'd'].map((key) => dedupe.run(key, task, keep).source)).toEqual(['remembered', 'remembered', 'remembered']);
    expect(dedupe.run('a', task, keep).source).toBe('upstream');
  });

  it('never evicts a call in flight, however full: a concurrent duplicate shares it', async () => {
    const dedupe = new Dedupe<string>({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    const keep = (): boolean => true;
    let calls = 0;
    let finish: (value: string) => void = () => undefined;
    const slow = (): Promise<string> => {
      calls++;
      return new Promise((resolve) => (finish = resolve));
    };
    const pending = Array.from({ length: 5 }, (_, i) => dedupe.run(`slow-${i}`, slow, keep)); // 5 in flight, capacity 2
    for (const key of ['b', 'c', 'd']) await dedupe.run(key, () => Promise.resolve(key), keep).promise; // fills and overflows the answers
    expect(pending.map((_, i) => dedupe.run(`slow-${i}`, slow, keep).source)).toEqual(Array(5).fill('inflight'));
    expect(calls).toBe(5);
    expect(dedupe.size).toBe(5 + 2);

    finish('late'); // the last one settles: remembered like any answer, evicting the oldest ('c')
    await pending[4].promise;
    expect(dedupe.run('slow-4', slow, keep).source).toBe('remembered');
    expect(['c', 'd'].map((key) => dedupe.run(key, () => Promise.resolve(key), keep).source)).toEqual(['upstream', 'remembered']);
  });

  it('reports answers evicted before their TTL, and not those that expired', async () => {
    let now = 0;
    let early = 0;
    const dedupe = new Dedupe<string>({ ttlMs: 1000, maxEntries: 2, now: () => now, onEarlyEviction: () => early++ });
    const keep = (): boolean => true;
    for (const key of ['a', 'b']) await dedupe.run(key, () => Promise.resolve(key), keep).promise;
    expect(early).toBe(0);
    await dedupe.run('c', () => Promise.resolve('c'), keep).promise; // full: 'a' goes while still live
    expect(early).toBe(1);
    now = 5000; // 'b' and 'c' expire: making room for 'd' drops them, but not early
    await dedupe.run('d', () => Promise.resolve('d'), keep).promise;
    expect(early).toBe(1);
    expect(dedupe.size).toBe(1);
  });

  describe('refusing when full (the memory store): a live call or answer is never evicted', () => {
    const refusing = (now: () => number, maxEntries = 3, maxPerHolder = 2) =>
      new Dedupe<string>({ ttlMs: 1000, maxEntries, now, whenFull: { refuse: (reason) => `refused:${reason}`, maxPerHolder } });
    const keep = (): boolean => true;

    it('refuses a new key when full, without running it, until answers expire; known keys are still answered', async () => {
      let now = 0;
      const dedupe = refusing(() => now);
      let calls = 0;
      const task = (): Promise<string> => Promise.resolve(`answer-${++calls}`);
      for (const key of ['a', 'b', 'c']) await dedupe.run(key, task, keep, key).promise;
      const refused = dedupe.run('d', task, keep, 'd');
      expect(await refused.promise).toBe('refused:full');
      expect(calls).toBe(3);
      expect(dedupe.run('a', task, keep, 'a').source).toBe('remembered'); // not evicted
      expect(dedupe.run('d', task, keep, 'd').source).toBe('upstream'); // the refusal was not remembered...
      expect(calls).toBe(3); // ...and still nothing ran
      now = 1500; // all three expired: room again
      expect(await dedupe.run('d', task, keep, 'd').promise).toBe('answer-4');
      expect(dedupe.size).toBe(1);
    });

    it('counts calls in flight against the room', async () => {
      const dedupe = refusing(() => 0, 2, 2);
      const pending = [
        dedupe.run('a', () => new Promise<string>(() => undefined), keep, 'x'),
        dedupe.run('b', () => new Promise<string>(() => undefined), keep, 'y'),
      ];
      expect(pending.map((run) => run.source)).toEqual(['upstream', 'upstream']);
      expect(await dedupe.run('c', () => Promise.resolve('c'), keep, 'z').promise).toBe('refused:full');
      expect(dedupe.run('a', () => Promise.resolve('again'), keep, 'z').source).toBe('inflight');
    });

    it("bounds one holder's share, calls and answers alike, and frees it when they end", async () => {
      let now = 0;
      const dedupe = refusing(() => now, 10, 2);
      let finish: (value: string) => void = () => undefined;
      dedupe.run('a', () => new Promise<string>((resolve) => (finish = resolve)), keep, 'client');
      await dedupe.run('b', () => Promise.resolve('b'), keep, 'client').promise;
      expect(await dedupe.run('c', () => Promise.resolve('c'), keep, 'client').promise).toBe('refused:client_share');
      expect(await dedupe.run('c', () => Promise.resolve('c'), keep, 'other').promise).toBe('c'); // another client has room
      finish('a'); // settled and remembered: still held
      await Promise.resolve();
      expect(await dedupe.run('d', () => Promise.resolve('d'), keep, 'client').promise).toBe('refused:client_share');
      await dedupe.run(
        'e',
        () => Promise.resolve('e'),
        () => false,
        'other',
      ).promise; // not remembered: released at once
      expect(await dedupe.run('f', () => Promise.resolve('f'), keep, 'other').promise).toBe('f');
      now = 1500; // the client's answers expired
      expect(await dedupe.run('d', () => Promise.resolve('d'), keep, 'client').promise).toBe('d');
      await expect(dedupe.run('g', () => Promise.reject(new Error('boom')), keep, 'client').promise).rejects.toThrow('boom');
      await Promise.resolve();
      expect(await dedupe.run('h', () => Promise.resolve('h'), keep, 'client').promise).toBe('h'); // the rejection released its place
    });
  });

  it('forgets an answer when remember() says so, and after a rejection', async () => {
    const dedupe = new Dedupe<string>({ ttlMs: 1000, maxEntries: 10 });
    await dedupe.run(
      'k',
      () => Promise.resolve('transient'),
      () => false,
    ).promise;
    expect(dedupe.size).toBe(0);
    await expect(
      dedupe.run(
        'k',
        () => Promise.reject(new Error('boom')),
        () => true,
      ).promise,
    ).rejects.toThrow('boom');
    await Promise.resolve();
    expect(dedupe.size).toBe(0);
  });
});
