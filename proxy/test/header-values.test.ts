// Options sent to Authing as headers are checked as header values at start (config/header-values.ts): the variable or
// option is named with the character at fault and how to fix it. And the upstream options' own variables.
import { loadConfigFromEnv, resolveOptions } from '../src';
import { headerValueProblem } from '../src/config/header-values';
import { configError } from './helpers';

const ENV = {
  AUTHING_APP_HOST: 'https://example.authing.cn',
  AUTHING_EXT_IDP_CONNIDENTIFIER: 'wechat-mp',
  AUTHING_APP_ID: '65a0b1c2d3e4f5a6b7c8d9e0',
};
const AUTHING = { appHost: 'https://example.authing.cn', extIdpConnidentifier: 'wechat-mp' };

describe('a header-bound value that cannot be sent fails at start', () => {
  it.each([
    ['a zero-width space (U+200B)', 'AUTHING_APP_ID', '65a0b1c2d3e4\u200bf5a6b7c8d9e0', 'U+200B'],
    ['full-width letters', 'AUTHING_APP_ID', '６５a0b1c2d3e4f5a6b7c8d9e0', 'U+FF16'],
    ['a no-break space (Latin-1: Node would send it)', 'AUTHING_USERPOOL_ID', '65a0b1c2d3e4\u00a0f5a6b7c8d9e0', 'U+00A0'],
    ['a soft hyphen (an invisible format character)', 'AUTHING_USERPOOL_ID', '65a0b1c2d3e4\u00adf5a6b7c8d9e0', 'U+00AD'],
    ['a line break inside', 'AUTHING_APP_ID', '65a0b1c2d3e4\nf5a6b7c8d9e0', 'U+000A'],
    ['a space inside', 'AUTHING_APP_ID', '65a0b1c2 d3e4f5a6b7c8d9e0', 'U+0020'],
  ])('%s in %s: ConfigError naming the variable, the character and the fix', (_name, variable, value, point) => {
    const error = configError(() => loadConfigFromEnv({ ...ENV, [variable]: value }));
    expect(error.key).toBe(variable);
    expect(error.message).toContain(point);
    expect(error.message).toMatch(/header/);
    expect(error.message).toMatch(/copy it from the Authing console/);
  });

  it('AUTHING_LANG is one of two tags: a tag with an invisible character is refused, named', () => {
    expect(configError(() => loadConfigFromEnv({ ...ENV, AUTHING_LANG: 'zh-CN\u200b' })).key).toBe('AUTHING_LANG');
  });

  it('programmatic options are named by their path', () => {
    const error = configError(() => resolveOptions({ authing: { ...AUTHING, appId: 'app\u200b' } }));
    expect(error.key).toBe('authing.appId');
    expect(error.message).toContain('U+200B');
    expect(configError(() => resolveOptions({ authing: { ...AUTHING, userPoolId: 'ｐｏｏｌ' } })).key).toBe('authing.userPoolId');
  });

  it('real ids pass unchanged', () => {
    const { authing } = resolveOptions({ authing: { ...AUTHING, appId: '65a0b1c2d3e4f5a6b7c8d9e0', userPoolId: '5f9d6a0b1c2d3e4f5a6b7c8d' } });
    expect(authing).toMatchObject({ appId: '65a0b1c2d3e4f5a6b7c8d9e0', userPoolId: '5f9d6a0b1c2d3e4f5a6b7c8d' });
    expect(headerValueProblem('x-authing-app-id', 'app-1_Z.~')).toBeUndefined();
  });
});

describe('UPSTREAM_MAX_CONCURRENCY and UPSTREAM_LATE_GRACE_MS', () => {
  it('default to the connection pool (128) and 30 s', () => {
    expect(resolveOptions({ authing: { ...AUTHING, appId: 'a' } })).toMatchObject({ upstreamMaxConcurrency: 128, upstreamLateGraceMs: 30_000 });
  });

  it('are read from the environment; a grace of 0 turns late answers off', () => {
    const config = resolveOptions(loadConfigFromEnv({ ...ENV, UPSTREAM_MAX_CONCURRENCY: '16', UPSTREAM_LATE_GRACE_MS: '0' }));
    expect(config).toMatchObject({ upstreamMaxConcurrency: 16, upstreamLateGraceMs: 0 });
  });

  it.each([
    ['UPSTREAM_MAX_CONCURRENCY', '0', /at least 1/],
    ['UPSTREAM_MAX_CONCURRENCY', 'many', /whole number/],
    ['UPSTREAM_LATE_GRACE_MS', '300001', /at most 300000/],
  ])('%s=%s fails at start, named', (variable, value, message) => {
    const error = configError(() => loadConfigFromEnv({ ...ENV, [variable]: value }));
    expect(error.key).toBe(variable);
    expect(error.message).toMatch(message);
  });
});
