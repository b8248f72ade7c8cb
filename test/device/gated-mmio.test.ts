/** MMIO to the host while the SoC gates its interface clock (board option gatedMmio). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { MmioAbortError } from '../../src/device/board.js';
import { makeBoard } from './host.js';

test("'registers' (the default): the gate changes nothing", () => {
  const { board } = makeBoard();
  board.hostClock.disable();
  assert.equal(board.hostClock.enabled, false);
  assert.equal(board.mmio.readw(R.HOST_VERSION.offset), R.HOST_VERSION_DEFAULT);
  board.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0xe);
  assert.equal(board.mmio.readb(R.TIMEOUT_CONTROL.offset), 0xe);
});

test("'all-ones': reads all-ones at every width, writes are lost until the clock is back", () => {
  const { board } = makeBoard({ gatedMmio: 'all-ones' });
  board.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0x3);
  board.hostClock.disable();
  assert.equal(board.mmio.readb(R.TIMEOUT_CONTROL.offset), 0xff);
  assert.equal(board.mmio.readw(R.HOST_VERSION.offset), 0xffff);
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset), 0xffffffff);
  const buf = new Uint8Array(8);
  board.mmio.readsl(R.BUFFER_DATA_PORT.offset, buf, 2);
  assert.deepEqual([...buf], new Array(8).fill(0xff));
  board.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0xe);
  board.hostClock.enable();
  assert.equal(board.mmio.readb(R.TIMEOUT_CONTROL.offset), 0x3, 'the gated write never reached the controller');
  assert.equal(board.mmio.readw(R.HOST_VERSION.offset), R.HOST_VERSION_DEFAULT);
});

test("'fault': every access is a synchronous external abort naming the register", () => {
  const { board } = makeBoard({ gatedMmio: 'fault' });
  board.hostClock.disable();
  assert.throws(() => board.mmio.readl(R.PRESENT_STATE.offset), (e: unknown) => e instanceof MmioAbortError && /read of host register 0x24/.test(e.message));
  assert.throws(() => board.mmio.writeb(R.SOFTWARE_RESET.offset, 1), (e: unknown) => e instanceof MmioAbortError && /write to host register 0x2f/.test(e.message));
  board.hostClock.enable();
  assert.equal(board.mmio.readw(R.HOST_VERSION.offset), R.HOST_VERSION_DEFAULT);
});
