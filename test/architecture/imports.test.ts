/**
 * The layering of src/ (docs/architecture.md), checked on the whole import graph: static imports,
 * `import type`, re-exports, side-effect and dynamic imports alike. No exception list: a rule that
 * needs one is a wrong rule, changed here and in the doc together. Each failure names the file,
 * the line, the import and the rule it breaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildImportGraph, exampleCycle, importCycles, lineCount } from './import-graph.js';
import { LAYER_RULES, layerOf, ruleViolations } from './layers.js';
import { ROOT, SRC_DIR } from '../helpers/paths.js';

/** Longest a source file may be: past this a file is doing more than one job. */
const MAX_SOURCE_LINES = 500;

const graph = buildImportGraph(SRC_DIR);
const allEdges = [...graph.edges.values()].flat();

function assertNone(findings: string[], what: string): void {
  assert.equal(findings.length, 0, `${findings.length} ${what}:\n  ${findings.join('\n  ')}`);
}

test('no import cycle in src/', () => {
  const cycles = importCycles(graph.edges).map((component) => {
    const chain = exampleCycle(component, graph.edges);
    const path = [...chain.map((e) => `src/${e.from}:${e.ref.line}`), `src/${chain[0]!.from}`].join(' → ');
    return `cycle of ${component.length} files (${component.map((f) => `src/${f}`).join(', ')}), e.g. ${path}`;
  });
  assertNone(cycles, 'import cycles');
});

for (const rule of LAYER_RULES) {
  test(rule.name, () => {
    assertNone(ruleViolations(rule, allEdges), 'imports against the rule');
  });
}

test('every file in src/ belongs to a layer', () => {
  assertNone(
    [...graph.files.keys()].filter((f) => layerOf(f) === undefined).map((f) => `src/${f} is in no layer: move it into one, or add its layer to the rules and the doc`),
    'files outside the layers',
  );
});

test('every import in src/ names a module the test can follow', () => {
  assertNone(
    graph.unresolved.map(({ from, ref }) => `src/${from}:${ref.line}: ${ref.kind} import ${ref.spec === undefined ? 'of a computed module' : `'${ref.spec}' names no file of src/`}`),
    'imports not followed',
  );
});

test(`no source file in src/ over ${MAX_SOURCE_LINES} lines`, () => {
  const long = [...graph.files]
    .map(([f, text]) => ({ f, n: lineCount(text) }))
    .filter(({ n }) => n > MAX_SOURCE_LINES)
    .sort((a, b) => b.n - a.n)
    .map(({ f, n }) => `src/${f} has ${n} lines`);
  assertNone(long, `files over ${MAX_SOURCE_LINES} lines`);
});

test('docs/architecture.md names every rule this test checks', () => {
  // the doc's table escapes markdown (`\*\*`); compare the text as it reads
  const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8').replace(/\\(.)/g, '$1');
  const names = ['no import cycle in src/', ...LAYER_RULES.map((r) => r.name), 'every file in src/ belongs to a layer', 'every import in src/ names a module the test can follow', `no source file in src/ over ${MAX_SOURCE_LINES} lines`];
  assertNone(names.filter((n) => !doc.includes(n)).map((n) => `"${n}" is not in docs/architecture.md`), 'rules the doc does not name');
});

test('the graph is seen: the host driver reaches the hardware through hw/sdhci-regs.ts and device/board.ts', () => {
  const fromStack = allEdges.filter((e) => e.from.startsWith('driver/sdhci/') || e.from.startsWith('driver/mmc/'));
  assert.ok(fromStack.some((e) => e.to === 'hw/sdhci-regs.ts'));
  assert.ok(fromStack.some((e) => e.to === 'device/board.ts'));
});
