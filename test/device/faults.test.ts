import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { parseFault, parseFaults, FaultSpecError, FaultInjector } from '../../src/device/faults.js';
import { DEFAULT_LATENCY } from '../../src/device/latency.js';
import { BLOCK, clearInt, cmd, dataCmd, filled, initCard, makeBoard, pioRead, pioWrite, powerUp, RCA, tmValue, waitInt, waitTransfer } from './host.js';

function ready(faults: string, size = 1024 * 1024) {
  const r = makeBoard({ size, faults });
  powerUp(r.board);
  initCard(r.board);
  cmd(r.board, 13, RCA << 16, 'r1');
  return r;
}

test('fault specs parse with parameters, command targets and probabilities', () => {
  assert.deepEqual(parseFault('busy:5ms'), { kind: 'busy', busy: 5_000_000, text: 'busy:5ms' });
  assert.deepEqual(parseFault('busy:forever@cmd6'), { kind: 'busy', busy: 'forever', target: { cmd: 6 }, text: 'busy:forever@cmd6' });
  assert.deepEqual(parseFault('power-loss:3@cmd25#2'), { kind: 'power-loss', blocks: 3, target: { cmd: 25, nth: 2 }, text: 'power-loss:3@cmd25#2' });
  assert.deepEqual(parseFault('data-crc'), { kind: 'data-crc', blocks: 1, text: 'data-crc' });
  assert.equal(parseFault('cmd-timeout~0.25').probability, 0.25);
  assert.equal(parseFaults('data-crc, cmd-timeout@cmd13').length, 2);
  for (const bad of ['melt', 'busy', 'busy:soon', 'power-loss', 'cmd-crc:3', 'data-crc@cmd99', 'data-crc~2']) {
    assert.throws(() => parseFault(bad), FaultSpecError, bad);
  }
});

test('probabilistic faults are reproducible from the seed', () => {
  const run = (seed: number): number[] => {
    const f = new FaultInjector('cmd-crc~0.5', seed);
    return Array.from({ length: 20 }, (_, i) => {
      f.noteCommand(13, false);
      return f.commandFault() ? i : -1;
    }).filter((i) => i >= 0);
  };
  assert.deepEqual(run(42), run(42));
  assert.notDeepEqual(run(42), run(43));
});

test('cmd-timeout: the command never reaches the card and Command Timeout is raised', () => {
  const { board } = makeBoard({ faults: 'cmd-timeout@cmd7' });
  powerUp(board);
  cmd(board, 0, 0, 'none');
  while (!(cmd(board, 1, 0x40300000, 'r3').resp[0]! & 0x80000000));
  cmd(board, 2, 0, 'r2');
  cmd(board, 3, RCA << 16, 'r1');
  const r = cmd(board, 7, RCA << 16, 'r1');
  assert.equal(r.error, R.EIS.CMD_TIMEOUT.mask);
  assert.equal(board.card.state, 'stby');
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask);
  assert.equal(cmd(board, 7, RCA << 16, 'r1').error, 0, 'a retry goes through');
  assert.equal(board.card.state, 'tran');
});

test('cmd-crc: the card executes the command but the host sees Command CRC Error', () => {
  const { board } = ready('cmd-crc@cmd7#3'); // #1 is init's select, #2 the deselect below
  cmd(board, 7, 0, 'none'); // deselect: stby
  const r = cmd(board, 7, RCA << 16, 'r1');
  assert.equal(r.error, R.EIS.CMD_CRC.mask);
  assert.equal(r.status & R.NIS.CMD_COMPLETE.mask, 0);
  assert.equal(board.card.state, 'tran', 'the card did select itself');
  assert.equal(board.faults.log.length, 1);
});

test('data-crc on a read raises Data CRC Error on the chosen block', () => {
  const { board } = ready('data-crc:2@cmd18');
  cmd(board, 23, 3, 'r1');
  dataCmd(board, 18, 0, 3, tmValue({ read: true, multi: true }));
  pioRead(board, 1);
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask | R.NIS.BUFFER_READ_READY.mask);
  assert.equal(st & R.INT.DATA_CRC, R.INT.DATA_CRC);
  assert.equal(st & R.NIS.BUFFER_READ_READY.mask, 0);
});

test('data-crc on a write raises Data CRC Error and the bad block never reaches the backing', () => {
  const { board, backing } = ready('data-crc@cmd24');
  const before = backing.read(7 * BLOCK, BLOCK);
  dataCmd(board, 24, 7 * BLOCK, 1, tmValue({ read: false }));
  pioWrite(board, filled(BLOCK, 1));
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask);
  assert.equal(st & R.INT.DATA_CRC, R.INT.DATA_CRC);
  assert.deepEqual(backing.read(7 * BLOCK, BLOCK), before);
});

test('data-timeout on a read raises Data Timeout after the Timeout Control period', () => {
  const { board } = ready('data-timeout@cmd17');
  board.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0); // 2^13 µs with a 1 MHz TMCLK
  const t0 = board.clock.now;
  dataCmd(board, 17, 0, 1, tmValue({ read: true }));
  const st = waitInt(board, R.NIS.BUFFER_READ_READY.mask, 1e9);
  assert.equal(st & R.INT.DATA_TIMEOUT, R.INT.DATA_TIMEOUT);
  const took = board.clock.now - t0;
  assert.ok(took >= 8_192_000 && took < 8_400_000, `timeout after ${took} ns`);
});

