/**
 * The demo's app backend (scripts/app-backend.ts) against the real chain: it issues a nonce, the proxy (signing with
 * an ephemeral key) exchanges a code with that nonce, the backend verifies the assertion over the proxy's JWKS.
 */
import { generateKeyPairSync } from 'node:crypto';
import { startAppBackend, type AppBackend } from '../../scripts/app-backend';
import { MINI_PROGRAM_APPID, startChain, type Chain } from './harness/chain';

const AUDIENCE = 'demo-app-backend';
const REFERER = `https://servicewechat.com/${MINI_PROGRAM_APPID}/1/page-frame.html`;

let chain: Chain;
let backend: AppBackend;

beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  chain = await startChain({ proxy: { assertion: { privateKey, audience: AUDIENCE } } });
  backend = await startAppBackend({ jwksUrl: `${new URL(chain.endpoint).origin}/.well-known/jwks.json`, audience: AUDIENCE });
});
afterAll(async () => {
  await backend?.close();
  await chain?.close();
});

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const newSession = async () => (await post(`${backend.url}/session`, {})).body as { sessionId: string; nonce: string };
/** What the page gets in the `phone` event: the proxy's answer to a code sent with the session's nonce. */
const exchange = async (nonce: string) => {
  const code = chain.sandbox.mintCode();
  const answer = await post(chain.endpoint, { code, nonce }, { referer: REFERER });
  expect(answer.status).toBe(200);
  return { code, assertion: answer.body.assertion as string };
};

test('a nonce from the backend, an assertion from the proxy: the backend logs the user in with the verified number', async () => {
  const { sessionId, nonce } = await newSession();
  expect(nonce).toMatch(/^[\x21-\x7e]{16,128}$/);
  const { code, assertion } = await exchange(nonce);

  const login = await post(`${backend.url}/login`, { sessionId, assertion });

  const { purePhoneNumber } = chain.sandbox.phoneFor(code);
  expect(login.status).toBe(200);
  expect(login.body.phone).toBe(`${purePhoneNumber.slice(0, 3)}****${purePhoneNumber.slice(-4)}`);
  expect(login.body.claims).toMatchObject({
    aud: AUDIENCE,
    nonce,
    appid: MINI_PROGRAM_APPID,
    phone_number: `+86${purePhoneNumber}`,
    phone_number_verified: true,
  });
});

test('a replayed assertion finds no session; an assertion for another session is a nonce mismatch; a forgery is refused', async () => {
  const first = await newSession();
  const { assertion } = await exchange(first.nonce);
  expect((await post(`${backend.url}/login`, { sessionId: first.sessionId, assertion })).status).toBe(200);
  expect(await post(`${backend.url}/login`, { sessionId: first.sessionId, assertion })).toMatchObject({ status: 401, body: { error: 'NO_SESSION' } });

  const second = await newSession();
  expect(await post(`${backend.url}/login`, { sessionId: second.sessionId, assertion })).toMatchObject({
    status: 401,
    body: { error: 'ASSERTION_REJECTED', reason: 'nonce-mismatch' },
  });

  const third = await newSession();
  const fresh = await exchange(third.nonce);
  const [header, payload, signature] = fresh.assertion.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = [header, Buffer.from(JSON.stringify({ ...claims, phone_number: '+8613000000000' })).toString('base64url'), signature].join('.');
  expect(await post(`${backend.url}/login`, { sessionId: third.sessionId, assertion: forged })).toMatchObject({
    status: 401,
    body: { error: 'ASSERTION_REJECTED', reason: 'bad-signature' },
  });
});

test('a body without a session or an assertion is a bad request', async () => {
  expect((await post(`${backend.url}/login`, { assertion: 'x' })).status).toBe(400);
});
