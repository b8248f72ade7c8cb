import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { R1 } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { BLOCK, clearInt, cmd, dataCmd, filled, makeBoard, pioRead, pioWrite, RCA, tmValue, waitInt, waitTransfer, readyBoard } from './host.js';

const ready = readyBoard;

function writeDescs(b: Board, at: number, descs: R.Adma2Descriptor[], is64: boolean): void {
  const size = is64 ? R.ADMA2_DESC64_SIZE : R.ADMA2_DESC32_SIZE;
  descs.forEach((d, i) => b.memory.write(at + i * size, R.encodeAdma2Descriptor(d, is64)));
}

function useAdma(b: Board, table: number, is64: boolean): void {
  b.mmio.writeb(R.HOST_CONTROL1.offset, R.set(R.HC1.DMA_SELECT, 0, is64 ? R.DMA_SELECT.ADMA2_64 : R.DMA_SELECT.ADMA2_32));
  b.mmio.writel(R.ADMA_ADDRESS_LO.offset, table % 2 ** 32);
  b.mmio.writel(R.ADMA_ADDRESS_HI.offset, Math.floor(table / 2 ** 32));
}

test('PIO reads one block and many blocks with the bytes of the backing', () => {
  const { board, backing } = ready();
  dataCmd(board, 17, 5 * BLOCK, 1, tmValue({ read: true }));
  assert.deepEqual(pioRead(board, 1), backing.read(5 * BLOCK, BLOCK));
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  cmd(board, 23, 7, 'r1');
  dataCmd(board, 18, 10 * BLOCK, 7, tmValue({ read: true, multi: true }));
  assert.deepEqual(pioRead(board, 7), backing.read(10 * BLOCK, 7 * BLOCK));
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(board.mmio.readw(R.BLOCK_COUNT.offset), 0, 'Block Count counts down');
  assert.equal(board.card.state, 'tran', 'the CMD23-bounded read ends by itself');
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & (R.PS.DAT_INHIBIT.mask | R.PS.READ_TRANSFER_ACTIVE.mask), 0);
});

test('PIO writes one block and many blocks into the backing, Transfer Complete after the busy', () => {
  const { board, backing } = ready();
  const one = filled(BLOCK, 1);
  dataCmd(board, 24, 3 * BLOCK, 1, tmValue({ read: false }));
  pioWrite(board, one);
  // the card programs: DAT0 low, no Transfer Complete yet
  board.clock.advance(40_000); // 1-bit bus at 200 MHz: ~21 µs on the wire, then 200 µs programming
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.DAT0_LEVEL.mask, 0);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset) & R.NIS.TRANSFER_COMPLETE.mask, 0);
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.deepEqual(backing.read(3 * BLOCK, BLOCK), one);
  const many = filled(9 * BLOCK, 2);
  cmd(board, 23, 9, 'r1');
  dataCmd(board, 25, 100 * BLOCK, 9, tmValue({ read: false, multi: true }));
  pioWrite(board, many);
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.deepEqual(backing.read(100 * BLOCK, 9 * BLOCK), many);
  assert.deepEqual(backing.read(109 * BLOCK, BLOCK), makeBoard({ size: 1024 * 1024 }).backing.read(109 * BLOCK, BLOCK), 'nothing past the last block');
  const st = cmd(board, 13, RCA << 16, 'r1').resp[0]!;
  assert.ok(st & R1.READY_FOR_DATA.mask);
});

test('SDMA reads and writes the right bytes and stops at the buffer boundary with a DMA interrupt', () => {
  const { board, backing } = ready();
  // 4 KiB boundary (code 0), start 1 KiB below it: 2 blocks, pause, 2 blocks
  const start = 0x10_0000 - 1024;
  board.mmio.writel(R.SDMA_ADDRESS.offset, start);
  cmd(board, 23, 4, 'r1');
  board.mmio.writew(R.BLOCK_SIZE.offset, R.blockSizeValue(BLOCK, 0));
  board.mmio.writew(R.BLOCK_COUNT.offset, 4);
  board.mmio.writel(R.ARGUMENT.offset, 20 * BLOCK);
  board.mmio.writew(R.TRANSFER_MODE.offset, tmValue({ read: true, multi: true, dma: true }));
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(18, 'r1', true));
  const st = waitInt(board, R.NIS.DMA.mask | R.NIS.TRANSFER_COMPLETE.mask);
  assert.ok(st & R.NIS.DMA.mask);
  assert.equal(st & R.NIS.TRANSFER_COMPLETE.mask, 0);
  assert.equal(board.mmio.readl(R.SDMA_ADDRESS.offset), 0x10_0000, 'reads back the next address');
  clearInt(board, R.NIS.DMA.mask);
  board.mmio.writel(R.SDMA_ADDRESS.offset, 0x20_0000); // resume somewhere else
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.deepEqual(board.memory.read(start, 1024), backing.read(20 * BLOCK, 1024));
  assert.deepEqual(board.memory.read(0x20_0000, 1024), backing.read(22 * BLOCK, 1024));
  // write with SDMA
  const data = filled(2 * BLOCK, 3);
  board.memory.write(0x30_0000, data);
  board.mmio.writel(R.SDMA_ADDRESS.offset, 0x30_0000);
  cmd(board, 23, 2, 'r1');
  dataCmd(board, 25, 40 * BLOCK, 2, tmValue({ read: false, multi: true, dma: true }));
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.deepEqual(backing.read(40 * BLOCK, 2 * BLOCK), data);
});