test('data-timeout on a write: the block gets no CRC status, Data Timeout, and it never reaches the backing', () => {
  const { board, backing } = ready('data-timeout:2@cmd25');
  board.mmio.writeb(R.TIMEOUT_CONTROL.offset, 1);
  const before = backing.read(0, 4 * BLOCK);
  cmd(board, 23, 3, 'r1');
  dataCmd(board, 25, 0, 3, tmValue({ read: false, multi: true }));
  const data = filled(3 * BLOCK, 8);
  pioWrite(board, data.subarray(0, 2 * BLOCK));
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask | R.NIS.BUFFER_WRITE_READY.mask, 1e9);
  assert.equal(st & R.INT.DATA_TIMEOUT, R.INT.DATA_TIMEOUT);
  assert.deepEqual(backing.read(0, BLOCK), data.subarray(0, BLOCK));
  assert.deepEqual(backing.read(BLOCK, 3 * BLOCK), before.subarray(BLOCK));
  assert.equal(board.card.state, 'rcv', 'the card still waits for data: the host must send CMD12');
});

test('busy:5ms keeps DAT0 low 5 ms longer after the targeted CMD6', () => {
  const { board } = ready('busy:5ms@cmd6');
  const t0 = board.clock.now;
  cmd(board, 6, 0x03b90100, 'r1b');
  const took = board.clock.now - t0;
  assert.ok(took >= DEFAULT_LATENCY.switchBusyNs + 5e6 && took < DEFAULT_LATENCY.switchBusyNs + 5.1e6, `took ${took}`);
  const t1 = board.clock.now;
  cmd(board, 6, 0x03b70100, 'r1b');
  assert.ok(board.clock.now - t1 < 1e6, 'only the targeted command is slowed');
});

test('busy:forever turns an R1b wait into Data Timeout and the card stays busy', () => {
  const { board } = ready('busy:forever@cmd6');
  board.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0);
  board.mmio.writel(R.ARGUMENT.offset, 0x03b90100);
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(6, 'r1b'));
  waitInt(board, R.NIS.CMD_COMPLETE.mask);
  clearInt(board, R.NIS.CMD_COMPLETE.mask);
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask, 1e9);
  assert.equal(st & R.INT.DATA_TIMEOUT, R.INT.DATA_TIMEOUT);
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.DAT0_LEVEL.mask, 0);
  assert.equal(board.card.state, 'prg');
});

test('power-loss after N blocks leaves exactly N blocks of the write in the backing', () => {
  const { board, backing } = ready('power-loss:3@cmd25#2');
  const original = backing.read(0, 64 * BLOCK);
  // the first CMD25 is not targeted
  cmd(board, 23, 2, 'r1');
  dataCmd(board, 25, 100 * BLOCK, 2, tmValue({ read: false, multi: true }));
  pioWrite(board, filled(2 * BLOCK, 1));
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  // the second loses power after 3 of 8 blocks
  const data = filled(8 * BLOCK, 2);
  cmd(board, 23, 8, 'r1');
  dataCmd(board, 25, 0, 8, tmValue({ read: false, multi: true }));
  pioWrite(board, data.subarray(0, 4 * BLOCK));
  const st = waitInt(board, R.NIS.TRANSFER_COMPLETE.mask | R.NIS.BUFFER_WRITE_READY.mask, 1e12);
  assert.equal(st & R.INT.DATA_TIMEOUT, R.INT.DATA_TIMEOUT);
  assert.deepEqual(backing.read(0, 3 * BLOCK), data.subarray(0, 3 * BLOCK));
  assert.deepEqual(backing.read(3 * BLOCK, 61 * BLOCK), original.subarray(3 * BLOCK), 'block 4 onward never arrived');
  assert.equal(board.card.stats.blocksWritten, 2 + 3);
  // the card is dead until bus power is cycled
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
  clearInt(board);
  assert.equal(cmd(board, 13, RCA << 16, 'r1').error, R.EIS.CMD_TIMEOUT.mask);
  board.mmio.writeb(R.POWER_CONTROL.offset, 0);
  board.mmio.writeb(R.POWER_CONTROL.offset, 0x0f);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask);
  initCard(board);
  assert.equal(board.card.state, 'tran');
});

test('a stuck transfer never completes until a DATA reset, which frees the DAT lines', () => {
  const { board } = ready('stuck:2@cmd18');
  cmd(board, 23, 4, 'r1');
  dataCmd(board, 18, 0, 4, tmValue({ read: true, multi: true }));
  pioRead(board, 1);
  board.clock.advance(60e9);
  const ps = board.mmio.readl(R.PRESENT_STATE.offset);
  assert.ok(ps & R.PS.DAT_INHIBIT.mask);
  assert.equal(board.mmio.readl(R.NORMAL_INT_STATUS.offset) & (R.NIS.TRANSFER_COMPLETE.mask | R.NIS.BUFFER_READ_READY.mask | R.NIS.ERROR.mask), 0);
  assert.equal(board.controller.transferActive, true);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & (R.PS.DAT_INHIBIT.mask | R.PS.CMD_INHIBIT.mask), 0);
  // the card is still sending: CMD12 brings it back to tran
  assert.equal(board.card.state, 'data');
  cmd(board, 12, 0, 'r1');
  assert.equal(board.card.state, 'tran');
});
