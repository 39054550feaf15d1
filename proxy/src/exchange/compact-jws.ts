// A JWS in compact serialization (RFC 7515 §7.1), signed by node:crypto directly: through jose (WebCrypto) an ES256
// signature cost 3..7 times the CPU of a bare crypto.sign in the bench (proxy/bench/RESULTS.md, issue 23). jose still
// verifies these tokens (proxy/test/compact-jws.test.ts) and publishes the JWKS.
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { AssertionAlgorithm } from '../contract/assertion-claims';

/** Signs a payload under one fixed protected header: `header.payload.signature`, each part base64url. */
export type CompactSigner = (payload: object) => string;

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/**
 * The header is encoded once, here. ES256's signature is R || S, 32 bytes each (RFC 7518 §3.4), which node:crypto
 * gives with dsaEncoding 'ieee-p1363' (its default is DER); EdDSA (RFC 8037 §3.1) signs the input itself, no digest.
 */
export function compactSigner(alg: AssertionAlgorithm, privateKey: KeyObject, header: object): CompactSigner {
  const encodedHeader = base64url(JSON.stringify(header));
  const signOptions = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  const digest = alg === 'ES256' ? 'sha256' : null;
  return (payload) => {
    const signingInput = `${encodedHeader}.${base64url(JSON.stringify(payload))}`;
    const signature = cryptoSign(digest, Buffer.from(signingInput, 'utf8'), signOptions);
    return `${signingInput}.${signature.toString('base64url')}`;
  };
}
