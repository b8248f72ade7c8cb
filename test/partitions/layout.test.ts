/** defaultCardLayout(): a realistic, deterministic layout with pstore not first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeGpt,
  defaultCardLayout,
  encodeGpt,
  imageReader,
  PartitionLayoutError,
  mmcBlockDisk,
  resolveBlkdev,
  scanPartitions,
} from '../../src/driver/mmc/partitions/index.js';
import { imageFrom, MIB } from './helpers.js';

test('the default layout is bootloader, env, misc, boot_a, boot_b, pstore, rootfs; pstore is mmcblk0p6', () => {
  const card = defaultCardLayout({ diskBytes: 128 * MIB, pstoreBytes: 256 * 1024, seed: 7 });
  assert.equal(card.profile, 'standard');
  assert.equal(card.pstoreNumber, 6);
  assert.deepEqual(card.layout.partitions.map((p) => p.name), ['bootloader', 'env', 'misc', 'boot_a', 'boot_b', 'pstore', 'rootfs']);
  const img = imageFrom(card.diskSectors, encodeGpt(card.layout, card.diskSectors));
  const scan = scanPartitions(imageReader(img), card.diskSectors);
  const disk = mmcBlockDisk({ hostIndex: 0, sectors: card.diskSectors, partitions: scan.partitions });
  const r = resolveBlkdev('PARTLABEL=pstore', [disk]);
  assert.deepEqual([r.name, r.sectors * 512], ['mmcblk0p6', 256 * 1024]);
});

test('every partition starts on 1 MiB and has a 4096-multiple size; rootfs fills the disk up to the backup GPT', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 4096 }), fc.integer({ min: 1, max: 2048 }), (diskMiB, pstore4k) => {
      let card;
      try {
        card = defaultCardLayout({ diskBytes: diskMiB * MIB, pstoreBytes: pstore4k * 4096, seed: diskMiB });
      } catch (e) {
        assert.ok(e instanceof PartitionLayoutError && e.code === 'LAYOUT_NO_ROOM');
        return;
      }
      const parts = card.layout.partitions;
      for (const p of parts) {
        assert.equal(p.firstLba % 2048, 0);
        assert.equal(((p.lastLba - p.firstLba + 1) * 512) % 4096, 0);
      }
      assert.equal((parts[5].lastLba - parts[5].firstLba + 1) * 512, pstore4k * 4096);
      const rootfs = parts[6];
      assert.ok(rootfs.lastLba <= card.diskSectors - 34 && card.diskSectors - 34 - rootfs.lastLba <= 2048);
      assert.equal(decodeGpt(imageReader(imageFrom(card.diskSectors, encodeGpt(card.layout, card.diskSectors))), card.diskSectors).valid, true);
    }),
    { seed: 4242, numRuns: 60 },
  );
});

test('the same seed gives the same bytes; another seed gives other GUIDs only', () => {
  const opts = { diskBytes: 96 * MIB, pstoreBytes: MIB };
  const a = encodeGpt(defaultCardLayout({ ...opts, seed: 'board-1' }).layout, (96 * MIB) / 512);
  const b = encodeGpt(defaultCardLayout({ ...opts, seed: 'board-1' }).layout, (96 * MIB) / 512);
  assert.deepEqual(a, b);
  const x = defaultCardLayout({ ...opts, seed: 'board-1' }).layout;
  const y = defaultCardLayout({ ...opts, seed: 'board-2' }).layout;
  assert.notEqual(x.diskGuid, y.diskGuid);
  assert.deepEqual(x.partitions.map((p) => [p.firstLba, p.lastLba, p.name]), y.partitions.map((p) => [p.firstLba, p.lastLba, p.name]));
  const guids = [x.diskGuid, ...x.partitions.map((p) => p.uniqueGuid)];
  assert.equal(new Set(guids).size, guids.length, 'all GUIDs distinct');
  for (const g of guids) assert.match(g, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('small disks get the compact profile; the label is configurable', () => {
  const card = defaultCardLayout({ diskBytes: 12 * MIB, pstoreBytes: 64 * 1024, label: 'crashlog', seed: 1 });
  assert.equal(card.profile, 'compact');
  assert.equal(card.layout.partitions[5].name, 'crashlog');
  assert.equal(card.layout.partitions[5].firstLba, 6 * 2048);
});

test('the smallest disk that fits is accepted and one sector less is refused with the size needed', () => {
  const pstoreBytes = 128 * 1024;
  assert.throws(
    () => defaultCardLayout({ diskBytes: 8 * MIB, pstoreBytes }),
    (e: unknown) => {
      assert.ok(e instanceof PartitionLayoutError);
      assert.equal(e.code, 'LAYOUT_NO_ROOM');
      assert.match(e.message, /a 131072-byte pstore partition does not fit a 8388608-byte disk: the compact layout needs at least (\d+) bytes/);
      const needed = e.data.neededBytes as number;
      assert.equal(defaultCardLayout({ diskBytes: needed, pstoreBytes }).profile, 'compact');
      assert.throws(() => defaultCardLayout({ diskBytes: needed - 512, pstoreBytes }), /does not fit/);
      return true;
    },
  );
});

test('invalid sizes and labels are refused, naming the value', () => {
  assert.throws(() => defaultCardLayout({ diskBytes: 64 * MIB, pstoreBytes: 6000 }), /pstore size 6000 bytes is not a positive multiple of 4096/);
  assert.throws(() => defaultCardLayout({ diskBytes: 64 * MIB, pstoreBytes: 0 }), /pstore size 0 bytes/);
  assert.throws(() => defaultCardLayout({ diskBytes: 64 * MIB + 100, pstoreBytes: 4096 }), /disk size 67108964 bytes is not a positive multiple of 512/);
  assert.throws(() => defaultCardLayout({ diskBytes: 64 * MIB, pstoreBytes: 4096, label: 'misc' }), /pstore label "misc" must be 1\.\.36 characters and differ from/);
  assert.throws(() => defaultCardLayout({ diskBytes: 64 * MIB, pstoreBytes: 4096, label: '' }), PartitionLayoutError);
});
