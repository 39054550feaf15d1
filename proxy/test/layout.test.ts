// The layout promises (docs/en/guide/development.md, "The proxy's code map"): imports flow one way between the folders of src/,
// `import type` and `export ... from` included, with no cycle between modules either, and no module grows past ~200 lines.
import { readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { findCycle, folderGraph, moduleGraph, modules } from './layout-graph';

const SRC = resolve(__dirname, '..', 'src');
/** A fake tree whose only wrong edge is type-only: config/ imports a type from exchange/, which imports config/. */
const BACK_EDGE_FIXTURE = resolve(__dirname, 'fixtures', 'layout-back-edge');
const MAX_LINES = 220;

const files = modules(SRC);
const graph = moduleGraph(SRC);

describe('proxy/src layout', () => {
  it('has no import cycle between modules', () => {
    const cycle = findCycle(graph);
    expect(cycle?.map((file) => relative(SRC, file))).toBeUndefined();
  });

  it('has imports flowing one way between folders (the top-level modules aside)', () => {
    expect(findCycle(folderGraph(SRC, graph))).toBeUndefined();
  });

  it('sees a type-only back-edge: the fixture tree fails both checks', () => {
    const fixtureGraph = moduleGraph(BACK_EDGE_FIXTURE);
    expect(findCycle(folderGraph(BACK_EDGE_FIXTURE, fixtureGraph))).toEqual(['config', 'exchange', 'config']);
    expect(findCycle(fixtureGraph)?.map((file) => relative(BACK_EDGE_FIXTURE, file))).toEqual([
      'config/options.ts',
      'exchange/hook.ts',
      'config/options.ts',
    ]);
  });

  it(`keeps every module under ${MAX_LINES} lines`, () => {
    const long = files.filter((file) => readFileSync(file, 'utf8').split('\n').length > MAX_LINES).map((file) => relative(SRC, file));
    expect(long).toEqual([]);
  });

  it('keeps src/ grouped by concern: at the top level only index.ts, app.ts and in-flight.ts', () => {
    const top = readdirSync(SRC).filter((name) => name.endsWith('.ts'));
    expect(top.sort()).toEqual(['app.ts', 'in-flight.ts', 'index.ts']);
  });
});
