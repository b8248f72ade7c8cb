/**
 * Direct DMA mapping (src/driver/sdhci/dma.ts): the request's pages are the memory frames the
 * controller reads and writes, with bulk runs doing one image call per run. Everything observable
 * equals the copying map on a traced board (per-block path): data read back, image bytes, virtual
 * time, card statistics and registers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DMA_LAYOUT, dmaMapPages, dmaUnmap, writeAdmaTable } from '../../src/driver/sdhci/dma.js';
import { SimMemory } from '../../src/device/memory.js';
import * as R from '../../src/hw/sdhci-regs.js';
import { makeRig, partitionBytes, randomBytes, type Rig } from './helpers.js';

/** Requests of whole pages, partial last pages, single blocks and more than one bounce buffer. */
const SIZES = [256, 3, 9, 1, 128, 200, 8];

function run(r: Rig, seed: number): Uint8Array[] {
  const dev = r.stack.devices[0]!;
  const out: Uint8Array[] = [];
  let lba = 40;
  for (const n of SIZES) {
    dev.writeSectors(lba, randomBytes(n * 512, seed + n));
    out.push(dev.readSectors(lba - 1, n + 2));
    lba += n + 5;
  }
  return out;
}

for (const transfer of ['adma2', 'sdma'] as const) {
  test(`${transfer}: zero-copy bulk DMA equals the copying per-block path in bytes and virtual time`, () => {
    const direct = makeRig({ transfer, size: 2 << 20 });
    const copy = makeRig({ transfer, size: 2 << 20, trace: 'sdhci_transfer' });
    const copyUntraced = makeRig({ transfer, size: 2 << 20 });
    copy.stack.sdhci.dmaDirect = false;
    copyUntraced.stack.sdhci.dmaDirect = false;
    const results = [direct, copy, copyUntraced].map((r) => run(r, 7));
    assert.deepEqual(results[0], results[1]);
    assert.deepEqual(results[0], results[2]);
    for (const other of [copy, copyUntraced]) {
      assert.deepEqual(direct.backing.read(0, 2 << 20), other.backing.read(0, 2 << 20));
      assert.equal(direct.board.clock.now, other.board.clock.now, 'same virtual time');
      assert.deepEqual(direct.board.card.stats, other.board.card.stats);
      assert.deepEqual(direct.board.controller.snapshot(), other.board.controller.snapshot());
    }
  });

  test(`${transfer}: a write's source buffer changed after the request completes does not reach the image`, () => {
    const r = makeRig({ transfer, size: 2 << 20 });
    const dev = r.stack.devices[0]!;
    const buf = randomBytes(64 * 512, 3);
    const sent = buf.slice();
    dev.writeSectors(100, buf);
    buf.fill(0xee); // the caller reuses its buffer
    const got = dev.readSectors(100, 64);
    got.fill(0x11); // and scribbles over what it read
    assert.deepEqual(partitionBytes(r.board, 0, 100 * 512, 64 * 512), sent);
    assert.deepEqual(dev.readSectors(100, 64), sent);
    // the pages were unmapped: DMA memory no longer aliases either buffer
    const at = transfer === 'sdma' ? DMA_LAYOUT.bounce : DMA_LAYOUT.pages64;
    assert.notDeepEqual(r.board.memory.read(at, 512), new Uint8Array(512).fill(0xee));
    assert.notDeepEqual(r.board.memory.read(at, 512), new Uint8Array(512).fill(0x11));
  });
}

test('the ADMA2 table is in memory whole for every request, also when its segments repeat (a stray write over it is undone)', () => {
  const mem = new SimMemory();
  const buf = new Uint8Array(3 * 4096 + 512);
  const sg: ReturnType<typeof dmaMapPages> = [];
  const expect = (segs: ReturnType<typeof dmaMapPages>, is64: boolean): Uint8Array => {
    const sz = is64 ? R.ADMA2_DESC64_SIZE : R.ADMA2_DESC32_SIZE;
    const out = new Uint8Array((segs.length + 1) * sz);
    segs.forEach((s, i) => R.encodeAdma2DescriptorAt(out, i * sz, R.ADMA2_TRAN_VALID, s.len & 0xffff, s.addr, is64));
    R.encodeAdma2DescriptorAt(out, segs.length * sz, R.ADMA2_NOP_END_VALID, 0, 0, is64);
    return out;
  };
  for (const is64 of [false, false, true, true]) {
    const segs = dmaMapPages(mem, buf, is64 ? DMA_LAYOUT.pages64 : DMA_LAYOUT.pages32, true, true, sg);
    assert.equal(segs, sg, 'the scatterlist storage is reused');
    assert.equal(segs.length, 4);
    mem.write(DMA_LAYOUT.admaTable, new Uint8Array(64).fill(0xee)); // a stray write over the table
    const want = expect(segs, is64);
    assert.equal(writeAdmaTable(mem, DMA_LAYOUT.admaTable, segs, is64), 5);
    assert.deepEqual(mem.read(DMA_LAYOUT.admaTable, want.length), want);
    dmaUnmap(mem, segs, buf, false, buf.length);
  }
  const short = dmaMapPages(mem, buf.subarray(0, 4096), DMA_LAYOUT.pages32, true, true, sg);
  assert.equal(writeAdmaTable(mem, DMA_LAYOUT.admaTable, short, false), 2);
  assert.deepEqual(mem.read(DMA_LAYOUT.admaTable, 16), expect(short, false));
});

test('writeAdmaTable stores nothing when the same table is still there untouched, and stores it again anywhere else', () => {
  const buf = randomBytes(2 * 4096, 5);
  const mem = new SimMemory();
  let stores = 0;
  const write = mem.write.bind(mem);
  mem.write = (addr: number, data: Uint8Array): void => {
    if (addr === DMA_LAYOUT.admaTable) stores++;
    write(addr, data);
  };
  const segs = dmaMapPages(mem, buf, DMA_LAYOUT.pages32, true, true, []);
  assert.equal(writeAdmaTable(mem, DMA_LAYOUT.admaTable, segs, false), 3);
  assert.equal(stores, 1);
  const stored = mem.read(DMA_LAYOUT.admaTable, 24);
  assert.equal(writeAdmaTable(mem, DMA_LAYOUT.admaTable, segs, false), 3);
  assert.equal(stores, 1, 'unchanged table, untouched page: no second store');
  assert.deepEqual(mem.read(DMA_LAYOUT.admaTable, 24), stored);
  // another memory (another board) with the same segments gets the table
  const other = new SimMemory();
  assert.equal(writeAdmaTable(other, DMA_LAYOUT.admaTable, segs, false), 3);
  assert.deepEqual(other.read(DMA_LAYOUT.admaTable, 24), stored);
  // a byte of the table changed since: stored again
  mem.write(DMA_LAYOUT.admaTable + 4, new Uint8Array([0xee]));
  assert.equal(writeAdmaTable(mem, DMA_LAYOUT.admaTable, segs, false), 3);
  assert.deepEqual(mem.read(DMA_LAYOUT.admaTable, 24), stored);
  dmaUnmap(mem, segs, buf, false, buf.length);
});
