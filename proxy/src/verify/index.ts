// miniprogram-phone-proxy/verify: for the app's own backend, which receives the assertion from its page and must
// know the phone number is real. Loads nothing but jose (and the pure claim types): no logger, no schema library.
// Rules from jose's own guidance: algorithms pinned, audience and issuer required, exp required, clock tolerance explicit.
import './node-check'; // first: on a Node.js too old for jose, one clear line
import { createLocalJWKSet, createRemoteJWKSet, calculateJwkThumbprint, errors, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { ASSERTION_ALGORITHMS, DEFAULT_ASSERTION_ISSUER, type PhoneAssertionClaims } from '../contract/assertion-claims';
import { fetchFailed, JwksUnavailableError } from './jwks-unavailable';

export { ASSERTION_ALGORITHMS, DEFAULT_ASSERTION_ISSUER, JwksUnavailableError, type PhoneAssertionClaims };

export type PhoneAssertionFailure = 'malformed' | 'bad-signature' | 'expired' | 'wrong-audience' | 'wrong-issuer' | 'nonce-mismatch' | 'unknown-key';

/** The assertion is not to be trusted; `reason` says why (answer the page 401, not 500). */
export class PhoneAssertionError extends Error {
  readonly reason: PhoneAssertionFailure;

  constructor(reason: PhoneAssertionFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhoneAssertionError';
    this.reason = reason;
  }
}

interface Expectations {
  /** The `aud` this backend expects (the proxy's ASSERTION_AUDIENCE). */
  audience: string;
  /** The expected `iss`, default 'miniprogram-phone-proxy'. */
  issuer?: string;
  /** The nonce this backend issued for the session: the assertion must carry exactly it. */
  nonce?: string;
  /** Seconds of clock skew allowed on exp (and nbf), default 0. */
  clockToleranceSeconds?: number;
}

/**
 * A public JWK (RFC 7517), jose's JWK included. Our own type: jose is ESM only, and this package's CommonJS .d.ts
 * cannot import its types under moduleResolution node16/nodenext (TS1479).
 */
export type PublicJwk = { kty?: string; kid?: string; [parameter: string]: unknown };

export type VerifyPhoneAssertionOptions = Expectations &
  (
    | {
        /** The proxy's https://.../.well-known/jwks.json (fetched, cached, refetched on an unknown kid). */ jwksUrl: string | URL;
        publicKeys?: never;
      }
    | {
        /** The keys themselves: a JWKS or an array of public JWKs (a missing kid is the RFC 7638 thumbprint). */ publicKeys:
          PublicJwk[] | { keys: PublicJwk[] };
        jwksUrl?: never;
      }
  );

/** One remote key set per URL: jose caches the keys it fetched and rate-limits refetches. */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

/** localhost, 127.0.0.0/8 and [::1]: the only hosts a JWKS may be fetched from over plain http (URL normalises them). */
const isLoopback = (hostname: string): boolean => hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/** The keys that decide whether a number is real are fetched over https: plain http only on loopback (tests, a sidecar). */
function jwksLocation(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError('verifyPhoneAssertion: options.jwksUrl is not a URL');
  }
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname))) return parsed;
  throw new TypeError(
    `verifyPhoneAssertion: options.jwksUrl must be https (plain http only for localhost, 127.0.0.0/8 or [::1]), not ${parsed.protocol}//${parsed.host}`,
  );
}

function remoteKeySet(url: string | URL): JWTVerifyGetKey {
  const key = jwksLocation(url).href;
  let keySet = remoteKeySets.get(key);
  if (!keySet) remoteKeySets.set(key, (keySet = createRemoteJWKSet(new URL(key))));
  return keySet;
}

async function localKeySet(publicKeys: PublicJwk[] | { keys: PublicJwk[] }): Promise<JWTVerifyGetKey> {
  const keys = (Array.isArray(publicKeys) ? publicKeys : publicKeys.keys) as JWK[];
  const withKids = await Promise.all(keys.map(async (jwk) => (jwk.kid ? jwk : { ...jwk, kid: await calculateJwkThumbprint(jwk) })));
  return createLocalJWKSet({ keys: withKids });
}

