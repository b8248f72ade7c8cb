/**
 * Bulk DMA runs (src/device/sdhci/burst.ts): with tracing off and no block fault armed the
 * controller moves a run of blocks in one card call. Every observable must equal the per-block
 * path — which a board with tracing on always takes: image bytes, virtual time, registers read
 * in the middle of a run, and what a DATA reset in the middle leaves on the card.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { Tracer } from '../../src/device/trace.js';
import type { Board } from '../../src/device/board.js';
import { BLOCK, clearInt, cmd, dataCmd, filled, initCard, makeBoard, pioRead, pioWrite, powerUp, RCA, tmValue, waitInt, waitTransfer } from './host.js';

/** Two identical boards: `bulk` (tracing off) and `perBlock` (a silent tracer forces the per-block path). */
function pair(o: { faults?: string } = {}): { bulk: ReturnType<typeof makeBoard>; perBlock: ReturnType<typeof makeBoard> } {
  const make = (trace: boolean) => {
    const r = makeBoard({ size: 1024 * 1024, faults: o.faults, trace: trace ? new Tracer({ enable: 'sdhci_transfer', sink: () => {} }) : undefined });
    powerUp(r.board);
    initCard(r.board);
    cmd(r.board, 13, RCA << 16, 'r1');
    return r;
  };
  return { bulk: make(false), perBlock: make(true) };
}

/** ADMA2 (32-bit) over `blocks` blocks in 4 KiB pages every other page, as the driver maps them. */
function admaWrite(b: Board, lba: number, data: Uint8Array): void {
  const table = 0x1000;
  const pages = data.length / 4096;
  for (let i = 0; i < pages; i++) {
    b.memory.write(0x100000 + i * 8192, data.subarray(i * 4096, (i + 1) * 4096));
    b.memory.write(table + i * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: 4096, address: 0x100000 + i * 8192 }, false));
  }
  b.memory.write(table + pages * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_NOP_END_VALID, length: 0, address: 0 }, false));
  b.mmio.writeb(R.HOST_CONTROL1.offset, R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.ADMA2_32));
  b.mmio.writel(R.ADMA_ADDRESS_LO.offset, table);
  cmd(b, 23, data.length / BLOCK, 'r1');
  dataCmd(b, 25, lba * BLOCK, data.length / BLOCK, tmValue({ read: false, multi: true, dma: true }));
}

function sdmaRead(b: Board, lba: number, blocks: number, addr: number): void {
  b.mmio.writeb(R.HOST_CONTROL1.offset, R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.SDMA));
  b.mmio.writel(R.SDMA_ADDRESS.offset, addr);
  cmd(b, 23, blocks, 'r1');
  dataCmd(b, 18, lba * BLOCK, blocks, tmValue({ read: true, multi: true, dma: true }));
}

test('a bulk ADMA2 write and SDMA read equal the per-block path in bytes, virtual time and card state', () => {
  const { bulk, perBlock } = pair();
  const data = filled(64 * 1024, 3);
  for (const r of [bulk, perBlock]) {
    admaWrite(r.board, 40, data);
    waitTransfer(r.board);
    sdmaRead(r.board, 40, 128, 0x7c000); // crosses the 512 KiB SDMA boundary: DMA interrupt, restart
    for (;;) {
      const st = r.board.mmio.readl(R.NORMAL_INT_STATUS.offset);
      if (st & R.NIS.DMA.mask) {
        r.board.mmio.writel(R.NORMAL_INT_STATUS.offset, R.NIS.DMA.mask);
        r.board.mmio.writel(R.SDMA_ADDRESS.offset, r.board.mmio.readl(R.SDMA_ADDRESS.offset));
      }
      if (st & (R.NIS.TRANSFER_COMPLETE.mask | R.NIS.ERROR.mask)) break;
      r.board.clock.runUntil(r.board.clock.nextDue() ?? r.board.clock.now + 1000);
    }
  }
  assert.deepEqual(bulk.backing.read(40 * BLOCK, data.length), data);
  assert.deepEqual(bulk.backing.read(0, 1 << 20), perBlock.backing.read(0, 1 << 20));
  assert.deepEqual(bulk.board.memory.read(0x7c000, data.length), data);
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now, 'same virtual time');
  assert.deepEqual(bulk.board.card.stats, perBlock.board.card.stats);
  assert.deepEqual(bulk.board.controller.snapshot(), perBlock.board.controller.snapshot());
});

