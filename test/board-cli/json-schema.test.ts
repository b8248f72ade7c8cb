/**
 * Every JSON object a command prints carries `"schema"` first (docs/json.md): the writing commands
 * (mkimage, panic, oops, pmsg, console, erase), inspect --card, detect, inspect and recover; and
 * docs/json.md names every command that takes --json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../../src/commands/index.js';
import { optionsFor } from '../../src/commands/options.js';
import { ROOT } from '../helpers/paths.js';
import { ZONES, mmcpstore, tmpDir } from './helpers.js';

/** The objects on stdout: one pretty-printed object, or NDJSON. */
function objects(stdout: string): Record<string, unknown>[] {
  const t = stdout.trim();
  if (t.startsWith('{\n')) return [JSON.parse(t) as Record<string, unknown>];
  return t.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('every --json object of every command starts with "schema": 1', () => {
  const d = tmpDir('schema');
  const img = path.join(d, 'c.img');
  const runs: [string[], string][] = [
    [['mkimage', '--image', img, '--size', '16M', '--pstore-size', '1M'], ''],
    [['panic', '--image', img, ...ZONES, '-q', '-m', 'x'], ''],
    [['oops', '--image', img, ...ZONES, '-q', '-m', 'y'], ''],
    [['pmsg', '--image', img, ...ZONES, '-q'], 'hello\n'],
    [['console', '--image', img, ...ZONES, '-q'], 'line\n'],
    [['inspect', '--card', '--image', img], ''],
    [['inspect', '--image', img, ...ZONES], ''],
    [['recover', '--image', img, ...ZONES], ''],
    [['detect', '--image', img], ''],
    [['erase', '--image', img, ...ZONES, '-q', 'dmesg-pstore_blk-0'], ''],
  ];
  const seen = new Set<string>();
  for (const [args, input] of runs) {
    const r = mmcpstore([...args, '--json'], { input });
    assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
    const objs = objects(r.stdout);
    assert.ok(objs.length > 0, `${args[0]} printed an object`);
    for (const o of objs) {
      assert.equal(Object.keys(o)[0], 'schema', `${args.slice(0, 2).join(' ')}: "schema" comes first`);
      assert.equal(o['schema'], 1);
    }
    seen.add(args[0]!);
  }
  // every command that takes --json was run above
  for (const spec of COMMANDS) {
    if (optionsFor(spec.name).some((o) => o.long === 'json')) assert.ok(seen.has(spec.name), `${spec.name} --json is covered`);
  }
});

test('docs/json.md names every command that takes --json', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/json.md'), 'utf8');
  for (const spec of COMMANDS) {
    if (optionsFor(spec.name).some((o) => o.long === 'json')) assert.match(doc, new RegExp(`\`${spec.name}[ \`]`), `docs/json.md documents ${spec.name} --json`);
  }
});
