// Keys and numbers: rotation (a previous key keeps verifying, a dropped one does not), expiry, Ed25519, both Authing
// shapes giving one E.164 number, and `sub` from a trusted platform. Real proxies, real JWKS fetches.
import { randomBytes } from 'node:crypto';
import { createPhoneExchange, type PhoneInfo } from '../src';
import { phoneClaims } from '../src/exchange/assertion-signer';
import { PhoneAssertionError, verifyPhoneAssertion } from '../src/verify';
import { authingFor, startStack, type Stack } from './helpers';
import { AUDIENCE, decode, ecKey, edKey, jwksUrlOf, startSigningStack } from './assertion-helpers';
import { startSandbox } from '../src/sandbox';

jest.setTimeout(20_000);

const withStacks = async (stacks: Stack[], use: () => Promise<void>): Promise<void> => {
  try {
    await use();
  } finally {
    await Promise.all(stacks.map((stack) => stack.close()));
  }
};

const tokenFrom = async (stack: Stack, nonce?: string): Promise<string> => {
  const answer = await stack.post({ code: stack.sandbox.mintCode(), nonce });
  expect(answer.status).toBe(200);
  return answer.body.assertion as string;
};

const reasonOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'verified',
    (error: unknown) => (error instanceof PhoneAssertionError ? error.reason : error),
  );

test('rotation: a key listed as previous keeps verifying, a key dropped from the list is unknown', async () => {
  const [oldKey, newKey] = [ecKey(), ecKey()];
  const oldPublic = oldKey.publicKey.export({ format: 'jwk' });
  const before = await startSigningStack(oldKey);
  const during = await startSigningStack(newKey, { previousPublicKeys: [oldPublic] });
  const after = await startSigningStack(newKey);
  await withStacks([before, during, after], async () => {
    const oldToken = await tokenFrom(before);
    const newToken = await tokenFrom(during);

    const { keys } = (await (await fetch(jwksUrlOf(during))).json()) as { keys: Array<{ kid: string }> };
    expect(keys.map((key) => key.kid)).toEqual([decode(newToken).header.kid, decode(oldToken).header.kid]);
    await expect(verifyPhoneAssertion(oldToken, { jwksUrl: jwksUrlOf(during), audience: AUDIENCE })).resolves.toMatchObject({ aud: AUDIENCE });
    await expect(verifyPhoneAssertion(newToken, { jwksUrl: jwksUrlOf(during), audience: AUDIENCE })).resolves.toMatchObject({ aud: AUDIENCE });

    expect(await reasonOf(verifyPhoneAssertion(oldToken, { jwksUrl: jwksUrlOf(after), audience: AUDIENCE }))).toBe('unknown-key');
    expect(await reasonOf(verifyPhoneAssertion(newToken, { jwksUrl: jwksUrlOf(after), audience: AUDIENCE }))).toBe('verified');
  });
});

test('expiry: refused after exp, accepted within an explicit clock tolerance', async () => {
  const stack = await startSigningStack(ecKey(), { ttlSeconds: 1 });
  await withStacks([stack], async () => {
    const token = await tokenFrom(stack);
    const { payload } = decode(token);
    expect((payload.exp as number) - (payload.iat as number)).toBe(1);
    const waitMs = (payload.exp as number) * 1000 - Date.now() + 1100;
    await new Promise((resolve) => setTimeout(resolve, Math.max(waitMs, 0)));
    const options = { jwksUrl: jwksUrlOf(stack), audience: AUDIENCE };
    expect(await reasonOf(verifyPhoneAssertion(token, options))).toBe('expired');
    expect(await reasonOf(verifyPhoneAssertion(token, { ...options, clockToleranceSeconds: 30 }))).toBe('verified');
  });
});

test('an Ed25519 key given as JWK text signs EdDSA, with a configured issuer', async () => {
  const key = edKey();
  const stack = await startStack({
    proxy: {
      assertion: { privateKey: JSON.stringify(key.privateKey.export({ format: 'jwk' })), audience: AUDIENCE, issuer: 'https://phone.example.com' },
    },
  });
  await withStacks([stack], async () => {
    const token = await tokenFrom(stack);
    expect(decode(token).header.alg).toBe('EdDSA');
    const { keys } = (await (await fetch(jwksUrlOf(stack))).json()) as { keys: Array<Record<string, unknown>> };
    expect(keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })]);
    const options = { jwksUrl: jwksUrlOf(stack), audience: AUDIENCE };
    expect(await reasonOf(verifyPhoneAssertion(token, options))).toBe('wrong-issuer');
    await expect(verifyPhoneAssertion(token, { ...options, issuer: 'https://phone.example.com' })).resolves.toMatchObject({
      iss: 'https://phone.example.com',
    });
  });
});

