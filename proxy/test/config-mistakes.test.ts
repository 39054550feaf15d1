// No silent typos and no value that cannot work: a look-alike variable is warned with the closest real name, an
// unknown option key is a ConfigError with the same suggestion, every ConfigError is plain English naming the variable
// or option, and values that could never work (an endpoint path as the host, plain http off loopback, a key variable
// holding a path) fail at start.
import { generateKeyPairSync } from 'node:crypto';
import { createNodeHandler, loadConfigFromEnv, resolveOptions, type ProxyOptions } from '../src';
import { closestName, editDistance } from '../src/config/suggest';
import { configError } from './helpers';

const BASE = { AUTHING_APP_HOST: 'https://example.authing.cn', AUTHING_APP_ID: 'app-1', AUTHING_EXT_IDP_CONNIDENTIFIER: 'wx-mp' };
const authing = { appHost: 'https://example.authing.cn', appId: 'a', extIdpConnidentifier: 'c' };

/** The warnings loadConfigFromEnv hands out for `env`. */
function warningsFor(env: Record<string, string>): string[] {
  const warnings: string[] = [];
  loadConfigFromEnv({ ...BASE, ...env }, (warning) => warnings.push(warning));
  return warnings;
}

describe('edit distance', () => {
  it('counts insertions, deletions and substitutions, ignoring case', () => {
    expect(editDistance('ALLOWED_APPID', 'ALLOWED_APPIDS')).toBe(1);
    expect(editDistance('allowedAppIDs', 'allowedAppIds')).toBe(0);
    expect(editDistance('REDIS_URI', 'REDIS_URL')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestName('completely_different', ['ALLOWED_APPIDS'])).toBeUndefined();
  });
});

describe('an environment variable that looks like ours but is not', () => {
  it.each([
    ['AUTHING_', 'AUTHING_APPHOST', 'AUTHING_APP_HOST'],
    ['AUTHING_ (word split)', 'AUTHING_USER_POOL_ID', 'AUTHING_USERPOOL_ID'],
    ['ALLOWED_ (a letter missing)', 'ALLOWED_APPID', 'ALLOWED_APPIDS'],
    ['ALLOWED_ (lower case)', 'allowed_appids', 'ALLOWED_APPIDS'],
    ['ALLOW_', 'ALLOW_DEV_TOOLS', 'ALLOW_DEVTOOLS'],
    ['ASSERTION_', 'ASSERTION_AUDIANCE', 'ASSERTION_AUDIENCE'],
    ['REDIS_', 'REDIS_URI', 'REDIS_URL'],
    ['RATE_LIMIT_', 'RATE_LIMIT_WINDOW', 'RATE_LIMIT_WINDOW_MS'],
    ['TRUST_', 'TRUST_PROXIES', 'TRUST_PROXY'],
    ['DEDUPE_', 'DEDUPE_TTL', 'DEDUPE_TTL_MS'],
    ['UPSTREAM_', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT_MS'],
    ['REQUEST_', 'REQUEST_TIMEOUT', 'REQUEST_TIMEOUT_MS'],
    ['PHONE_', 'PHONE_ROUTE', 'PHONE_ROUTE_PATH'],
    ['CORS_', 'CORS_ORIGIN', 'CORS_ORIGINS'],
    ['LOG_', 'LOG_LEVELS', 'LOG_LEVEL'],
  ])('%s: %s is warned, naming %s, never its value', (_family, typo, real) => {
    const warnings = warningsFor({ [typo]: 'value-not-to-echo' });
    expect(warnings).toEqual([`${typo} is not a variable miniprogram-phone-proxy reads (did you mean ${real}?): it has no effect`]);
  });

  it('one with our prefix but no close name is warned without a guess', () => {
    expect(warningsFor({ REDIS_CLUSTER_NODES_LIST: 'x' })).toEqual([
      'REDIS_CLUSTER_NODES_LIST is not a variable miniprogram-phone-proxy reads: it has no effect',
    ]);
  });

  it('our own variables and foreign ones are not warned', () => {
    expect(
      warningsFor({ ALLOWED_APPIDS: 'wx1', PATH: '/bin', NODE_ENV: 'production', AUTHING_ALLOW_INSECURE: 'false', ASSERTION_PRIVATE_KEY_FILE: '' }),
    ).toEqual([]);
  });

  it("by default the warning goes to Node's warning channel", () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      loadConfigFromEnv({ ...BASE, ALLOWED_APPID: 'wx1' });
      expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('did you mean ALLOWED_APPIDS?'), { code: 'MINIPROGRAM_PHONE_PROXY_CONFIG' });
    } finally {
      emitWarning.mockRestore();
    }
  });
});

describe('an unknown programmatic option key is a ConfigError with a suggestion', () => {
  it.each([
    ['allowedAppIDs', { authing, allowedAppIDs: ['wx1'] }, 'allowedAppIds'],
    ['authing.userpoolID', { authing: { ...authing, userpoolID: 'p' } }, 'userPoolId'],
    ['store.redisURL', { authing, store: { redisURL: 'redis://127.0.0.1' } }, 'redisUrl'],
    ['rateLimit.maxx', { authing, rateLimit: { maxx: 5, timeWindowMs: 1000 } }, 'max'],
    ['assertion.audiance', { authing, assertion: { privateKey: 'k', audience: 'x', audiance: 'x' } }, 'audience'],
  ])('%s', (key, options, suggestion) => {
    const error = configError(() => resolveOptions(options as unknown as ProxyOptions));
    expect(error.key).toBe(key);
    expect(error.message).toContain(`did you mean ${suggestion}?`);
    expect(() => createNodeHandler(options as unknown as ProxyOptions)).toThrow(`did you mean ${suggestion}?`);
  });
});

