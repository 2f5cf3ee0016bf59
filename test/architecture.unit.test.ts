/**
 * The layering of src/, checked on its imports (static, re-exports and dynamic `import()`):
 * - no cycle between top-level folders. Type-only imports count as edges too: a folder that needs
 *   another's types depends on its design just as much, and no design here needs such a loop;
 * - nothing in src/config/ loads another folder at run time but src/util/, whose helpers load no
 *   other folder either (node: builtins and packages such as zod are fine; type-only imports vanish
 *   at run time), so that reading the configuration loads neither uWebSockets.js nor NATS;
 * - no file in src/ over 400 lines.
 */
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { folderCycles, folderGraph, parseImports, readSources, sourceImports, topFolder, type SourceImport } from './support/import-graph.js';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const MAX_LINES = 400;

const describeImport = (imp: SourceImport): string => `src/${imp.from} -> ${imp.specifier}${imp.typeOnly ? ' (type only)' : ''}`;

describe('architecture of src/', () => {
  const files = readSources(srcDir);
  const imports = sourceImports(files);

  it('reads every kind of import, and only imports', () => {
    const refs = parseImports(
      'example.ts',
      [
        "import { a } from './a.js';",
        "import type { B } from '../b/b.js';",
        "import { type C, type D } from './c.js';",
        "import { type E, f } from './e.js';",
        "import './side-effect.js';",
        "export { g } from './g.js';",
        "export type { H } from './h.js';",
        "export * from './star.js';",
        "const lazy = await import('./lazy.js');",
        "type T = typeof import('./t.js');",
        "// import { x } from './in-a-comment.js';",
        "const s = \"import { y } from './in-a-string.js'\";",
      ].join('\n'),
    );
    assert.deepEqual(
      refs.map((r) => `${r.specifier}${r.typeOnly ? ' type' : ''}${r.dynamic ? ' dynamic' : ''}`),
      ['./a.js', '../b/b.js type', './c.js type', './e.js', './side-effect.js', './g.js', './h.js type', './star.js', './lazy.js dynamic', './t.js type'],
    );
  });

  it('finds folder cycles, direct or around a loop, and none in a layered graph', () => {
    const graph = (edges: string[]): Map<string, Map<string, unknown>> => {
      const g = new Map<string, Map<string, unknown>>();
      for (const edge of edges) {
        const [a, b] = edge.split('>') as [string, string];
        if (!g.has(a)) g.set(a, new Map());
        g.get(a)!.set(b, true);
      }
      return g;
    };
    assert.deepEqual(folderCycles(graph(['cli>server', 'server>router', 'router>protocol', 'cli>protocol'])), []);
    assert.deepEqual(folderCycles(graph(['router>server', 'server>router'])), [['router', 'server']]);
    assert.deepEqual(folderCycles(graph(['a>b', 'b>c', 'c>a', 'c>d'])), [['a', 'b', 'c']]);
  });

  it('has no import cycle between top-level folders', () => {
    assert.ok(files.length > 100, `found ${files.length} files under ${srcDir}`);
    const graph = folderGraph(imports);
    const problems = folderCycles(graph).map((cycle) => {
      const inCycle = new Set(cycle);
      const evidence = cycle.flatMap((a) => [...(graph.get(a) ?? new Map<string, SourceImport[]>())].filter(([b]) => inCycle.has(b)).flatMap(([, list]) => list.map(describeImport)));
      return `folders ${cycle.join(', ')} import each other:\n  ${evidence.join('\n  ')}`;
    });
    assert.deepEqual(problems, []);
  });

  it('keeps src/config/ free of run-time imports of other folders (util helpers aside)', () => {
    const runTimeOut = (from: string, allowed: readonly string[]): SourceImport[] =>
      imports.filter((imp) => topFolder(imp.from) === from && imp.to !== null && !allowed.includes(topFolder(imp.to)) && !imp.typeOnly);
    assert.deepEqual(runTimeOut('config', ['config', 'util']).map(describeImport), []);
    assert.deepEqual(runTimeOut('util', ['util']).map(describeImport), [], 'util is below everything, config included');
    assert.ok(imports.some((imp) => topFolder(imp.from) === 'config' && imp.to !== null), 'config files import one another (the check sees them)');
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const long = files.filter((f) => lineCount(f.text) > MAX_LINES).map((f) => `src/${f.path}: ${lineCount(f.text)} lines`);
    assert.deepEqual(long, []);
  });
});
