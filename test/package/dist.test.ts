/**
 * @jest-environment node
 */
// What users receive: the package tarball and the miniprogram_dist it carries (needs a prior build).
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'miniprogram_dist');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('miniprogram_dist', () => {
  beforeAll(() => {
    if (!fs.existsSync(DIST)) throw new Error('miniprogram_dist is missing: run `npx gulp build` first');
  });

  it('holds the library at its root and the component in phone-button/', () => {
    for (const file of ['index.js', 'index.d.ts', ...['js', 'json', 'wxml', 'wxs', 'wxss', 'd.ts'].map((ext) => `phone-button/index.${ext}`)]) {
      expect(fs.existsSync(path.join(DIST, file))).toBe(true);
    }
  });

  it('resolves every relative require inside miniprogram_dist (WeChat cannot reach outside the package)', () => {
    const scripts = filesUnder(DIST).filter((file) => file.endsWith('.js'));
    const requires = scripts.flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/require\("(\.[^"]*)"\)/g)].map((match) => path.resolve(path.dirname(file), match[1])),
    );
    expect(requires.length).toBeGreaterThan(scripts.length / 2);
    for (const target of requires) {
      expect(target.startsWith(DIST + path.sep) || target === DIST).toBe(true);
      expect(fs.existsSync(`${target}.js`) || fs.existsSync(path.join(target, 'index.js'))).toBe(true);
    }
  });

  it('ships declarations that type-check real use of the whole public API', () => {
    const fixture = path.join(__dirname, 'fixtures/uses-dist-types.ts');
    const program = ts.createProgram([fixture], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2017,
      module: ts.ModuleKind.CommonJS,
      types: ['miniprogram-api-typings'],
      typeRoots: [path.join(ROOT, 'node_modules/@types'), path.join(ROOT, 'node_modules')],
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // The fixture must really have been resolved against the dist declarations, not the source.
    expect(program.getSourceFiles().some((file) => file.fileName === path.join(DIST, 'index.d.ts'))).toBe(true);
  });
});

describe('npm pack', () => {
  it('contains only the dist, README, LICENSE, CHANGELOG and package.json', () => {
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [{ files }] = JSON.parse(output) as [{ files: { path: string }[] }];
    const paths = files.map((file) => file.path);
    expect(paths.filter((file) => !file.startsWith('miniprogram_dist/')).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
    expect(paths).toContain('miniprogram_dist/phone-button/index.wxml');
  });
});
