/** docs/driver-review.md: one table, every behaviour on every version, each with its source or an explicit inference. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MMCPSTORE_VERSIONS } from '../../src/driver/board/index.js';
import { ROOT } from '../helpers/paths.js';

const doc = fs.readFileSync(path.join(ROOT, 'docs', 'driver-review.md'), 'utf8');
const block = /<!-- behaviour-table:start -->\n([\s\S]*?)<!-- behaviour-table:end -->/.exec(doc)?.[1] ?? '';
const cellsOf = (line: string) => line.replace(/^\| | \|$/g, '').split(/ (?<!\\)\| /);
const lines = block.trim().split('\n');

test('the behaviour table has a column for every version', () => {
  assert.deepEqual(cellsOf(lines[0]!), ['Behaviour', ...MMCPSTORE_VERSIONS, 'Source', 'Test']);
  assert.ok(lines.length > 20, 'rows');
});

test('every behaviour cites a mail (URL), a stored source file (repo path @ commit) or says "inferred:"', () => {
  const cited = /https?:\/\/\S+|[\w-]+\/[\w.-]+ [\w./-]+ @ [0-9a-f]{7,}|inferred: \S/;
  for (const line of lines.slice(2)) {
    const cells = cellsOf(line);
    assert.equal(cells.length, 3 + MMCPSTORE_VERSIONS.length, line);
    assert.ok(cells.slice(1, 1 + MMCPSTORE_VERSIONS.length).every((c) => c.length > 0), `a version cell is empty: ${line}`);
    assert.match(cells.at(-2)!, cited, `no source for: ${cells[0]}`);
  }
});

test('the test files the table names exist', () => {
  for (const name of new Set([...block.matchAll(/`([\w-]+\.test\.ts)`/g)].map((m) => m[1]!))) {
    const found = ['mmcpstore', 'board-cli'].some((d) => fs.existsSync(path.join(ROOT, 'test', d, name)));
    assert.ok(found, name);
  }
});
