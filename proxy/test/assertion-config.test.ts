// Signing configuration: every inconsistent setting fails at creation with a ConfigError naming the option or the
// environment variable, and no message ever repeats the key.
import { generateKeyPairSync, generateKeySync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createPhoneExchange, loadConfigFromEnv, resolveOptions, type ProxyOptions } from '../src';
import { ecKey, edKey } from './assertion-helpers';
import { configError as configErrorOf } from './helpers';

const BASE_ENV = { AUTHING_APP_HOST: 'https://example.authing.cn', AUTHING_APP_ID: 'app-1', AUTHING_EXT_IDP_CONNIDENTIFIER: 'wx-mp' };
const AUTHING: ProxyOptions['authing'] = { appHost: 'https://example.authing.cn', appId: 'app-1', extIdpConnidentifier: 'wx-mp' };

const ec = ecKey();
const EC_PEM = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const EC_JWK = ec.privateKey.export({ format: 'jwk' });
const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const P384_PEM = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const OCT_JWK = JSON.stringify(generateKeySync('hmac', { length: 256 }).export({ format: 'jwk' }));
/** Text that would betray a key if a message carried it. */
const SECRETS = [EC_PEM.split('\n')[1], String(EC_JWK.d), RSA_PEM.split('\n')[1]];

/** The ConfigError `run` throws, checked to name none of the secrets. */
function configError(run: () => unknown): ConfigError {
  const error = configErrorOf(run);
  for (const secret of SECRETS) expect(error.message).not.toContain(secret);
  return error;
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'assertion-config-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('environment', () => {
  const env = (vars: Record<string, string>) => loadConfigFromEnv({ ...BASE_ENV, ...vars });

  it.each([
    ['a PEM', { ASSERTION_PRIVATE_KEY: EC_PEM }],
    ['a PEM on one line with literal \\n', { ASSERTION_PRIVATE_KEY: EC_PEM.trim().replace(/\n/g, '\\n') }],
    ['a JWK as JSON', { ASSERTION_PRIVATE_KEY: JSON.stringify(EC_JWK) }],
    ['an Ed25519 JWK', { ASSERTION_PRIVATE_KEY: JSON.stringify(edKey().privateKey.export({ format: 'jwk' })) }],
  ])('reads %s with every setting', (_name, key) => {
    const previous = JSON.stringify({ keys: [ecKey().publicKey.export({ format: 'jwk' })] });
    const config = env({
      ...key,
      ASSERTION_AUDIENCE: 'my-backend',
      ASSERTION_ISSUER: 'https://phone.example.com',
      ASSERTION_TTL_S: '600',
      ASSERTION_PUBLIC_KEYS_PREVIOUS: previous,
    });
    const { assertion } = resolveOptions(config);
    expect(assertion).toMatchObject({ audience: 'my-backend', issuer: 'https://phone.example.com', ttlSeconds: 600 });
    expect(assertion?.previousPublicKeys).toHaveLength(1);
  });

  it('reads the key from ASSERTION_PRIVATE_KEY_FILE, and defaults the rest', () => {
    const file = join(dir, 'signing.pem');
    writeFileSync(file, EC_PEM, { mode: 0o600 });
    const { assertion } = resolveOptions(env({ ASSERTION_PRIVATE_KEY_FILE: file, ASSERTION_AUDIENCE: 'my-backend' }));
    expect(assertion).toMatchObject({ issuer: 'miniprogram-phone-proxy', ttlSeconds: 300, previousPublicKeys: [] });
    expect(assertion?.signingKey.alg).toBe('ES256');
  });

  it('signs nothing when no ASSERTION_ variable is set', () => {
    expect(resolveOptions(env({})).assertion).toBeUndefined();
  });

  const rsaFile = (): string => {
    const file = join(dir, 'rsa.pem');
    writeFileSync(file, RSA_PEM);
    return file;
  };
  it.each([
    ['an audience without a key', { ASSERTION_AUDIENCE: 'my-backend' }, 'ASSERTION_AUDIENCE', /without a signing key/],
    ['a TTL without a key', { ASSERTION_TTL_S: '60' }, 'ASSERTION_TTL_S', /without a signing key/],
    ['a key without an audience', { ASSERTION_PRIVATE_KEY: EC_PEM }, 'ASSERTION_AUDIENCE', /required when signing is on/],
    ['an unreadable key', { ASSERTION_PRIVATE_KEY: 'not a key', ASSERTION_AUDIENCE: 'b' }, 'ASSERTION_PRIVATE_KEY', /cannot be read/],
    ['an RSA key', { ASSERTION_PRIVATE_KEY: RSA_PEM, ASSERTION_AUDIENCE: 'b' }, 'ASSERTION_PRIVATE_KEY', /RSA keys are not accepted/],
    [
      'a P-384 key',
      { ASSERTION_PRIVATE_KEY: P384_PEM, ASSERTION_AUDIENCE: 'b' },
      'ASSERTION_PRIVATE_KEY',
      /key type ec \(secp384r1\) is not accepted/,
    ],
    ['a symmetric key', { ASSERTION_PRIVATE_KEY: OCT_JWK, ASSERTION_AUDIENCE: 'b' }, 'ASSERTION_PRIVATE_KEY', /symmetric/],
    [
      'a public key as the private key',
      { ASSERTION_PRIVATE_KEY: JSON.stringify(ec.publicKey.export({ format: 'jwk' })), ASSERTION_AUDIENCE: 'b' },
      'ASSERTION_PRIVATE_KEY',
      /no "d"/,
    ],
    [
      'both KEY and KEY_FILE',
      { ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_PRIVATE_KEY_FILE: '/nonexistent', ASSERTION_AUDIENCE: 'b' },
      'ASSERTION_PRIVATE_KEY_FILE',
      /not both/,
    ],
    [
      'a key file that does not exist',
      { ASSERTION_PRIVATE_KEY_FILE: '/nonexistent/key.pem', ASSERTION_AUDIENCE: 'b' },
      'ASSERTION_PRIVATE_KEY_FILE',
      /ENOENT/,
    ],
    ['a TTL over an hour', { ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'b', ASSERTION_TTL_S: '3601' }, 'ASSERTION_TTL_S', /at most 3600/],
    ['a TTL of 0', { ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'b', ASSERTION_TTL_S: '0' }, 'ASSERTION_TTL_S', /at least 1/],
    [
      'previous keys that are not JSON',
      { ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'b', ASSERTION_PUBLIC_KEYS_PREVIOUS: '-----BEGIN' },
      'ASSERTION_PUBLIC_KEYS_PREVIOUS',
      /must be JSON/,
    ],
    [
      'a private key among the previous keys',
      { ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'b', ASSERTION_PUBLIC_KEYS_PREVIOUS: JSON.stringify([EC_JWK]) },
      'ASSERTION_PUBLIC_KEYS_PREVIOUS',
      /must be a public key/,
    ],
  ])('refuses %s, naming the variable', (_name, vars, variable, message) => {
    const error = configError(() => env(vars));
    expect(error.key).toBe(variable);
    expect(error.message).toMatch(message);
  });

  it('names the _FILE variable when the file holds a bad key', () => {
    const error = configError(() => env({ ASSERTION_PRIVATE_KEY_FILE: rsaFile(), ASSERTION_AUDIENCE: 'b' }));
    expect(error.key).toBe('ASSERTION_PRIVATE_KEY_FILE');
    expect(error.message).toMatch(/RSA/);
  });
});