test('registers read in the middle of a bulk run show the per-block state at that virtual time', () => {
  const { bulk, perBlock } = pair();
  const data = filled(32 * 1024, 5);
  const seen: number[][] = [];
  for (const r of [bulk, perBlock]) {
    admaWrite(r.board, 100, data);
    const row: number[] = [];
    for (let i = 0; i < 12; i++) {
      r.board.clock.advance(13_333); // lands between block events
      row.push(r.board.mmio.readw(R.BLOCK_COUNT.offset), r.board.mmio.readl(R.PRESENT_STATE.offset), r.board.mmio.readl(R.ADMA_ADDRESS_LO.offset), r.board.card.stats.blocksWritten);
    }
    waitTransfer(r.board);
    seen.push(row);
  }
  assert.deepEqual(seen[0], seen[1]);
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now);
  assert.deepEqual(bulk.backing.read(0, 1 << 20), perBlock.backing.read(0, 1 << 20));
});

test('a DATA reset in the middle of a bulk write leaves exactly the blocks the per-block path wrote', () => {
  const { bulk, perBlock } = pair();
  const data = filled(64 * 1024, 9);
  for (const r of [bulk, perBlock]) {
    admaWrite(r.board, 200, data);
    r.board.clock.advance(1_000_000); // 1 ms: part of the 128 blocks
    r.board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.DATA.mask);
    cmd(r.board, 12, 0, 'r1b');
  }
  const written = perBlock.board.card.stats.blocksWritten;
  assert.ok(written > 0 && written < 128, `a partial write (${written} blocks)`);
  assert.equal(bulk.board.card.stats.blocksWritten, written);
  assert.deepEqual(bulk.backing.read(0, 1 << 20), perBlock.backing.read(0, 1 << 20));
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now);
});

test('with a block fault armed the run goes block by block: power-loss:5 leaves exactly 5 blocks', () => {
  const { bulk } = pair({ faults: 'power-loss:5' });
  const before = bulk.backing.read(300 * BLOCK, 16 * BLOCK);
  admaWrite(bulk.board, 300, filled(8 * 1024, 11));
  bulk.board.clock.advance(50e6);
  assert.equal(bulk.board.card.stats.blocksWritten, 5);
  assert.deepEqual(bulk.backing.read(300 * BLOCK, 5 * BLOCK), filled(8 * 1024, 11).subarray(0, 5 * BLOCK));
  assert.deepEqual(bulk.backing.read(305 * BLOCK, 11 * BLOCK), before.subarray(5 * BLOCK));
});

// ------------------------------------------------------------------------------------------------
// PIO: card read-ahead / write-behind (emmc/stream-io.ts) and the readsl/writesl string accessors
// ------------------------------------------------------------------------------------------------

/** PIO read of `blocks` blocks with readsl (one string access per block). */
function pioReadRep(b: Board, blocks: number): Uint8Array {
  const out = new Uint8Array(blocks * BLOCK);
  for (let k = 0; k < blocks; k++) {
    waitInt(b, R.NIS.BUFFER_READ_READY.mask);
    clearInt(b, R.NIS.BUFFER_READ_READY.mask);
    b.mmio.readsl(R.BUFFER_DATA_PORT.offset, out.subarray(k * BLOCK, (k + 1) * BLOCK), BLOCK / 4);
  }
  return out;
}

function pioWriteRep(b: Board, data: Uint8Array): void {
  for (let k = 0; k < data.length / BLOCK; k++) {
    waitInt(b, R.NIS.BUFFER_WRITE_READY.mask);
    clearInt(b, R.NIS.BUFFER_WRITE_READY.mask);
    b.mmio.writesl(R.BUFFER_DATA_PORT.offset, data.subarray(k * BLOCK, (k + 1) * BLOCK), BLOCK / 4);
  }
}

