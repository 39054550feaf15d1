// Thousands of exchanges at high concurrency with about 10% upstream faults: every answer is the DTO or a
// documented error, each fault costs exactly its own request, the proxy keeps serving and its memory settles.
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { SandboxFault } from '../../src/sandbox';
import { expectServing, parseAnswer, postCode, startRig, type Rig } from './harness';

const REQUESTS = 3000;
const CONCURRENCY = 100;
const FAULT_EVERY = 10;
/** Generous: on 2 busy cores (a CI run once saw one healthy exchange pass 1 s) it must never be mistaken for a timeout. */
const UPSTREAM_TIMEOUT_MS = 2000;
/** Heap growth tolerated after a full GC: the de-duplication cache holds REQUESTS small entries, far less. */
const HEAP_GROWTH_BOUND_BYTES = 40 * 1024 * 1024;

const FAULTS: SandboxFault[] = [
  { kind: 'http-status', status: 500 },
  { kind: 'html', status: 502 },
  { kind: 'malformed' },
  { kind: 'reset' },
  { kind: 'wechat', statusCode: 602, errcode: 40029 },
  { kind: 'wechat', statusCode: 601, errcode: 45011 },
  { kind: 'wechat', statusCode: 601, errcode: -1 },
  { kind: 'throttled' },
  { kind: 'latency', ms: UPSTREAM_TIMEOUT_MS * 4 },
];

/** A full GC without starting node with --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

interface Tally {
  dto: number;
  errors: Map<string, number>;
}

/** `total` exchanges, `concurrency` at a time; before every FAULT_EVERY-th one a fault is queued upstream. */
async function exchangeMany(rig: Rig, total: number, concurrency: number, withFaults: boolean): Promise<Tally & { faults: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const tally: Tally = { dto: 0, errors: new Map() };
  let next = 0;
  let faults = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      if (withFaults && index % FAULT_EVERY === 0) {
        rig.sandbox.inject(FAULTS[faults++ % FAULTS.length]);
      }
      const parsed = parseAnswer(await postCode(rig.url, rig.sandbox.mintCode(), agent));
      if (parsed.kind === 'dto') tally.dto++;
      else tally.errors.set(parsed.error, (tally.errors.get(parsed.error) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { ...tally, faults };
}

describe('load with faults', () => {
  let rig: Rig;

  beforeAll(async () => {
    // One loopback client stands for thousands of users here: its share of the memory store is the whole of it
    // (by default one client may hold 1%; memory-flood.test.ts covers that bound).
    rig = await startRig({ proxy: { upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS, dedupe: { maxEntriesPerClient: 10_000 } } });
  });

  afterAll(() => rig.close());

  test(`${REQUESTS} exchanges, ${CONCURRENCY} concurrent, 1 in ${FAULT_EVERY} faulty`, async () => {
    await exchangeMany(rig, 300, CONCURRENCY, false); // warm-up: JIT, pools, metrics series
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const callsBefore = rig.sandbox.calls;

    const result = await exchangeMany(rig, REQUESTS, CONCURRENCY, true);

    const failed = [...result.errors.values()].reduce((sum, count) => sum + count, 0);
    expect(result.faults).toBe(REQUESTS / FAULT_EVERY);
    // Each fault answered its own request with an error; every other request got its phone number.
    expect(failed).toBe(result.faults);
    expect(result.dto).toBe(REQUESTS - result.faults);
    // No retries, no duplicate calls: one upstream call per request.
    expect(rig.sandbox.calls - callsBefore).toBe(REQUESTS);
    expect(result.errors.has('MISCONFIGURED')).toBe(false); // the only documented 500: none of these faults may cause it
    expect(Object.fromEntries(result.errors)).toEqual({
      UPSTREAM_UNAVAILABLE: expect.any(Number),
      UPSTREAM_ERROR: expect.any(Number),
      CODE_REJECTED: expect.any(Number),
      RATE_LIMITED: expect.any(Number),
      UPSTREAM_TIMEOUT: expect.any(Number),
    });

    await expectServing(rig);
    collectGarbage();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
  }, 30_000);
});
