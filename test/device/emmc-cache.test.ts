import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { EXT_CSD, EXT_CSD_CACHE_CTRL_EN, EXT_CSD_FLUSH_CACHE_FLUSH, EXT_CSD_POWER_OFF_LONG } from '../../src/hw/ext-csd.js';
import { MMC_CMD23_ARG_FORCED_PRG, MMC_CMD23_ARG_REL_WR, encodeSwitchArg } from '../../src/hw/mmc-protocol.js';
import { readLe32 } from '../../src/device/emmc/registers.js';
import { R1 } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { BLOCK, cmd, dataCmd, filled, initCard, makeBoard, pioRead, pioWrite, powerUp, RCA, tmValue, waitTransfer, readyBoard } from './host.js';
import { KiB } from '../../src/lib/units.js';

const switchArg = (index: number, value: number): number => encodeSwitchArg(index, value);

const ready = readyBoard;

function switchByte(b: Board, index: number, value: number): number {
  cmd(b, 6, switchArg(index, value), 'r1b');
  return cmd(b, 13, RCA << 16, 'r1').resp[0]!;
}

function enableCache(b: Board): void {
  assert.equal(switchByte(b, EXT_CSD.CACHE_CTRL, EXT_CSD_CACHE_CTRL_EN) & R1.SWITCH_ERROR.mask, 0);
}

function write(b: Board, block: number, data: Uint8Array, cmd23Flags = 0): void {
  const n = data.length / BLOCK;
  cmd(b, 23, (n | cmd23Flags) >>> 0, 'r1');
  dataCmd(b, 25, block * BLOCK, n, tmValue({ read: false, multi: true }));
  pioWrite(b, data);
  assert.ok(waitTransfer(b) & R.NIS.TRANSFER_COMPLETE.mask);
}

function read(b: Board, block: number, n: number): Uint8Array {
  cmd(b, 23, n, 'r1');
  dataCmd(b, 18, block * BLOCK, n, tmValue({ read: true, multi: true }));
  const out = pioRead(b, n);
  waitTransfer(b);
  return out;
}

/** Bus power off and on again through POWER_CONTROL, then the card brought back to tran. */
function powerCycle(b: Board): void {
  b.mmio.writeb(R.POWER_CONTROL.offset, 0);
  powerUp(b);
  initCard(b);
  cmd(b, 13, RCA << 16, 'r1');
}

test('cache: CACHE_SIZE reports the option; without one CACHE_CTRL stays off (today\'s card)', () => {
  const { board } = ready({ cacheSize: 64 * KiB });
  assert.equal(readLe32(board.card.extCsd, EXT_CSD.CACHE_SIZE), 64);
  const plain = ready();
  assert.equal(readLe32(plain.board.card.extCsd, EXT_CSD.CACHE_SIZE), 0);
  assert.ok(switchByte(plain.board, EXT_CSD.CACHE_CTRL, EXT_CSD_CACHE_CTRL_EN) & R1.SWITCH_ERROR.mask);
});

test('cache: written blocks are read back from the cache, and lost at power off without a flush', () => {
  const { board, backing } = ready({ cacheSize: 64 * KiB });
  const before = backing.read(10 * BLOCK, 4 * BLOCK);
  enableCache(board);
  const data = filled(4 * BLOCK, 3);
  write(board, 10, data);
  assert.deepEqual(backing.read(10 * BLOCK, 4 * BLOCK), before, 'not programmed yet');
  assert.deepEqual(read(board, 10, 4), data, 'reads see the cache');
  powerCycle(board);
  assert.deepEqual(backing.read(10 * BLOCK, 4 * BLOCK), before, 'unflushed data is gone');
  assert.deepEqual(read(board, 10, 4), before);
});