/**
 * Verifies a phone assertion and resolves with its claims, or rejects with a PhoneAssertionError (answer 401). A JWKS
 * that cannot be fetched rejects with a JwksUnavailableError (`reason: 'jwks-unavailable'`, retryable): the token may
 * be fine (answer 503). Options that cannot work (no audience, neither jwksUrl nor publicKeys, a jwksUrl that is not
 * https off loopback) throw a TypeError.
 */
export async function verifyPhoneAssertion(token: string, options: VerifyPhoneAssertionOptions): Promise<PhoneAssertionClaims> {
  if (!options || typeof options.audience !== 'string' || !options.audience)
    throw new TypeError('verifyPhoneAssertion: options.audience is required');
  if (options.jwksUrl === undefined && options.publicKeys === undefined) {
    throw new TypeError("verifyPhoneAssertion: options.jwksUrl (the proxy's /.well-known/jwks.json) or options.publicKeys is required");
  }
  const remote = options.jwksUrl !== undefined;
  const keySet = remote ? remoteKeySet(options.jwksUrl) : await localKeySet(options.publicKeys);
  if (typeof token !== 'string' || token.split('.').length !== 3) throw new PhoneAssertionError('malformed', 'not a compact JWS');
  const getKey: JWTVerifyGetKey = async (header, input) => {
    if (typeof header.kid !== 'string') throw new PhoneAssertionError('malformed', 'the header has no kid');
    try {
      return await keySet(header, input);
    } catch (error) {
      if (!remote || !fetchFailed(error)) throw error;
      throw new JwksUnavailableError(`cannot fetch the JWKS at ${String(options.jwksUrl)}: ${(error as Error).message}`, { cause: error });
    }
  };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, getKey, {
      algorithms: [...ASSERTION_ALGORITHMS],
      audience: options.audience,
      issuer: options.issuer ?? DEFAULT_ASSERTION_ISSUER,
      typ: 'JWT',
      requiredClaims: ['exp', 'iat', 'jti'],
      clockTolerance: options.clockToleranceSeconds ?? 0,
    }));
  } catch (error) {
    throw asAssertionError(error);
  }
  const claims = phoneClaims(payload);
  if (options.nonce !== undefined && claims.nonce !== options.nonce) {
    throw new PhoneAssertionError(
      'nonce-mismatch',
      claims.nonce === undefined ? 'the assertion carries no nonce' : 'the nonce is not the one issued',
    );
  }
  return claims;
}

/** jose's verdict as one of our reasons; anything that says nothing about the token is passed on as is. */
function asAssertionError(error: unknown): unknown {
  if (error instanceof PhoneAssertionError || error instanceof JwksUnavailableError) return error;
  const because = (reason: PhoneAssertionFailure) => new PhoneAssertionError(reason, (error as Error).message, { cause: error });
  if (error instanceof errors.JWTExpired) return because('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return because('wrong-audience');
    if (error.claim === 'iss') return because('wrong-issuer');
    return because('malformed');
  }
  if (error instanceof errors.JWKSNoMatchingKey) return because('unknown-key');
  // An algorithm we do not sign with (none, HS256 with the public key as secret...) is a forged signature.
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) return because('bad-signature');
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return because('malformed');
  }
  return error;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/** The claims we promise, checked: a token signed by the right key but of another shape is still refused. */
function phoneClaims(payload: Record<string, unknown>): PhoneAssertionClaims {
  const { phone_number, phone_number_verified, country_code, pure_phone_number, aud, jti, appid, nonce, sub } = payload;
  const optionalText = (value: unknown) => value === undefined || typeof value === 'string';
  const valid =
    typeof phone_number === 'string' &&
    E164.test(phone_number) &&
    phone_number_verified === true &&
    typeof country_code === 'string' &&
    typeof pure_phone_number === 'string' &&
    phone_number === `+${country_code}${pure_phone_number}` &&
    typeof aud === 'string' &&
    typeof jti === 'string' &&
    optionalText(appid) &&
    optionalText(nonce) &&
    optionalText(sub);
  if (!valid) throw new PhoneAssertionError('malformed', 'the claims are not those of a phone assertion');
  return payload as unknown as PhoneAssertionClaims;
}
