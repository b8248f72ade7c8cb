/**
 * The generated documents follow the option table: docs/cli.md's generated
 * blocks, docs/errors.md's exit table and man/mmcpstore.1 are what
 * `npm run docs` would write now; the completion scripts offer every option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generatedFiles } from '../../scripts/build-docs.js';
import { main } from '../../src/cli.js';
import { COMMANDS } from '../../src/commands/index.js';
import { OPTIONS, optionsFor } from '../../src/commands/options.js';
import { exitTable } from '../../src/reader/errors.js';
import { ROOT, fakeIo } from './helpers.js';

test('docs/cli.md, docs/errors.md and man/mmcpstore.1 are up to date with the tables (npm run docs)', () => {
  for (const [file, want] of generatedFiles()) {
    assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} exists`);
    assert.equal(fs.readFileSync(file, 'utf8'), want, `${path.relative(ROOT, file)} is out of date: run npm run docs`);
  }
});

test('the man page lists every option, every command and every exit status, and is in package.json', () => {
  const man = fs.readFileSync(path.join(ROOT, 'man/mmcpstore.1'), 'utf8');
  const used = OPTIONS.filter((o) => COMMANDS.some((c) => optionsFor(c.name).includes(o)));
  for (const o of used) assert.ok(man.includes(`\\fB${`--${o.long}`.replace(/-/g, '\\-')}\\fR`), `--${o.long}`);
  for (const { name: c } of COMMANDS) assert.match(man, new RegExp(`^\\.B ${c}`, 'm'));
  for (const e of exitTable()) assert.match(man, new RegExp(`^\\.B ${e.code}$`, 'm'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { man: string[]; files: string[] };
  assert.deepEqual(pkg.man, ['./man/mmcpstore.1']);
  assert.ok(pkg.files.includes('man/'));
});

async function completion(shell: string): Promise<string> {
  const { io, out } = fakeIo();
  assert.equal(await main(['completion', shell], io), 0);
  return out.text;
}

test('completion bash|zsh mention every option of every command; bash parses the script', async () => {
  for (const shell of ['bash', 'zsh']) {
    const script = await completion(shell);
    for (const { name: c } of COMMANDS) {
      assert.ok(script.includes(`${c})`), `${shell}: ${c}`);
      for (const o of optionsFor(c)) assert.ok(script.includes(`--${o.long}`), `${shell}: ${c} --${o.long}`);
    }
    assert.match(script, /dmesg kmsg pmsg console ftrace/, `${shell}: --type values`);
  }
  const bash = spawnSync('bash', ['-n'], { input: await completion('bash') });
  assert.equal(bash.status, 0, bash.stderr.toString());
  const { io, err } = fakeIo();
  assert.equal(await main(['completion', 'fish'], io), 2);
  assert.match(err.text, /Allowed choices are bash, zsh/);
});

test('mmcpstore --help ends with examples too, after the exit-code table', async () => {
  const { io, out } = fakeIo();
  assert.equal(await main(['--help'], io), 0);
  assert.match(out.text, /Exit codes \(docs\/errors\.md\):\n(  [ \d]\d  .*\n)+/);
  assert.match(out.text, /\nExamples:\n(  \$ mmcpstore .*\n {6}.*\n)+$/);
  for (const e of exitTable()) assert.match(out.text, new RegExp(`^ +${e.code}  `, 'm'));
});
