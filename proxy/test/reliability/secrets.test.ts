// Logs never carry a code, a full phone number or the Authing ids sent as headers: every log line at the most
// verbose level is captured while success, duplicates, upstream faults and refused requests all run.
import http from 'node:http';
import type { SandboxFault } from '../../src/sandbox';
import { REFERER, postCode, send, startRig, type Rig } from './harness';

const APP_ID_MARKER = 'appid-marker-5ec12e7a';
const USER_POOL_MARKER = 'userpool-marker-9d0c41b3';

const FAULTS: SandboxFault[] = [
  { kind: 'wechat', statusCode: 602, errcode: 40029 },
  { kind: 'wechat', statusCode: 601, errcode: 45011 },
  { kind: 'http-status', status: 500 },
  { kind: 'html', status: 502 },
  { kind: 'malformed' },
  { kind: 'reset' },
  { kind: 'throttled' },
  { kind: 'latency', ms: 1000 },
  { kind: 'envelope', statusCode: 404, apiCode: 2011 },
];

describe('secrets never reach the log', () => {
  let rig: Rig;
  const codes: string[] = [];
  let requests = 0;

  beforeAll(async () => {
    rig = await startRig({
      sandbox: { appId: APP_ID_MARKER, userPoolId: USER_POOL_MARKER },
      proxy: { upstreamTimeoutMs: 200 },
      logLevel: 'trace',
    });
  });

  afterAll(() => rig.close());

  const fresh = (): string => {
    const code = rig.sandbox.mintCode();
    codes.push(code);
    return code;
  };
  const post = (code: string, agent?: http.Agent) => {
    requests++;
    return postCode(rig.url, code, agent);
  };
  const json = { 'content-type': 'application/json', referer: REFERER };
  const refusals: Array<[string, (code: string) => Promise<unknown>]> = [
    ['truncated JSON', (code) => send(rig.url, { headers: json, body: `{"code":"${code}"` })],
    ['JSON with a stray character', (code) => send(rig.url, { headers: json, body: `{"code":"${code}"x}` })],
    ['text/plain', (code) => send(rig.url, { headers: { ...json, 'content-type': 'text/plain' }, body: JSON.stringify({ code }) })],
    ['form encoded', (code) => send(rig.url, { headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${code}` })],
    ['code too long', (code) => send(rig.url, { headers: json, body: JSON.stringify({ code: code.repeat(3) }) })],
    ['code of a wrong type', (code) => send(rig.url, { headers: json, body: JSON.stringify({ code: [code] }) })],
    ['oversized body', (code) => send(rig.url, { headers: json, body: JSON.stringify({ code, pad: code.repeat(200) }) })],
    ['forbidden Referer', (code) => send(rig.url, { headers: { ...json, referer: 'https://evil.example/' }, body: JSON.stringify({ code }) })],
  ];

  test('success, repeats, concurrent duplicates, faults and refusals log nothing secret', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      for (let i = 0; i < 5; i++) {
        const code = fresh();
        expect((await post(code)).status).toBe(200);
        expect((await post(code)).status).toBe(200); // the repeat gets the remembered answer
        const shared = fresh();
        const duplicates = await Promise.all(Array.from({ length: 5 }, () => post(shared, agent)));
        expect(duplicates.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      }
      for (const fault of FAULTS) {
        rig.sandbox.inject(fault);
        expect((await post(fresh())).status).toBeGreaterThanOrEqual(400);
      }
      for (const [, refuse] of refusals) {
        requests++;
        await refuse(fresh());
      }
    } finally {
      agent.destroy();
    }

    const log = rig.logs.text;
    expect(rig.logs.lines.length).toBeGreaterThanOrEqual(requests); // the capture really saw every exchange
    for (const code of codes) expect(log).not.toContain(code);
    for (const code of codes) expect(log).not.toContain(rig.sandbox.phoneFor(code).purePhoneNumber);
    // The tenant ids are not secrets: only the start-up summary names them (to check the configuration), which
    // itself holds no code, number, key or password.
    const [summary, ...rest] = rig.logs.lines;
    const { time: _time, ...fields } = JSON.parse(summary) as Record<string, unknown>;
    expect(fields).toMatchObject({ msg: 'miniprogram-phone-proxy listening', appId: APP_ID_MARKER, userPoolId: USER_POOL_MARKER });
    expect(rest.join('\n')).not.toContain(APP_ID_MARKER);
    expect(rest.join('\n')).not.toContain(USER_POOL_MARKER);
    expect(JSON.stringify(fields)).not.toMatch(/PRIVATE KEY|password|\d{11}/);
    for (const code of codes) expect(summary).not.toContain(code);
  }, 20_000);
});
