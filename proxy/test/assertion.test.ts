// Signed phone assertions over real HTTP: the proxy signs, verifyPhoneAssertion checks against the proxy's own
// /.well-known/jwks.json (a real fetch). Forgeries and mismatches are refused with the right reason.
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { PhoneAssertionError, verifyPhoneAssertion, type PhoneAssertionFailure, type VerifyPhoneAssertionOptions } from '../src/verify';
import { refererFor, startStack, type Answer, type Stack } from './helpers';
import { AUDIENCE, decode, ecKey, jwksUrlOf, startSigningStack, withHeader, withPayload } from './assertion-helpers';

jest.setTimeout(20_000);

const MINI_APPID = 'wx0a55e271000b0001';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const assertionOf = (answer: Answer): string => {
  expect(answer.status).toBe(200);
  expect(typeof answer.body.assertion).toBe('string');
  return answer.body.assertion as string;
};

async function expectRefused(token: string, options: VerifyPhoneAssertionOptions, reason: PhoneAssertionFailure): Promise<void> {
  const error = await verifyPhoneAssertion(token, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PhoneAssertionError);
  expect((error as PhoneAssertionError).reason).toBe(reason);
}

describe('a signing proxy', () => {
  const key = ecKey();
  let stack: Stack;
  let verify: VerifyPhoneAssertionOptions;

  beforeAll(async () => {
    stack = await startSigningStack(key, {}, { proxy: { allowedAppIds: [MINI_APPID] } });
    verify = { jwksUrl: jwksUrlOf(stack), audience: AUDIENCE };
  });
  afterAll(() => stack.close());

  const post = (body: unknown) => stack.post(body, { referer: refererFor(MINI_APPID) });

  test('answers a success with an assertion whose claims verify against its JWKS', async () => {
    const code = stack.sandbox.mintCode();
    const answer = await post({ code, nonce: 'n-0001' });
    const token = assertionOf(answer);
    const claims = await verifyPhoneAssertion(token, { ...verify, nonce: 'n-0001' });
    const data = answer.body.data as { purePhoneNumber: string };

    expect(claims).toEqual({
      iss: 'miniprogram-phone-proxy',
      aud: AUDIENCE,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(UUID),
      phone_number: `+86${data.purePhoneNumber}`,
      phone_number_verified: true,
      country_code: '86',
      pure_phone_number: data.purePhoneNumber,
      appid: MINI_APPID,
      nonce: 'n-0001',
    });
    expect(claims.exp - claims.iat).toBe(300);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(30);
    expect('sub' in claims).toBe(false); // a Referer is no trusted identity

    const { header } = decode(token);
    const publicJwk = key.publicKey.export({ format: 'jwk' });
    expect(header).toEqual({ alg: 'ES256', kid: await calculateJwkThumbprint(publicJwk as never), typ: 'JWT' });
  });

  test('publishes its public key (and no private part) with a short cache lifetime', async () => {
    const response = await fetch(jwksUrlOf(stack));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
    const publicJwk = key.publicKey.export({ format: 'jwk' });
    expect(keys).toEqual([{ ...publicJwk, kid: await calculateJwkThumbprint(publicJwk as never), alg: 'ES256', use: 'sig' }]);
    expect(JSON.stringify(keys)).not.toContain('"d"');
  });

  test('signs a retry of the same code afresh: its own jti, the same nonce and number; another nonce is refused', async () => {
    const code = stack.sandbox.mintCode();
    const first = await verifyPhoneAssertion(assertionOf(await post({ code, nonce: 'first' })), { ...verify, nonce: 'first' });
    const [second, third] = await Promise.all(
      [1, 2].map(async () => verifyPhoneAssertion(assertionOf(await post({ code, nonce: 'first' })), { ...verify, nonce: 'first' })),
    );
    expect(stack.sandbox.callsFor(code)).toBe(1);
    expect(new Set([first.jti, second.jti, third.jti]).size).toBe(3);
    expect(new Set([first.phone_number, second.phone_number, third.phone_number]).size).toBe(1);
    const other = await post({ code, nonce: 'second' });
    expect([other.status, other.body.error, 'assertion' in other.body]).toEqual([422, 'CODE_REJECTED', false]);
  });

  describe('refuses', () => {
    let token: string;
    beforeAll(async () => {
      token = assertionOf(await post({ code: stack.sandbox.mintCode(), nonce: 'issued-nonce' }));
    });

    test('a tampered payload', async () => {
      await expectRefused(
        withPayload(token, (payload) => ({ ...payload, phone_number: '+8613000000000' })),
        verify,
        'bad-signature',
      );
    });

    test('a tampered signature', async () => {
      const [header, payload, signature] = token.split('.');
      const flipped = Buffer.from(signature, 'base64url');
      flipped[10] ^= 0x01;
      await expectRefused([header, payload, flipped.toString('base64url')].join('.'), verify, 'bad-signature');
    });

    test('alg none (no signature)', async () => {
      const unsigned =
        withHeader(token, (header) => ({ ...header, alg: 'none' }))
          .split('.')
          .slice(0, 2)
          .join('.') + '.';
      await expectRefused(unsigned, verify, 'bad-signature');
    });

    test('an HS256 token whose secret is the public key', async () => {
      const { header, payload } = decode(token);
      const secret = new TextEncoder().encode(key.publicKey.export({ format: 'pem', type: 'spki' }) as string);
      const forged = await new SignJWT({ ...payload, phone_number: '+8613000000000' })
        .setProtectedHeader({ alg: 'HS256', kid: header.kid as string, typ: 'JWT' })
        .sign(secret);
      await expectRefused(forged, verify, 'bad-signature');
    });

    test('the wrong audience or issuer', async () => {
      await expectRefused(token, { ...verify, audience: 'another-backend' }, 'wrong-audience');
      await expectRefused(token, { ...verify, issuer: 'https://someone-else.example' }, 'wrong-issuer');
    });

    test('a nonce other than the one issued, or none when one was issued', async () => {
      await expectRefused(token, { ...verify, nonce: 'another-nonce' }, 'nonce-mismatch');
      const withoutNonce = assertionOf(await post({ code: stack.sandbox.mintCode() }));
      await expectRefused(withoutNonce, { ...verify, nonce: 'issued-nonce' }, 'nonce-mismatch');
    });

    test('a token signed by a key the JWKS does not list', async () => {
      const stranger = ecKey();
      const { payload } = decode(token);
      const kid = await calculateJwkThumbprint(stranger.publicKey.export({ format: 'jwk' }));
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(stranger.privateKey);
      await expectRefused(forged, verify, 'unknown-key');
    });

    test('what is not a token', async () => {
      await expectRefused('not-a-token', verify, 'malformed');
      await expectRefused('a.b.c', verify, 'malformed');
      await expectRefused(
        withHeader(token, ({ kid: _kid, ...header }) => header),
        verify,
        'malformed',
      );
    });
  });

  test('refuses a bad nonce as INVALID_REQUEST and spends nothing', async () => {
    const bad: unknown[] = ['', 'x'.repeat(129), 'nonce-é', 'tab\there', 42, null, ['n']];
    for (const nonce of bad) {
      const code = stack.sandbox.mintCode();
      const answer = await post({ code, nonce });
      expect([answer.status, answer.body.error]).toEqual([400, 'INVALID_REQUEST']);
      expect(stack.sandbox.callsFor(code)).toBe(0);
    }
  });
});

test('the JWKS is not rate limited, even for an address the exchange route refuses', async () => {
  const stack = await startSigningStack(ecKey(), {}, { proxy: { rateLimit: { max: 1, timeWindowMs: 60_000 } } });
  try {
    expect((await stack.post({ code: stack.sandbox.mintCode() })).status).toBe(200);
    expect((await stack.post({ code: stack.sandbox.mintCode() })).status).toBe(429);
    const responses = await Promise.all(Array.from({ length: 10 }, () => fetch(jwksUrlOf(stack))));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    await Promise.all(responses.map((response) => response.arrayBuffer()));
  } finally {
    await stack.close();
  }
});

test('without a signing key: no assertion in the answer, and no JWKS (404 NOT_FOUND)', async () => {
  const stack = await startStack();
  try {
    const answer = await stack.post({ code: stack.sandbox.mintCode(), nonce: 'n' });
    expect(answer.status).toBe(200);
    expect('assertion' in answer.body).toBe(false);
    const response = await fetch(jwksUrlOf(stack));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('NOT_FOUND');
  } finally {
    await stack.close();
  }
});
