// Whether the signing key works end to end: an assertion signed the way the proxy signs one verifies, with the
// `verify` entry the app's backend uses, against the JWKS the proxy would serve.
import type { ResolvedOptions } from '../config';
import { createAssertionSigner } from '../exchange/assertion-signer';
import { verifyPhoneAssertion } from '../verify';
import { fail, pass, warn, type CheckLine } from './lines';

export const SIGNING_ITEM = 'signing key';
/** A number no one owns, for an assertion nobody receives. */
const PROBE_PHONE = { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' };

export async function probeSigning(config: ResolvedOptions): Promise<CheckLine> {
  const { assertion } = config;
  if (!assertion) return pass(SIGNING_ITEM, 'off: answers carry no assertion (set ASSERTION_PRIVATE_KEY_FILE and ASSERTION_AUDIENCE to sign)');
  const signer = createAssertionSigner(assertion);
  try {
    await signer.ready();
    const signed = await signer.sign(PROBE_PHONE, { nonce: 'check' });
    if ('failure' in signed) {
      const reason = signed.failure.detail?.reason;
      throw new Error(typeof reason === 'string' ? reason : signed.failure.definition.message);
    }
    const jwks = await signer.jwks();
    const claims = await verifyPhoneAssertion(signed.assertion, {
      publicKeys: jwks,
      audience: assertion.audience,
      issuer: assertion.issuer,
      nonce: 'check',
    });
    const [current] = jwks.keys;
    const found = `${current.alg} key ${current.kid} signs; the assertion verifies against the JWKS (${jwks.keys.length} key(s)), aud ${claims.aud}, iss ${assertion.issuer}`;
    return assertion.ttlSeconds > 600
      ? warn(SIGNING_ITEM, found, `ASSERTION_TTL_S=${assertion.ttlSeconds}: a stolen assertion stays usable that long; 300 is the default`)
      : pass(SIGNING_ITEM, found);
  } catch (error) {
    return fail(
      SIGNING_ITEM,
      `cannot sign and verify: ${(error as Error).message}`,
      'check ASSERTION_PRIVATE_KEY(_FILE): an EC P-256 or Ed25519 private key (docs/en/trust/assertions.md)',
    );
  }
}
