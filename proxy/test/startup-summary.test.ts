// The start-up summary: one info line (and the CLI's human banner) with the effective configuration, field by field,
// holding no secret (the Redis password masked, no key material); `dev` stays on loopback unless told otherwise.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProxy, resolveOptions } from '../src';
import { startupSummary, summaryBanner } from '../src/config/summary';
import { startSandbox, type Sandbox } from '../src/sandbox';
import { runCli } from './cli-run';
import { APP_ID, CONNECTION, closedPortUrl, LogCapture } from './helpers';

jest.setTimeout(20_000);

const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const KEY_PEM = KEY.export({ format: 'pem', type: 'pkcs8' }).toString();

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appId: APP_ID });
});
afterAll(() => sandbox.close());

it('the "listening" line carries the effective configuration, field by field, and no secret', async () => {
  const logs = new LogCapture();
  const redisPort = new URL(await closedPortUrl()).port;
  const proxy = await startProxy({
    authing: { appHost: sandbox.url, appId: APP_ID, userPoolId: 'pool-9', extIdpConnidentifier: CONNECTION },
    allowedAppIds: ['wx1234567890abcdef', 'wxfedcba0987654321'],
    allowDevtools: true,
    corsOrigins: ['https://h5.example.com'],
    trustProxy: 'loopback',
    trustWechatGateway: true,
    rateLimit: { max: 30, timeWindowMs: 60_000 },
    routePath: '/api/phone',
    // Unreachable on purpose: under 'open' the proxy starts anyway, and the password must never show.
    store: { redisUrl: `redis://user:hunter2-secret@127.0.0.1:${redisPort}/1`, failure: 'open' },
    assertion: { privateKey: KEY, audience: 'my-backend' },
    logger: { level: 'info', stream: logs },
  });
  try {
    const jwks = (await (await fetch(`${proxy.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    const line = logs.records().find((record) => record.msg === 'miniprogram-phone-proxy listening');
    const { port } = new URL(proxy.url);
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      service: 'miniprogram-phone-proxy',
      msg: 'miniprogram-phone-proxy listening',
      url: proxy.url,
      version: VERSION,
      node: process.version,
      upstream: sandbox.url,
      upstreamMode: 'authing app',
      appId: APP_ID,
      userPoolId: 'pool-9',
      connection: CONNECTION,
      allowList: { appIds: 2, devtools: true },
      corsOrigins: 1,
      store: { kind: 'redis', url: `redis://user:***@127.0.0.1:${redisPort}/1`, failure: 'open' },
      signing: { kind: 'on', kid: jwks.keys[0].kid, alg: 'ES256', audience: 'my-backend', issuer: 'miniprogram-phone-proxy', ttlSeconds: 300 },
      trustWechatGateway: true,
      trustProxy: 'loopback',
      rateLimit: { kind: 'on', max: 30, timeWindowMs: 60_000, ipv6Prefix: 56 },
      routePath: '/api/phone',
      listening: `127.0.0.1:${port}`,
      tryUrl: `http://127.0.0.1:${port}/api/phone`,
      warnings: [
        expect.stringContaining('ALLOW_DEVTOOLS=true'),
        expect.stringContaining('TRUST_WECHAT_GATEWAY=true'),
        expect.stringContaining('REDIS_FAILURE=open'),
      ],
    });
    expect(logs.text).not.toContain('hunter2-secret');
    expect(logs.text).not.toContain(KEY_PEM.split('\n')[1]);
  } finally {
    await proxy.close();
  }
});

it('defaults read as such: memory store, signing off, rate limit on, an empty allow-list warned', async () => {
  const summary = await startupSummary(resolveOptions({ authing: { appHost: sandbox.url, appId: APP_ID, extIdpConnidentifier: CONNECTION } }));
  expect(summary).toMatchObject({
    store: { kind: 'memory' },
    signing: { kind: 'off' },
    rateLimit: { kind: 'on', max: 60, timeWindowMs: 60_000 },
    allowList: { appIds: 0, devtools: false },
  });
  expect(summary).not.toHaveProperty('userPoolId');
  expect(summary).not.toHaveProperty('listening');
});

it('a wildcard bind is printed as such, with the loopback URL to try', async () => {
  const config = resolveOptions({ authing: { appHost: sandbox.url, appId: APP_ID, extIdpConnidentifier: CONNECTION } });
  expect(await startupSummary(config, { address: '0.0.0.0', family: 'IPv4', port: 8787 })).toMatchObject({
    listening: '0.0.0.0:8787',
    tryUrl: 'http://127.0.0.1:8787/phone',
  });
  expect(await startupSummary(config, { address: '::', family: 'IPv6', port: 8787 })).toMatchObject({
    listening: '[::]:8787',
    tryUrl: 'http://[::1]:8787/phone',
  });
  const banner = summaryBanner(await startupSummary(config, { address: '0.0.0.0', family: 'IPv4', port: 8787 }));
  expect(banner).toContain('listening     0.0.0.0:8787  (try http://127.0.0.1:8787/phone)');
});

describe('the CLI', () => {
  const env = () => ({
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_APP_ID: APP_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
    HOST: '127.0.0.1',
    PORT: '0',
  });

  it('serve prints the banner on stderr (stdout keeps the JSON log), with look-alike warnings and the configuration warnings', async () => {
    const cli = runCli([], { ...env(), ALLOWED_APPID: 'wx1234567890abcdef', ASSERTION_PRIVATE_KEY: KEY_PEM, ASSERTION_AUDIENCE: 'my-backend' });
    try {
      const [, port] = await cli.waitFor(/listening +127\.0\.0\.1:(\d+) +\(try http:\/\/127\.0\.0\.1:\d+\/phone\)/, 'stderr');
      await cli.waitFor(/ALLOWED_APPIDS is empty/, 'stderr');
      expect(cli.stderr).toContain('warning: ALLOWED_APPID is not a variable miniprogram-phone-proxy reads (did you mean ALLOWED_APPIDS?)');
      expect(cli.stderr).toMatch(new RegExp(`^miniprogram-phone-proxy ${VERSION.replace(/\./g, '\\.')} on Node v\\d+`, 'm'));
      expect(cli.stderr).toMatch(
        /upstream +authing app http:\/\/127\.0\.0\.1:\d+ +app test-app-id-6a1f +user pool - +connection wechat-miniprogram-sandbox/,
      );
      expect(cli.stderr).toMatch(/signing +ES256 kid [\w-]{43}, audience my-backend/);
      expect(cli.stderr).toMatch(/store +memory/);
      // stdout's log lines are written off the main thread (observability/log-destination.ts): wait for the first.
      await cli.waitFor(/\n/, 'stdout');
      const logLine = JSON.parse(cli.stdout.split('\n')[0]) as Record<string, unknown>;
      expect(logLine).toMatchObject({ msg: 'miniprogram-phone-proxy listening', listening: `127.0.0.1:${port}` });
      expect(cli.stdout + cli.stderr).not.toContain(KEY_PEM.split('\n')[1]);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('dev refuses a non-loopback host without --i-know-this-is-public (exit 2, nothing started)', async () => {
    const cli = runCli(['dev', '--host', '0.0.0.0', '--port', '0'], {});
    expect(await cli.exited).toBe(2);
    expect(cli.stderr).toContain('dev: --host 0.0.0.0 is not loopback');
    expect(cli.stderr).toContain('--i-know-this-is-public');
    expect(cli.stdout).toBe('');
  });

  it('dev refuses NODE_ENV=production (exit 1)', async () => {
    const cli = runCli(['dev', '--port', '0'], { NODE_ENV: 'production' });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toContain('dev refuses to run with NODE_ENV=production');
  });

  it('dev prints the address it actually bound', async () => {
    const cli = runCli(['dev', '--port', '0'], {});
    try {
      await cli.waitFor(/Proxy for the demo mini program: http:\/\/127\.0\.0\.1:(\d+)\/phone \(listening on 127\.0\.0\.1:\1\)/);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
