// Every upstream fault the sandbox can play, through the real proxy: the documented status and `error`,
// nothing of the upstream's text or our internals in the body, and the proxy keeps serving.
import { WECHAT_ERRMSG } from '../../src/sandbox';
import type { SandboxFault, SandboxOptions } from '../../src/sandbox';
import { closedPortUrl } from '../helpers';
import { expectServing, parseAnswer, postCode, startRig, type Rig } from './harness';

const UPSTREAM_TIMEOUT_MS = 200;
/** A message only the upstream knows: it must never reach the client. */
const UPSTREAM_MARKER = 'UPSTREAM-INTERNAL-7f3a';
/** Texts the sandbox's faults carry (WeChat errmsg, nginx page, the truncated body): none may reach the client. */
const UPSTREAM_TEXTS = [...Object.values(WECHAT_ERRMSG), UPSTREAM_MARKER, 'nginx', '<html', 'rid:', 'phoneNu', '操作成功', 'sandbox failure'];

interface FaultRow {
  name: string;
  fault: SandboxFault;
  status: number;
  error: string;
  apiCode?: number;
  /** The repeat of the same code gets Authing's late answer (kept by the proxy after its 504), not the same error. */
  repeatGetsLateAnswer?: boolean;
}

const faultRows: FaultRow[] = [
  {
    name: 'latency beyond the timeout',
    fault: { kind: 'latency', ms: UPSTREAM_TIMEOUT_MS * 5 },
    status: 504,
    error: 'UPSTREAM_TIMEOUT',
    repeatGetsLateAnswer: true,
  },
  { name: 'HTTP 500', fault: { kind: 'http-status', status: 500 }, status: 503, error: 'UPSTREAM_UNAVAILABLE' },
  { name: 'HTTP 503', fault: { kind: 'http-status', status: 503 }, status: 503, error: 'UPSTREAM_UNAVAILABLE' },
  { name: 'HTML 502 from a gateway', fault: { kind: 'html', status: 502 }, status: 503, error: 'UPSTREAM_UNAVAILABLE' },
  { name: 'malformed JSON', fault: { kind: 'malformed' }, status: 502, error: 'UPSTREAM_ERROR' },
  { name: 'reset mid-response', fault: { kind: 'reset' }, status: 503, error: 'UPSTREAM_UNAVAILABLE' },
  { name: '601 / 40029', fault: { kind: 'wechat', statusCode: 601, errcode: 40029 }, status: 422, error: 'CODE_REJECTED' },
  { name: '602 / 40029', fault: { kind: 'wechat', statusCode: 602, errcode: 40029 }, status: 422, error: 'CODE_REJECTED' },
  { name: '601 / 45011', fault: { kind: 'wechat', statusCode: 601, errcode: 45011 }, status: 429, error: 'RATE_LIMITED' },
  { name: '602 / 45011', fault: { kind: 'wechat', statusCode: 602, errcode: 45011 }, status: 429, error: 'RATE_LIMITED' },
  { name: '601 / -1', fault: { kind: 'wechat', statusCode: 601, errcode: -1 }, status: 503, error: 'UPSTREAM_UNAVAILABLE' },
  { name: '602 / -1', fault: { kind: 'wechat', statusCode: 602, errcode: -1 }, status: 503, error: 'UPSTREAM_UNAVAILABLE' },
  { name: 'HTTP 429 throttled', fault: { kind: 'throttled' }, status: 429, error: 'RATE_LIMITED' },
  {
    name: 'envelope 500 with an internal message',
    fault: { kind: 'envelope', statusCode: 500, message: UPSTREAM_MARKER },
    status: 503,
    error: 'UPSTREAM_UNAVAILABLE',
  },
  {
    name: 'envelope 602 with an unknown WeChat error',
    fault: { kind: 'envelope', statusCode: 602, message: `${UPSTREAM_MARKER} errcode 99999` },
    status: 502,
    error: 'UPSTREAM_ERROR',
  },
  {
    name: 'envelope app not found (apiCode 2011)',
    fault: { kind: 'envelope', statusCode: 404, apiCode: 2011, message: UPSTREAM_MARKER },
    status: 500,
    error: 'MISCONFIGURED',
    apiCode: 2011,
  },
  {
    name: 'envelope user pool not found (apiCode 2224)',
    fault: { kind: 'envelope', statusCode: 400, apiCode: 2224, message: UPSTREAM_MARKER },
    status: 500,
    error: 'MISCONFIGURED',
    apiCode: 2224,
  },
];

describe('fault matrix: one upstream fault, one documented answer', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ proxy: { upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS } });
  });

  afterAll(() => rig.close());

  afterEach(() => rig.sandbox.clearFaults());

  test.each(faultRows)('$name -> $status $error', async ({ fault, status, error, apiCode, repeatGetsLateAnswer }) => {
    rig.sandbox.inject(fault);
    const code = rig.sandbox.mintCode();
    const answer = await postCode(rig.url, code);

    expect(answer.status).toBe(status);
    const parsed = parseAnswer(answer);
    expect(parsed).toMatchObject({ kind: 'error', error });
    if (apiCode !== undefined) expect(parsed).toMatchObject({ body: { apiCode } });
    for (const text of [...UPSTREAM_TEXTS, code]) expect(answer.text).not.toContain(text);
    // The code reached Authing: a repeat gets the same answer (or the late one Authing gave meanwhile), never a second call.
    const repeat = await postCode(rig.url, code);
    if (repeatGetsLateAnswer) expect(parseAnswer(repeat)).toEqual({ kind: 'dto', data: rig.sandbox.phoneFor(code) });
    else {
      expect(repeat.status).toBe(status);
      expect(parseAnswer(repeat)).toMatchObject({ kind: 'error', error });
    }
    expect(rig.sandbox.callsFor(code)).toBe(1);
    await expectServing(rig);
  });
});

interface ShapeRow {
  name: string;
  sandbox: SandboxOptions;
}

const shapeRows: ShapeRow[] = [
  { name: 'phone_info shape', sandbox: { shape: 'phone_info' } },
  { name: 'flat shape', sandbox: { shape: 'flat' } },
  { name: 'phone_info shape, numeric countryCode', sandbox: { shape: 'phone_info', numericCountryCode: true } },
  { name: 'flat shape, numeric countryCode', sandbox: { shape: 'flat', numericCountryCode: true } },
];

describe('fault matrix: every success shape gives the same DTO', () => {
  test.each(shapeRows)('$name', async ({ sandbox }) => {
    const rig = await startRig({ sandbox });
    try {
      const code = rig.sandbox.mintCode();
      const answer = await postCode(rig.url, code);
      expect(answer.status).toBe(200);
      expect(parseAnswer(answer)).toEqual({ kind: 'dto', data: rig.sandbox.phoneFor(code) });
      expect((JSON.parse(answer.text) as { data: { countryCode: unknown } }).data.countryCode).toBe('86');
    } finally {
      await rig.close();
    }
  });
});

describe('fault matrix: refused connection', () => {
  test('nothing listens at the app host -> 503 UPSTREAM_UNAVAILABLE, and the proxy keeps answering', async () => {
    const rig = await startRig({ proxy: { authing: { appHost: await closedPortUrl() } } });
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await postCode(rig.url, rig.sandbox.mintCode());
        expect(answer.status).toBe(503);
        expect(parseAnswer(answer)).toMatchObject({ kind: 'error', error: 'UPSTREAM_UNAVAILABLE' });
      }
      expect(rig.sandbox.calls).toBe(0);
    } finally {
      await rig.close();
    }
  });
});
