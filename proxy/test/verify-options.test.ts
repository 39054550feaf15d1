// verifyPhoneAssertion refuses options that cannot work, loudly (a TypeError naming the option), before any fetch:
// no key source at all, or a JWKS URL that is not https off loopback (the keys that vouch for a number must not be
// swappable on the way). Loopback over plain http stays usable: tests, a proxy beside the backend.
import { verifyPhoneAssertion, type VerifyPhoneAssertionOptions } from '../src/verify';
import { AUDIENCE, ecKey, jwksUrlOf, startSigningStack } from './assertion-helpers';
import { closedPortUrl, type Stack } from './helpers';

jest.setTimeout(20_000);

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startSigningStack(ecKey());
  token = (await stack.post({ code: stack.sandbox.mintCode() })).body.assertion as string;
});
afterAll(() => stack.close());

const failureOf = (options: unknown): Promise<unknown> =>
  verifyPhoneAssertion(token, options as VerifyPhoneAssertionOptions).then(
    () => 'verified',
    (error: unknown) => error,
  );

test('neither jwksUrl nor publicKeys: a TypeError naming both, whatever the token', async () => {
  for (const candidate of [token, 'not-a-token']) {
    const error = await verifyPhoneAssertion(candidate, { audience: AUDIENCE } as VerifyPhoneAssertionOptions).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^verifyPhoneAssertion: options\.jwksUrl .* or options\.publicKeys is required$/);
  }
});

test.each([
  ['plain http to another host', 'http://keys.example.com/.well-known/jwks.json', /must be https .*not http:\/\/keys\.example\.com$/],
  ['plain http to a private address', 'http://10.0.0.8:3000/.well-known/jwks.json', /must be https/],
  ['another scheme', 'ftp://127.0.0.1/jwks.json', /must be https/],
  ['something that is no URL', 'keys.example.com/jwks.json', /is not a URL/],
])('a jwksUrl with %s: a TypeError, nothing fetched', async (_name, jwksUrl, message) => {
  const error = await failureOf({ jwksUrl, audience: AUDIENCE });
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toMatch(/^verifyPhoneAssertion: options\.jwksUrl /);
  expect((error as Error).message).toMatch(message);
});

test('plain http on loopback is fetched: 127.0.0.1 verifies for real', async () => {
  await expect(verifyPhoneAssertion(token, { jwksUrl: jwksUrlOf(stack), audience: AUDIENCE })).resolves.toMatchObject({ aud: AUDIENCE });
});

test('localhost, 127.0.0.0/8 and [::1] over http are accepted (here: nothing listens, so the fetch itself fails)', async () => {
  const { port } = new URL(await closedPortUrl());
  for (const host of ['localhost', '127.8.9.10', '[::1]', 'LOCALHOST']) {
    const error = await failureOf({ jwksUrl: `http://${host}:${port}/.well-known/jwks.json`, audience: AUDIENCE });
    expect(error).not.toBe('verified');
    expect(String((error as Error).message)).toMatch(/fetch failed|ECONNREFUSED/);
  }
});
