// verifyPhoneAssertion tells a JWKS it cannot fetch (a retryable JwksUnavailableError, reason 'jwks-unavailable':
// answer 503) from a wrong option (TypeError: a bug) and from a token to refuse (PhoneAssertionError: 401); and on a
// Node.js too old for jose the verify entry fails with one clear line.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { JwksUnavailableError, PhoneAssertionError, verifyPhoneAssertion } from '../src/verify';
import { AUDIENCE, ecKey, startSigningStack } from './assertion-helpers';
import { closedPortUrl, type Stack } from './helpers';

jest.setTimeout(20_000);

let stack: Stack;
let token: string;
let keys: Server;
/** What the stand-in key server answers, per path. */
const ANSWERS: Record<string, [number, string]> = {
  '/500': [500, 'oops'],
  '/not-a-key-set': [200, JSON.stringify({ hello: 'world' })],
  '/other-keys': [200, JSON.stringify({ keys: [] })],
};
let keysUrl: string;

beforeAll(async () => {
  stack = await startSigningStack(ecKey());
  token = (await stack.post({ code: stack.sandbox.mintCode() })).body.assertion as string;
  keys = createServer((req, res) => {
    const [status, body] = ANSWERS[req.url ?? ''] ?? [404, ''];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
  keysUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => keys.close(resolve));
});

const failureOf = (jwksUrl: string): Promise<unknown> =>
  verifyPhoneAssertion(token, { jwksUrl, audience: AUDIENCE }).then(
    () => 'verified',
    (error: unknown) => error,
  );

test.each([
  ['nothing listens (connection refused)', async () => `${await closedPortUrl()}/.well-known/jwks.json`],
  ['the key server answers 500', () => Promise.resolve(`${keysUrl}/500`)],
  ['the answer is not a key set', () => Promise.resolve(`${keysUrl}/not-a-key-set`)],
])('%s: a retryable JwksUnavailableError, never a TypeError', async (_name, url) => {
  const jwksUrl = await url();
  const error = await failureOf(jwksUrl);
  expect(error).toBeInstanceOf(JwksUnavailableError);
  expect(error).not.toBeInstanceOf(TypeError);
  expect(error).toMatchObject({ name: 'JwksUnavailableError', reason: 'jwks-unavailable', retryable: true });
  expect((error as Error).message).toContain(`cannot fetch the JWKS at ${jwksUrl}`);
});

test("a key set without the signing key is the token's problem (PhoneAssertionError unknown-key), not unavailability", async () => {
  const error = await failureOf(`${keysUrl}/other-keys`);
  expect(error).toBeInstanceOf(PhoneAssertionError);
  expect(error).toMatchObject({ reason: 'unknown-key' });
});

test('a wrong option is still a TypeError, nothing fetched', async () => {
  const error = await failureOf('http://keys.example.com/.well-known/jwks.json');
  expect(error).toBeInstanceOf(TypeError);
  expect(error).not.toBeInstanceOf(JwksUnavailableError);
});

test("on a Node.js older than 20.19 the verify entry fails with one clear line, not Node's advice", () => {
  const result = spawnSync(
    process.execPath,
    ['--require', join(__dirname, 'fixtures', 'node-18.cjs'), '--import', 'tsx', '-e', "require('./src/verify')"],
    { cwd: join(__dirname, '..'), encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    'Error: miniprogram-phone-proxy/verify: Node.js 18.20.4 is too old: miniprogram-phone-proxy needs Node.js 20.19 or newer',
  );
  expect(result.stderr).not.toMatch(/ERR_REQUIRE_ESM|dynamic import|\n\s+at /);
});
