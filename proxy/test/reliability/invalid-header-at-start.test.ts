// Fault: an Authing setting that cannot be sent as a header (a zero-width space, full-width digits pasted into
// AUTHING_APP_ID). It fails at start with the variable or option named, in the CLI (exit 1, no stack) and in every
// runtime constructor; the process that tried stays up and a correct configuration serves as before.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  ConfigError,
  createCloudFunction,
  createExpressMiddleware,
  createFetchHandler,
  createKoaMiddleware,
  createNodeHandler,
  createPhoneExchange,
  startProxy,
  type ProxyOptions,
} from '../../src/index';
import { startSandbox } from '../../src/sandbox';
import { expectServing, startRig } from './harness';

const CLI = join(__dirname, '..', '..', 'src', 'runtimes', 'cli.ts');
const BAD_VALUES: Array<[string, string]> = [
  ['a zero-width space', '65a0b1c2d3e4\u200bf5a6b7c8d9e0'],
  ['full-width digits', '６５a0b1c2d3e4f5a6b7c8d9e0'],
];
jest.setTimeout(30_000);

/** The CLI in production mode as a child process: its exit code and output. */
function runCli(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI], { env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fault matrix: a header value that cannot be sent, at start', () => {
  test.each(BAD_VALUES)('CLI with %s in AUTHING_APP_ID: exits 1 naming the variable, never listens, no stack', async (_name, value) => {
    const sandbox = await startSandbox({ appId: '65a0b1c2d3e4f5a6b7c8d9e0' });
    try {
      const run = await runCli({
        AUTHING_APP_HOST: sandbox.url,
        AUTHING_APP_ID: value,
        AUTHING_EXT_IDP_CONNIDENTIFIER: 'wechat-miniprogram-sandbox',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/AUTHING_APP_ID: cannot be sent as the x-authing-app-id header/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).not.toContain('listening');
      expect(sandbox.calls).toBe(0);
    } finally {
      await sandbox.close();
    }
  });

  const options = (appId: string): ProxyOptions => ({ authing: { appHost: 'http://127.0.0.1:9', appId, extIdpConnidentifier: 'c' }, logger: false });
  const constructors: Array<[string, (options: ProxyOptions) => unknown]> = [
    ['createPhoneExchange', createPhoneExchange],
    ['createNodeHandler', createNodeHandler],
    ['createFetchHandler', createFetchHandler],
    ['createCloudFunction', createCloudFunction],
    ['createExpressMiddleware', createExpressMiddleware],
    ['createKoaMiddleware', createKoaMiddleware],
  ];

  test.each(constructors)('%s throws a ConfigError naming authing.appId', (_name, create) => {
    for (const [, value] of BAD_VALUES) {
      expect(() => create(options(value))).toThrow(ConfigError);
      expect(() => create(options(value))).toThrow(/^authing\.appId: cannot be sent as the x-authing-app-id header/);
    }
  });

  test('startProxy rejects with the same error; then a correct configuration serves in this same process', async () => {
    for (const [, value] of BAD_VALUES) {
      await expect(startProxy({ ...options(value), host: '127.0.0.1', port: 0 })).rejects.toThrow(/^authing\.appId: cannot be sent/);
    }
    const rig = await startRig();
    try {
      await expectServing(rig);
    } finally {
      await rig.close();
    }
  });
});
