/** The import scanner and the graph algorithms the layering test relies on, on small sources. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleCycle, importCycles, lineCount, resolveSpec, type Edge } from './import-graph.js';
import { scanImports } from './import-scan.js';

test('the import scanner sees static, type-only, re-export and dynamic imports', () => {
  const specs = scanImports(
    `import { a } from './x.js';\nimport type { B } from "../y.js";\nexport * from './z.js';\nconst m = await import('./w.js');\nimport './side.js';`,
  );
  assert.deepEqual(specs.map((s) => s.spec), ['./x.js', '../y.js', './z.js', './w.js', './side.js']);
  assert.equal(specs[1]!.typeOnly, true);
  assert.deepEqual(specs.map((s) => s.kind), ['static', 'static', 're-export', 'dynamic', 'side-effect']);
  assert.deepEqual(specs.map((s) => s.line), [1, 2, 3, 4, 5]);
});

test('the import scanner sees template-string dynamic imports, and marks a computed one as unfollowable', () => {
  const specs = scanImports('const a = await import(`./t.js`);\nconst b = await import(`./${name}.js`);\nconst c = await import(path);');
  assert.deepEqual(specs.map((s) => [s.spec, s.kind]), [['./t.js', 'dynamic'], [undefined, 'dynamic'], [undefined, 'dynamic']]);
});

test('the import scanner reads multi-line import and export lists', () => {
  const specs = scanImports(
    `import {\n  a,\n  type B,\n  c,\n} from './multi.js';\nexport {\n  d,\n  e as f,\n} from\n  './more.js';\nimport {\n  type G,\n  type H,\n} from './types.js';`,
  );
  assert.deepEqual(specs.map((s) => [s.spec, s.typeOnly, s.line]), [['./multi.js', false, 1], ['./more.js', false, 6], ['./types.js', true, 11]]);
});

test('type-only forms: import type, only `type` names, export type, import() in a type; a value beside a type is not type-only', () => {
  const specs = scanImports(
    [
      `import type * as T from './a.js';`,
      `import { type X } from './b.js';`,
      `import D, { type Y } from './c.js';`,
      `export type { Z } from './d.js';`,
      `export { type W, v } from './e.js';`,
      `let q: typeof import('./f.js').q;`,
      `import fs = require('./g.js');`,
    ].join('\n'),
  );
  assert.deepEqual(specs.map((s) => [s.spec, s.typeOnly]), [
    ['./a.js', true],
    ['./b.js', true],
    ['./c.js', false],
    ['./d.js', true],
    ['./e.js', false],
    ['./f.js', true],
    ['./g.js', false],
  ]);
  assert.equal(specs[5]!.kind, 'type-expression');
});

test('imports written inside strings and comments are not imports', () => {
  const specs = scanImports(
    [
      `// import { a } from './commented.js';`,
      `/* export * from './block.js'; */`,
      `const code = "import('./in-string.js')";`,
      'const w = `import(${JSON.stringify(api)})`;',
      `import { real } from './real.js';`,
    ].join('\n'),
  );
  assert.deepEqual(specs.map((s) => s.spec), ['./real.js']);
});

test('specifiers resolve as NodeNext does: .js names the .ts file, a folder its index.ts', () => {
  const files = new Set(['zone/index.ts', 'zone/codec.ts', 'commands/recover.ts', 'lib/units.ts']);
  assert.equal(resolveSpec('commands/recover.ts', '../zone/codec.js', files), 'zone/codec.ts');
  assert.equal(resolveSpec('commands/recover.ts', '../zone/index.js', files), 'zone/index.ts');
  assert.equal(resolveSpec('commands/recover.ts', '../zone', files), 'zone/index.ts');
  assert.equal(resolveSpec('zone/codec.ts', '../lib/units.ts', files), 'lib/units.ts');
  assert.equal(resolveSpec('zone/codec.ts', './missing.js', files), undefined);
});

function graph(pairs: [string, string][]): Map<string, Edge[]> {
  const edges = new Map<string, Edge[]>();
  for (const [from, to] of pairs) {
    if (!edges.has(to)) edges.set(to, []);
    const list = edges.get(from) ?? [];
    list.push({ from, to, ref: { spec: `./${to}`, kind: 'static', typeOnly: false, line: 1 } });
    edges.set(from, list);
  }
  return edges;
}

test('Tarjan finds each import cycle once, and none in a graph without one', () => {
  assert.deepEqual(importCycles(graph([['a', 'b'], ['b', 'c'], ['a', 'c']])), []);
  const edges = graph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd'], ['d', 'e'], ['e', 'd'], ['f', 'a']]);
  const cycles = importCycles(edges);
  assert.deepEqual(cycles, [['a', 'b', 'c'], ['d', 'e']]);
  assert.deepEqual(exampleCycle(cycles[0]!, edges).map((e) => `${e.from}->${e.to}`), ['a->b', 'b->c', 'c->a']);
});

test('lines are counted with a last line that lacks its newline', () => {
  assert.equal(lineCount('a\nb\n'), 2);
  assert.equal(lineCount('a\nb'), 2);
  assert.equal(lineCount(''), 0);
});
