/**
 * `recover --out DIR --layout systemd` leaves what systemd-pstore (systemd
 * 252, src/pstore/pstore.c) leaves in /var/lib/systemd/pstore for the same
 * pstorefs: checked against the rules read from pstore.c, and against the
 * real binary (`systemd-pstore SRC DST`) when it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemdSubdir, writeRecordDir, type RecordBytes } from '../../src/reader/outdir.js';
import { runCli, tempDir, unpack } from './helpers.js';

const SYSTEMD_PSTORE = ['/lib/systemd/systemd-pstore', '/usr/lib/systemd/systemd-pstore'].find((p) => fs.existsSync(p));

/** Every file under dir: relative path → [mode, contents, mtime seconds] (dmesg.txt's mtime is the time of writing). */
function tree(dir: string): Map<string, [number, string, number | null]> {
  const out = new Map<string, [number, string, number | null]>();
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      const st = fs.lstatSync(full);
      if (st.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), [st.mode & 0o777, fs.readFileSync(full, 'latin1'), name === 'dmesg.txt' ? null : Math.floor(st.mtimeMs / 1000)]);
    }
  };
  walk(dir);
  return out;
}

const T = (sec: number): RecordBytes['time'] => ({ sec: BigInt(sec), nsec: 0n });
const SYNTHETIC: RecordBytes[] = [
  { name: 'dmesg-pstore_blk-0', data: Buffer.from('zero\n'), time: T(1_700_000_000) },
  { name: 'dmesg-pstore_blk-1', data: Buffer.from('one\n'), time: T(1_700_000_001) },
  { name: 'dmesg-pstore_blk-10', data: Buffer.from('ten\n'), time: T(1_700_000_010) },
  { name: 'dmesg-pstore_blk-2', data: Buffer.from('two'), time: T(1_700_000_002) },
  { name: 'dmesg-pstore_blk-12345678', data: Buffer.from('long id\n'), time: T(1_700_000_003) },
  { name: 'dmesg-pstore_blk-3.enc.z', data: Buffer.from([0x78, 0x9c, 0xff]), time: T(1_700_000_004) },
  { name: 'pmsg-pstore_blk-0', data: Buffer.from('pmsg'), time: T(1_700_000_005) },
  { name: 'console-pstore_blk-0', data: Buffer.from('console'), time: T(1_700_000_006) },
];

test('the rules of pstore.c: flat 0600 copies, ids over six digits in a subdirectory, dmesg.txt in reverse name order', (t) => {
  const dir = path.join(tempDir(t), 'archive');
  assert.equal(systemdSubdir('dmesg-pstore_blk-15'), null);
  assert.equal(systemdSubdir('dmesg-efi-123456789012'), '123456');
  assert.equal(systemdSubdir('dmesg-pstore_blk-12345678.enc.z'), null, '.enc.z is moved as it is');
  assert.equal(systemdSubdir('pmsg-pstore_blk-12345678'), null, 'only dmesg records are grouped');
  writeRecordDir(dir, SYNTHETIC as never, { force: false, layout: 'systemd' });
  const got = tree(dir);
  assert.deepEqual([...got.keys()], [
    '12/dmesg-pstore_blk-12345678', '12/dmesg.txt',
    'console-pstore_blk-0', 'dmesg-pstore_blk-0', 'dmesg-pstore_blk-1', 'dmesg-pstore_blk-10', 'dmesg-pstore_blk-2', 'dmesg-pstore_blk-3.enc.z', 'dmesg.txt', 'pmsg-pstore_blk-0',
  ]);
  for (const [name, [mode, , mtime]] of got) {
    if (name.endsWith('dmesg.txt')) assert.equal(mode, 0o640, name);
    else {
      assert.equal(mode, 0o600, name);
      assert.equal(mtime, Number(SYNTHETIC.find((f) => name.endsWith(f.name))!.time.sec), `${name} keeps the record time`);
    }
  }
  // Reverse strcmp order: -2, then -12345678 (another directory: the top group ends), then -10, -1, -0.
  // The top directory's dmesg.txt is the first group's; the later top group cannot replace it.
  assert.equal(got.get('dmesg.txt')![1], 'dmesg-pstore_blk-2:\ntwo');
  assert.equal(got.get('12/dmesg.txt')![1], 'dmesg-pstore_blk-12345678:\nlong id\n');
});

