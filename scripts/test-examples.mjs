#!/usr/bin/env node
// npm run test:examples: installs every examples/* from the tarballs release:check packed into .pack/ (their other
// dependencies from the npm registry or its cache), then starts each against the Authing sandbox (test/examples).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const EXAMPLES = join(ROOT, 'examples');

for (const tarball of ['miniprogram-phone-button.tgz', 'miniprogram-phone-proxy.tgz']) {
  if (!existsSync(join(ROOT, '.pack', tarball))) throw new Error(`.pack/${tarball} is missing: run \`npm run release:check\` first`);
}
for (const example of readdirSync(EXAMPLES, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
  const dir = join(EXAMPLES, example.name);
  console.log(`== examples/${example.name}: npm install (the packed tarballs)`);
  // A fresh install each time: the tarball changes with every pack, and no lock file pins its old checksum.
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  execFileSync('npm', ['install', '--no-package-lock', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    stdio: 'inherit',
  });
}
execFileSync(process.execPath, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', join(ROOT, 'test', 'examples', 'jest.config.js')], {
  cwd: ROOT,
  stdio: 'inherit',
});
