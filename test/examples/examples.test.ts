/**
 * examples/: each example as a user runs it, from its own folder with its own node_modules (installed from the packed
 * tarballs by `npm run test:examples`), against the Authing sandbox on loopback: the three servers exchange a code and
 * stop on SIGTERM, the app backend verifies a signed assertion from a real proxy, the cloud function answers events.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startProxy, type RunningProxy } from '../../proxy/src';
import { startSandbox, type Sandbox } from '../../proxy/src/sandbox';
import { startCloudContainer, type CloudContainer } from '../e2e/harness/cloud-container';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const CONNECTION = 'wechat-miniprogram-examples';
const ALICE = { appId: 'wx5e2e000000000001', openId: 'oALICE00000000000000000000001' };

let sandbox: Sandbox;
const processes: ChildProcessWithoutNullStreams[] = [];
const containers: CloudContainer[] = [];
beforeAll(async () => {
  for (const example of ['express', 'koa', 'fastify', 'app-backend', 'cloud-function']) {
    if (!existsSync(path.join(EXAMPLES, example, 'node_modules', 'miniprogram-phone-proxy')))
      throw new Error(`examples/${example} is not installed: run \`npm run test:examples\``);
  }
  sandbox = await startSandbox({ host: '127.0.0.1', port: 0, extIdpConnidentifier: CONNECTION, strictCodes: true });
});
afterAll(async () => {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const container of containers) container.stop();
  await sandbox?.close();
});

/** The proxy's variables, pointed at the sandbox. */
const proxyVariables = (): Record<string, string> => ({
  AUTHING_APP_HOST: sandbox.url,
  AUTHING_APP_ID: 'examples-app',
  AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
  LOG_LEVEL: 'silent',
});

/** `node <main>` in the example's folder with these variables only; resolves with the URL it says it listens on. */
async function startExample(example: string, variables: Record<string, string>): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, ['server.js'], {
    cwd: path.join(EXAMPLES, example),
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...variables },
  });
  processes.push(child);
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (\S+)/.exec(output);
      if (listening) resolve(listening[1]);
    });
    child.once('exit', (code) => reject(new Error(`examples/${example} exited with ${code}: ${output}`)));
  });
  return { url, child };
}

const post = async (url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.each(['express', 'koa', 'fastify'])('examples/%s', (example) => {
  it('exchanges a code at POST /login/phone, adds its onPhone fields, refuses a bad code, and stops on SIGTERM', async () => {
    const { url, child } = await startExample(example, proxyVariables());
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\/phone$/);
    const code = sandbox.mintCode();
    const phone = sandbox.phoneFor(code);

    const answer = await post(url, { code });

    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ data: phone, account: `user-${phone.purePhoneNumber.slice(-4)}` }) });
    expect(sandbox.callsFor(code)).toBe(1);
    expect(await post(url, { code: 'never-issued' })).toMatchObject({ status: 422, body: { error: 'CODE_REJECTED' } });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  }, 30_000);
});

describe('examples/app-backend', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const authing = { appHost: sandbox.url, appId: 'examples-app', extIdpConnidentifier: CONNECTION };
    proxy = await startProxy({ authing, logger: false, port: 0, assertion: { privateKey, audience: 'examples-backend' } });
  });
  afterAll(() => proxy?.close());

  it('logs in with the assertion of its own nonce, once; refuses a forged one', async () => {
    const { url } = await startExample('app-backend', { JWKS_URL: `${proxy.url}/.well-known/jwks.json`, AUDIENCE: 'examples-backend' });
    const session = (await post(`${url}/session`, {})).body as { sessionId: string; nonce: string };
    const code = sandbox.mintCode();
    const exchanged = await post(`${proxy.url}/phone`, { code, nonce: session.nonce });
    expect(exchanged.body.assertion).toEqual(expect.any(String));

    const login = await post(`${url}/login`, { sessionId: session.sessionId, assertion: exchanged.body.assertion });
    const pure = sandbox.phoneFor(code).purePhoneNumber;
    expect(login).toEqual({ status: 200, body: { phone: `${pure.slice(0, 3)}****${pure.slice(-4)}` } });
    // The session's nonce is spent: the same assertion again finds no session.
    expect(await post(`${url}/login`, { sessionId: session.sessionId, assertion: exchanged.body.assertion })).toMatchObject({
      status: 401,
      body: { error: 'NO_SESSION' },
    });

    const other = (await post(`${url}/session`, {})).body as { sessionId: string };
    const forged = `${String(exchanged.body.assertion).slice(0, -4)}AAAA`;
    expect(await post(`${url}/login`, { sessionId: other.sessionId, assertion: forged })).toMatchObject({
      status: 401,
      body: { error: 'ASSERTION_REJECTED' },
    });
  }, 30_000);
});

describe('examples/cloud-function', () => {
  it('answers a code and its repeat from one warm container', async () => {
    const container = startCloudContainer(path.join(EXAMPLES, 'cloud-function'), proxyVariables());
    containers.push(container);
    const code = sandbox.mintCode();

    expect(await container.call({ code }, ALICE)).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
    expect(await container.call({ code }, ALICE)).toMatchObject({ statusCode: 200, data: sandbox.phoneFor(code) });
    expect(sandbox.callsFor(code)).toBe(1);
  }, 30_000);
});