describe('every ConfigError is plain English naming the option, never the validator wording', () => {
  it.each([
    ['authing', {}, 'required: the Authing application (or set upstream to wechat)'],
    ['authing', { authing: 'https://example.authing.cn' }, 'must be an object'],
    ['authing.appHost', { authing: { appId: 'a', extIdpConnidentifier: 'c' } }, 'required: your Authing application domain'],
    ['authing.extIdpConnidentifier', { authing: { appHost: authing.appHost, appId: 'a' } }, 'WeChat mini program connection'],
    ['authing.appId', { authing: { ...authing, appId: 5 } }, 'must be a string'],
    ['allowedAppIds', { authing, allowedAppIds: 'wx1' }, 'must be a list'],
    ['rateLimit.timeWindowMs', { authing, rateLimit: { max: 5 } }, 'required when rateLimit is an object'],
    ['dedupe', { authing, dedupe: 5 }, 'must be an object'],
    ['options', undefined, 'must be an object'],
    ['options', 'https://example.authing.cn', 'must be an object'],
  ])('%s', (key, options, words) => {
    const error = configError(() => resolveOptions(options as unknown as ProxyOptions));
    expect(error.key).toBe(key);
    expect(error.message).toContain(words);
    expect(error.message).not.toMatch(/Invalid|Expected|received/);
  });
});

describe('values that cannot work fail at start', () => {
  it.each([
    [
      'the exchange endpoint pasted as the host',
      'https://x.authing.cn/api/v3/get-wechat-miniprogram-phone',
      'the proxy adds /api/v3/get-wechat-miniprogram-phone itself',
    ],
    ['an /api/ path', 'https://x.authing.cn/api', 'must be the domain only'],
    ['a query', 'https://x.authing.cn/?tenant=1', 'no query'],
    ['a fragment', 'https://x.authing.cn/#top', 'fragment'],
    ['user:password', 'https://user:pw@x.authing.cn', 'user:password'],
    ['plain http off loopback', 'http://x.authing.cn', 'AUTHING_ALLOW_INSECURE=true'],
  ])('AUTHING_APP_HOST with %s', (_name, host, words) => {
    const error = configError(() => loadConfigFromEnv({ ...BASE, AUTHING_APP_HOST: host }, () => undefined));
    expect(error.key).toBe('AUTHING_APP_HOST');
    expect(error.message).toContain(words);
  });

  it.each(['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9', 'https://sso.example.com/authing'])(
    '%s is accepted (loopback, or a private deployment prefix)',
    (host) => {
      expect(loadConfigFromEnv({ ...BASE, AUTHING_APP_HOST: host }, () => undefined).authing?.appHost).toBe(host);
    },
  );

  it('plain http off loopback is accepted with AUTHING_ALLOW_INSECURE=true (authing.allowInsecure)', () => {
    const config = loadConfigFromEnv({ ...BASE, AUTHING_APP_HOST: 'http://authing.internal', AUTHING_ALLOW_INSECURE: 'true' });
    expect(resolveOptions(config).authing).toMatchObject({ appHost: 'http://authing.internal', allowInsecure: true });
    expect(() => resolveOptions({ authing: { ...authing, appHost: 'http://authing.internal' } })).toThrow(/authing\.appHost: is plain http/);
  });

  it.each(['./keys/ec.pem', '/run/secrets/signing-key', 'ec-key.json'])(
    'ASSERTION_PRIVATE_KEY=%s (a path) hints ASSERTION_PRIVATE_KEY_FILE',
    (path) => {
      const error = configError(() => loadConfigFromEnv({ ...BASE, ASSERTION_PRIVATE_KEY: path, ASSERTION_AUDIENCE: 'backend' }));
      expect(error.key).toBe('ASSERTION_PRIVATE_KEY');
      expect(error.message).toContain(`set ASSERTION_PRIVATE_KEY_FILE=${path}`);
    },
  );

  it('a key body that is not a path is never echoed', () => {
    const notAKey = 'MHcCAQEEIBx9secretsecretsecretsecretsecretsecretsecretsecretoAoGCCqGSM49AwEHoUQDQgAE';
    const error = configError(() => loadConfigFromEnv({ ...BASE, ASSERTION_PRIVATE_KEY: notAKey, ASSERTION_AUDIENCE: 'backend' }));
    expect(error.key).toBe('ASSERTION_PRIVATE_KEY');
    expect(error.message).not.toContain(notAKey);
    expect(error.message).toContain('SEC1');
  });
});

describe('missing Authing settings say where to set them', () => {
  it('a server points at the README and `dev`', () => {
    expect(configError(() => loadConfigFromEnv({})).message).toContain('miniprogram-phone-proxy dev');
  });

  it("a cloud function (Tencent SCF's runtime variables) points at the cloud console, not at `dev`", () => {
    const error = configError(() => loadConfigFromEnv({ TENCENTCLOUD_RUNENV: 'SCF', SCF_FUNCTIONNAME: 'getPhoneNumber' }));
    expect(error.message).toContain('云函数');
    expect(error.message).toContain('环境变量');
    expect(error.message).not.toContain('miniprogram-phone-proxy dev');
  });
});

describe('the key formats the README names are the ones accepted', () => {
  it('a SEC1 EC key ("BEGIN EC PRIVATE KEY") signs, as a PKCS#8 one does', () => {
    const sec1 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    expect(sec1).toContain('-----BEGIN EC PRIVATE KEY-----');
    const config = resolveOptions(loadConfigFromEnv({ ...BASE, ASSERTION_PRIVATE_KEY: sec1, ASSERTION_AUDIENCE: 'backend' }));
    expect(config.assertion?.signingKey.alg).toBe('ES256');
  });
});
