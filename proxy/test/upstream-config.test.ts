// The upstream's configuration (config/upstream-env.ts, config/upstream-schema.ts): UPSTREAM picks Authing or WeChat,
// each needs its own settings and no other's, secrets come inline or from a _FILE, and every error names the variable
// without echoing a secret.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFromEnv, resolveOptions } from '../src';

const WECHAT = { UPSTREAM: 'wechat', WECHAT_APPID: 'wx0123456789abcdef', WECHAT_APP_SECRET: 'app-secret-1f2e3d' };
const AUTHING = { AUTHING_APP_HOST: 'https://example.authing.cn', AUTHING_EXT_IDP_CONNIDENTIFIER: 'conn' };

const problem = (env: NodeJS.ProcessEnv): ConfigError => {
  try {
    loadConfigFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('UPSTREAM=wechat', () => {
  it('needs no Authing variable; the API base defaults to WeChat', () => {
    const config = loadConfigFromEnv(WECHAT);
    expect(config.upstream).toBe('wechat');
    expect(resolveOptions(config).wechat).toEqual({
      appId: WECHAT.WECHAT_APPID,
      appSecret: WECHAT.WECHAT_APP_SECRET,
      apiBase: 'https://api.weixin.qq.com',
      openApi: 'token',
      bindOpenId: false,
    });
  });

  it('cloudbase: no secret, plain http to api.weixin.qq.com', () => {
    const config = resolveOptions(loadConfigFromEnv({ UPSTREAM: 'wechat', WECHAT_APPID: WECHAT.WECHAT_APPID, WECHAT_OPENAPI: 'cloudbase' }));
    expect(config.wechat).toMatchObject({ openApi: 'cloudbase', apiBase: 'http://api.weixin.qq.com' });
  });

  it('reads the secret from WECHAT_APP_SECRET_FILE, and refuses both', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'upstream-config-')), 'secret');
    writeFileSync(file, 'from-a-file-9c8b\n');
    const { WECHAT_APP_SECRET, ...rest } = WECHAT;
    expect(resolveOptions(loadConfigFromEnv({ ...rest, WECHAT_APP_SECRET_FILE: file })).wechat?.appSecret).toBe('from-a-file-9c8b');
    expect(problem({ ...rest, WECHAT_APP_SECRET, WECHAT_APP_SECRET_FILE: file }).key).toBe('WECHAT_APP_SECRET_FILE');
  });

  it.each([
    [{ UPSTREAM: 'wechat' }, 'WECHAT_APPID'],
    [{ ...WECHAT, WECHAT_APPID: 'not-an-appid' }, 'WECHAT_APPID'],
    [{ ...WECHAT, WECHAT_APP_SECRET: undefined }, 'WECHAT_APP_SECRET'],
    [{ ...WECHAT, WECHAT_OPENAPI: 'magic' }, 'WECHAT_OPENAPI'],
    [{ ...WECHAT, WECHAT_API_BASE: 'ftp://x' }, 'WECHAT_API_BASE'],
    [{ ...WECHAT, WECHAT_BIND_OPENID: 'maybe' }, 'WECHAT_BIND_OPENID'],
    [{ ...WECHAT, UPSTREAM: 'github' }, 'UPSTREAM'],
  ])('%j is refused naming %s, without the secret', (env, name) => {
    const error = problem(env);
    expect(error.key).toBe(name);
    expect(error.message).not.toContain(WECHAT.WECHAT_APP_SECRET);
  });
});

describe("Authing's management mode", () => {
  it('AUTHING_ACCESS_KEY_ID and _SECRET stand for the app or user pool id', () => {
    const config = resolveOptions(loadConfigFromEnv({ ...AUTHING, AUTHING_ACCESS_KEY_ID: 'pool-1', AUTHING_ACCESS_KEY_SECRET: 'pool-secret-7a6b' }));
    expect(config.upstream).toBe('authing');
    expect(config.authing).toMatchObject({ accessKeyId: 'pool-1', accessKeySecret: 'pool-secret-7a6b' });
  });

  it('one without the other is refused, without the secret', () => {
    const error = problem({ ...AUTHING, AUTHING_APP_ID: 'app', AUTHING_ACCESS_KEY_SECRET: 'pool-secret-7a6b' });
    expect(error.key).toBe('AUTHING_ACCESS_KEY_SECRET');
    expect(error.message).not.toContain('pool-secret-7a6b');
  });

  it('without UPSTREAM the Authing variables are still required', () => {
    expect(problem({ WECHAT_APPID: WECHAT.WECHAT_APPID }).key).toBe('AUTHING_APP_HOST');
  });

  it('programmatic: upstream wechat without its settings names the option', () => {
    expect(() => resolveOptions({ upstream: 'wechat' })).toThrow(/^wechat: required/);
    expect(() => resolveOptions({})).toThrow(/^authing: required/);
  });
});
