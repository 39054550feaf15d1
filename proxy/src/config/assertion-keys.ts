// The keys of signed phone assertions, read synchronously with node:crypto so that a bad key fails at creation
// (a ConfigError), not at the first exchange. Errors say what is wrong with a key, never what is in it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, type JsonWebKey } from 'node:crypto';
import type { AssertionAlgorithm } from '../contract/assertion-claims';

/** PEM (PKCS#8, or SEC1 for EC keys: node:crypto reads both), a private JWK (object or JSON text), or a private KeyObject. */
export type PrivateKeyInput = string | JsonWebKey | KeyObject;
/** SPKI PEM or a public JWK (object or JSON text). */
export type PublicKeyInput = string | JsonWebKey;

export interface VerificationKey {
  /** The public JWK as published (kty, crv, x[, y]); kid, alg and use are added by the signer. */
  readonly publicJwk: JsonWebKey;
  readonly alg: AssertionAlgorithm;
}

export interface SigningKey extends VerificationKey {
  readonly privateKey: KeyObject;
}

const ACCEPTED = 'use an EC P-256 (ES256) or Ed25519 (EdDSA) key';

/** Reads the signing key; throws an Error whose message names the problem (for a ConfigError). */
export function readSigningKey(input: PrivateKeyInput): SigningKey {
  const privateKey = privateKeyObject(input);
  const alg = algorithmOf(privateKey);
  return { privateKey, alg, publicJwk: createPublicKey(privateKey).export({ format: 'jwk' }) };
}

/** Reads a public key still published after a rotation. */
export function readPublicKey(input: PublicKeyInput): VerificationKey {
  const jwk = asJwk(input);
  if (jwk?.kty === 'oct') throw new Error(`a symmetric (oct) key cannot verify a signature anyone can check: ${ACCEPTED}`);
  if (jwk?.d !== undefined || (typeof input === 'string' && /PRIVATE KEY-----/.test(input))) {
    throw new Error('must be a public key: list the old public key only, never a private one');
  }
  let publicKey: KeyObject;
  try {
    publicKey = jwk ? createPublicKey({ key: jwk, format: 'jwk' }) : createPublicKey({ key: input as string, format: 'pem' });
  } catch {
    throw new Error('cannot be read: expected a public JWK or an SPKI PEM ("-----BEGIN PUBLIC KEY-----")');
  }
  const alg = algorithmOf(publicKey);
  checkDeclaredAlg(jwk, alg);
  return { alg, publicJwk: publicKey.export({ format: 'jwk' }) };
}

/** A fresh ES256 key for `dev` and the demo: gone when the process ends, so never for production. */
export function generateEphemeralSigningKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function privateKeyObject(input: PrivateKeyInput): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type === 'secret') throw new Error(`a symmetric key is not accepted: ${ACCEPTED}`);
    if (input.type !== 'private') throw new Error('must be a private key');
    return input;
  }
  const jwk = asJwk(input);
  if (jwk?.kty === 'oct') throw new Error(`a symmetric (oct) key is not accepted: ${ACCEPTED}`);
  if (jwk && typeof jwk.d !== 'string') throw new Error('must be a private JWK (this one has no "d")');
  let key: KeyObject;
  try {
    key = jwk ? createPrivateKey({ key: jwk, format: 'jwk' }) : createPrivateKey({ key: input as string, format: 'pem' });
  } catch {
    throw new Error(
      'cannot be read: expected a PEM private key (PKCS#8 "-----BEGIN PRIVATE KEY-----" or SEC1 "-----BEGIN EC PRIVATE KEY-----") or a private JWK as JSON',
    );
  }
  checkDeclaredAlg(jwk, algorithmOf(key));
  return key;
}

/** A JWK given as an object or as JSON text; undefined for PEM text. */
function asJwk(input: PublicKeyInput): JsonWebKey | undefined {
  if (typeof input !== 'string') {
    if (typeof input !== 'object' || input === null) throw new Error('must be a PEM string or a JWK');
    return input;
  }
  if (!input.trim().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as JsonWebKey;
  } catch {
    // reported below
  }
  throw new Error('looks like JSON but is not a JWK object');
}

function algorithmOf(key: KeyObject): AssertionAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'rsa' || type === 'rsa-pss') throw new Error(`RSA keys are not accepted: ${ACCEPTED}`);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new Error(`key type ${type}${curve ? ` (${curve})` : ''} is not accepted: ${ACCEPTED}`);
}

/** A JWK that names its algorithm must name the one its key type implies. */
function checkDeclaredAlg(jwk: JsonWebKey | undefined, alg: AssertionAlgorithm): void {
  if (jwk?.alg !== undefined && jwk.alg !== alg) throw new Error(`says alg ${JSON.stringify(jwk.alg)} but is a key for ${alg}`);
}
