// Fault matrix, out of file descriptors: a child proxy (the CLI, configured by its environment) runs under a low
// `ulimit -n` while 400 idle connections hit it, then real exchanges run. Invariants: every exchange is answered with
// a documented answer or refused before any byte of it was read (the connection closed at accept); a refused code is
// free (its retry succeeds, one Authing call); no code reaches Authing twice; the process stays up and serves.
// The cap on connections (MAX_CONNECTIONS) is what keeps idle sockets from taking every descriptor.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { freePort } from '../redis/redis-server';
import { parseAnswer, REFERER } from './harness';

const CLI = join(__dirname, '..', '..', 'src', 'runtimes', 'cli.ts');
/** Node, tsx and the app use about 40 descriptors: this leaves the cap and the Authing pool room, and 400 sockets none. */
const FD_LIMIT = 160;
const MAX_CONNECTIONS = 48;
const IDLE_CONNECTIONS = 400;
const APP_ID = 'fd-limit-app';
const CONNECTION = 'wechat-miniprogram-sandbox';

interface Child {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** The CLI under `ulimit -n FD_LIMIT`, through sh (no prlimit needed); resolves once /healthz answers. */
async function startLimitedProxy(sandbox: Sandbox): Promise<Child> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_APP_ID: APP_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: CONNECTION,
    RATE_LIMIT_MAX: '0',
    REQUEST_TIMEOUT_MS: '3000',
    MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  };
  const child = spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', CLI], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || performance.now() > deadline) {
      await stop();
      throw new Error(`proxy did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, process: child, output: () => output, stop };
}

type Outcome = { kind: 'answered'; status: number; text: string } | { kind: 'refused'; error: string };

/** One exchange; a connection closed before any answer is 'refused'. Bounded: a hung request fails the test. */
function exchange(url: string, code: string, agent?: http.Agent): Promise<Outcome> {
  const body = JSON.stringify({ code });
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/phone`, {
      method: 'POST',
      agent: agent ?? false,
      timeout: 15_000,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), referer: REFERER },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ kind: 'answered', status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      response.on('error', (error) => resolve({ kind: 'refused', error: error.message }));
    });
    request.on('timeout', () => reject(new Error(`exchange of a code hung for 15 s`)));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'refused', error: error.code ?? error.message }));
    request.end(body);
  });
}

function healthCheck(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(`${url}/healthz`, { agent }, (response) => response.resume().on('end', () => resolve(response.statusCode ?? 0))).on('error', reject);
  });
}

/** Opens `count` connections that send nothing; those the server closes at once are simply closed. */
async function idleConnections(url: string, count: number): Promise<net.Socket[]> {
  const { port } = new URL(url);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect(Number(port), '127.0.0.1');
          socket.on('error', () => undefined);
          socket.once('connect', () => resolve(socket));
          socket.once('close', () => resolve(socket));
        }),
    ),
  );
}

describe('a proxy out of file descriptors under 400 idle connections', () => {
  let sandbox: Sandbox;
  let proxy: Child | undefined;
  let idle: net.Socket[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    sandbox = await startSandbox({ appId: APP_ID, strictCodes: true });
    proxy = await startLimitedProxy(sandbox);
  }, 40_000);

  afterAll(async () => {
    agent.destroy();
    idle.forEach((socket) => socket.destroy());
    await proxy?.stop();
    await sandbox?.close();
  });

  test('answers or refuses cleanly, refused codes stay free, and the process stays up', async () => {
    const url = proxy!.url;
    // A client connected before the flood keeps its connections (they hold their place under the cap). Opened with
    // health checks, so that no connection to Authing is open yet: the exchanges below need new descriptors for those.
    const warm = await Promise.all([1, 2, 3, 4].map(() => healthCheck(url, agent)));
    expect(warm).toEqual([200, 200, 200, 200]);

    idle = await idleConnections(url, IDLE_CONNECTIONS);

    const codes = Array.from({ length: 24 }, () => sandbox.mintCode());
    const outcomes = await Promise.all(codes.map((code, index) => exchange(url, code, index % 2 === 0 ? agent : undefined)));

    const refused: string[] = [];
    outcomes.forEach((outcome, index) => {
      if (outcome.kind === 'refused') {
        refused.push(codes[index]);
        expect(sandbox.callsFor(codes[index])).toBe(0); // refused before its body was read: nothing sent
        return;
      }
      const parsed = parseAnswer({ status: outcome.status, headers: {}, text: outcome.text }); // a documented answer
      if (parsed.kind === 'dto') expect(parsed.data).toEqual(sandbox.phoneFor(codes[index]));
      else refused.push(codes[index]);
    });
    // The warm client's connections were served during the flood: the cap kept descriptors for them and for Authing
    // (without it, the same run answers them 503: the Authing client gets EMFILE).
    const warmOutcomes = outcomes.filter((_outcome, index) => index % 2 === 0);
    expect(warmOutcomes.every((outcome) => outcome.kind === 'answered' && outcome.status === 200)).toBe(true);
    expect(proxy!.process.exitCode).toBeNull();

    // The flood ends (the server also closes silent connections after REQUEST_TIMEOUT_MS); every refused code is free.
    idle.forEach((socket) => socket.destroy());
    const deadline = performance.now() + 15_000;
    while (
      !(await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      ))
    ) {
      if (performance.now() > deadline) throw new Error(`no connection accepted after the flood: ${proxy!.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const code of refused) {
      const retry = await exchange(url, code);
      expect(retry.kind === 'answered' && parseAnswer({ status: retry.status, headers: {}, text: retry.text })).toEqual({
        kind: 'dto',
        data: sandbox.phoneFor(code),
      });
    }
    for (const code of codes) expect(sandbox.callsFor(code)).toBe(1);
    expect(proxy!.process.exitCode).toBeNull();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/phone_proxy_connections_refused_total\{reason="max_connections"\} [1-9]/);
  }, 90_000);
});
