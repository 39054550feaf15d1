/**
 * `npm run demo`: the whole chain on this machine, no WeChat or Authing account needed. A tap on the BUILT
 * <phone-button> (miniprogram_dist, in miniprogram-simulate) goes over real HTTP to the real proxy, which asks the
 * Authing sandbox; each hop is printed. Then a retry, a refusal and a code spent elsewhere show the other paths, and
 * last the page hands the first tap's signed assertion to a tiny app backend (scripts/app-backend.ts), which issued
 * the nonce and verifies the assertion over the proxy's JWKS.
 * Exits 0 when every step ends as expected, 1 otherwise. Codes are printed as hashes and the proxy's answer with numbers
 * masked, as in logs; the emitted `phone` detail is shown whole (it is the sandbox's fake number).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as path from 'node:path';
import type { GetPhoneNumberDetail } from '../src/index';
import { MINI_PROGRAM_APPID, startChain, type ChainSandbox, type Chain as AnyChain } from '../test/e2e/harness/chain';
import { startWechatChain } from '../test/e2e/harness/wechat-chain';
import { DIST_DIR, mountPhoneButton, useRealNetwork, type MountedPhoneButton, type PhoneButtonOutcome } from '../test/e2e/harness/mini-program';
import type { RequestTrace } from '../test/helpers/wx-request';
import { startAppBackend, type AppBackend } from './app-backend';

/** `--upstream wechat`: the same steps with WeChat's own phone API (its sandbox) behind the proxy. */
const UPSTREAM = /--upstream(?:=|\s+)(\w+)/.exec(process.argv.slice(2).join(' '))?.[1] ?? 'authing';
type Chain = AnyChain<ChainSandbox>;

/** The app backend the demo's assertions are for (`miniprogram-phone-proxy dev` signs for it too). */
const DEMO_AUDIENCE = 'demo-app-backend';

interface Step {
  title: string;
  /** What WeChat hands the button after the consent sheet; `previous` is the last step's. */
  detail(chain: Chain, previous: GetPhoneNumberDetail | undefined): Promise<GetPhoneNumberDetail>;
  /** Why the outcome is wrong, or undefined when it is the expected one. */
  check(outcome: PhoneButtonOutcome, chain: Chain, code: string | undefined): string | undefined;
}

const STEPS: Step[] = [
  {
    title: 'The user allows: WeChat hands the button a one-time code',
    detail: (chain) => Promise.resolve({ errMsg: 'getPhoneNumber:ok', code: chain.sandbox.mintCode() }),
    check: (outcome, chain, code) => expectPhone(outcome, chain, code) ?? expectCalls(chain, code, 1),
  },
  {
    title: 'The page retries the same code (say its first answer was lost): the proxy answers from memory',
    detail: (_chain, previous) => Promise.resolve({ ...previous }),
    check: (outcome, chain, code) => expectPhone(outcome, chain, code) ?? expectCalls(chain, code, 1),
  },
  {
    title: 'The user refuses: nothing is sent',
    detail: () => Promise.resolve({ errMsg: 'getPhoneNumber:fail user deny' }),
    check: (outcome) => expectError(outcome, 'denied'),
  },
  {
    title: 'A code another server already spent: the upstream refuses it',
    detail: async (chain) => {
      const code = chain.sandbox.mintCode();
      await chain.spendElsewhere(code);
      return { errMsg: 'getPhoneNumber:ok', code };
    },
    check: (outcome) => expectError(outcome, 'rejected', 'CODE_REJECTED'),
  },
];

