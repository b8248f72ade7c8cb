import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileBacking, ImageLockedError, MemoryBacking, ReadOnlyBackingError, RegionBacking, lockPathFor } from '../../src/device/backing.js';
import { tempDir } from '../helpers/temp-dir.js';

function tmpImage(size: number): string {
  const dir = tempDir(undefined, 'mmcpstore-backing-');
  const p = path.join(dir, 'disk.img');
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 13) & 0xff;
  fs.writeFileSync(p, data);
  return p;
}

test('reading through a read-only backing leaves the image bytes and mtime unchanged', () => {
  const p = tmpImage(64 * 1024);
  const past = new Date('2020-01-02T03:04:05Z');
  fs.utimesSync(p, past, past);
  const before = fs.readFileSync(p);
  const mtimeBefore = fs.statSync(p).mtimeMs;
  const b = FileBacking.open(p, { mode: 'ro' });
  assert.equal(b.size, 64 * 1024);
  assert.deepEqual(b.read(1000, 4), new Uint8Array([(1000 * 13) & 0xff, (1001 * 13) & 0xff, (1002 * 13) & 0xff, (1003 * 13) & 0xff]));
  assert.throws(() => b.write(0, new Uint8Array(1)), ReadOnlyBackingError);
  b.flush();
  b.close();
  assert.deepEqual(fs.readFileSync(p), before);
  assert.equal(fs.statSync(p).mtimeMs, mtimeBefore);
  assert.equal(fs.existsSync(lockPathFor(p)), false, 'readers take no lock');
});

test('a read-write backing writes in place at the given offset only', () => {
  const p = tmpImage(8192);
  const b = FileBacking.open(p, { mode: 'rw' });
  b.write(4096, new Uint8Array([1, 2, 3]));
  b.flush();
  b.close();
  const after = fs.readFileSync(p);
  assert.deepEqual([...after.subarray(4095, 4100)], [(4095 * 13) & 0xff, 1, 2, 3, (4099 * 13) & 0xff]);
  assert.equal(after.length, 8192);
});

test('a second writer gets ImageLockedError naming the owner while the first holds the lock', () => {
  const p = tmpImage(4096);
  const first = FileBacking.open(p, { mode: 'rw' });
  try {
    const t0 = Date.now();
    assert.throws(
      () => FileBacking.open(p, { mode: 'rw', waitSeconds: 0.2, pollMs: 20 }),
      (e: unknown) => e instanceof ImageLockedError && e.owner?.pid === process.pid && e.code === 'EIMAGELOCKED',
    );
    assert.ok(Date.now() - t0 >= 150, 'waited before giving up');
  } finally {
    first.close();
  }
  assert.equal(fs.existsSync(lockPathFor(p)), false, 'close releases the lock');
  FileBacking.open(p, { mode: 'rw' }).close();
});

test('a stale lock whose pid is dead is taken over', () => {
  const p = tmpImage(4096);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const deadPid = Number(dead.stdout.toString());
  fs.writeFileSync(lockPathFor(p), JSON.stringify({ pid: deadPid, host: os.hostname() }));
  const b = FileBacking.open(p, { mode: 'rw' });
  const owner = JSON.parse(fs.readFileSync(lockPathFor(p), 'utf8')) as { pid: number };
  assert.equal(owner.pid, process.pid);
  b.close();
});

test('a lock held on another host is never treated as stale', () => {
  const p = tmpImage(4096);
  fs.writeFileSync(lockPathFor(p), JSON.stringify({ pid: 999999, host: 'some-other-host' }));
  assert.throws(() => FileBacking.open(p, { mode: 'rw' }), ImageLockedError);
});

test('the lock file is never seen empty: it appears whole, and no private file is left beside it', () => {
  const p = tmpImage(4096);
  const b = FileBacking.open(p, { mode: 'rw' });
  const owner = JSON.parse(fs.readFileSync(lockPathFor(p), 'utf8')) as { pid: number; host: string; cmd: string };
  // cmd: this process's command line, so that a reused pid is not taken for the holder
  assert.deepEqual(owner, { pid: process.pid, host: os.hostname(), cmd: fs.readFileSync('/proc/self/cmdline', 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ').slice(0, 200) });
  assert.deepEqual(fs.readdirSync(path.dirname(p)).sort(), ['disk.img', 'disk.img.lock']);
  b.close();
  assert.deepEqual(fs.readdirSync(path.dirname(p)), ['disk.img']);
});

test('an empty lock (a writer killed between create and write) is live while fresh, abandoned when old', () => {
  const p = tmpImage(4096);
  fs.writeFileSync(lockPathFor(p), '');
  assert.throws(() => FileBacking.open(p, { mode: 'rw' }), ImageLockedError, 'a fresh empty lock may be a writer about to fill it');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lockPathFor(p), old, old);
  const b = FileBacking.open(p, { mode: 'rw' });
  assert.equal((JSON.parse(fs.readFileSync(lockPathFor(p), 'utf8')) as { pid: number }).pid, process.pid);
  b.close();
});

test('memory and region backings are sparse, bounded and isolated', () => {
  const m = new MemoryBacking(1 << 30);
  m.write(1 << 29, new Uint8Array([9]));
  assert.equal(m.read(1 << 29, 1)[0], 9);
  assert.equal(m.read(0, 4).every((x) => x === 0), true);
  assert.throws(() => m.read((1 << 30) - 1, 2), RangeError);
  const r = new RegionBacking(m, 4096, 4096);
  r.write(0, new Uint8Array([7]));
  assert.equal(m.read(4096, 1)[0], 7);
  assert.throws(() => r.write(4096, new Uint8Array(1)), RangeError);
});

test('a board over a read-only image reads through MMIO, refuses writes with WP_VIOLATION and leaves the file unchanged', async () => {
  const { createBoard } = await import('../../src/device/board.js');
  const { cmd, dataCmd, initCard, pioRead, powerUp, tmValue, waitTransfer } = await import('./host.js');
  const { R1 } = await import('../../src/device/emmc/status.js');
  const p = tmpImage(256 * 1024);
  const past = new Date('2021-05-06T07:08:09Z');
  fs.utimesSync(p, past, past);
  const before = fs.readFileSync(p);
  const backing = FileBacking.open(p, { mode: 'ro' });
  const board = createBoard({ backing });
  powerUp(board);
  initCard(board);
  dataCmd(board, 17, 512, 1, tmValue({ read: true }));
  assert.deepEqual(pioRead(board, 1), new Uint8Array(before.subarray(512, 1024)));
  waitTransfer(board);
  dataCmd(board, 24, 0, 1, tmValue({ read: false }));
  board.clock.advance(1e6);
  assert.ok(board.mmio.readl(0x10) & R1.WP_VIOLATION.mask);
  assert.equal(board.card.state, 'tran');
  board.mmio.writeb(0x2f, 0x06);
  assert.ok(cmd(board, 38, 0, 'r1b').resp[0]! & R1.ERASE_SEQ_ERROR.mask);
  board.close();
  assert.deepEqual(fs.readFileSync(p), before);
  assert.equal(fs.statSync(p).mtimeMs, past.getTime());
});
