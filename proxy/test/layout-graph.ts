// The import graph of a source tree, for layout.test.ts: every relative `import` and `export ... from`, type-only ones
// included (a shared type two folders use belongs below both, like any other shared name).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The modules a file imports or re-exports from, `import type` and `export type` included. */
export function importsOf(file: string, root: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of source.matchAll(/^(?:import|export)\s+[^'";]*?from\s+'(\.[^']+)'/gm)) {
    const base = resolve(dirname(file), match[1]);
    const target = [`${base}.ts`, join(base, 'index.ts')].find(isFile);
    if (target === undefined) throw new Error(`${relative(root, file)}: cannot resolve ${match[1]}`);
    found.push(target);
  }
  return found;
}

/** The folder a module belongs to: its first path segment, or '.' for the top level. */
export const folderOf = (root: string, file: string): string => {
  const parts = relative(root, file).split('/');
  return parts.length > 1 ? parts[0] : '.';
};

/** A cycle in the graph, as a list of nodes, or undefined. */
export function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
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

/** Each module of the tree and the modules it imports. */
export function moduleGraph(root: string): Map<string, Set<string>> {
  return new Map(modules(root).map((file) => [file, new Set(importsOf(file, root))]));
}

/**
 * Folder -> the folders it imports from. Top-level modules count on neither end: index.ts and app.ts sit above the
 * folders, in-flight.ts below, so both ways are fine.
 */
export function folderGraph(root: string, graph = moduleGraph(root)): Map<string, Set<string>> {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(root, file);
    if (from === '.') continue;
    for (const target of targets) {
      const to = folderOf(root, target);
      if (to !== '.' && to !== from) (folders.get(from) ?? folders.set(from, new Set()).get(from)!).add(to);
    }
  }
  return folders;
}