test('pstore_blk records: one dmesg.txt with every dmesg record, -9 ... -2, -15 ... -10, -1, -0', (t) => {
  const dir = path.join(tempDir(t), 'a');
  const files = Array.from({ length: 16 }, (_, i): RecordBytes => ({ name: `dmesg-pstore_blk-${i}`, data: Buffer.from(`r${i}\n`), time: T(1_700_000_000 + i) }));
  writeRecordDir(dir, files as never, { force: false, layout: 'systemd' });
  const order = [9, 8, 7, 6, 5, 4, 3, 2, 15, 14, 13, 12, 11, 10, 1, 0];
  assert.equal(fs.readFileSync(path.join(dir, 'dmesg.txt'), 'utf8'), order.map((i) => `dmesg-pstore_blk-${i}:\nr${i}\n`).join(''));
});

function runSystemdPstore(src: string, dst: string): void {
  const r = spawnSync(SYSTEMD_PSTORE!, [src, dst], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('the same tree as the installed systemd-pstore, for synthetic records and for a kernel-written image', { skip: !SYSTEMD_PSTORE && 'systemd-pstore is not installed' }, (t) => {
  const dir = tempDir(t);
  // 1. Synthetic records: pstorefs files (mode and mtime as the kernel gives them) → systemd-pstore.
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  for (const f of SYNTHETIC) {
    fs.writeFileSync(path.join(src, f.name), f.data);
    fs.utimesSync(path.join(src, f.name), Number(f.time.sec), Number(f.time.sec));
  }
  runSystemdPstore(src, path.join(dir, 'systemd'));
  writeRecordDir(path.join(dir, 'ours'), SYNTHETIC as never, { force: false, layout: 'systemd' });
  assert.deepEqual(tree(path.join(dir, 'ours')), tree(path.join(dir, 'systemd')));

  // 2. A kernel-written image through the CLI: --layout pstorefs is /sys/fs/pstore, systemd-pstore archives a copy.
  const image = unpack('virtio-1m-kmsg64-deflate', dir);
  assert.equal(runCli(['recover', '-i', image, '--out', path.join(dir, 'pstorefs')]).status, 0);
  const src2 = path.join(dir, 'src2');
  fs.cpSync(path.join(dir, 'pstorefs'), src2, { recursive: true, preserveTimestamps: true });
  runSystemdPstore(src2, path.join(dir, 'systemd2'));
  const r = runCli(['recover', '-i', image, '--out', path.join(dir, 'ours2'), '--layout', 'systemd']);
  assert.equal(r.status, 0, r.stderr);
  const ours = tree(path.join(dir, 'ours2'));
  assert.ok(ours.has('dmesg.txt'));
  assert.deepEqual(ours, tree(path.join(dir, 'systemd2')));
});

test('--force accepts an earlier systemd archive and replaces it; anything else is refused', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const out = path.join(dir, 'archive');
  assert.equal(runCli(['recover', '-i', image, '--out', out, '--layout', 'systemd']).status, 0);
  assert.equal(runCli(['recover', '-i', image, '--out', out, '--layout', 'systemd']).status, 73, 'non-empty without --force');
  const again = runCli(['recover', '-i', image, '--out', out, '--layout', 'systemd', '--force']);
  assert.equal(again.status, 0, again.stderr);
  fs.writeFileSync(path.join(out, 'notes'), 'mine');
  assert.equal(runCli(['recover', '-i', image, '--out', out, '--layout', 'systemd', '--force']).status, 73);
  assert.equal(fs.readFileSync(path.join(out, 'notes'), 'utf8'), 'mine');
});
