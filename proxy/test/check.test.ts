// `check` proves a configuration without spending a user's code: every PASS / WARN / FAIL line against the real
// sandbox on loopback (right settings, each wrong identifier, an unreachable host, signing keys good and bad, typos,
// risky settings), its probe code never redeemed, nothing secret printed; and the CLI's exit codes and --json.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PROBE_CODE } from '../src/check/probe-code';
import { formatReport, type CheckLine } from '../src/check/lines';
import { runCheck } from '../src/check/run-check';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { runCli } from './cli-run';
import { APP_ID, CONNECTION, closedPortUrl } from './helpers';

jest.setTimeout(30_000);

const POOL = 'pool-id-7f3e';
const EC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const RSA_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

let sandbox: Sandbox;
let env: Record<string, string>;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP_ID, userPoolId: POOL });
  env = { AUTHING_APP_HOST: sandbox.url, AUTHING_APP_ID: APP_ID, AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION, ALLOWED_APPIDS: 'wx1234567890abcdef' };
});
afterAll(() => sandbox.close());

const line = (lines: CheckLine[], item: string): CheckLine => {
  const found = lines.find((candidate) => candidate.item === item);
  if (!found) throw new Error(`no ${item} line in ${JSON.stringify(lines)}`);
  return found;
};

describe('the right configuration', () => {
  it('passes every line, the identifiers proved by a probe code that Authing refuses as invalid', async () => {
    const before = sandbox.callsFor(PROBE_CODE);
    const report = await runCheck(env);
    expect(report.ok).toBe(true);
    expect(report.lines.map(({ item, status }) => [item, status])).toEqual([
      ['Node.js', 'PASS'],
      ['configuration', 'PASS'],
      ['Authing reachable', 'PASS'],
      ['Authing identifiers', 'PASS'],
      ['store', 'PASS'],
      ['signing key', 'PASS'],
      ['allow-list', 'PASS'],
      ['gateway trust', 'PASS'],
    ]);
    expect(line(report.lines, 'Authing reachable')).toMatchObject({ detail: `${sandbox.url} answered over plain http`, ms: expect.any(Number) });
    expect(line(report.lines, 'Authing identifiers').detail).toBe(
      `app ${APP_ID}, connection ${CONNECTION} recognized (the probe code was refused as invalid, as it should be)`,
    );
    expect(line(report.lines, 'store').detail).toMatch(/^memory/);
    expect(line(report.lines, 'signing key').detail).toMatch(/^off/);
    expect(line(report.lines, 'allow-list').detail).toBe('1 appid(s): wx1234567890abcdef; devtools refused');
    expect(line(report.lines, 'configuration').detail).toBe('every variable parsed (4 set)');
    expect(sandbox.callsFor(PROBE_CODE)).toBe(before + 1);
  });

  it('a user pool id alone is recognized too', async () => {
    const { AUTHING_APP_ID: _appId, ...rest } = env;
    const report = await runCheck({ ...rest, AUTHING_USERPOOL_ID: POOL });
    expect(line(report.lines, 'Authing identifiers')).toMatchObject({ status: 'PASS', detail: expect.stringContaining(`user pool ${POOL}`) });
  });

  it('a signing key that signs and verifies against the JWKS passes, naming its kid', async () => {
    const report = await runCheck({ ...env, ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'my-backend' });
    expect(report.ok).toBe(true);
    expect(line(report.lines, 'signing key')).toMatchObject({
      status: 'PASS',
      detail: expect.stringMatching(
        /^ES256 key [\w-]{43} signs; the assertion verifies against the JWKS \(1 key\(s\)\), aud my-backend, iss miniprogram-phone-proxy$/,
      ),
    });
  });
});

describe('each wrong identifier is named, with its fix', () => {
  it.each([
    ['the app id', { AUTHING_APP_ID: 'not-my-app' }, /apiCode 2011: app not found/, /AUTHING_APP_ID/],
    ['the user pool id', { AUTHING_APP_ID: '', AUTHING_USERPOOL_ID: 'not-my-pool' }, /apiCode 2224: user pool not found/, /AUTHING_USERPOOL_ID/],
    [
      'the connection',
      { AUTHING_EXT_IDP_CONNIDENTIFIER: 'not-my-connection' },
      /statusCode 404: connection not found/,
      /AUTHING_EXT_IDP_CONNIDENTIFIER/,
    ],
  ])('%s', async (_name, wrong, detail, fix) => {
    const report = await runCheck({ ...env, ...wrong });
    expect(report.ok).toBe(false);
    expect(line(report.lines, 'Authing reachable').status).toBe('PASS');
    expect(line(report.lines, 'Authing identifiers')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(detail),
      fix: expect.stringMatching(fix),
    });
  });
});

