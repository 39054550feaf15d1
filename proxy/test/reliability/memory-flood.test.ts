// The memory store under a flood of junk codes from many /56s of one /48, each client under its rate limit: a remembered
// answer is never evicted while live (a victim's retry is answered from memory, never sent to Authing again), a new code
// that finds the memory full is refused 503 with nothing sent (the code stays free), and the proxy keeps serving.
import http from 'node:http';
import { startProxy, type RunningProxy } from '../../src/index';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { authingFor } from '../helpers';
import { parseAnswer, REFERER, send, type Answer, type Parsed } from './harness';

jest.setTimeout(120_000);

const VICTIM = '198.51.100.7';
/** The n-th /56 of one /48 (2001:db8:ab::/48 holds 256), host `host` in it. */
const inSlash56 = (n: number, host: number): string => `2001:db8:ab:${n.toString(16).padStart(2, '0')}00::${(host + 1).toString(16)}`;

function post(proxy: RunningProxy, code: string, from: string, agent?: http.Agent): Promise<Answer> {
  return send(
    proxy.url,
    { path: '/phone', headers: { 'content-type': 'application/json', referer: REFERER, 'x-forwarded-for': from }, body: JSON.stringify({ code }) },
    agent,
  );
}

interface Flood {
  answers: Array<{ code: string; parsed: Parsed; status: number }>;
}

/** `perClient` junk codes from each of `clients` /56s, `concurrency` requests at a time; every answer is checked against the contract. */
async function flood(proxy: RunningProxy, clients: number, perClient: number, concurrency = 32): Promise<Flood> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const jobs = Array.from({ length: clients * perClient }, (_, index) => ({
    code: `junk-${index}-${Math.random().toString(36).slice(2)}`,
    from: inSlash56(index % clients, index),
  }));
  const answers: Flood['answers'] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs.length) {
          const { code, from } = jobs[next++];
          const answer = await post(proxy, code, from, agent);
          answers.push({ code, parsed: parseAnswer(answer), status: answer.status });
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { answers };
}

