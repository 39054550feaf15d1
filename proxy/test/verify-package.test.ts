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
  const { exports, loaded } = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as {
    exports: string[];
    loaded: string[];
  };
  expect(exports).toEqual(
    expect.arrayContaining(['PhoneAssertionError', 'JwksUnavailableError', 'verifyPhoneAssertion', 'DEFAULT_ASSERTION_ISSUER']),
  );
  // Ours beside jose: the claim types, the Node.js version check (config/node-version, verify/node-check) and the typed JWKS error.
  expect(loaded.sort()).toEqual([
    'node_modules/jose/dist/webapi/index.js',
    'proxy/dist/config/node-version.js',
    'proxy/dist/contract/assertion-claims.js',
    'proxy/dist/verify/index.js',
    'proxy/dist/verify/jwks-unavailable.js',
    'proxy/dist/verify/node-check.js',
  ]);
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

test('a signing proxy that cannot load jose fails at start or before spending a code, and tries again later', () => {
  // As on Node < 20.19, where require() of the ESM-only jose throws ERR_REQUIRE_ESM: refused while `refuse` is set.
  const script = `
    const Module = require('module');
    const load = Module._load;
    let refuse = true;
    Module._load = function (request, ...rest) {
      if (request === 'jose' && refuse) throw Object.assign(new Error('require() of ES Module jose not supported'), { code: 'ERR_REQUIRE_ESM' });
      return load.call(this, request, ...rest);
    };
    const { createPhoneExchange, startProxy } = require('miniprogram-phone-proxy');
    const { startSandbox } = require('miniprogram-phone-proxy/sandbox');
    const { privateKey } = require('crypto').generateKeyPairSync('ec', { namedCurve: 'P-256' });
    (async () => {
      const sandbox = await startSandbox({});
      const options = { authing: { appHost: sandbox.url, appId: 'a', extIdpConnidentifier: 'wechat-miniprogram-sandbox' }, logger: false, assertion: { privateKey, audience: 'b' } };
      const started = await startProxy(options).then(() => 'started', (error) => error.message);
      const exchange = createPhoneExchange(options);
      const code = sandbox.mintCode();
      const ask = () => exchange.exchange({ caller: { rateLimitKey: 'k' }, readBody: () => ({ body: { code } }) });
      const refused = await ask();
      const callsWhileRefused = sandbox.callsFor(code);
      refuse = false;
      const served = await ask();
      const proxy = await startProxy(options);
      console.log(JSON.stringify({ started, refused: [refused.status, refused.body.error], callsWhileRefused,
        served: [served.status, typeof served.body.assertion], callsAfter: sandbox.callsFor(code) }));
      await Promise.all([proxy.close(), exchange.close()]);
      await sandbox.close();
    })();
  `;
  const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  const result = JSON.parse(output) as Record<string, unknown>;
  expect(result.started).toMatch(
    /^cannot load jose, which signs phone assertions \(Node\.js >= 20\.19 is required, this is v\d+\.\d+\.\d+\): require\(\) of ES Module/,
  );
  expect(result).toMatchObject({ refused: [500, 'MISCONFIGURED'], callsWhileRefused: 0, served: [200, 'string'], callsAfter: 1 });
});

test('the sandbox has its own subpath, and the main entry does not export it', () => {
  const script = `
    const main = require('miniprogram-phone-proxy');
    const sandbox = require('miniprogram-phone-proxy/sandbox');
    console.log(JSON.stringify({ main: Object.keys(main), sandbox: Object.keys(sandbox) }));
  `;
  const { main, sandbox } = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as {
    main: string[];
    sandbox: string[];
  };
  expect(sandbox).toEqual(expect.arrayContaining(['startSandbox', 'DEFAULT_CONNECTION_ID', 'WECHAT_ERRMSG']));
  expect(main).toEqual(expect.arrayContaining(['startProxy', 'createCloudFunction']));
  expect(main.filter((name) => /sandbox/i.test(name))).toEqual([]);
});