describe('other answers Authing may give the probe code', () => {
  afterEach(() => sandbox.clearFaults());

  it.each<[string, Parameters<Sandbox['inject']>[0], string, RegExp, RegExp]>([
    [
      'WeChat 40013 (the connection holds a wrong appid)',
      { kind: 'wechat', statusCode: 602, errcode: 40013 },
      'FAIL',
      /WeChat says the appid is invalid/,
      /AppID and AppSecret/,
    ],
    ['throttled', { kind: 'throttled' }, 'WARN', /statusCode 429: throttled, not judged/, /again in a minute/],
    ['a server error', { kind: 'envelope', statusCode: 500 }, 'FAIL', /statusCode 500: UPSTREAM_UNAVAILABLE/, /compare AUTHING_APP_HOST/],
  ])('%s', async (_name, fault, status, detail, fix) => {
    sandbox.inject(fault);
    const report = await runCheck(env);
    expect(line(report.lines, 'Authing reachable').status).toBe('PASS');
    expect(line(report.lines, 'Authing identifiers')).toMatchObject({
      status,
      detail: expect.stringMatching(detail),
      fix: expect.stringMatching(fix),
    });
    expect(report.ok).toBe(status !== 'FAIL');
  });

  it('a host that answers the probe code with a phone number is not Authing', async () => {
    const fake = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ statusCode: 200, message: 'ok', data: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' } }),
      );
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = fake.address() as AddressInfo;
      const report = await runCheck({ ...env, AUTHING_APP_HOST: `http://127.0.0.1:${port}` });
      expect(line(report.lines, 'Authing identifiers')).toMatchObject({
        status: 'FAIL',
        detail: expect.stringContaining('this is not Authing answering'),
      });
    } finally {
      fake.closeAllConnections();
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});

it('REDIS_FAILURE=open is a warning of its own, beside an unreachable Redis', async () => {
  const report = await runCheck({ ...env, REDIS_URL: `redis://127.0.0.1:${new URL(await closedPortUrl()).port}`, REDIS_FAILURE: 'open' });
  expect(report.lines.filter((candidate) => candidate.item === 'store').map(({ status }) => status)).toEqual(['FAIL', 'WARN']);
  expect(report.lines.find((candidate) => candidate.item === 'store' && candidate.status === 'WARN')?.fix).toContain('REDIS_FAILURE=open');
});

it('an unreachable host (a loopback port nothing listens on) fails both Authing lines', async () => {
  const report = await runCheck({ ...env, AUTHING_APP_HOST: await closedPortUrl() });
  expect(report.ok).toBe(false);
  expect(line(report.lines, 'Authing reachable')).toMatchObject({
    status: 'FAIL',
    detail: expect.stringContaining('cannot connect (ECONNREFUSED)'),
    fix: expect.stringContaining('AUTHING_APP_HOST'),
  });
  expect(line(report.lines, 'Authing identifiers')).toMatchObject({ status: 'FAIL', detail: 'not checked: Authing did not answer' });
});

describe('a bad signing key fails the signing line, naming the variable, never printing the key', () => {
  it.each([
    ['an RSA key', { ASSERTION_PRIVATE_KEY: RSA_PEM }, /RSA keys are not accepted/],
    ['a path in ASSERTION_PRIVATE_KEY', { ASSERTION_PRIVATE_KEY: './keys/ec.pem' }, /set ASSERTION_PRIVATE_KEY_FILE=\.\/keys\/ec\.pem/],
    ['a missing key file', { ASSERTION_PRIVATE_KEY_FILE: '/nonexistent/ec.pem' }, /cannot read \/nonexistent\/ec\.pem \(ENOENT\)/],
  ])('%s', async (_name, key, detail) => {
    const report = await runCheck({ ...env, ...key, ASSERTION_AUDIENCE: 'my-backend' });
    expect(report.ok).toBe(false);
    expect(line(report.lines, 'signing key')).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(detail) });
    expect(JSON.stringify(report)).not.toContain('PRIVATE KEY');
  });

  it('a long assertion life is a warning', async () => {
    const report = await runCheck({ ...env, ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'my-backend', ASSERTION_TTL_S: '3600' });
    expect(report.ok).toBe(true);
    expect(line(report.lines, 'signing key')).toMatchObject({ status: 'WARN', fix: expect.stringContaining('ASSERTION_TTL_S=3600') });
  });
});

