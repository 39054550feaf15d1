/**
 * `npm run dev [-- --port N]`: the proxy on the Authing sandbox (`miniprogram-phone-proxy dev`) plus the component's
 * gulp watch (`gulp dev`, which also copies the build into the demo mini program), side by side with prefixed output.
 * Prints the endpoint for the demo mini program in the WeChat developer tool. Ctrl-C (or SIGTERM) stops both;
 * if either exits on its own, the other is stopped too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

const ROOT = path.resolve(__dirname, '..');
const DEMO_CONFIG = path.join(ROOT, 'miniprogram', 'config.ts');
const DEFAULT_PORT = '8787';

const proxyArgs = process.argv.slice(2);
const port = /--port(?:=|\s+)(\d+)/.exec(proxyArgs.join(' '))?.[1] ?? DEFAULT_PORT;
const endpoint = `http://127.0.0.1:${port}/phone`;

interface Child {
  name: string;
  process: ChildProcess;
}

/** Each child in its own process group, so a terminal Ctrl-C reaches it once: through stop(), not twice. */
function start(name: string, script: string, args: string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  return { name, process: child };
}

const running = new Set([
  start('proxy', path.join(ROOT, 'proxy', 'dist', 'runtimes', 'cli.js'), ['dev', ...proxyArgs]),
  // gulp's package exports hide its bin from require.resolve; it is a root devDependency.
  start('gulp', path.join(ROOT, 'node_modules', 'gulp', 'bin', 'gulp.js'), ['dev']),
]);
let stopping = false;

/** Once only: a second signal would cut the proxy's graceful shutdown short. */
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  for (const child of running) child.process.kill(signal);
}

for (const child of running) {
  child.process.on('exit', (code, signal) => {
    running.delete(child);
    if (!stopping) {
      console.error(`\n${child.name} exited (${signal ?? code}): stopping the rest`);
      process.exitCode = 1;
      stop('SIGTERM');
    }
  });
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// Never leave a child behind, even if this script fails.
process.on('exit', () => running.forEach((child) => child.process.kill('SIGTERM')));

const configured = readFileSync(DEMO_CONFIG, 'utf8').includes(`'${endpoint}'`);
console.log(
  `\nDemo mini program endpoint: ${endpoint}\n` +
    (configured
      ? `  ${path.relative(ROOT, DEMO_CONFIG)} already points there (PROXY_ENDPOINT).\n`
      : `  Set PROXY_ENDPOINT in ${path.relative(ROOT, DEMO_CONFIG)} to it.\n`) +
    '  Open this folder in the WeChat developer tool (project.config.json); it calls the local http:// proxy\n' +
    '  because the project does not check domains. Ctrl-C stops the proxy and the watch.\n',
);
