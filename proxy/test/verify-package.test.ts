// `miniprogram-phone-proxy/verify` as an app backend loads it: the BUILT package by its subpath export, in a fresh
// Node process. It must bring jose and nothing of the proxy's own dependencies (no pino, valibot, prom-client).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

test('the verify subpath loads from dist with nothing but jose', () => {
  if (!existsSync(join(__dirname, '..', 'dist', 'verify', 'index.js'))) {
    throw new Error('proxy/dist is not built: run `npm run build:proxy` (npm test builds it before the tests)');
  }
  const script = `
    const verify = require('miniprogram-phone-proxy/verify');
    const loaded = Object.keys(require.cache).map((file) => require('path').relative(${JSON.stringify(ROOT)}, file));
    console.log(JSON.stringify({ exports: Object.keys(verify).sort(), loaded }));
  `;
  const { exports, loaded } = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as { exports: string[]; loaded: string[] };
  expect(exports).toEqual(expect.arrayContaining(['PhoneAssertionError', 'verifyPhoneAssertion', 'DEFAULT_ASSERTION_ISSUER']));
  expect(loaded.sort()).toEqual(['node_modules/jose/dist/webapi/index.js', 'proxy/dist/assertion-claims.js', 'proxy/dist/verify/index.js']);
});

test('the proxy itself loads jose only once it signs', () => {
  const script = `
    const { createPhoneExchange } = require('miniprogram-phone-proxy');
    const authing = { appHost: 'http://127.0.0.1:9', appId: 'a', extIdpConnidentifier: 'c' };
    const joseLoaded = () => Object.keys(require.cache).some((file) => file.includes('/node_modules/jose/'));
    const plain = createPhoneExchange({ authing, logger: false });
    const before = joseLoaded();
    const { privateKey } = require('crypto').generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signing = createPhoneExchange({ authing, logger: false, assertion: { privateKey, audience: 'b' } });
    signing.jwks().then(() => {
      console.log(JSON.stringify({ before, after: joseLoaded() }));
      return Promise.all([plain.close(), signing.close()]);
    });
  `;
  const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(JSON.parse(output)).toEqual({ before: false, after: true });
});
