// Signs the phone assertion of a success answer (a JWT, signed by node:crypto: compact-jws.ts) and publishes the public
// keys as a JWKS (their kid: jose's RFC 7638 thumbprint). jose is loaded when a signer is created: a proxy that does not
// sign never pays for it (about 9 MB of RSS), and one that signs finds out at start (ready()) that it cannot, not after
// Authing has spent a code.
import { randomUUID, type JsonWebKey } from 'node:crypto';
import type { PhoneAssertionClaims } from '../contract/assertion-claims';
import type { ResolvedAssertionOptions } from '../config';
import type { VerificationKey } from '../config/assertion-keys';
import { errors, type ProxyFailure } from '../contract/errors';
import type { PhoneInfo } from '../contract/types';
import { compactSigner, type CompactSigner } from './compact-jws';

/** Who asked, as far as the proxy knows: the caller's appid and openid, the request's nonce. */
export interface AssertionContext {
  readonly appId?: string;
  readonly openId?: string;
  readonly nonce?: string;
}

export type Signed = { readonly assertion: string } | { readonly failure: ProxyFailure };

/** A published key: the public JWK with its RFC 7638 thumbprint as kid. */
export type PublishedJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

export interface AssertionSigner {
  /** A fresh assertion (new jti, this request's nonce) for every answer, also a remembered one. */
  sign(phone: PhoneInfo, context: AssertionContext): Promise<Signed>;
  /** The current key first, then the previous ones. */
  jwks(): Promise<{ keys: PublishedJwk[] }>;
  /** Settles once jose is loaded; rejects with a clear message when it cannot be (a later call tries again). */
  ready(): Promise<void>;
}

let jose: Promise<typeof import('jose')> | undefined;
/** jose 6 is ESM only and this CommonJS build require()s it: Node.js 20.19+. A failed load is not kept. */
const loadJose = (): Promise<typeof import('jose')> =>
  (jose ??= import('jose').catch((error: unknown) => {
    jose = undefined;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load jose, which signs phone assertions (Node.js >= 20.19 is required, this is ${process.version}): ${why}`, {
      cause: error,
    });
  }));

/** MISCONFIGURED when jose cannot be loaded: answered before the code is sent anywhere. */
export const unusableSigner = (signer: AssertionSigner): Promise<ProxyFailure | undefined> =>
  signer.ready().then(
    () => undefined,
    (error: Error) => ({ definition: errors.MISCONFIGURED, detail: { reason: error.message } }),
  );

export function createAssertionSigner(options: ResolvedAssertionOptions): AssertionSigner {
  const { signingKey, audience, issuer, ttlSeconds } = options;
  const ready = () => loadJose().then(() => undefined);
  ready().catch(() => undefined); // now; whoever awaits ready() (startProxy, each exchange) sees a failure
  const publish = async (key: VerificationKey): Promise<PublishedJwk> => {
    const { calculateJwkThumbprint } = await loadJose();
    const kid = await calculateJwkThumbprint(key.publicJwk, 'sha256');
    return { ...key.publicJwk, kid, alg: key.alg, use: 'sig' };
  };
  let published: Promise<{ keys: PublishedJwk[] }> | undefined;
  const jwks = () => (published ??= Promise.all([signingKey, ...options.previousPublicKeys].map(publish)).then((keys) => ({ keys })));

  /** Made once the kid is known (the JWKS): the header is encoded once for the process's life. */
  let signer: Promise<CompactSigner> | undefined;
  const signerOnce = () =>
    (signer ??= jwks().then(({ keys }) =>
      compactSigner(signingKey.alg, signingKey.privateKey, { alg: signingKey.alg, kid: keys[0].kid, typ: 'JWT' }),
    ));

  const sign = async (phone: PhoneInfo, context: AssertionContext): Promise<Signed> => {
    const claims = phoneClaims(phone);
    if (!claims) {
      return { failure: { definition: errors.UPSTREAM_ERROR, detail: { reason: 'phone number not expressible in E.164, or its fields disagree' } } };
    }
    const signPayload = await signerOnce();
    // The claims in the order jose's SignJWT wrote them: the tokens stay the same but for jti, times and signature.
    const payload: Partial<PhoneAssertionClaims> = { ...claims, phone_number_verified: true };
    if (context.appId !== undefined) payload.appid = context.appId;
    if (context.nonce !== undefined) payload.nonce = context.nonce;
    const issuedAt = Math.floor(Date.now() / 1000);
    payload.iss = issuer;
    payload.aud = audience;
    payload.iat = issuedAt;
    payload.exp = issuedAt + ttlSeconds;
    payload.jti = randomUUID();
    if (context.openId !== undefined) payload.sub = context.openId;
    return { assertion: signPayload(payload) };
  };

  return { sign, jwks, ready };
}

type PhoneClaims = Pick<PhoneAssertionClaims, 'phone_number' | 'country_code' | 'pure_phone_number'>;

/**
 * E.164 from either Authing shape: `+${countryCode}${purePhoneNumber}` (the phone_info shape has no + in
 * phoneNumber; the flat DTO has +86...). When phoneNumber carries a +, it must agree. E.164: at most 15 digits.
 */
export function phoneClaims(phone: PhoneInfo): PhoneClaims | undefined {
  const countryCode = phone.countryCode.replace(/^\+/, '');
  const pure = phone.purePhoneNumber;
  if (!/^[1-9]\d{0,2}$/.test(countryCode) || !/^\d+$/.test(pure) || countryCode.length + pure.length > 15) return undefined;
  const e164 = `+${countryCode}${pure}`;
  const given = phone.phoneNumber.replace(/[\s-]/g, '');
  if (given.startsWith('+') && given !== e164) return undefined;
  return { phone_number: e164, country_code: countryCode, pure_phone_number: pure };
}