test('PIO with read-ahead, write-behind and readsl/writesl equals word-by-word PIO on a traced board', () => {
  const { bulk, perBlock } = pair();
  const data = filled(48 * BLOCK, 21);
  const got: Uint8Array[] = [];
  for (const [r, rep] of [[bulk, true], [perBlock, false]] as const) {
    cmd(r.board, 23, 48, 'r1');
    dataCmd(r.board, 25, 500 * BLOCK, 48, tmValue({ read: false, multi: true }));
    if (rep) pioWriteRep(r.board, data);
    else pioWrite(r.board, data);
    waitTransfer(r.board);
    cmd(r.board, 23, 40, 'r1');
    dataCmd(r.board, 18, 504 * BLOCK, 40, tmValue({ read: true, multi: true }));
    got.push(rep ? pioReadRep(r.board, 40) : pioRead(r.board, 40));
    waitTransfer(r.board);
  }
  assert.deepEqual(got[0], data.subarray(4 * BLOCK, 44 * BLOCK));
  assert.deepEqual(got[0], got[1]);
  assert.deepEqual(bulk.backing.read(0, 1 << 20), perBlock.backing.read(0, 1 << 20));
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now);
  assert.deepEqual(bulk.board.card.stats, perBlock.board.card.stats);
  assert.deepEqual(bulk.board.controller.snapshot(), perBlock.board.controller.snapshot());
});

test('readsl/writesl with tracing on emit exactly the accesses of the word-by-word loop', () => {
  const lines: string[][] = [];
  for (const rep of [true, false]) {
    const tracer = new Tracer({ enable: 'sdhci_access_read,sdhci_access_write,sdhci_transfer,sdcard_read_block,sdcard_write_block', record: true, sink: () => {} });
    const { board } = makeBoard({ size: 1024 * 1024, trace: tracer });
    powerUp(board);
    initCard(board);
    cmd(board, 13, RCA << 16, 'r1');
    cmd(board, 23, 3, 'r1');
    dataCmd(board, 25, 10 * BLOCK, 3, tmValue({ read: false, multi: true }));
    if (rep) pioWriteRep(board, filled(3 * BLOCK, 2));
    else pioWrite(board, filled(3 * BLOCK, 2));
    waitTransfer(board);
    cmd(board, 23, 3, 'r1');
    dataCmd(board, 18, 10 * BLOCK, 3, tmValue({ read: true, multi: true }));
    assert.deepEqual(rep ? pioReadRep(board, 3) : pioRead(board, 3), filled(3 * BLOCK, 2));
    waitTransfer(board);
    board.mmio.readsl(R.BUFFER_DATA_PORT.offset, new Uint8Array(8), 2); // empty port: two guest errors either way
    lines.push(tracer.records.map((r) => r.line));
  }
  assert.deepEqual(lines[0], lines[1]);
});

test('readsl/writesl at an offset into one buffer (no view per block) move the same words, traced or not, and touch nothing outside', () => {
  const { bulk, perBlock } = pair();
  const data = filled(6 * BLOCK, 9);
  const pad = 12; // words start past the buffer's first bytes, as a pointer into a kernel buffer would
  for (const r of [bulk, perBlock]) {
    const src = new Uint8Array(pad + data.length + pad).fill(0xee);
    src.set(data, pad);
    cmd(r.board, 23, 6, 'r1');
    dataCmd(r.board, 25, 700 * BLOCK, 6, tmValue({ read: false, multi: true }));
    for (let k = 0; k < 6; k++) {
      waitInt(r.board, R.NIS.BUFFER_WRITE_READY.mask);
      clearInt(r.board, R.NIS.BUFFER_WRITE_READY.mask);
      r.board.mmio.writesl(R.BUFFER_DATA_PORT.offset, src, BLOCK / 4, pad + k * BLOCK);
    }
    waitTransfer(r.board);
    assert.deepEqual(r.backing.read(700 * BLOCK, 6 * BLOCK), data);
    const dst = new Uint8Array(pad + data.length + pad).fill(0x5a);
    cmd(r.board, 23, 6, 'r1');
    dataCmd(r.board, 18, 700 * BLOCK, 6, tmValue({ read: true, multi: true }));
    for (let k = 0; k < 6; k++) {
      waitInt(r.board, R.NIS.BUFFER_READ_READY.mask);
      clearInt(r.board, R.NIS.BUFFER_READ_READY.mask);
      r.board.mmio.readsl(R.BUFFER_DATA_PORT.offset, dst, BLOCK / 4, pad + k * BLOCK);
    }
    waitTransfer(r.board);
    assert.deepEqual(dst.subarray(pad, pad + data.length), data);
    assert.ok(dst.subarray(0, pad).every((b) => b === 0x5a) && dst.subarray(pad + data.length).every((b) => b === 0x5a), 'bytes outside the words untouched');
  }
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now);
});

