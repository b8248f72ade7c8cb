/**
 * Sparse images: dataExtents() (SEEK_DATA/SEEK_HOLE through perl) finds the allocated ranges,
 * scanSignatures() given them reads only those and finds what a full read finds, and `detect`
 * on a large sparse card uses them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { dataExtents, mayHaveHoles } from '../../src/reader/extents.js';
import { scanSignatures } from '../../src/zone/index.js';
import { listFixtures, loadFixture } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../cli/helpers.js';

const MIB = 1 << 20;
const hasPerl = spawnSync('perl', ['-e', '0']).status === 0;

/** A sparse file of `size` bytes with `data` written at each offset. */
function sparseFile(file: string, size: number, writes: [number, Uint8Array][]): void {
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, size);
  for (const [off, bytes] of writes) fs.writeSync(fd, bytes, 0, bytes.length, off);
  fs.closeSync(fd);
}

test('dataExtents: the written ranges of a sparse file, none of its holes; null for small files', { skip: hasPerl ? false : 'no perl' }, (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'sparse.img');
  const size = 512 * MIB;
  const writes: [number, Uint8Array][] = [[0, new Uint8Array(4096).fill(1)], [300 * MIB + 12345, new Uint8Array(100).fill(2)], [size - 512, new Uint8Array(512).fill(3)]];
  sparseFile(file, size, writes);
  const ext = dataExtents(file, size);
  if (ext === null) return t.skip('this file system does not answer SEEK_DATA');
  for (const [off, bytes] of writes) assert.ok(ext.some(([a, b]) => a <= off && off + bytes.length <= b), `${off} is inside a data extent`);
  const allocated = ext.reduce((n, [a, b]) => n + (b - a), 0);
  // A file system without hole support reports one extent, the whole file: still correct.
  if (ext.length > 1) assert.ok(allocated < 64 * MIB, `${allocated} bytes reported as data`);
  const small = path.join(dir, 'small.img');
  sparseFile(small, 4 * MIB, []);
  assert.equal(dataExtents(small, 4 * MIB), null, 'small files are read whole');
});

test('mayHaveHoles: false for a fully written file (no perl spawned for it), true for a sparse one', (t) => {
  const dir = tempDir(t);
  const full = path.join(dir, 'full.img');
  fs.writeFileSync(full, new Uint8Array(MIB).fill(7));
  assert.equal(mayHaveHoles(fs.statSync(full)), false);
  const sparse = path.join(dir, 'sparse.img');
  sparseFile(sparse, 64 * MIB, [[0, new Uint8Array(4096).fill(1)]]);
  const st = fs.statSync(sparse);
  // A file system without holes allocates it all: then there is nothing to skip either.
  if (st.blocks * 512 >= st.size) return t.skip('this file system allocates holes');
  assert.equal(mayHaveHoles(st), true);
});

test('scanSignatures with extents reads only the data and finds the same signatures (fixed seed)', () => {
  const fixtures = listFixtures().map(loadFixture);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 8 }), (which, atMiB, chunkKiB) => {
      const fx = fixtures[which]!;
      // room for the largest region fixture (1 MiB) at the furthest offset, and holes on both sides
      const size = 24 * MIB;
      const image = new Uint8Array(size);
      const at = atMiB * MIB + 512 * (atMiB % 7);
      image.set(fx.image, at);
      const read = (buf: Uint8Array, pos: number): number => {
        const n = Math.max(0, Math.min(buf.length, size - pos));
        buf.set(image.subarray(pos, pos + n));
        return n;
      };
      const reads: [number, number][] = [];
      const counted = (buf: Uint8Array, pos: number): number => {
        const n = read(buf, pos);
        reads.push([pos, pos + n]);
        return n;
      };
      const chunk = chunkKiB * 64 * 1024;
      const full = scanSignatures(read, size, { chunk });
      // The extent is the region rounded out to 4 KiB, as file systems allocate.
      const extents = [[Math.floor(at / 4096) * 4096, Math.ceil((at + fx.image.length) / 4096) * 4096] as const];
      const sparse = scanSignatures(counted, size, { chunk, extents });
      assert.deepEqual(sparse.hits, full.hits);
      assert.deepEqual(sparse.stats, full.stats);
      // Every read touches the data extent or the chunk that overlaps its edge: none is all hole.
      const [from, to] = extents[0]!;
      for (const [a, b] of reads) assert.ok(b > from - chunk - 3 && a < to + chunk, `read [${a}, ${b}) lies in a hole (data [${from}, ${to}))`);
      assert.ok(reads.length < size / chunk / 4, `${reads.length} reads`);
    }),
    { seed: 20261124, numRuns: 40 },
  );
});

test('detect on a 2 GiB sparse card reads its data extents and finds the region', { skip: hasPerl ? false : 'no perl' }, (t) => {
  const dir = tempDir(t);
  const fx = loadFixture('engine-1m-kmsg64-deflate');
  const disk = path.join(dir, 'emmc.img');
  const at = 1536 * MIB;
  sparseFile(disk, 2048 * MIB, [[at, fx.image]]);
  const r = runCli(['detect', '--image', disk, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout.toString()) as { scan: { zeroChunks: number; chunks: number }; regions: { offset: number; layout: { params: { kmsgSize: number } } }[] };
  assert.deepEqual(rep.regions.map((g) => [g.offset, g.layout.params.kmsgSize]), [[at, 64]]);
  assert.equal(rep.scan.chunks, 2048);
  assert.ok(rep.scan.zeroChunks >= 2046);
});
