// The assertion signer signs with node:crypto directly (src/exchange/compact-jws.ts): jose, the JOSE library apps use,
// must accept its tokens as they are, for both accepted algorithms, and refuse them once a byte is changed.
import { calculateJwkThumbprint, compactVerify, importJWK, jwtVerify, type JWK } from 'jose';
import { createAssertionSigner } from '../src/exchange/assertion-signer';
import { readSigningKey } from '../src/config/assertion-keys';
import { ecKey, edKey, type KeyPair } from './assertion-helpers';

const PHONE = { phoneNumber: '+8613812348000', purePhoneNumber: '13812348000', countryCode: '86' };
const OPTIONS = { audience: 'app-backend', issuer: 'miniprogram-phone-proxy', ttlSeconds: 300, previousPublicKeys: [] };

async function signedWith(key: KeyPair): Promise<{ token: string; publicJwk: JWK }> {
  const signer = createAssertionSigner({ ...OPTIONS, signingKey: readSigningKey(key.privateKey) });
  const signed = await signer.sign(PHONE, { appId: 'wx0a55e271000b0001', openId: 'o-user', nonce: 'n-1' });
  if (!('assertion' in signed)) throw new Error('no assertion');
  return { token: signed.assertion, publicJwk: key.publicKey.export({ format: 'jwk' }) };
}

describe.each([
  ['ES256', ecKey],
  ['EdDSA', edKey],
] as const)('an %s assertion signed by node:crypto', (alg, makeKey) => {
  test('verifies with jose, header and claims as jose would have written them', async () => {
    const { token, publicJwk } = await signedWith(makeKey());
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(publicJwk, alg), {
      algorithms: [alg],
      audience: 'app-backend',
      issuer: 'miniprogram-phone-proxy',
    });
    expect(protectedHeader).toEqual({ alg, kid: await calculateJwkThumbprint(publicJwk), typ: 'JWT' });
    expect(Object.keys(payload)).toEqual([
      'phone_number',
      'country_code',
      'pure_phone_number',
      'phone_number_verified',
      'appid',
      'nonce',
      'iss',
      'aud',
      'iat',
      'exp',
      'jti',
      'sub',
    ]);
    expect(payload).toMatchObject({ phone_number: '+8613812348000', appid: 'wx0a55e271000b0001', nonce: 'n-1', sub: 'o-user' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  test('is refused by jose once its signature or its payload changes', async () => {
    const { token, publicJwk } = await signedWith(makeKey());
    const key = await importJWK(publicJwk, alg);
    const [header, payload, signature] = token.split('.');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] ^= 1;
    await expect(compactVerify([header, payload, flipped.toString('base64url')].join('.'), key)).rejects.toThrow('signature verification failed');
    const otherPayload = Buffer.from(JSON.stringify({ phone_number: '+8613900000000' })).toString('base64url');
    await expect(compactVerify([header, otherPayload, signature].join('.'), key)).rejects.toThrow('signature verification failed');
    await expect(compactVerify(token, await importJWK(makeKey().publicKey.export({ format: 'jwk' }) as JWK, alg))).rejects.toThrow(
      'signature verification failed',
    );
  });
});
