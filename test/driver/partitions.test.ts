/**
 * Hardware partition switching isolates data; a GPT written through the stack is found by the
 * block layer's scan after a reboot; findBlkdev resolves every blkdev form; byte-range helpers
 * read-modify-write partial sectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBacking } from '../../src/device/backing.js';
import { createBoard } from '../../src/device/board.js';
import { bootMmcStack } from '../../src/driver/mmc/host-board.js';
import { mmcBlkGetCardByName, readBytesOf } from '../../src/driver/mmc/block.js';
import { defaultCardLayout, encodeGpt } from '../../src/driver/mmc/partitions/index.js';
import { makeRig, partitionBytes, randomBytes } from './helpers.js';

test('writing boot0 leaves the user area and boot1 untouched; part_curr follows each request', () => {
  const { board, stack } = makeRig({ size: 1 << 20 });
  const user0 = partitionBytes(board, 0, 0, 64 * 512);
  const boot1 = partitionBytes(board, 2, 0, 64 * 512);
  const data = randomBytes(64 * 512, 8);
  stack.device('mmcblk0boot0')!.writeSectors(0, data);
  assert.equal(stack.blk.partCurr, 1);
  assert.equal(board.card.extCsd[179]! & 7, 1, 'the card has boot0 selected');
  assert.deepEqual(stack.devices[0]!.readSectors(0, 64), user0);
  assert.equal(stack.blk.partCurr, 0);
  assert.deepEqual(stack.device('mmcblk0boot1')!.readSectors(0, 64), boot1);
  assert.deepEqual(stack.device('mmcblk0boot0')!.readSectors(0, 64), data);
  assert.deepEqual(partitionBytes(board, 1, 0, data.length), data);
  // RPMB: the block layer switches back to the user area after each access
  stack.device('mmcblk0rpmb')!.writeSectors(2, data.subarray(0, 1024));
  assert.equal(stack.blk.partCurr, 0);
  assert.deepEqual(partitionBytes(board, 3, 1024, 1024), data.subarray(0, 1024));
  // a switch only when needed: three user reads in a row cost no CMD6
  const sw = stack.blk.stats.switches;
  for (let i = 0; i < 3; i++) stack.devices[0]!.readSectors(i, 1);
  assert.equal(stack.blk.stats.switches, sw);
});

test('a GPT written through the stack is found after reboot; findBlkdev resolves every form', () => {
  const diskBytes = 16 << 20;
  const backing = new MemoryBacking(diskBytes);
  const board1 = createBoard({ backing });
  const s1 = bootMmcStack({ board: board1, transfer: 'adma2' });
  assert.equal(s1.scan.scheme, 'none');
  const layout = defaultCardLayout({ diskBytes, pstoreBytes: 1 << 20, seed: 5 });
  for (const w of encodeGpt(layout.layout, layout.diskSectors)) s1.devices[0]!.writeSectors(w.lba, w.bytes);
  s1.close();

  // reboot on the same image (any transfer mode)
  const board2 = createBoard({ backing });
  const s = bootMmcStack({ board: board2, transfer: 'pio' });
  assert.equal(s.scan.scheme, 'gpt');
  const want = layout.layout.partitions;
  assert.deepEqual(
    s.partitions.map((p) => [p.name, p.startSector, p.sectors, p.node.label, p.node.partUuid]),
    want.map((p) => [`mmcblk0p${p.number}`, p.firstLba, p.lastLba - p.firstLba + 1, p.name, p.uniqueGuid]),
  );
  const n = layout.pstoreNumber;
  const pst = want[n - 1]!;
  const forms = [`/dev/mmcblk0p${n}`, `mmcblk0p${n}`, `179:${n}`, `PARTUUID=${pst.uniqueGuid}`, `PARTUUID=${pst.uniqueGuid.toUpperCase()}`, `PARTLABEL=${pst.name}`, `b30${n}`];
  for (const f of forms) {
    const found = s.findBlkdev(f);
    assert.equal(found.partition?.name, `mmcblk0p${n}`, f);
    assert.equal(found.resolved.startSector, pst.firstLba, f);
    assert.equal(found.device.name, 'mmcblk0');
  }
  assert.equal(s.findBlkdev('/dev/mmcblk0').partition, undefined);
  assert.equal(s.findBlkdev('179:8').device.name, 'mmcblk0boot0');
  assert.equal(s.findBlkdev('179:16').device.name, 'mmcblk0boot1');
  assert.throws(() => s.findBlkdev('/dev/mmcblk0p99'), /no partition 99/);
  assert.equal(s.getCardByName('mmcblk0'), s.card);
  assert.equal(mmcBlkGetCardByName('/dev/mmcblk0boot1'), s.card);
  assert.equal(s.getCardByName('mmcblk1'), undefined);

  // byte-range helpers on the pstore partition: partial sectors are read-modify-written
  const part = s.findBlkdev(`PARTLABEL=${pst.name}`).partition!;
  const before = part.readBytes(0, 4096);
  const patch = randomBytes(1000, 12);
  part.writeBytes(700, patch);
  const after = part.readBytes(0, 4096);
  assert.deepEqual(after.subarray(700, 1700), patch);
  assert.deepEqual(after.subarray(0, 700), before.subarray(0, 700));
  assert.deepEqual(after.subarray(1700), before.subarray(1700));
  assert.deepEqual(backing.read(pst.firstLba * 512 + 700, 1000), patch);
  assert.deepEqual(readBytesOf(s.devices[0]!, pst.firstLba * 512 + 700, 1000), patch);
  assert.throws(() => part.readBytes(part.size - 10, 20), /outside/);
  s.close();
});
