import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import {
  EXT_CSD,
  EXT_CSD_BOOT_WP_B_PWR_WP_DIS,
  EXT_CSD_BOOT_WP_B_PWR_WP_EN,
  EXT_CSD_PART_CONFIG_ACC_BOOT0,
  EXT_CSD_USER_WP_US_PERM_WP_EN,
  EXT_CSD_USER_WP_US_PWR_WP_EN,
} from '../../src/hw/ext-csd.js';
import { MMC_SLEEP_AWAKE_SLEEP, encodeSwitchArg } from '../../src/hw/mmc-protocol.js';
import { R1, r1State } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { BLOCK, clearInt, cmd, dataCmd, filled, initCard, makeBoard, pioRead, pioWrite, powerUp, RCA, tmValue, waitInt, waitTransfer, readyBoard } from './host.js';
import { KiB } from '../../src/lib/units.js';

const GROUP = 512 * KiB; // HC_WP_GRP_SIZE × HC_ERASE_GRP_SIZE × 512 KiB
const switchArg = (index: number, value: number): number => encodeSwitchArg(index, value);

const ready = (o: Parameters<typeof readyBoard>[0] = {}): ReturnType<typeof readyBoard> => readyBoard({ size: 4 * GROUP, ...o });

const status = (b: Board): number => cmd(b, 13, RCA << 16, 'r1').resp[0]!;

function switchByte(b: Board, index: number, value: number): number {
  cmd(b, 6, switchArg(index, value), 'r1b');
  return status(b);
}

/** CMD24 of one block; returns the status the next CMD13 reports. */
function writeBlock(b: Board, offset: number, data: Uint8Array): number {
  dataCmd(b, 24, offset, 1, tmValue({ read: false }));
  waitInt(b, R.NIS.CMD_COMPLETE.mask);
  const r1 = b.mmio.readl(R.RESPONSE0.offset);
  if (r1 & R1.WP_VIOLATION.mask) {
    // the card refused the write: the host resets its data side, as Linux's error path does
    b.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
    clearInt(b);
    return r1;
  }
  pioWrite(b, data);
  waitTransfer(b);
  return r1 | status(b);
}

function powerCycle(b: Board): void {
  b.mmio.writeb(R.POWER_CONTROL.offset, 0);
  powerUp(b);
  initCard(b);
  status(b);
}

test('CMD5: stby -> slp with the sleep bit, busy for S_A_TIMEOUT, back to stby awake', () => {
  const { board } = ready();
  cmd(board, 7, 0, 'r1'); // deselect: stby (mmc_sleep deselects first)
  const t0 = board.clock.now;
  const r = cmd(board, 5, (RCA << 16) | MMC_SLEEP_AWAKE_SLEEP, 'r1b');
  assert.equal(r1State(r.resp[0]!), 'stby', 'R1b carries the state the command was received in');
  assert.equal(board.card.state, 'slp');
  const sa = 100 * 2 ** board.card.extCsd[EXT_CSD.S_A_TIMEOUT]!;
  assert.ok(board.clock.now - t0 >= sa, 'busy for S_A_TIMEOUT');
  cmd(board, 5, RCA << 16, 'r1b');
  assert.equal(board.card.state, 'stby');
  cmd(board, 7, RCA << 16, 'r1');
  assert.equal(board.card.state, 'tran');
});

test('CMD5: in slp only CMD0 and CMD5 awake are answered', () => {
  const { board } = ready();
  cmd(board, 7, 0, 'r1');
  cmd(board, 5, (RCA << 16) | MMC_SLEEP_AWAKE_SLEEP, 'r1b');
  for (const [index, resp] of [[13, 'r1'], [7, 'r1'], [55, 'r1']] as const) {
    assert.equal(cmd(board, index, RCA << 16, resp).error & R.EIS.CMD_TIMEOUT.mask, R.EIS.CMD_TIMEOUT.mask, `CMD${index} gets no response`);
  }
  assert.equal(cmd(board, 5, (RCA << 16) | MMC_SLEEP_AWAKE_SLEEP, 'r1b').error & R.EIS.CMD_TIMEOUT.mask, R.EIS.CMD_TIMEOUT.mask, 'sleep while asleep is illegal');
  assert.equal(board.card.state, 'slp');
  cmd(board, 0, 0, 'none');
  assert.equal(board.card.state, 'idle', 'CMD0 wakes it through a reset');
});

