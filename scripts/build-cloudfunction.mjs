#!/usr/bin/env node
// npm run build:cloudfunction: the cloud function template (cloudfunctions/getPhoneNumber) as one self-contained
// index.js (esbuild: the proxy's sources and every dependency), so its package.json has nothing to install: upload
// it with 「上传并部署：所有文件」, no 「云端安装依赖」. The dependencies' licence texts go beside it.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const TEMPLATE = join(ROOT, 'cloudfunctions', 'getPhoneNumber');
/**
 * The oldest runtime WeChat's cloud functions (CloudBase) offer that runs the proxy: the list is Node.js 16.13, 18.15,
 * 20.19, 22.21, 24.11 (https://docs.cloudbase.net/cloud-function/runtime-support); the proxy needs node:crypto's
 * hash() (Node 20.12+), so 16 and 18 cannot work. jose is bundled (no require() of ESM at run time) and signs with
 * the WebCrypto global every Node 20 has.
 */
export const CLOUD_FUNCTION_NODE = '20.19';

// The function itself: configuration from the function's environment variables (HOST and PORT are for the HTTP
// server only), created once per container so a warm container keeps its de-duplication and rate-limit memory.
const ENTRY = `
import { createCloudFunction, loadConfigFromEnv } from 'miniprogram-phone-proxy';
const { host, port, ...options } = loadConfigFromEnv();
export const main = createCloudFunction(options);
`;

// Runs before anything else in the bundle: on an older runtime, one line that says what to choose instead.
const [major, minor] = CLOUD_FUNCTION_NODE.split('.');
const BANNER = `// getPhoneNumber, built by \`npm run build:cloudfunction\` from miniprogram-phone-proxy (do not edit: rebuild).
// Configured by the function's environment variables (AUTHING_APP_HOST, ALLOWED_APPIDS...): see the proxy's README.
// Bundled dependencies and their licences: THIRD-PARTY-LICENSES.txt.
'use strict';
{
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < ${major} || (major === ${major} && minor < ${minor})) {
    throw new Error('getPhoneNumber needs Node.js ${CLOUD_FUNCTION_NODE} or later (云函数「运行环境」选择 Nodejs${CLOUD_FUNCTION_NODE} 或更新), this is ' + process.version);
  }
}`;

const result = await build({
  stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: 'getPhoneNumber.js', loader: 'js' },
  alias: { 'miniprogram-phone-proxy': './proxy/src/index.ts' },
  bundle: true,
  platform: 'node',
  target: `node${CLOUD_FUNCTION_NODE}`,
  format: 'cjs',
  outfile: join(TEMPLATE, 'index.js'),
  banner: { js: BANNER },
  legalComments: 'none', // the licences are in THIRD-PARTY-LICENSES.txt, whole
  metafile: true,
  logLevel: 'warning',
});

/** Every bundled package (its nearest package.json with a name), with its licence file. */
function thirdPartyLicenses(inputs) {
  const packages = new Map();
  for (const input of inputs.filter((file) => file.includes('node_modules/'))) {
    let dir = dirname(resolve(ROOT, input));
    while (!packages.has(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        if (manifest.name) {
          packages.set(dir, manifest);
          break;
        }
      } catch {
        // no package.json here: one level up
      }
      dir = dirname(dir);
    }
  }
  const texts = [...packages].map(([dir, { name, version, license }]) => {
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE']
      .map((f) => join(dir, f))
      .find((f) => {
        try {
          return readFileSync(f) !== undefined;
        } catch {
          return false;
        }
      });
    return `${name}@${version} (${license})\n\n${file ? readFileSync(file, 'utf8').trim() : `License: ${license}`}\n`;
  });
  return [...new Set(texts)].sort().join(`\n${'-'.repeat(78)}\n\n`);
}

writeFileSync(join(TEMPLATE, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(Object.keys(result.metafile.inputs)));
const bytes = readFileSync(join(TEMPLATE, 'index.js')).length;
console.log(`cloudfunctions/getPhoneNumber/index.js: ${Math.round(bytes / 1024)} KiB, Node.js ${CLOUD_FUNCTION_NODE}+`);