async function main(): Promise<void> {
  const startedAt = Date.now();
  const traces: RequestTrace[] = [];
  useRealNetwork({ appid: MINI_PROGRAM_APPID, onTrace: (trace) => traces.push(trace) });
  // Signed assertions out of the box: a key made now, gone at exit (production signs only with a key it is given).
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  if (UPSTREAM !== 'authing' && UPSTREAM !== 'wechat') throw new Error(`--upstream must be authing or wechat, got ${UPSTREAM}`);
  const proxy = { assertion: { privateKey: signingKey, audience: DEMO_AUDIENCE } };
  const chain: Chain =
    UPSTREAM === 'wechat' ? await startWechatChain(MINI_PROGRAM_APPID, { proxy }) : await startChain({ sandbox: { strictCodes: true }, proxy });
  const jwksUrl = `${new URL(chain.endpoint).origin}/.well-known/jwks.json`;
  let backend: AppBackend | undefined;
  let button: MountedPhoneButton | undefined;
  const failures: string[] = [];
  try {
    // The app backend issues the session's nonce first; the page gives it to <phone-button nonce>.
    backend = await startAppBackend({ jwksUrl, audience: DEMO_AUDIENCE });
    const session = (await postJson(`${backend.url}/session`, {})).body as { sessionId: string; nonce: string };
    button = mountPhoneButton({ endpoint: chain.endpoint, nonce: session.nonce });
    console.log(`miniprogram-phone-button demo: tap -> <phone-button> -> wx.request -> proxy -> ${chain.upstream} (sandbox)\n`);
    row('component', `${path.relative(process.cwd(), DIST_DIR)}/phone-button (built), mini program ${MINI_PROGRAM_APPID}`);
    row('proxy', chain.endpoint);
    row('signing', `ephemeral signing key, not for production (aud ${DEMO_AUDIENCE}; keys at ${jwksUrl})`);
    row('backend', `${backend.url} (issued the nonce ${session.nonce})`);
    row(chain.upstream, `${chain.sandbox.url} (sandbox: single-use codes, fake numbers)`);

    let detail: GetPhoneNumberDetail | undefined;
    let firstTap: { outcome: PhoneButtonOutcome; code: string | undefined } | undefined;
    for (const [index, step] of STEPS.entries()) {
      console.log(`\n${index + 1}. ${step.title}`);
      traces.length = 0;
      detail = await step.detail(chain, detail);
      const callsBefore = chain.sandbox.calls;
      row('tap', `getphonenumber ${JSON.stringify({ ...detail, code: detail.code && codeHash(detail.code) })}`);
      const outcome = await button.tap(detail);
      for (const trace of traces) printTrace(trace);
      if (traces.length === 0) row('request', 'none');
      const calls = chain.sandbox.calls - callsBefore;
      row(
        chain.upstream,
        `${calls} call${calls === 1 ? '' : 's'} for this tap${detail.code ? `, ${chain.sandbox.callsFor(detail.code)} in all for this code` : ''}`,
      );
      row('event', `${outcome.event} ${elideAssertion(JSON.stringify(outcome.detail))}`);
      firstTap ??= { outcome, code: detail.code };
      const problem = step.check(outcome, chain, detail.code);
      if (problem) failures.push(`step ${index + 1}: ${problem}`);
      row(problem ? '✗' : '✓', problem ?? 'as expected');
    }
    console.log(`\n${STEPS.length + 1}. The page posts the first tap's assertion to the app backend, which verifies it over the JWKS`);
    const assertion = firstTap?.outcome.event === 'phone' ? firstTap.outcome.detail.assertion : undefined;
    const login = await postJson(`${backend.url}/login`, { sessionId: session.sessionId, assertion });
    row('backend', `HTTP ${login.status} ${JSON.stringify(login.body)}`);
    const problem = expectLogin(login, chain, firstTap?.code, session.nonce);
    if (problem) failures.push(`step ${STEPS.length + 1}: ${problem}`);
    row(problem ? '✗' : '✓', problem ?? 'verified: the backend can trust this number');
  } finally {
    button?.detach();
    await backend?.close();
    await chain.close();
  }
  if (failures.length > 0) throw new Error(failures.join('\n  '));
  console.log(`\n✓ demo passed: ${STEPS.length} taps and a verified login, each as expected, in ${Date.now() - startedAt} ms`);
}

function printTrace(trace: RequestTrace): void {
  row('request', `${trace.method} ${trace.url} ${redactCodes(trace.body)}  Referer: ${trace.header.Referer}`);
  if (trace.statusCode === undefined) row('proxy', trace.errMsg);
  else row('proxy', `HTTP ${trace.statusCode} ${elideAssertion(maskPhones(trace.responseBody ?? ''))}`);
}

function row(label: string, text: string): void {
  console.log(`   ${label.padEnd(9)} ${text}`);
}

/** Codes never get printed: a hash identifies one just as well (the proxy keys its memory by sha256 too). */
function codeHash(code: string): string {
  return `sha256:${createHash('sha256').update(code).digest('hex').slice(0, 12)}…`;
}

function redactCodes(body: string): string {
  return body.replace(/("code"\s*:\s*")([^"]*)"/g, (_match, prefix: string, code: string) => `${prefix}${codeHash(code)}"`);
}

/** The assertion carries the number too: its size is shown, not its text. */
function elideAssertion(body: string): string {
  return body.replace(/("assertion"\s*:\s*")([^"]*)"/g, (_match, prefix: string, jwt: string) => `${prefix}<JWT, ${jwt.length} characters>"`);
}

/** `+8613812345678` -> `+86138****5678`, like the proxy's logs. */
function maskPhones(body: string): string {
  return body.replace(/("(?:phoneNumber|purePhoneNumber)"\s*:\s*"[^"]*?)\d{4}(\d{4}")/g, '$1****$2');
}

function expectPhone(outcome: PhoneButtonOutcome, chain: Chain, code: string | undefined): string | undefined {
  const expected = JSON.stringify(code && chain.sandbox.phoneFor(code));
  if (outcome.event !== 'phone') return `expected phone ${expected}`;
  const { assertion, ...phone } = outcome.detail;
  if (JSON.stringify(phone) !== expected) return `expected phone ${expected}`;
  return typeof assertion === 'string' ? undefined : 'expected a signed assertion with the phone';
}

/** The backend verified the assertion: its claims name the tapped code's number and this session's nonce. */
function expectLogin(login: { status: number; body: unknown }, chain: Chain, code: string | undefined, nonce: string): string | undefined {
  const claims = (login.body as { claims?: { phone_number?: string; nonce?: string } }).claims;
  const expected = code && `+86${chain.sandbox.phoneFor(code).purePhoneNumber}`;
  if (login.status !== 200 || claims?.phone_number !== expected || claims?.nonce !== nonce) {
    return `expected 200 with phone_number ${expected} and nonce ${nonce}`;
  }
  return undefined;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

function expectCalls(chain: Chain, code: string | undefined, calls: number): string | undefined {
  const actual = code ? chain.sandbox.callsFor(code) : 0;
  return actual === calls ? undefined : `expected ${calls} ${chain.upstream} call(s) for the code, got ${actual}`;
}

function expectError(outcome: PhoneButtonOutcome, reason: string, error?: string): string | undefined {
  if (outcome.event === 'error' && outcome.detail.reason === reason && outcome.detail.error === error) return undefined;
  return `expected error ${JSON.stringify({ reason, error })}`;
}

main().catch((error: unknown) => {
  console.error(`\n✗ demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