test('cache: the injected power loss drops unflushed blocks too', () => {
  const { board, backing } = ready({ cacheSize: 64 * KiB, faults: 'power-loss:3@cmd25#2' });
  const before = backing.read(20 * BLOCK, 2 * BLOCK);
  enableCache(board);
  write(board, 20, filled(2 * BLOCK, 4)); // cached
  cmd(board, 23, 4, 'r1');
  dataCmd(board, 25, 40 * BLOCK, 4, tmValue({ read: false, multi: true }));
  pioWrite(board, filled(4 * BLOCK, 5)); // 3 blocks reach the card, power is lost at the 4th
  board.clock.advance(1_000_000);
  assert.equal(board.card.powered, false);
  assert.deepEqual(backing.read(20 * BLOCK, 2 * BLOCK), before);
});

test('cache: FLUSH_CACHE programs it, with busy on DAT0 for the blocks it commits', () => {
  const { board, backing } = ready({ cacheSize: 64 * KiB });
  enableCache(board);
  const data = filled(8 * BLOCK, 6);
  write(board, 30, data);
  const t0 = board.clock.now;
  cmd(board, 6, switchArg(EXT_CSD.FLUSH_CACHE, EXT_CSD_FLUSH_CACHE_FLUSH), 'r1b');
  const flushNs = board.clock.now - t0;
  assert.deepEqual(backing.read(30 * BLOCK, 8 * BLOCK), data);
  const t1 = board.clock.now;
  cmd(board, 6, switchArg(EXT_CSD.FLUSH_CACHE, EXT_CSD_FLUSH_CACHE_FLUSH), 'r1b');
  assert.ok(flushNs >= board.clock.now - t1 + 8 * board.card.latency.p.programPerBlockNs, 'an empty flush is quicker');
  assert.equal(board.card.extCsd[EXT_CSD.FLUSH_CACHE], 0, 'an action byte reads back 0');
  powerCycle(board);
  assert.deepEqual(backing.read(30 * BLOCK, 8 * BLOCK), data, 'flushed data survives the power cycle');
});

test('cache: a power-off notification and turning the cache off both commit it', () => {
  const { board, backing } = ready({ cacheSize: 64 * KiB });
  enableCache(board);
  const a = filled(2 * BLOCK, 7);
  write(board, 50, a);
  switchByte(board, EXT_CSD.POWER_OFF_NOTIFICATION, EXT_CSD_POWER_OFF_LONG);
  assert.deepEqual(backing.read(50 * BLOCK, 2 * BLOCK), a);
  enableCache(board);
  const b = filled(2 * BLOCK, 8);
  write(board, 60, b);
  switchByte(board, EXT_CSD.CACHE_CTRL, 0);
  assert.deepEqual(backing.read(60 * BLOCK, 2 * BLOCK), b);
});

test('cache: reliable write (CMD23 bit 31) and forced programming (bit 24) go straight to the image', () => {
  const { board, backing } = ready({ cacheSize: 64 * KiB });
  enableCache(board);
  const stale = filled(2 * BLOCK, 9);
  write(board, 70, stale); // cached
  const rel = filled(2 * BLOCK, 10);
  write(board, 70, rel, MMC_CMD23_ARG_REL_WR);
  const forced = filled(2 * BLOCK, 11);
  write(board, 80, forced, MMC_CMD23_ARG_FORCED_PRG);
  powerCycle(board);
  assert.deepEqual(backing.read(70 * BLOCK, 2 * BLOCK), rel, 'the stale cached copy did not overwrite it');
  assert.deepEqual(backing.read(80 * BLOCK, 2 * BLOCK), forced);
});

test('cache: a full cache evicts its oldest blocks to the image', () => {
  const { board, backing } = ready({ cacheSize: 2 * KiB }); // 4 blocks
  enableCache(board);
  const data = filled(6 * BLOCK, 12);
  write(board, 90, data);
  assert.deepEqual(backing.read(90 * BLOCK, 2 * BLOCK), data.subarray(0, 2 * BLOCK), 'the two oldest were evicted');
  powerCycle(board);
  assert.deepEqual(backing.read(92 * BLOCK, 4 * BLOCK), makeBoard({ size: 1024 * 1024 }).backing.read(92 * BLOCK, 4 * BLOCK));
});
