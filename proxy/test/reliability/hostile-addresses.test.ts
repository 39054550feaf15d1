// Fault matrix, hostile input: X-Forwarded-For values of every shape (zone ids, brackets, ports, lists, garbage)
// through the real proxy with its rate limit on, for each way of trusting proxies. Invariants: never a 5xx, every
// answer a documented one, no code reaches the upstream twice, a refused code is free (its retry from a clean
// address succeeds), and the proxy keeps serving.
import http from 'node:http';
import fc from 'fast-check';
import type { TrustProxy } from '../../src/guards/client-address';
import { REFERER, parseAnswer, send, startRig, type Answer, type Rig } from './harness';

const NUM_RUNS = 150;
/** Low enough that garbage (which counts under the peer) gets refused within a run: refusals are exercised too. */
const RATE_LIMIT = { max: 15, timeWindowMs: 600_000 };

/** Any byte a header value may carry (visible ASCII, space, obs-text; not DEL or controls). */
const headerByte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c));
const headerText = (maxLength: number) => fc.string({ unit: headerByte, maxLength });
const zoneId = fc.oneof(fc.constantFrom('a-b', 'eth0', '25eth0', '', '%', '-', '1', 'a b', 'é'), headerText(12));
const port = fc.integer({ min: 0, max: 99_999 });

const addressLike: fc.Arbitrary<string> = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV6(), zoneId).map(([ip, zone]) => `${ip}%${zone}`),
  fc.tuple(fc.constantFrom('fe80::1', 'FE80::A:1', '::1'), zoneId).map(([ip, zone]) => `${ip}%${zone}`),
  fc.tuple(fc.ipV6(), port).map(([ip, p]) => `[${ip}]:${p}`),
  fc.tuple(fc.ipV6(), zoneId, port).map(([ip, zone, p]) => `[${ip}%${zone}]:${p}`),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc.tuple(fc.ipV4(), port).map(([ip, p]) => `${ip}:${p}`),
  fc.ipV4().map((ip) => `::ffff:${ip}`),
  fc.constantFrom('', ' ', '[', ']', '[]', '[:::]', '::::', '%', 'unknown', '1', '0x7f.1', '999.1.1.1', '::1::', '[::1', 'fe80::1%'),
  headerText(60),
);

const forwardedFor: fc.Arbitrary<string> = fc
  .tuple(fc.array(addressLike, { minLength: 1, maxLength: 4 }), fc.constantFrom(',', ', ', ' ,', ',,'))
  .map(([entries, separator]) => entries.join(separator));

/** The component's exchange, as forwarded by a proxy that says the client is `forwardedFor`. */
function exchangeFrom(rig: Rig, forwardedFor: string, code: string, agent?: http.Agent): Promise<Answer> {
  const headers = { 'content-type': 'application/json', referer: REFERER, 'x-forwarded-for': forwardedFor };
  return send(rig.url, { headers, body: JSON.stringify({ code }) }, agent);
}

const TRUST_MODES: Array<[string, TrustProxy]> = [
  ['every proxy trusted', true],
  ['one hop trusted', 1],
  ['loopback trusted', 'loopback'],
];

describe.each(TRUST_MODES)('hostile X-Forwarded-For, %s', (_name, trustProxy) => {
  let rig: Rig;
  let agent: http.Agent;

  beforeAll(async () => {
    rig = await startRig({ proxy: { trustProxy, rateLimit: RATE_LIMIT } });
    agent = new http.Agent({ keepAlive: true });
  });

  afterAll(async () => {
    agent.destroy();
    await rig?.close();
  });

  test('never a 5xx; refused codes stay free and no code reaches Authing twice', async () => {
    const refused: string[] = [];
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(forwardedFor, async (xff) => {
        const code = rig.sandbox.mintCode();
        const answer = await exchangeFrom(rig, xff, code, agent);
        expect(answer.status).toBeLessThan(500);
        const parsed = parseAnswer(answer);
        if (parsed.kind === 'error') {
          expect(parsed.error).toBe('RATE_LIMITED');
          expect(rig.sandbox.callsFor(code)).toBe(0);
          refused.push(code);
        } else {
          answered++;
          expect(parsed.data).toEqual(rig.sandbox.phoneFor(code));
        }
        // Health and metrics answer whatever the header says (they count per client too).
        for (const path of ['/healthz', '/metrics']) {
          const probe = await send(rig.url, { method: 'GET', path, headers: { 'x-forwarded-for': xff } }, agent);
          expect([200, 429]).toContain(probe.status);
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect(answered).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    // A refused code was never sent: sent again from a clean address, it is exchanged, once.
    for (const [index, code] of refused.slice(0, 10).entries()) {
      const retry = await exchangeFrom(rig, `198.51.100.${index + 1}`, code);
      expect(parseAnswer(retry)).toEqual({ kind: 'dto', data: rig.sandbox.phoneFor(code) });
    }
    for (const code of [...refused]) expect(rig.sandbox.callsFor(code)).toBeLessThanOrEqual(1);
    expect(rig.sandbox.calls).toBe(answered + Math.min(refused.length, 10));
    // Still serving (from an address of its own: garbage may have used up the peer's bucket).
    expect(parseAnswer(await exchangeFrom(rig, '203.0.113.250', rig.sandbox.mintCode()))).toMatchObject({ kind: 'dto' });
  }, 60_000);

  test('IPv6 zone ids, brackets and ports count under the address they name', async () => {
    // Same /56 however it is written: the request past the limit in the window is refused.
    const spellings = ['2001:db8:1:100::1%a-b', '[2001:db8:1:100::2]:443', '[2001:db8:1:1ff::3%eth0]:1', '2001:DB8:1:100::4'];
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMIT.max; i++)
      statuses.push((await exchangeFrom(rig, spellings[i % spellings.length], rig.sandbox.mintCode(), agent)).status);
    expect(statuses.slice(0, RATE_LIMIT.max).every((status) => status === 200)).toBe(true);
    expect(statuses[RATE_LIMIT.max]).toBe(429);
    expect((await exchangeFrom(rig, '2001:db8:2::1', rig.sandbox.mintCode())).status).toBe(200);
  }, 30_000);
});