test('both Authing shapes (flat "+86...", phone_info with a numeric countryCode) give the same phone_number', async () => {
  const key = ecKey();
  const flat = await startSigningStack(key, {}, { sandbox: { shape: 'flat' } });
  const phoneInfo = await startSigningStack(key, {}, { sandbox: { shape: 'phone_info', numericCountryCode: true } });
  await withStacks([flat, phoneInfo], async () => {
    // A never-seen code is accepted once by each sandbox, and the sandbox derives the number from the code.
    const code = randomBytes(16).toString('hex');
    const answers = await Promise.all([flat, phoneInfo].map((stack) => stack.post({ code })));
    expect(answers.map((answer) => (answer.body.data as PhoneInfo).phoneNumber.startsWith('+86'))).toEqual([true, false]);
    const claims = await Promise.all(
      answers.map((answer, i) =>
        verifyPhoneAssertion(answer.body.assertion as string, { jwksUrl: jwksUrlOf([flat, phoneInfo][i]), audience: AUDIENCE }),
      ),
    );
    expect(claims[0].phone_number).toMatch(/^\+861\d{10}$/);
    expect(claims[1].phone_number).toBe(claims[0].phone_number);
    expect(claims.map((claim) => claim.country_code)).toEqual(['86', '86']);
  });
});

test('phoneClaims builds E.164 from either shape, and refuses numbers it cannot vouch for', () => {
  const china = { phone_number: '+8613800138000', country_code: '86', pure_phone_number: '13800138000' };
  expect(phoneClaims({ phoneNumber: '+8613800138000', purePhoneNumber: '13800138000', countryCode: '86' })).toEqual(china);
  expect(phoneClaims({ phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' })).toEqual(china);
  expect(phoneClaims({ phoneNumber: '+86 138-0013-8000', purePhoneNumber: '13800138000', countryCode: '+86' })).toEqual(china);
  expect(phoneClaims({ phoneNumber: '+12025550123', purePhoneNumber: '2025550123', countryCode: '1' })?.phone_number).toBe('+12025550123');
  expect(phoneClaims({ phoneNumber: '+8613900000000', purePhoneNumber: '13800138000', countryCode: '86' })).toBeUndefined(); // disagree
  expect(phoneClaims({ phoneNumber: '138001380', purePhoneNumber: '138 0013', countryCode: '86' })).toBeUndefined();
  expect(phoneClaims({ phoneNumber: '1', purePhoneNumber: '1'.repeat(14), countryCode: '86' })).toBeUndefined(); // > 15 digits
  expect(phoneClaims({ phoneNumber: '1', purePhoneNumber: '13800138000', countryCode: '0' })).toBeUndefined();
});

test("a trusted platform's openid becomes sub; keys given directly (publicKeys, no kid) verify too", async () => {
  const sandbox = await startSandbox({ appId: 'sub-test-app' });
  const key = ecKey();
  const exchange = createPhoneExchange({
    authing: { ...authingFor(sandbox), appId: 'sub-test-app' },
    logger: false,
    assertion: { privateKey: key.privateKey, audience: AUDIENCE },
  });
  try {
    const caller = { appId: 'wx00000000000000ab', openId: 'o-user-7f3a', rateLimitKey: 'o-user-7f3a' };
    const answer = await exchange.exchange({ caller, readBody: () => ({ body: { code: sandbox.mintCode(), nonce: 'cf-nonce' } }) });
    expect(answer.status).toBe(200);
    const token = (answer.body as { assertion: string }).assertion;
    const claims = await verifyPhoneAssertion(token, {
      publicKeys: [key.publicKey.export({ format: 'jwk' })],
      audience: AUDIENCE,
      nonce: 'cf-nonce',
    });
    expect(claims).toMatchObject({ sub: 'o-user-7f3a', appid: 'wx00000000000000ab', nonce: 'cf-nonce' });
    await expect(verifyPhoneAssertion(token, { publicKeys: await exchange.jwks!(), audience: AUDIENCE })).resolves.toMatchObject({
      sub: 'o-user-7f3a',
    });
    expect(
      await reasonOf(verifyPhoneAssertion(token, { publicKeys: [ecKey().publicKey.export({ format: 'jwk' }) as never], audience: AUDIENCE })),
    ).toBe('unknown-key');
  } finally {
    await exchange.close();
    await sandbox.close();
  }
});
