// Fault: 1000 concurrent distinct codes against a slow Authing, its latency just under and just over the upstream
// timeout. The invariants of the fault matrix: no code reaches Authing twice; a code answered 503 was never sent and its
// retry succeeds; a code answered 504 was sent, and its retry gets Authing's late answer; every answer is a documented
// one; the proxy keeps serving.
import http from 'node:http';
import { expectServing, parseAnswer, postCode, startRig, type Answer, type Rig } from './harness';

const CODES = 1000;
const UPSTREAM_TIMEOUT_MS = 1000;
/** Concurrent retries: the proxy's 128 upstream slots take them in a few rounds. */
const RETRY_CONCURRENCY = 64;
jest.setTimeout(60_000);

/** Runs `task` over `items`, `concurrency` at a time, keeping the order of the results. */
async function inPool<T, R>(items: T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

async function lateAnswersCounted(rig: Rig, agent: http.Agent): Promise<number> {
  const { text } = await new Promise<Answer>((resolve, reject) => {
    http
      .get(`${rig.url}/metrics`, { agent }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: body }));
      })
      .on('error', reject);
  });
  return [...text.matchAll(/^phone_proxy_upstream_late_answers_total\{[^}]*\} (\d+)/gm)].reduce((sum, [, count]) => sum + Number(count), 0);
}

describe.each([
  ['just under the timeout', 0.7],
  ['just over the timeout', 1.3],
])('fault matrix: %s, 1000 concurrent codes', (_name, factor) => {
  const latencyMs = Math.round(UPSTREAM_TIMEOUT_MS * factor);
  let rig: Rig;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  beforeAll(async () => {
    // One loopback client stands for a thousand users: the memory store's per-client share is raised to match.
    rig = await startRig({ proxy: { upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS, dedupe: { maxEntriesPerClient: 10_000 } }, logLevel: 'warn' });
  });
  afterAll(async () => {
    agent.destroy();
    await rig.close();
  });

  test('every 504 was sent and its retry gets the late answer; every 503 was not sent and its retry succeeds; no code twice', async () => {
    const { sandbox } = rig;
    sandbox.inject({ kind: 'latency', ms: latencyMs }, { times: CODES });
    const codes = Array.from({ length: CODES }, () => sandbox.mintCode());
    const burst = await Promise.all(codes.map((code) => postCode(rig.url, code, agent)));
    const kinds = burst.map((answer) => {
      const parsed = parseAnswer(answer); // throws on anything undocumented
      return parsed.kind === 'dto' ? 'ok' : parsed.error;
    });
    const sentAtBurst = codes.map((code) => sandbox.callsFor(code));
    sandbox.clearFaults();

    for (const [index, kind] of kinds.entries()) {
      expect(['ok', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT']).toContain(kind);
      // 200 and 504: sent once; 503: never sent.
      expect(sentAtBurst[index]).toBe(kind === 'UPSTREAM_UNAVAILABLE' ? 0 : 1);
    }
    const timedOut = kinds.filter((kind) => kind === 'UPSTREAM_TIMEOUT').length;
    // More codes than upstream slots: some were refused before being sent.
    expect(kinds.filter((kind) => kind === 'UPSTREAM_UNAVAILABLE').length).toBeGreaterThan(0);
    if (factor > 1) expect(timedOut).toBeGreaterThan(0);

    // Late answers arrive within the latency; bounded wait until each 504 has its answer kept.
    const waitUntil = performance.now() + latencyMs + 10_000;
    while ((await lateAnswersCounted(rig, agent)) < timedOut && performance.now() < waitUntil)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await lateAnswersCounted(rig, agent)).toBe(timedOut);

    const failed = codes.filter((_code, index) => kinds[index] !== 'ok');
    const retries = await inPool(failed, RETRY_CONCURRENCY, (code) => postCode(rig.url, code, agent));
    for (const [index, retry] of retries.entries()) {
      expect(parseAnswer(retry)).toEqual({ kind: 'dto', data: sandbox.phoneFor(failed[index]) });
    }
    for (const code of codes) expect(sandbox.callsFor(code)).toBe(1);
    await expectServing(rig);
  });
});