for (const is64 of [false, true]) {
  const w = is64 ? 64 : 32;
  test(`ADMA2 ${w}-bit reads follow Tran, Link and Nop/End descriptors and move the right bytes`, () => {
    const { board, backing } = ready();
    const table = is64 ? 0x1_0000_0000 : 0x8000;
    const bufA = is64 ? 0x2_0000_0100 : 0x40100;
    const bufB = 0x50000;
    const table2 = 0x9000;
    writeDescs(board, table, [
      { attr: R.adma2Attr(R.ADMA2_ACT.TRAN), length: 3 * BLOCK - 100, address: bufA }, // a block spans descriptors
      { attr: R.adma2Attr(R.ADMA2_ACT.LINK), length: 0, address: table2 },
    ], is64);
    writeDescs(board, table2, [
      { attr: R.adma2Attr(R.ADMA2_ACT.NOP), length: 0, address: 0 },
      { attr: R.adma2Attr(R.ADMA2_ACT.TRAN, { int: true }), length: BLOCK + 100, address: bufB },
      { attr: R.ADMA2_NOP_END_VALID, length: 0, address: 0 },
    ], is64);
    useAdma(board, table, is64);
    cmd(board, 23, 4, 'r1');
    dataCmd(board, 18, 30 * BLOCK, 4, tmValue({ read: true, multi: true, dma: true }));
    const st = waitTransfer(board);
    assert.ok(st & R.NIS.TRANSFER_COMPLETE.mask, `status 0x${st.toString(16)}`);
    assert.ok(st & R.NIS.DMA.mask, 'Int attribute raised a DMA interrupt');
    assert.equal(st & R.NIS.ERROR.mask, 0);
    assert.deepEqual(board.memory.read(bufA, 3 * BLOCK - 100), backing.read(30 * BLOCK, 3 * BLOCK - 100));
    assert.deepEqual(board.memory.read(bufB, BLOCK + 100), backing.read(33 * BLOCK - 100, BLOCK + 100));
  });

  test(`ADMA2 ${w}-bit writes gather the descriptors' bytes into the backing`, () => {
    const { board, backing } = ready();
    const a = filled(BLOCK, 5);
    const b = filled(2 * BLOCK, 6);
    board.memory.write(0x60000, a);
    board.memory.write(0x70000, b);
    writeDescs(board, 0xa000, [
      { attr: R.ADMA2_TRAN_VALID, length: BLOCK, address: 0x60000 },
      { attr: R.adma2Attr(R.ADMA2_ACT.TRAN, { end: true }), length: 2 * BLOCK, address: 0x70000 },
    ], is64);
    useAdma(board, 0xa000, is64);
    cmd(board, 23, 3, 'r1');
    dataCmd(board, 25, 50 * BLOCK, 3, tmValue({ read: false, multi: true, dma: true }));
    assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
    assert.deepEqual(backing.read(50 * BLOCK, BLOCK), a);
    assert.deepEqual(backing.read(51 * BLOCK, 2 * BLOCK), b);
  });
}

test('an invalid ADMA2 descriptor stops the transfer with ADMA Error, state ST_FDS and its address', () => {
  const { board } = ready();
  writeDescs(board, 0xb000, [
    { attr: R.ADMA2_TRAN_VALID, length: BLOCK, address: 0x60000 },
    { attr: 0x20, length: BLOCK, address: 0x61000 }, // Tran without Valid
  ], false);
  useAdma(board, 0xb000, false);
  cmd(board, 23, 2, 'r1');
  dataCmd(board, 18, 0, 2, tmValue({ read: true, multi: true, dma: true }));
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(st & R.INT.ADMA_ERROR, R.INT.ADMA_ERROR);
  assert.equal(st & R.NIS.TRANSFER_COMPLETE.mask, 0);
  assert.equal(R.get(R.ADMA_ES.STATE, board.mmio.readb(R.ADMA_ERROR_STATUS.offset)), R.ADMA_STATE.ST_FDS);
  assert.equal(board.mmio.readl(R.ADMA_ADDRESS_LO.offset), 0xb008);
  assert.ok(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.DAT_INHIBIT.mask, 'DAT stays busy until a DATA reset');
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.DATA.mask);
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.DAT_INHIBIT.mask, 0);
});