describe('programmatic options', () => {
  const create = (assertion: unknown) => () =>
    createPhoneExchange({ authing: AUTHING, logger: false, assertion: assertion as ProxyOptions['assertion'] });

  it.each([
    ['no key', { audience: 'b' }, 'assertion.privateKey'],
    ['no audience', { privateKey: EC_PEM }, 'assertion.audience'],
    ['an empty audience', { privateKey: EC_PEM, audience: ' ' }, 'assertion.audience'],
    ['an RSA key', { privateKey: RSA_PEM, audience: 'b' }, 'assertion.privateKey'],
    ['a symmetric KeyObject', { privateKey: generateKeySync('hmac', { length: 256 }), audience: 'b' }, 'assertion.privateKey'],
    ['a public KeyObject', { privateKey: ec.publicKey, audience: 'b' }, 'assertion.privateKey'],
    ['a JWK whose alg disagrees', { privateKey: { ...EC_JWK, alg: 'ES384' }, audience: 'b' }, 'assertion.privateKey'],
    ['a number', { privateKey: 42, audience: 'b' }, 'assertion.privateKey'],
    ['a TTL over an hour', { privateKey: EC_PEM, audience: 'b', ttlSeconds: 7200 }, 'assertion.ttlSeconds'],
    ['an unreadable previous key', { privateKey: EC_PEM, audience: 'b', previousPublicKeys: ['x'] }, 'assertion.previousPublicKeys.0'],
  ])('refuses %s at creation', (_name, assertion, key) => {
    expect(configError(create(assertion)).key).toBe(key);
  });

  it('accepts a KeyObject, a JWK object, a PEM and SPKI PEM previous keys', async () => {
    for (const privateKey of [ec.privateKey, EC_JWK, EC_PEM]) {
      const exchange = create({ privateKey, audience: 'b', previousPublicKeys: [ecKey().publicKey.export({ format: 'pem', type: 'spki' })] })();
      const { keys } = await exchange.jwks!();
      expect(keys.map((key) => key.alg)).toEqual(['ES256', 'ES256']);
      await exchange.close();
    }
  });
});
