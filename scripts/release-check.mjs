#!/usr/bin/env node
// npm run release:check: both packages as the registry would receive them. Builds and packs each into
// .pack/, lints the tarballs with publint and @arethetypeswrong/cli, then installs both tarballs into a scratch
// project outside the repository and proves every entry point loads under CommonJS and ESM, the proxy's bin runs,
// and the types check under node16, nodenext and bundler resolution with skipLibCheck false.
// .pack/<name>.tgz keeps a stable name: the examples install from it (examples/*/package.json).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const PACK_DIR = join(ROOT, '.pack');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const PACKAGES = [
  { dir: ROOT, workspace: [] },
  { dir: join(ROOT, 'proxy'), workspace: ['-w', 'miniprogram-phone-proxy'] },
].map((pkg) => ({ ...pkg, manifest: readJson(join(pkg.dir, 'package.json')) }));

const run = (command, args, options = {}) => execFileSync(command, args, { stdio: 'inherit', ...options });
const step = (title) => console.log(`\n== release:check: ${title}`);

/** Builds, packs into .pack/ (the build ran: no prepack, whose output would mix with --json), copies to the bare name. */
function pack({ workspace, manifest }) {
  run('npm', ['run', 'build', ...workspace], { cwd: ROOT });
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', ...workspace, '--ignore-scripts', '--json', '--pack-destination', PACK_DIR], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const stable = join(PACK_DIR, `${manifest.name}.tgz`);
  copyFileSync(join(PACK_DIR, filename), stable);
  return stable;
}

async function lint(tarball) {
  const { messages, pkg } = await publint({ pack: { tarball: readFileSync(tarball).buffer }, level: 'suggestion', strict: true });
  for (const message of messages) console.error(`publint ${message.type}: ${formatMessage(message, pkg)}`);
  if (messages.length > 0) throw new Error(`publint found ${messages.length} problem(s) in ${tarball}`);
  console.log(`publint: ${tarball} clean`);
  // attw checks every entry point of "exports" (and node10's "main"/typesVersions) for every resolution mode.
  run(join(ROOT, 'node_modules', '.bin', 'attw'), [tarball, '--format', 'table-flipped']);
}

/** Type-checks `files` in `dir` with the repository's TypeScript under one module/resolution pair. */
function typecheck(dir, name, compilerOptions, files) {
  writeFileSync(
    join(dir, `tsconfig.${name}.json`),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, types: ['node'], ...compilerOptions }, files }, null, 2),
  );
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${name}.json`], { cwd: dir });
  console.log(`types: ${name} clean`);
}

function scratchProject(tarballs) {
  const dir = mkdtempSync(join(tmpdir(), 'release-check-'));
  try {
    const proxy = PACKAGES[1].manifest;
    const component = PACKAGES[0].manifest.name;
    const subpaths = Object.keys(proxy.exports).filter((subpath) => subpath !== './package.json');
    const specifiers = subpaths.map((subpath) => proxy.name + subpath.slice(1));
    const typesNode = readJson(join(ROOT, 'node_modules', '@types', 'node', 'package.json')).version;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: 'release-check-scratch',
          private: true,
          dependencies: Object.fromEntries(tarballs.map((t, i) => [PACKAGES[i].manifest.name, `file:${t}`])),
          devDependencies: { '@types/node': typesNode },
        },
        null,
        2,
      ),
    );
    step(`install both tarballs in ${dir}`);
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });

    step('load every entry point under CommonJS and ESM');
    const all = [component, ...specifiers];
    writeFileSync(
      join(dir, 'load.cjs'),
      all.map((s) => `if (Object.keys(require(${JSON.stringify(s)})).length === 0) throw new Error('nothing exported by ${s}');`).join('\n') +
        '\nconsole.log("require: ok");\n',
    );
    writeFileSync(
      join(dir, 'load.mjs'),
      all
        .map(
          (s, i) =>
            `import * as m${i} from ${JSON.stringify(s)};\nif (Object.keys(m${i}).filter((k) => k !== 'default').length === 0) throw new Error('no named exports from ${s}');`,
        )
        .join('\n') + '\nconsole.log("import: ok");\n',
    );
    run(process.execPath, ['load.cjs'], { cwd: dir });
    run(process.execPath, ['load.mjs'], { cwd: dir });
    const help = execFileSync(join(dir, 'node_modules', '.bin', proxy.name), ['--help'], { cwd: dir, encoding: 'utf8' });
    if (!help.startsWith('Usage:')) throw new Error(`the bin's --help said: ${help}`);
    console.log('bin: ok');

    step('type-check every entry point, skipLibCheck false');
    const source =
      all.map((s, i) => `import * as m${i} from ${JSON.stringify(s)};\nexport const n${i}: number = Object.keys(m${i}).length;`).join('\n') + '\n';
    for (const ext of ['cts', 'mts', 'ts']) writeFileSync(join(dir, `types.${ext}`), source);
    typecheck(dir, 'node16', { module: 'node16', moduleResolution: 'node16' }, ['types.cts', 'types.mts']);
    typecheck(dir, 'nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, ['types.cts', 'types.mts']);
    typecheck(dir, 'bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['types.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

rmSync(PACK_DIR, { recursive: true, force: true });
mkdirSync(PACK_DIR);
const tarballs = [];
for (const pkg of PACKAGES) {
  step(`pack ${pkg.manifest.name}`);
  tarballs.push(pack(pkg));
}
for (const tarball of tarballs) {
  step(`lint ${tarball}`);
  await lint(tarball);
}
scratchProject(tarballs);
console.log('\nrelease:check passed: both tarballs in .pack/');