describe('memory store flooded from one /48', () => {
  let sandbox: Sandbox;
  const running: RunningProxy[] = [];
  beforeAll(async () => {
    // Strict: a junk code is rejected by the sandbox (422), as Authing does; it still costs an upstream call and a remembered answer.
    sandbox = await startSandbox({ appId: 'flood-app', strictCodes: true });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((proxy) => proxy.close()));
  });
  afterAll(() => sandbox?.close());

  async function proxy(dedupe: { maxEntries?: number; maxEntriesPerClient?: number } = {}): Promise<RunningProxy> {
    const started = await startProxy({
      host: '127.0.0.1',
      port: 0,
      authing: { ...authingFor(sandbox), appId: 'flood-app' },
      trustProxy: 'loopback',
      dedupe,
      logger: false,
    });
    running.push(started);
    return started;
  }

  it("the issue's flood: 10,100 junk codes from 184 /56s, each under its rate limit; the victim's retry never reaches Authing again", async () => {
    const served = await proxy(); // the defaults: 10,000 remembered answers, 60 requests a minute per /56
    const code = sandbox.mintCode();
    const first = await post(served, code, VICTIM);
    expect(parseAnswer(first)).toMatchObject({ kind: 'dto' });

    const { answers } = await flood(served, 184, 55);
    expect(answers.filter(({ parsed }) => parsed.kind === 'error' && parsed.error === 'RATE_LIMITED')).toHaveLength(0);

    const retry = await post(served, code, VICTIM);
    console.log(`flood: victim's code reached Authing ${sandbox.callsFor(code)} time(s); retry answered ${retry.status}`);
    expect(sandbox.callsFor(code)).toBe(1);
    expect([200, 503]).toContain(retry.status);
    expect(parseAnswer(retry)).toEqual(
      retry.status === 200 ? { kind: 'dto', data: sandbox.phoneFor(code) } : expect.objectContaining({ error: 'UPSTREAM_UNAVAILABLE' }),
    );
  });

  it('fault matrix: flooded by 256 /56s of one /48 -> no code sent twice, every unsent code free, documented answers, still serving', async () => {
    const served = await proxy({ maxEntries: 2000 }); // 20 a client by default
    const answered = sandbox.mintCode();
    expect(parseAnswer(await post(served, answered, VICTIM))).toMatchObject({ kind: 'dto' });

    const { answers } = await flood(served, 256, 9); // 2304 junk codes, 9 a client: under both the rate limit and the share
    const byError = new Map<string, number>();
    for (const { code, parsed } of answers) {
      const error = parsed.kind === 'dto' ? 'dto' : parsed.error;
      byError.set(error, (byError.get(error) ?? 0) + 1);
      // A junk code is rejected by Authing (sent once) or refused here (never sent).
      expect(sandbox.callsFor(code)).toBe(error === 'CODE_REJECTED' ? 1 : 0);
    }
    expect([...byError.keys()].sort()).toEqual(['CODE_REJECTED', 'UPSTREAM_UNAVAILABLE']);
    expect(byError.get('CODE_REJECTED')).toBe(2000 - 1); // the memory full, the victim's answer kept

    // The victim's repeat is answered from memory; a new code is refused unsent while the memory is full.
    const repeat = await post(served, answered, VICTIM);
    expect(parseAnswer(repeat)).toEqual({ kind: 'dto', data: sandbox.phoneFor(answered) });
    const refused = sandbox.mintCode();
    expect(parseAnswer(await post(served, refused, VICTIM))).toMatchObject({ kind: 'error', error: 'UPSTREAM_UNAVAILABLE' });
    expect([sandbox.callsFor(answered), sandbox.callsFor(refused)]).toEqual([1, 0]);
    const metrics = await (await fetch(`${served.url}/metrics`)).text();
    expect(metrics).toContain(`phone_proxy_store_refusals_total{reason="full"} ${byError.get('UPSTREAM_UNAVAILABLE')! + 1}`);
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);

    // The refused codes were never sent: with room again (here a new process's memory), each is exchanged once.
    await served.close();
    const next = await proxy({ maxEntries: 2000 });
    expect(parseAnswer(await post(next, refused, VICTIM))).toEqual({ kind: 'dto', data: sandbox.phoneFor(refused) });
    expect(sandbox.callsFor(refused)).toBe(1);
  });

  it("one client's share: past DEDUPE_MAX_ENTRIES_PER_CLIENT its new codes are refused unsent, other clients go on", async () => {
    const served = await proxy({ maxEntries: 1000, maxEntriesPerClient: 10 });
    const greedy = inSlash56(7, 0);
    const codes = Array.from({ length: 14 }, () => sandbox.mintCode());
    const answers = [];
    for (const code of codes) answers.push(parseAnswer(await post(served, code, greedy)));
    expect(answers.filter((answer) => answer.kind === 'dto')).toHaveLength(10);
    expect(answers.slice(10)).toEqual(Array(4).fill(expect.objectContaining({ kind: 'error', error: 'UPSTREAM_UNAVAILABLE' })));
    // Another address of the same /56 is the same client; another /56 is not.
    expect(parseAnswer(await post(served, sandbox.mintCode(), inSlash56(7, 99)))).toMatchObject({ error: 'UPSTREAM_UNAVAILABLE' });
    expect(parseAnswer(await post(served, sandbox.mintCode(), inSlash56(8, 0)))).toMatchObject({ kind: 'dto' });
    expect(codes.map((code) => sandbox.callsFor(code))).toEqual([...Array(10).fill(1), ...Array(4).fill(0)]);
    expect(await (await fetch(`${served.url}/metrics`)).text()).toContain('phone_proxy_store_refusals_total{reason="client_share"} 5');
  });
});
