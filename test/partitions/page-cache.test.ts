/** pageCachedReader(): read_part_sector()'s page granularity, which the block layer's scan uses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PAGE_SECTORS, defaultCardLayout, encodeGpt, applySectorWrites, pageCachedReader, scanPartitions, imageReader } from '../../src/driver/mmc/partitions/index.js';
import { SECTOR_SIZE } from '../../src/lib/units.js';

test('a sector is served from its 4 KiB page, read once; the last page of the disk is cut at the end', () => {
  const disk = 8 * PAGE_SECTORS + 3;
  const image = new Uint8Array(disk * SECTOR_SIZE).map((_, i) => (i / SECTOR_SIZE) & 0xff);
  const reads: [number, number][] = [];
  const read = pageCachedReader((lba, n) => {
    reads.push([lba, n]);
    return image.slice(lba * SECTOR_SIZE, (lba + n) * SECTOR_SIZE);
  }, disk);
  for (const lba of [0, 1, 7, 9, disk - 1, 8, disk - 2]) assert.deepEqual(read(lba), image.subarray(lba * SECTOR_SIZE, (lba + 1) * SECTOR_SIZE), `LBA ${lba}`);
  assert.deepEqual(reads, [[0, PAGE_SECTORS], [PAGE_SECTORS, PAGE_SECTORS], [8 * PAGE_SECTORS, 3]]);
});

test('a GPT scan through the page cache finds the same table in a few page reads', () => {
  const card = defaultCardLayout({ diskBytes: 64 << 20, pstoreBytes: 1 << 20, seed: 1 });
  const image = applySectorWrites(new Uint8Array(card.diskSectors * SECTOR_SIZE), encodeGpt(card.layout, card.diskSectors));
  let requests = 0;
  const paged = scanPartitions(pageCachedReader((lba, n) => (requests++, image.slice(lba * SECTOR_SIZE, (lba + n) * SECTOR_SIZE)), card.diskSectors), card.diskSectors);
  assert.deepEqual(paged, scanPartitions(imageReader(image), card.diskSectors));
  assert.equal(paged.scheme, 'gpt');
  // LBA 0..33 (protective MBR, header, 32 sectors of entries): 5 pages; the alternate header and its entries: 5 more.
  assert.ok(requests <= 10, `${requests} page reads`);
});
