// proxy/Dockerfile without a Docker engine (there is none on the test machine): its facts are read from the file,
// and its runtime stage is replayed in a temporary directory (the same files, the same npm ci flags, offline from
// npm's cache), then the CMD is started with the image's environment and must answer /healthz.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { closedPortUrl } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const PROXY = path.join(ROOT, 'proxy');

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages, each a list of instructions (comments dropped, continuation lines joined). */
function readStages(): Instruction[][] {
  const text = readFileSync(path.join(PROXY, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages[stages.length - 1].push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const stages = readStages();
const runtime = stages[stages.length - 1];
const all = (keyword: string): string[] => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);
const last = (keyword: string): string => all(keyword).at(-1) ?? '';
/** ENV both as `ENV A=1 B=2` and `ENV A 1`. */
const runtimeEnv = Object.fromEntries(
  all('ENV').flatMap((args) => (args.includes('=') ? args.split(/\s+/).map((pair) => pair.split('=')) : [args.split(/\s+/, 2)])),
) as Record<string, string>;
const [cmdProgram, cmdScript] = JSON.parse(last('CMD')) as string[];
/** Where the image's working directory is in the repository: the runtime stage mirrors the repository from /app. */
const appRoot = all('WORKDIR')[0];
const workdirInRepo = path.join(ROOT, path.relative(appRoot, last('WORKDIR')));
/** `COPY src... dest` lines of the runtime stage that copy from the build context. */
const contextCopies = all('COPY')
  .filter((args) => !args.startsWith('--from'))
  .map((args) => args.split(/\s+/))
  .map((words) => ({ sources: words.slice(0, -1), dest: words.at(-1) as string }));
const npmCi = (all('RUN').find((args) => args.startsWith('npm ci')) ?? '').split('&&')[0].trim().split(/\s+/);

describe('the runtime image, read from proxy/Dockerfile', () => {
  // Node 24, the active LTS (docs/en/deploy/server.md, "Supported Node versions"): was node:20, end of life since 2026-04-30.
  it('is a small image of the active LTS, Node 24, for both stages', () => {
    for (const stage of stages) expect(stage[0].args).toMatch(/^node:24-(alpine|slim)\b/);
  });

  it('runs as a user other than root, from the USER line on', () => {
    const user = last('USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).not.toBe('');
    expect(runtime.findIndex((i) => i.keyword === 'USER')).toBeLessThan(runtime.findIndex((i) => i.keyword === 'CMD'));
  });

  it('listens on HOST=0.0.0.0 and an unprivileged PORT, the one it EXPOSEs', () => {
    expect(runtimeEnv.HOST).toBe('0.0.0.0');
    expect(Number(runtimeEnv.PORT)).toBeGreaterThanOrEqual(1024);
    expect(last('EXPOSE')).toBe(runtimeEnv.PORT);
  });

  it("starts the package's own CLI, which the build produced", () => {
    const bin = (JSON.parse(readFileSync(path.join(PROXY, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
    expect(cmdProgram).toBe('node');
    expect(path.join(workdirInRepo, cmdScript)).toBe(path.join(PROXY, bin['miniprogram-phone-proxy']));
    expect(existsSync(path.join(workdirInRepo, cmdScript))).toBe(true); // npm test builds before it runs jest
  });

  it('installs production dependencies only', () => {
    expect(npmCi).toEqual(expect.arrayContaining(['npm', 'ci', '--omit=dev', '--ignore-scripts']));
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const allowed = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1));
    const buildCopies = stages.flat().filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'));
    const sources = buildCopies.flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source))).toBe(true);
      expect(allowed.some((entry) => source === entry || source.startsWith(`${entry}/`))).toBe(true);
    }
  });
});

describe('the runtime stage, replayed without Docker', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'phone-proxy-image-'));
    const appDir = (dest: string): string => path.join(dir, dest);
    for (const { sources, dest } of contextCopies) {
      mkdirSync(appDir(dest.endsWith('/') || dest === './' ? dest : path.dirname(dest)), { recursive: true });
      for (const source of sources) cpSync(path.join(ROOT, source), path.join(appDir(dest), dest.endsWith('/') ? path.basename(source) : ''));
    }
    // --offline: from npm's local cache (the machine has no network); same flags as the image otherwise.
    await promisify(execFile)('npm', [...npmCi.slice(1), '--offline'], { cwd: dir, timeout: 60_000 });
    cpSync(path.join(PROXY, 'dist'), path.join(dir, 'proxy', 'dist'), { recursive: true });
  }, 90_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds no development or optional-peer packages (jest, typescript...)', () => {
    const installed = readdirSync(path.join(dir, 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining(['pino', 'valibot', 'miniprogram-phone-proxy']));
    for (const dev of ['typescript', 'jest', 'tsx', 'express', 'autocannon', '@swc']) expect(installed).not.toContain(dev);
  });

  it('starts with the image environment, listens on PORT, answers /healthz, and stops on SIGTERM with 0', async () => {
    const port = new URL(await closedPortUrl()).port;
    const child = spawn(cmdProgram, [cmdScript], {
      cwd: path.join(dir, path.relative(appRoot, last('WORKDIR'))),
      env: {
        PATH: process.env.PATH,
        ...runtimeEnv,
        PORT: port, // a free port instead of the image's, as a platform would set it
        AUTHING_APP_HOST: 'https://example.authing.cn',
        AUTHING_APP_ID: 'app-id',
        AUTHING_EXT_IDP_CONNIDENTIFIER: 'connection',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let listening = false;
      for (let tries = 0; tries < 100 && !listening; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listening = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
      }
      expect(listening).toBe(true);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