test('a DATA reset in the middle of a PIO read or write leaves what the per-block path leaves', () => {
  const { bulk, perBlock } = pair();
  const data = filled(32 * BLOCK, 13);
  const seen: unknown[] = [];
  for (const r of [bulk, perBlock]) {
    // write: 12 of 32 blocks, then a DATA reset and CMD12 (staged blocks must reach the image)
    cmd(r.board, 23, 32, 'r1');
    dataCmd(r.board, 25, 600 * BLOCK, 32, tmValue({ read: false, multi: true }));
    pioWriteRep(r.board, data.subarray(0, 12 * BLOCK));
    r.board.clock.advance(200_000);
    r.board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.DATA.mask);
    cmd(r.board, 12, 0, 'r1b');
    r.board.clock.advance(2_000_000);
    // read: 7 of 32 blocks (read-ahead brought more), then the same
    cmd(r.board, 23, 32, 'r1');
    dataCmd(r.board, 18, 590 * BLOCK, 32, tmValue({ read: true, multi: true }));
    const part = pioReadRep(r.board, 7);
    r.board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.DATA.mask);
    cmd(r.board, 12, 0, 'r1');
    r.board.clock.advance(1_000_000);
    seen.push([part, r.board.card.stats, r.board.card.state, r.board.clock.now]);
  }
  assert.deepEqual(seen[0], seen[1]);
  assert.ok(bulk.board.card.stats.blocksWritten >= 11, 'the reset came after the written blocks');
  assert.deepEqual(bulk.backing.read(0, 1 << 20), perBlock.backing.read(0, 1 << 20));
  assert.deepEqual(bulk.backing.read(600 * BLOCK, bulk.board.card.stats.blocksWritten * BLOCK), data.subarray(0, bulk.board.card.stats.blocksWritten * BLOCK));
});

test('a power-loss fault armed in the middle of a write-behind PIO write loses exactly the blocks after it', () => {
  const { bulk, perBlock } = pair();
  const data = filled(16 * BLOCK, 17);
  for (const r of [bulk, perBlock]) {
    const before = r.backing.read(700 * BLOCK, 16 * BLOCK);
    cmd(r.board, 23, 16, 'r1');
    dataCmd(r.board, 25, 700 * BLOCK, 16, tmValue({ read: false, multi: true }));
    pioWriteRep(r.board, data.subarray(0, 6 * BLOCK));
    r.board.clock.advance(100_000); // the 6th block reaches the card
    r.board.faults.add('power-loss:2');
    pioWriteRep(r.board, data.subarray(6 * BLOCK, 9 * BLOCK));
    r.board.clock.advance(5_000_000);
    assert.equal(r.board.card.stats.blocksWritten, 8);
    assert.deepEqual(r.backing.read(700 * BLOCK, 8 * BLOCK), data.subarray(0, 8 * BLOCK));
    assert.deepEqual(r.backing.read(708 * BLOCK, 8 * BLOCK), before.subarray(8 * BLOCK));
  }
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now);
});

/** ADMA2 (32-bit) write of `data` from pages at `pageBase` (every other page), table at 0x1000. */
function admaWriteFrom(b: Board, lba: number, data: Uint8Array, pageBase: number): void {
  const table = 0x1000;
  const pages = data.length / 4096;
  for (let i = 0; i < pages; i++) {
    b.memory.write(pageBase + i * 8192, data.subarray(i * 4096, (i + 1) * 4096));
    b.memory.write(table + i * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: 4096, address: pageBase + i * 8192 }, false));
  }
  b.memory.write(table + pages * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_NOP_END_VALID, length: 0, address: 0 }, false));
  b.mmio.writeb(R.HOST_CONTROL1.offset, R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.ADMA2_32));
  b.mmio.writel(R.ADMA_ADDRESS_LO.offset, table);
  cmd(b, 23, data.length / BLOCK, 'r1');
  dataCmd(b, 25, lba * BLOCK, data.length / BLOCK, tmValue({ read: false, multi: true, dma: true }));
}

