/**
 * The cloud function as it is uploaded: the template folder (cloudfunctions/getPhoneNumber, bundled by
 * `npm run build:cloudfunction`) copied alone into an empty directory, with no node_modules anywhere above it, loaded
 * by a separate Node process that plays the platform (one container: load once, then main(event, context) per call).
 * Upstream is the Authing sandbox on loopback.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { startSandbox, type Sandbox } from '../../proxy/src/sandbox';
import { platformInvocation, TEMPLATE_DIR, type CloudIdentity } from './harness/cloud';
import { assertBuilt } from './harness/built';
import { MINI_PROGRAM_APPID, SANDBOX_CONNECTION_ID, SANDBOX_USER_POOL_ID } from './harness/chain';

const ALICE: CloudIdentity = { appId: MINI_PROGRAM_APPID, openId: 'oALICE00000000000000000000001' };
const BOB: CloudIdentity = { appId: MINI_PROGRAM_APPID, openId: 'oBOB0000000000000000000000001' };

/** The platform's side of a container: loads the function once, then one JSON line in, one JSON line out per call. */
const CONTAINER = `
const main = require(process.argv[2]).main;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { event, context } = JSON.parse(line);
  main(event, context).then(
    (result) => process.stdout.write(JSON.stringify({ result }) + '\\n'),
    (error) => process.stdout.write(JSON.stringify({ error: String(error) }) + '\\n'),
  );
});
`;

let sandbox: Sandbox;
let dir: string;
let functionDir: string;
const containers: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  assertBuilt(path.join(TEMPLATE_DIR, 'index.js'), 'npm run build:cloudfunction');
  sandbox = await startSandbox({ host: '127.0.0.1', port: 0, userPoolId: SANDBOX_USER_POOL_ID, extIdpConnidentifier: SANDBOX_CONNECTION_ID, strictCodes: true });
  dir = mkdtempSync(path.join(tmpdir(), 'cloud-function-bundle-'));
  functionDir = path.join(dir, 'getPhoneNumber');
  cpSync(TEMPLATE_DIR, functionDir, { recursive: true });
  writeFileSync(path.join(dir, 'container.js'), CONTAINER);
});
afterAll(async () => {
  for (const child of containers) if (child.exitCode === null) child.kill('SIGKILL');
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

/** A container with these variables only (no NODE_PATH, nothing inherited but PATH). */
function startContainer(variables: Record<string, string>): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['container.js', functionDir], { cwd: dir, env: { PATH: process.env.PATH, ...variables } });
  containers.push(child);
  return child;
}

/** Calls main in the container, one call at a time, through the harness's platform event. */
function invoker(child: ChildProcessWithoutNullStreams): (data: unknown, identity: CloudIdentity) => Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return async (data, identity) => {
    child.stdin.write(`${JSON.stringify(platformInvocation(data, identity, 'getPhoneNumber'))}\n`);
    const { value, done } = await lines.next();
    if (done) throw new Error('the container exited');
    const answer = JSON.parse(value as string) as { result?: Record<string, unknown>; error?: string };
    if (!answer.result) throw new Error(`main rejected: ${answer.error}`);
    return answer.result;
  };
}

test('the folder holds the bundle and a package.json with nothing to install, and no node_modules is above it', () => {
  const manifest = JSON.parse(readFileSync(path.join(functionDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(readdirSync(functionDir).sort()).toEqual(['THIRD-PARTY-LICENSES.txt', 'config.json', 'index.js', 'package.json']);
  for (let up = functionDir; up !== path.dirname(up); up = path.dirname(up)) expect(existsSync(path.join(up, 'node_modules'))).toBe(false);
});

test('a success, a repeat, another caller and a bad code, in one warm container', async () => {
  const call = invoker(startContainer(consoleVariables()));
  const code = sandbox.mintCode();

  const first = await call({ code }, ALICE);
  expect(first).toEqual({ statusCode: 200, message: 'ok', requestId: expect.any(String), upstreamRequestId: expect.any(String), data: sandbox.phoneFor(code) });

  // The repeat is answered from the container's memory: Authing saw the code once.
  expect(await call({ code }, ALICE)).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
  expect(sandbox.callsFor(code)).toBe(1);

  // The same code from another openid gets no number.
  const stolen = await call({ code }, BOB);
  expect(stolen).toMatchObject({ statusCode: 422, error: 'CODE_REJECTED' });
  expect(stolen).not.toHaveProperty('data');

  // A code WeChat never issued (strict sandbox) is refused upstream.
  expect(await call({ code: 'not-a-code-wechat-issued' }, ALICE)).toMatchObject({ statusCode: 422, error: 'CODE_REJECTED', requestId: expect.any(String) });
  expect(await call({ code: 42 }, ALICE)).toMatchObject({ statusCode: 400, error: 'INVALID_REQUEST' });
}, 30_000);

test('a missing configuration stops the function at load, naming the variable', async () => {
  const child = startContainer(consoleVariables(['AUTHING_APP_HOST']));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  expect(exitCode).not.toBe(0);
  expect(stderr).toMatch(/ConfigError.*AUTHING_APP_HOST/);
}, 30_000);