test('CMD5: sleep is illegal from tran (the card must be deselected first)', () => {
  const { board } = ready();
  assert.equal(cmd(board, 5, (RCA << 16) | MMC_SLEEP_AWAKE_SLEEP, 'r1b').error & R.EIS.CMD_TIMEOUT.mask, R.EIS.CMD_TIMEOUT.mask);
  assert.equal(board.card.state, 'tran');
  assert.ok(status(board) & R1.ILLEGAL_COMMAND.mask);
});

test('WP: CMD28 protects a group, writes into it fail with WP_VIOLATION and write nothing, CMD29 clears it', () => {
  const { board, backing } = ready();
  const before = backing.read(GROUP + 3 * BLOCK, BLOCK);
  cmd(board, 28, GROUP + 5 * BLOCK, 'r1b');
  assert.equal(status(board) & R1.WP_VIOLATION.mask, 0);
  assert.ok(writeBlock(board, GROUP + 3 * BLOCK, filled(BLOCK, 1)) & R1.WP_VIOLATION.mask);
  assert.deepEqual(backing.read(GROUP + 3 * BLOCK, BLOCK), before);
  assert.equal(writeBlock(board, 3 * BLOCK, filled(BLOCK, 2)) & R1.WP_VIOLATION.mask, 0, 'the group before is writable');
  // a CMD23-bounded write reaching into the group is refused whole
  cmd(board, 23, 4, 'r1');
  dataCmd(board, 25, GROUP - 2 * BLOCK, 4, tmValue({ read: false, multi: true }));
  waitInt(board, R.NIS.CMD_COMPLETE.mask);
  assert.ok(board.mmio.readl(R.RESPONSE0.offset) & R1.WP_VIOLATION.mask);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
  clearInt(board);
  assert.deepEqual(backing.read(GROUP - 2 * BLOCK, BLOCK), makeBoard({ size: 4 * GROUP }).backing.read(GROUP - 2 * BLOCK, BLOCK));
  cmd(board, 29, GROUP, 'r1b');
  const data = filled(BLOCK, 3);
  assert.equal(writeBlock(board, GROUP + 3 * BLOCK, data) & R1.WP_VIOLATION.mask, 0);
  assert.deepEqual(backing.read(GROUP + 3 * BLOCK, BLOCK), data);
});

test('WP: an open-ended write stops at the first protected block', () => {
  const { board, backing } = ready();
  cmd(board, 28, GROUP, 'r1b');
  dataCmd(board, 25, GROUP - 2 * BLOCK, 4, tmValue({ read: false, multi: true, auto: 1 }));
  const data = filled(2 * BLOCK, 4);
  pioWrite(board, data);
  pioWrite(board, filled(BLOCK, 5)); // the third block is refused: the card stops taking data
  board.clock.advance(5_000_000);
  assert.deepEqual(backing.read(GROUP - 2 * BLOCK, 2 * BLOCK), data, 'blocks before the group were written');
  assert.deepEqual(backing.read(GROUP, BLOCK), makeBoard({ size: 4 * GROUP }).backing.read(GROUP, BLOCK));
  assert.ok(board.card.stats.blocksWritten === 2);
});

test('WP: CMD30 and CMD31 report 32 groups from the addressed one', () => {
  const { board } = ready();
  cmd(board, 28, GROUP, 'r1b'); // temporary
  switchByte(board, EXT_CSD.USER_WP, EXT_CSD_USER_WP_US_PWR_WP_EN);
  cmd(board, 28, 3 * GROUP, 'r1b'); // power-on
  dataCmd(board, 30, 0, 1, tmValue({ read: true }), 4);
  assert.deepEqual([...pioRead(board, 1, 4)], [0, 0, 0, 0b1010], 'bit n = group n, big-endian');
  waitTransfer(board);
  dataCmd(board, 31, 0, 1, tmValue({ read: true }), 8);
  // groups 0..3: none, temporary (01), none, power-on (10) -> 0b10_00_01_00
  assert.deepEqual([...pioRead(board, 1, 8)], [0, 0, 0, 0, 0, 0, 0, 0b10000100]);
  waitTransfer(board);
});

