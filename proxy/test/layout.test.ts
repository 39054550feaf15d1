// The layout promises (docs/en/guide/development.md, "The proxy's code map"): imports flow one way between the folders of src/, with no cycle
// between modules either, and no module grows past ~200 lines.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '..', 'src');
const MAX_LINES = 220;

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports that exist at run time (`import type` and `export type` vanish when compiled). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm)) {
    if (match[1]) continue;
    const base = resolve(dirname(file), match[2]);
    const candidates = [`${base}.ts`, join(base, 'index.ts')];
    const target = candidates.find((candidate) => {
      try {
        return statSync(candidate).isFile();
      } catch {
        return false;
      }
    });
    if (target === undefined) throw new Error(`${relative(SRC, file)}: cannot resolve ${match[2]}`);
    found.push(target);
  }
  return found;
}

/** The folder a module belongs to: its first path segment, or '.' for the top level. */
const folderOf = (file: string): string => {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : '.';
};

/** A cycle in the graph, as a list of nodes, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const files = modules(SRC);
const moduleGraph = new Map(files.map((file) => [file, new Set(runtimeImports(file))]));

describe('proxy/src layout', () => {
  it('has no import cycle between modules', () => {
    const cycle = findCycle(moduleGraph);
    expect(cycle?.map((file) => relative(SRC, file))).toBeUndefined();
  });

  it('has imports flowing one way between folders (the top-level modules aside)', () => {
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of moduleGraph) {
      const from = folderOf(file);
      if (from === '.') continue; // index.ts and app.ts sit above the folders, errors.ts and friends below: both ways are fine
      for (const target of targets) {
        const to = folderOf(target);
        if (to !== '.' && to !== from) (folders.get(from) ?? folders.set(from, new Set()).get(from)!).add(to);
      }
    }
    expect(findCycle(folders)).toBeUndefined();
  });

  it(`keeps every module under ${MAX_LINES} lines`, () => {
    const long = files.filter((file) => readFileSync(file, 'utf8').split('\n').length > MAX_LINES).map((file) => relative(SRC, file));
    expect(long).toEqual([]);
  });

  it('keeps at most 6 modules at the top level besides index.ts', () => {
    const top = readdirSync(SRC).filter((name) => name.endsWith('.ts') && name !== 'index.ts');
    expect(top.length).toBeLessThanOrEqual(6);
  });
});