test('an ADMA2 table that ends before the block count is a length-mismatch ADMA Error', () => {
  const { board } = ready();
  writeDescs(board, 0xc000, [{ attr: R.adma2Attr(R.ADMA2_ACT.TRAN, { end: true }), length: BLOCK, address: 0x60000 }], false);
  useAdma(board, 0xc000, false);
  cmd(board, 23, 2, 'r1');
  dataCmd(board, 18, 0, 2, tmValue({ read: true, multi: true, dma: true }));
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(st & R.INT.ADMA_ERROR, R.INT.ADMA_ERROR);
  const es = board.mmio.readb(R.ADMA_ERROR_STATUS.offset);
  assert.ok(R.isSet(R.ADMA_ES.LENGTH_MISMATCH, es));
  assert.equal(R.get(R.ADMA_ES.STATE, es), R.ADMA_STATE.ST_TFR);
});

test('Auto CMD23 sends the block count from Argument 2 before the command; Auto CMD12 stops an open-ended read', () => {
  const { board, backing } = ready();
  writeDescs(board, 0xd000, [{ attr: R.adma2Attr(R.ADMA2_ACT.TRAN, { end: true }), length: 3 * BLOCK, address: 0x80000 }], false);
  useAdma(board, 0xd000, false);
  board.mmio.writel(R.SDMA_ADDRESS.offset, 3); // Argument 2
  const cmdsBefore = board.card.stats.commands;
  dataCmd(board, 25, 60 * BLOCK, 3, tmValue({ read: false, multi: true, dma: true, auto: R.AUTO_CMD.CMD23 }));
  board.memory.write(0x80000, filled(3 * BLOCK, 9));
  const st = waitTransfer(board);
  assert.ok(st & R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(board.card.stats.commands - cmdsBefore, 2, 'CMD23 + CMD25');
  assert.deepEqual(backing.read(60 * BLOCK, 3 * BLOCK), filled(3 * BLOCK, 9));
  assert.equal((board.mmio.readl(R.RESPONSE3.offset) >>> 9) & 0xf, 4, 'Auto CMD23 response (tran) in RESPONSE3');
  assert.equal(board.card.state, 'tran');
  // Auto CMD12: open-ended CMD18 (no CMD23), the controller stops the card after 2 blocks
  dataCmd(board, 18, 0, 2, tmValue({ read: true, multi: true, auto: R.AUTO_CMD.CMD12 }));
  assert.deepEqual(pioRead(board, 2), backing.read(0, 2 * BLOCK));
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(board.card.state, 'tran', 'the automatic CMD12 ended the read');
  assert.equal((board.mmio.readl(R.RESPONSE3.offset) >>> 9) & 0xf, 5, 'CMD12 response (sent in data) in RESPONSE3');
});

test('a failing Auto CMD23 raises Auto CMD Error and never issues the main command', () => {
  const { board } = ready({ faults: 'cmd-timeout@cmd23' });
  board.mmio.writel(R.SDMA_ADDRESS.offset, 2);
  dataCmd(board, 18, 0, 2, tmValue({ read: true, multi: true, auto: R.AUTO_CMD.CMD23 }));
  board.clock.advance(5e6);
  const st = board.mmio.readl(R.NORMAL_INT_STATUS.offset);
  assert.equal(st & R.INT.AUTO_CMD_ERR, R.INT.AUTO_CMD_ERR);
  assert.ok(R.isSet(R.ACES.TIMEOUT, board.mmio.readw(R.AUTO_CMD_ERROR_STATUS.offset)));
  assert.equal(board.card.state, 'tran', 'CMD18 never reached the card');
});

test('CMD12 after an open-ended PIO write stops it, and the card returns to tran after its busy', () => {
  const { board, backing } = ready();
  dataCmd(board, 25, 70 * BLOCK, 0, tmValue({ read: false, multi: true, count: false }));
  const data = filled(2 * BLOCK, 4);
  pioWrite(board, data);
  waitInt(board, R.NIS.BUFFER_WRITE_READY.mask);
  assert.equal(board.card.state, 'rcv');
  const r = cmd(board, 12, 0, 'r1b');
  assert.ok(r.status & R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(board.card.state, 'tran');
  assert.deepEqual(backing.read(70 * BLOCK, 2 * BLOCK), data);
});