test('WP: power-on protection clears at a power cycle, temporary and permanent ones stay', () => {
  const { board } = ready();
  cmd(board, 28, 0, 'r1b'); // temporary
  switchByte(board, EXT_CSD.USER_WP, EXT_CSD_USER_WP_US_PWR_WP_EN);
  cmd(board, 28, GROUP, 'r1b'); // power-on
  switchByte(board, EXT_CSD.USER_WP, EXT_CSD_USER_WP_US_PERM_WP_EN);
  cmd(board, 28, 2 * GROUP, 'r1b'); // permanent
  assert.ok(cmd(board, 29, 2 * GROUP, 'r1b').resp[0]! & R1.WP_VIOLATION.mask, 'permanent protection cannot be cleared');
  powerCycle(board);
  assert.equal(board.card.extCsd[EXT_CSD.USER_WP]! & EXT_CSD_USER_WP_US_PWR_WP_EN, 0);
  assert.ok(writeBlock(board, 0, filled(BLOCK, 5)) & R1.WP_VIOLATION.mask, 'temporary stays');
  assert.equal(writeBlock(board, GROUP, filled(BLOCK, 6)) & R1.WP_VIOLATION.mask, 0, 'power-on is gone');
  assert.ok(writeBlock(board, 2 * GROUP, filled(BLOCK, 7)) & R1.WP_VIOLATION.mask, 'permanent stays');
});

test('WP: erase skips protected groups and says so', () => {
  const { board, backing } = ready();
  const kept = backing.read(GROUP, BLOCK);
  cmd(board, 28, GROUP, 'r1b');
  cmd(board, 35, 0, 'r1');
  cmd(board, 36, 3 * GROUP - BLOCK, 'r1');
  cmd(board, 38, 0, 'r1b');
  assert.ok(status(board) & R1.WP_ERASE_SKIP.mask);
  assert.deepEqual(backing.read(GROUP, BLOCK), kept);
  assert.deepEqual(backing.read(0, BLOCK), new Uint8Array(BLOCK));
  assert.deepEqual(backing.read(2 * GROUP, BLOCK), new Uint8Array(BLOCK));
});

test('WP: BOOT_WP power-on protection of the boot areas, until the power cycle', () => {
  const { board } = ready({ size: 3 * 128 * KiB + 4 * GROUP, layout: { kind: 'qemu', bootSize: 128 * KiB, rpmbSize: 128 * KiB, allowAnyUserSize: true } });
  switchByte(board, EXT_CSD.PART_CONFIG, EXT_CSD_PART_CONFIG_ACC_BOOT0);
  assert.equal(writeBlock(board, 0, filled(BLOCK, 8)) & R1.WP_VIOLATION.mask, 0);
  switchByte(board, EXT_CSD.BOOT_WP, EXT_CSD_BOOT_WP_B_PWR_WP_EN);
  assert.equal(board.card.extCsd[EXT_CSD.BOOT_WP_STATUS], 0b0101, 'both areas power-on protected');
  assert.ok(writeBlock(board, 0, filled(BLOCK, 9)) & R1.WP_VIOLATION.mask);
  assert.ok(switchByte(board, EXT_CSD.BOOT_WP, EXT_CSD_BOOT_WP_B_PWR_WP_EN | EXT_CSD_BOOT_WP_B_PWR_WP_DIS) & R1.SWITCH_ERROR.mask);
  powerCycle(board);
  assert.equal(board.card.extCsd[EXT_CSD.BOOT_WP_STATUS], 0);
  switchByte(board, EXT_CSD.PART_CONFIG, EXT_CSD_PART_CONFIG_ACC_BOOT0);
  assert.equal(writeBlock(board, 0, filled(BLOCK, 10)) & R1.WP_VIOLATION.mask, 0);
});