describe('warnings', () => {
  it('a look-alike variable, with the rename as its fix', async () => {
    const report = await runCheck({ ...env, ALLOWED_APPID: 'wx-other' });
    expect(report.ok).toBe(true);
    expect(line(report.lines, 'variables')).toMatchObject({
      status: 'WARN',
      detail: expect.stringContaining('did you mean ALLOWED_APPIDS?'),
      fix: 'rename ALLOWED_APPID to ALLOWED_APPIDS',
    });
  });

  it.each([
    ['allow-list', { ALLOWED_APPIDS: '' }, /ALLOWED_APPIDS is empty/],
    ['allow-list', { ALLOW_DEVTOOLS: 'true' }, /ALLOW_DEVTOOLS=true/],
    ['gateway trust', { TRUST_WECHAT_GATEWAY: 'true' }, /公网访问/],
  ])('%s with %j', async (item, settings, fix) => {
    const report = await runCheck({ ...env, ...settings });
    expect(report.ok).toBe(true);
    expect(line(report.lines, item)).toMatchObject({ status: 'WARN', fix: expect.stringMatching(fix) });
  });

  it('plain http off loopback with AUTHING_ALLOW_INSECURE=true warns (and, here, cannot connect)', async () => {
    const report = await runCheck({
      ...env,
      AUTHING_APP_HOST: 'http://authing.invalid',
      AUTHING_ALLOW_INSECURE: 'true',
      UPSTREAM_TIMEOUT_MS: '2000',
    });
    expect(line(report.lines, 'upstream')).toMatchObject({ status: 'WARN', fix: expect.stringContaining('unencrypted') });
  });
});

describe('configuration that does not parse', () => {
  it('fails the configuration line naming the variable, and checks nothing else', async () => {
    const report = await runCheck({ ...env, AUTHING_APP_HOST: `${sandbox.url}/api/v3/get-wechat-miniprogram-phone` });
    expect(report.ok).toBe(false);
    expect(report.lines.map(({ item, status }) => [item, status])).toEqual([
      ['Node.js', 'PASS'],
      ['configuration', 'FAIL'],
    ]);
    expect(line(report.lines, 'configuration')).toMatchObject({
      detail: expect.stringMatching(/^AUTHING_APP_HOST: must be the domain only/),
      fix: expect.stringContaining('fix AUTHING_APP_HOST'),
    });
  });

  it('a Node.js older than the minimum fails its line', async () => {
    const report = await runCheck(env, { nodeVersion: '18.20.4' });
    expect(report.ok).toBe(false);
    expect(line(report.lines, 'Node.js')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining('Node.js 18.20.4 is too old'),
      fix: expect.stringContaining('20.19'),
    });
  });
});

it('the checklist for people prints one line per item, its fix below, and the verdict', async () => {
  const text = formatReport(await runCheck({ ...env, AUTHING_APP_ID: 'not-my-app' }));
  expect(text).toMatch(/^PASS {2}Node\.js: /m);
  expect(text).toMatch(/^FAIL {2}Authing identifiers: Authing answered statusCode 400, apiCode 2011: app not found\n {6}fix: AUTHING_APP_ID/m);
  expect(text).toMatch(/not ready: 1 check\(s\) failed, 0 warning\(s\)$/);
});

describe('the CLI', () => {
  const run = async (args: string[], extraEnv: Record<string, string>, nodeFlags: string[] = []) => {
    const cli = runCli(args, extraEnv, nodeFlags);
    const code = await cli.exited;
    return { code, stdout: cli.stdout, stderr: cli.stderr };
  };

  it('check --json exits 0 when nothing fails, 1 when something does', async () => {
    const good = await run(['check', '--json'], env);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({
      ok: true,
      lines: expect.arrayContaining([expect.objectContaining({ item: 'Authing identifiers', status: 'PASS' })]),
    });
    const bad = await run(['check'], { ...env, AUTHING_EXT_IDP_CONNIDENTIFIER: 'nope', ASSERTION_PRIVATE_KEY: EC_PEM, ASSERTION_AUDIENCE: 'b' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}Authing identifiers: .*connection not found/m);
    expect(bad.stdout + bad.stderr).not.toContain(EC_PEM.split('\n')[1]);
  });

  it('an unknown flag is a usage error (exit 2)', async () => {
    const result = await run(['check', '--jsn'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown option --jsn');
  });

  it('on a Node.js older than 20.19 every command stops with one line, never a stack', async () => {
    const fakeOld = join(__dirname, 'fixtures', 'node-18.cjs');
    const result = await run(['check'], env, ['--require', fakeOld]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'miniprogram-phone-proxy: Node.js 18.20.4 is too old: miniprogram-phone-proxy needs Node.js 20.19 or newer (22 or 24 LTS recommended)\n',
    );
    expect(result.stdout).toBe('');
  });
});
