/**
 * An image that may not be written (chattr +i as root, mode 0444 otherwise) gives every writing
 * command the same status, 73 (EX_CANTCREAT), and one line naming the file; the image is unchanged
 * and no lock file is left behind. Reading it still works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from '../../src/reader/errors.js';
import { ZONES, blankCard, mmcpstore, sha256File, tmpDir } from './helpers.js';

/** Makes `file` unwritable for this process; returns the undo, or null when this system cannot. */
function makeUnwritable(file: string): (() => void) | null {
  if (process.getuid?.() === 0) {
    // root writes through mode bits: only the immutable attribute stops it (not every file system has it)
    if (spawnSync('chattr', ['+i', file]).status !== 0) return null;
    return () => void spawnSync('chattr', ['-i', file]);
  }
  fs.chmodSync(file, 0o444);
  return () => fs.chmodSync(file, 0o644);
}

test('every writer refuses an image it may not write with 73 and one line; the image is unchanged', (t) => {
  const d = tmpDir('unwritable');
  const img = blankCard(d);
  const seeded = mmcpstore(['panic', '--image', img, ...ZONES, '-q', '-m', 'before']);
  assert.equal(seeded.status, 0, seeded.stderr);
  const before = sha256File(img);
  const undo = makeUnwritable(img);
  if (!undo) return t.skip('no way to make a file unwritable here (chattr +i unsupported)');
  t.after(undo);
  const writers: [string[], string][] = [
    [['panic', '-m', 'x'], ''],
    [['oops', '-m', 'x'], ''],
    [['pmsg'], 'x\n'],
    [['console'], 'x\n'],
    [['erase', 'dmesg-pstore_blk-0'], ''],
  ];
  for (const [args, input] of writers) {
    const r = mmcpstore([args[0]!, '--image', img, ...ZONES, '-q', ...args.slice(1)], { input });
    assert.equal(r.status, EXIT.cantCreat, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^mmcpstore: cannot open '${img.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' for writing: (Operation not permitted|Permission denied)\\n$`), args[0]);
  }
  const mk = mmcpstore(['mkimage', '--image', img, '--size', '16M', '--force', '-q']);
  assert.equal(mk.status, EXIT.cantCreat, mk.stderr);
  assert.match(mk.stderr, /^mmcpstore: cannot (open|write) '.*' ?(for writing)?: (Operation not permitted|Permission denied)\n$/);
  assert.equal(sha256File(img), before, 'the image is unchanged');
  assert.deepEqual(fs.readdirSync(d).filter((n) => n.endsWith('.lock')), [], 'no lock file left');
  const r = mmcpstore(['recover', '--image', img, ...ZONES]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Kernel panic - not syncing: before/);
});

test('mkimage into a directory that does not exist: 73, as any output that cannot be created', () => {
  const d = tmpDir('unwritable-dir');
  const r = mmcpstore(['mkimage', '--image', path.join(d, 'missing', 'c.img'), '--size', '16M', '-q']);
  assert.equal(r.status, EXIT.cantCreat, r.stderr);
  assert.match(r.stderr, /^mmcpstore: cannot write '.*missing\/c\.img': No such file or directory\n$/);
});
