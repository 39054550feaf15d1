/**
 * The cloud function as it is uploaded: the template folder (cloudfunctions/getPhoneNumber, bundled by
 * `npm run build:cloudfunction`) copied alone into an empty directory, with no node_modules anywhere above it, loaded
 * by a separate Node process that plays the platform (one container: load once, then main(event, context) per call).
 * Upstream is the Authing sandbox on loopback.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSandbox, type Sandbox } from '../../proxy/src/sandbox';
import { TEMPLATE_DIR, type CloudIdentity } from './harness/cloud';
import { startCloudContainer, type CloudContainer } from './harness/cloud-container';
import { assertBuilt } from './harness/built';
import { MINI_PROGRAM_APPID, SANDBOX_CONNECTION_ID, SANDBOX_USER_POOL_ID } from './harness/chain';

const ALICE: CloudIdentity = { appId: MINI_PROGRAM_APPID, openId: 'oALICE00000000000000000000001' };
const BOB: CloudIdentity = { appId: MINI_PROGRAM_APPID, openId: 'oBOB0000000000000000000000001' };

let sandbox: Sandbox;
let dir: string;
let functionDir: string;
const containers: CloudContainer[] = [];

beforeAll(async () => {
  assertBuilt(path.join(TEMPLATE_DIR, 'index.js'), 'npm run build:cloudfunction');
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    userPoolId: SANDBOX_USER_POOL_ID,
    extIdpConnidentifier: SANDBOX_CONNECTION_ID,
    strictCodes: true,
  });
  dir = mkdtempSync(path.join(tmpdir(), 'cloud-function-bundle-'));
  functionDir = path.join(dir, 'getPhoneNumber');
  cpSync(TEMPLATE_DIR, functionDir, { recursive: true });
});
afterAll(async () => {
  for (const container of containers) container.stop();
  rmSync(dir, { recursive: true, force: true });
  await sandbox?.close();
});

/** The variables a developer sets in the cloud console (missing: what to leave out). */
function consoleVariables(missing: string[] = []): Record<string, string> {
  const all: Record<string, string> = {
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_USERPOOL_ID: SANDBOX_USER_POOL_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: SANDBOX_CONNECTION_ID,
    ALLOWED_APPIDS: MINI_PROGRAM_APPID,
    LOG_LEVEL: 'silent',
  };
  for (const name of missing) delete all[name];
  return all;
}

function startContainer(variables: Record<string, string>): CloudContainer {
  const container = startCloudContainer(functionDir, variables);
  containers.push(container);
  return container;
}

test('the folder holds the bundle and a package.json with nothing to install, and no node_modules is above it', () => {
  const manifest = JSON.parse(readFileSync(path.join(functionDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(readdirSync(functionDir).sort()).toEqual(['THIRD-PARTY-LICENSES.txt', 'config.json', 'index.js', 'package.json']);
  for (let up = functionDir; up !== path.dirname(up); up = path.dirname(up)) expect(existsSync(path.join(up, 'node_modules'))).toBe(false);
});

test('a success, a repeat, another caller and a bad code, in one warm container', async () => {
  const { call } = startContainer(consoleVariables());
  const code = sandbox.mintCode();

  const first = await call({ code }, ALICE);
  expect(first).toEqual({
    statusCode: 200,
    message: 'ok',
    requestId: expect.any(String),
    upstreamRequestId: expect.any(String),
    data: sandbox.phoneFor(code),
  });

  // The repeat is answered from the container's memory: Authing saw the code once.
  expect(await call({ code }, ALICE)).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  expect(sandbox.callsFor(code)).toBe(1);

  // The same code from another openid gets no number.
  const stolen = await call({ code }, BOB);
  expect(stolen).toMatchObject({ statusCode: 422, error: 'CODE_REJECTED' });
  expect(stolen).not.toHaveProperty('data');

  // A code WeChat never issued (strict sandbox) is refused upstream.
  expect(await call({ code: 'not-a-code-wechat-issued' }, ALICE)).toMatchObject({
    statusCode: 422,
    error: 'CODE_REJECTED',
    requestId: expect.any(String),
  });
  expect(await call({ code: 42 }, ALICE)).toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST' });
}, 30_000);

test('a missing configuration stops the function at load, naming the variable', async () => {
  const { code, stderr } = await startContainer(consoleVariables(['AUTHING_APP_HOST'])).exited();
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/ConfigError.*AUTHING_APP_HOST/);
}, 30_000);