function sameAsPerBlock(bulk: ReturnType<typeof makeBoard>, perBlock: ReturnType<typeof makeBoard>): void {
  assert.deepEqual(bulk.backing.read(0, 1 << 20), perBlock.backing.read(0, 1 << 20));
  assert.equal(bulk.board.clock.now, perBlock.board.clock.now, 'same virtual time');
  assert.deepEqual(bulk.board.card.stats, perBlock.board.card.stats);
  assert.deepEqual(bulk.board.controller.snapshot(), perBlock.board.controller.snapshot());
}

test('the ADMA2 table walk kept from one request serves the next only while the table is unchanged', () => {
  const { bulk, perBlock } = pair();
  const a = filled(32 * 1024, 7);
  const b = filled(32 * 1024, 8);
  for (const r of [bulk, perBlock]) {
    admaWriteFrom(r.board, 0, a, 0x100000);
    waitTransfer(r.board);
    admaWriteFrom(r.board, 64, a, 0x100000); // the same table bytes rewritten: the kept walk applies
    waitTransfer(r.board);
    admaWriteFrom(r.board, 128, b, 0x200000); // same table address, other descriptors
    waitTransfer(r.board);
    r.board.memory.write(0x200000 + 3 * 8192, filled(4096, 9)); // data pages only: the walk still applies
    admaWriteFrom(r.board, 192, b.subarray(0, 16 * 1024), 0x200000); // shorter table (End earlier)
    waitTransfer(r.board);
  }
  assert.deepEqual(bulk.backing.read(0, 32 * 1024), a);
  assert.deepEqual(bulk.backing.read(64 * BLOCK, 32 * 1024), a);
  assert.deepEqual(bulk.backing.read(128 * BLOCK, 32 * 1024), b);
  sameAsPerBlock(bulk, perBlock);
});

test('a descriptor the driver rewrites during a bulk run is read as the per-block path reads it', () => {
  const { bulk, perBlock } = pair();
  const data = filled(32 * 1024, 11);
  const late = filled(4096, 12);
  for (const r of [bulk, perBlock]) {
    r.board.memory.write(0x300000, late);
    admaWriteFrom(r.board, 20, data, 0x100000);
    // part of the run has gone (no MMIO access: nothing settles it), then the last descriptor changes
    r.board.clock.advance(200_000);
    r.board.memory.write(0x1000 + 7 * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: 4096, address: 0x300000 }, false));
    waitTransfer(r.board);
  }
  const want = data.slice();
  want.set(late, 7 * 4096);
  assert.deepEqual(bulk.backing.read(20 * BLOCK, data.length), want);
  sameAsPerBlock(bulk, perBlock);
});

test('an ADMA2 read whose data lands on its own descriptor table goes as the per-block path goes', () => {
  const { bulk, perBlock } = pair();
  const data = filled(16 * 1024, 13);
  for (const r of [bulk, perBlock]) {
    admaWriteFrom(r.board, 300, data, 0x100000);
    waitTransfer(r.board);
    // table at 0x1000: the first descriptor reads 4 KiB onto the table page itself
    const table = 0x1000;
    r.board.memory.write(table, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: 4096, address: 0x1000 }, false));
    for (let i = 1; i < 4; i++) r.board.memory.write(table + i * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: 4096, address: 0x400000 + i * 8192 }, false));
    r.board.memory.write(table + 4 * 8, R.encodeAdma2Descriptor({ attr: R.ADMA2_NOP_END_VALID, length: 0, address: 0 }, false));
    r.board.mmio.writel(R.ADMA_ADDRESS_LO.offset, table);
    cmd(r.board, 23, 32, 'r1');
    dataCmd(r.board, 18, 300 * BLOCK, 32, tmValue({ read: true, multi: true, dma: true }));
    for (;;) {
      const st = r.board.mmio.readl(R.NORMAL_INT_STATUS.offset);
      if (st & (R.NIS.TRANSFER_COMPLETE.mask | R.NIS.ERROR.mask)) break;
      r.board.clock.runUntil(r.board.clock.nextDue() ?? r.board.clock.now + 1000);
    }
  }
  assert.deepEqual(bulk.board.memory.read(0x1000, 4096), perBlock.board.memory.read(0x1000, 4096));
  assert.deepEqual(bulk.board.memory.read(0x400000, 32 * 1024), perBlock.board.memory.read(0x400000, 32 * 1024));
  sameAsPerBlock(bulk, perBlock);
});
