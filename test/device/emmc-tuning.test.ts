/** CMD21 SEND_TUNING_BLOCK on the card and Execute Tuning in the controller's Host Control 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { EXT_CSD, EXT_CSD_BUS_WIDTH_4, EXT_CSD_BUS_WIDTH_8, EXT_CSD_TIMING_HS, EXT_CSD_TIMING_HS200 } from '../../src/hw/ext-csd.js';
import { TUNING_BLK_PATTERN_4BIT, TUNING_BLK_PATTERN_8BIT, encodeSwitchArg } from '../../src/hw/mmc-protocol.js';
import { R1 } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { clearInt, cmd, dataCmd, pioRead, RCA, readyBoard, tmValue, waitInt } from './host.js';

const status = (b: Board): number => cmd(b, 13, RCA << 16, 'r1').resp[0]!;
const switchByte = (b: Board, index: number, value: number): void => void cmd(b, 6, encodeSwitchArg(index, value), 'r1b');

function hs200(width: number): Board {
  const { board } = readyBoard();
  switchByte(board, EXT_CSD.BUS_WIDTH, width);
  switchByte(board, EXT_CSD.HS_TIMING, EXT_CSD_TIMING_HS200);
  return board;
}

test('CMD21 is illegal outside HS200 timing (and the card stays in tran)', () => {
  const { board } = readyBoard();
  switchByte(board, EXT_CSD.HS_TIMING, EXT_CSD_TIMING_HS);
  dataCmd(board, 21, 0, 1, tmValue({ read: true, count: false }), 128);
  const st = waitInt(board, R.NIS.CMD_COMPLETE.mask);
  assert.ok(st & R.NIS.ERROR.mask, 'no response: command timeout');
  clearInt(board);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
  assert.ok(status(board) & R1.ILLEGAL_COMMAND.mask);
});

test('CMD21 in HS200 sends the 128-byte pattern on an 8-bit bus and the 64-byte one on a 4-bit bus', () => {
  for (const [width, pattern] of [[EXT_CSD_BUS_WIDTH_8, TUNING_BLK_PATTERN_8BIT], [EXT_CSD_BUS_WIDTH_4, TUNING_BLK_PATTERN_4BIT]] as const) {
    const b = hs200(width);
    dataCmd(b, 21, 0, 1, tmValue({ read: true, count: false }), pattern.length);
    waitInt(b, R.NIS.CMD_COMPLETE.mask);
    clearInt(b, R.NIS.CMD_COMPLETE.mask);
    assert.deepEqual(pioRead(b, 1, pattern.length), pattern);
    assert.equal((status(b) >>> 9) & 0xf, 4, 'back in tran');
  }
});

test('Execute Tuning stays set until a tuning block arrives, then clears with Sampling Clock Select set and only Buffer Read Ready', () => {
  const b = hs200(EXT_CSD_BUS_WIDTH_8);
  const hc2 = (): number => b.mmio.readw(R.HOST_CONTROL2.offset);
  b.mmio.writew(R.HOST_CONTROL2.offset, hc2() | R.HC2.EXECUTE_TUNING.mask);
  assert.ok(hc2() & R.HC2.EXECUTE_TUNING.mask, 'no tuning happens without a tuning command');
  assert.equal(hc2() & R.HC2.SAMPLING_CLOCK_SELECT.mask, 0);
  // what sdhci_start_tuning does: only Buffer Read Ready enabled
  b.mmio.writel(R.NORMAL_INT_STATUS_ENABLE.offset, R.NIS.BUFFER_READ_READY.mask);
  clearInt(b);
  dataCmd(b, 21, 0, 1, R.TM.READ.mask, TUNING_BLK_PATTERN_8BIT.length);
  const st = waitInt(b, R.NIS.BUFFER_READ_READY.mask);
  assert.equal(st, R.NIS.BUFFER_READ_READY.mask, 'Command Complete is not latched: its status enable is off');
  assert.equal(hc2() & R.HC2.EXECUTE_TUNING.mask, 0);
  assert.ok(hc2() & R.HC2.SAMPLING_CLOCK_SELECT.mask);
  const ps = b.mmio.readl(R.PRESENT_STATE.offset);
  assert.equal(ps & (R.PS.CMD_INHIBIT.mask | R.PS.DAT_INHIBIT.mask | R.PS.BUFFER_READ_ENABLE.mask), 0, 'the block is not in the buffer; lines free');
  assert.equal(b.controller.counters.tuningBlocks, 1);
});
