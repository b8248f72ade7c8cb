/** scanPartitions(): table selection (efi before msdos) and what blk_add_partition() registers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeMbr,
  GPT_ENTRY,
  GPT_TYPE,
  imageReader,
  MBR_TYPE,
  scanPartitions,
  scanPartitionsAsync,
  type GptLayout,
} from '../../src/driver/mmc/partitions/index.js';
import { SECTOR_SIZE } from '../../src/lib/units.js';
import { blankImage, editEntry, gptImage, imageFrom, withLogical } from './helpers.js';

const DISK = 131072;
const gptLayout: GptLayout = {
  diskGuid: '11111111-2222-4333-8444-555555555555',
  partitions: [
    { typeGuid: GPT_TYPE.linuxFilesystem, uniqueGuid: '00000000-0000-4000-8000-000000000001', name: 'a', firstLba: 2048, lastLba: 4095 },
    { typeGuid: GPT_TYPE.linuxReserved, uniqueGuid: '00000000-0000-4000-8000-000000000002', name: 'pstore', firstLba: 4096, lastLba: 8191 },
    { typeGuid: GPT_TYPE.linuxFilesystem, uniqueGuid: '00000000-0000-4000-8000-000000000003', name: 'c', firstLba: 8192, lastLba: 16383 },
  ],
};

test('a GPT disk is scanned as GPT with PARTUUID = unique GUID and PARTLABEL = name', () => {
  const r = scanPartitions(imageReader(gptImage(gptLayout, DISK)), DISK);
  assert.equal(r.scheme, 'gpt');
  assert.deepEqual(
    r.partitions.map((p) => [p.number, p.firstLba, p.sectors, p.partUuid, p.label]),
    [
      [1, 2048, 2048, '00000000-0000-4000-8000-000000000001', 'a'],
      [2, 4096, 4096, '00000000-0000-4000-8000-000000000002', 'pstore'],
      [3, 8192, 8192, '00000000-0000-4000-8000-000000000003', 'c'],
    ],
  );
});

test('an MBR disk is scanned as MBR, logical partitions included', () => {
  const r = scanPartitions(imageReader(imageFrom(DISK, encodeMbr(withLogical, DISK))), DISK);
  assert.equal(r.scheme, 'mbr');
  assert.deepEqual(r.partitions.map((p) => p.number), [1, 2, 3, 5, 6, 7]);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.partitions.find((p) => p.number === 6)?.partUuid, '1a2b3c4d-06');
});

test('a blank disk has no table, and says why', () => {
  const r = scanPartitions(imageReader(blankImage(DISK)), DISK);
  assert.equal(r.scheme, 'none');
  assert.match(r.reason!, /no GPT and no MBR: no 0x55AA signature/);
});

test('a protective MBR with a broken primary GPT yields no partitions: msdos.c refuses 0xEE tables', () => {
  const img = gptImage(gptLayout, DISK);
  img[SECTOR_SIZE + 60] ^= 1;
  const r = scanPartitions(imageReader(img), DISK);
  assert.equal(r.scheme, 'none');
  assert.equal(r.mbr?.status === 'not-mbr' && r.mbr.reason, 'gpt-protective');
  assert.match(r.reason!, /primary GPT header at LBA 1: bad-header-crc .*'gpt' kernel parameter/);
  const forced = scanPartitions(imageReader(img), DISK, { forceGpt: true });
  assert.equal(forced.scheme, 'gpt');
  assert.equal(forced.partitions.length, 3);
});

test('GPT entries pointing outside the disk are not registered, with a warning', () => {
  const img = gptImage(gptLayout, DISK);
  editEntry(img, 2, (e) => {
    e.setBigUint64(GPT_ENTRY.startingLba, BigInt(DISK + 10), true);
    e.setBigUint64(GPT_ENTRY.endingLba, BigInt(DISK + 20), true);
  });
  const r = scanPartitions(imageReader(img), DISK, { diskName: 'mmcblk0' });
  assert.deepEqual(r.partitions.map((p) => p.number), [1, 2]);
  assert.deepEqual(r.warnings.map((w) => [w.code, w.partition]), [['entry-beyond-disk', 3]]);
});

test('MBR partitions starting past the end are dropped and those running past it are truncated, in the kernel\'s words', () => {
  const mbrLayout = { diskSignature: 7, partitions: [{ type: MBR_TYPE.linux, firstLba: 2048, sectors: 2048 }, { type: MBR_TYPE.linux, firstLba: 8192, sectors: 2048 }] };
  const img = imageFrom(DISK, encodeMbr(mbrLayout, DISK));
  const v = new DataView(img.buffer);
  v.setUint32(0x1be + 8, DISK + 1, true); // p1 start past the end
  v.setUint32(0x1be + 16 + 12, DISK, true); // p2 runs past the end
  const r = scanPartitions(imageReader(img), DISK, { diskName: 'mmcblk0' });
  assert.deepEqual(r.partitions.map((p) => [p.number, p.firstLba, p.sectors]), [[2, 8192, DISK - 8192]]);
  assert.deepEqual(r.warnings.map((w) => w.message), [
    `mmcblk0: p1 start ${DISK + 1} is beyond EOD, truncated`,
    `mmcblk0: p2 size ${DISK} extends beyond EOD, truncated`,
  ]);
});

test('overlapping partitions are registered as Linux does, with a warning; overlaps: "reject" drops the later one', () => {
  const img = gptImage(gptLayout, DISK);
  editEntry(img, 2, (e) => e.setBigUint64(GPT_ENTRY.startingLba, 6000n, true)); // p3 now overlaps p2
  const kept = scanPartitions(imageReader(img), DISK, { diskName: 'mmcblk0' });
  assert.deepEqual(kept.partitions.map((p) => p.number), [1, 2, 3]);
  assert.deepEqual(kept.warnings.map((w) => w.message), ['mmcblk0: p3 (LBA 6000..16383) overlaps p2 (LBA 4096..8191); Linux registers both']);
  const rejected = scanPartitions(imageReader(img), DISK, { diskName: 'mmcblk0', overlaps: 'reject' });
  assert.deepEqual(rejected.partitions.map((p) => p.number), [1, 2]);
  assert.deepEqual(rejected.warnings.map((w) => [w.code, w.partition]), [['overlap-rejected', 3]]);
});

test('the async scan agrees with the sync one', async () => {
  const img = imageFrom(DISK, encodeMbr(withLogical, DISK));
  assert.deepEqual(await scanPartitionsAsync(async (lba) => imageReader(img)(lba), DISK), scanPartitions(imageReader(img), DISK));
});
