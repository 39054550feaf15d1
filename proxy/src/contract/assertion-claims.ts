// The signed phone assertion's contract, shared by the signer (exchange/) and the verifier (verify/): pure types
// and constants, no imports, so `miniprogram-phone-proxy/verify` loads nothing of the proxy but this.

/** The `iss` claim unless configured otherwise. */
export const DEFAULT_ASSERTION_ISSUER = 'miniprogram-phone-proxy';

/** The algorithms the proxy signs with and the verifier accepts: ES256 (EC P-256) and EdDSA (Ed25519). */
export const ASSERTION_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

/** The claims of a phone assertion (a JWT). `phone_number` and `phone_number_verified` are OpenID Connect's names. */
export interface PhoneAssertionClaims {
  iss: string;
  /** The app backend the assertion is for. */
  aud: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  /** Unique per answer, also for a repeated code. */
  jti: string;
  /** E.164, e.g. +8613800138000. */
  phone_number: string;
  phone_number_verified: true;
  /** Digits only, e.g. "86". */
  country_code: string;
  /** The number without its country code, e.g. 13800138000. */
  pure_phone_number: string;
  /** The mini program's appid, when the proxy knew it (Referer or a trusted gateway). */
  appid?: string;
  /** The nonce the request carried (issued by the app backend). */
  nonce?: string;
  /** The user's openid, only when a trusted WeChat gateway or cloud function supplied it. */
  sub?: string;
}
