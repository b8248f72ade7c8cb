import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import * as Q from '../../src/hw/cqhci-regs.js';
import { EXT_CSD, EXT_CSD_CMDQ_MODE_ENABLED } from '../../src/hw/ext-csd.js';
import { MMC_CMDQ_DISCARD_QUEUE, encodeSwitchArg } from '../../src/hw/mmc-protocol.js';
import { R1 } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { BLOCK, clearInt, cmd, dataCmd, filled, initCard, makeBoard, pioRead, powerUp, RCA, tmValue, waitInt, waitTransfer } from './host.js';

const TDL = 0x100000; // task descriptor list
const XFER = 0x200000; // transfer descriptor lists, one 4 KiB page per tag
const DATA = 0x400000; // data buffers, 64 KiB per tag
const SLOT = Q.CQHCI_TASK_DESC_LEN_128 + Q.CQHCI_TRANS_DESC_LEN_64;

const switchArg = (index: number, value: number): number => encodeSwitchArg(index, value);
const cq = (b: Board, r: R.RegDef): number => b.mmio.readl(Q.CQHCI_BASE + r.offset);
const cqWrite = (b: Board, r: R.RegDef, v: number): void => b.mmio.writel(Q.CQHCI_BASE + r.offset, v >>> 0);

/** Card in tran with CMDQ_MODE_EN set; the CQE enabled with 128-bit descriptors, all interrupts on. */
function ready() {
  const r = makeBoard({ size: 1024 * 1024, cqe: true });
  const b = r.board;
  powerUp(b);
  initCard(b);
  cmd(b, 13, RCA << 16, 'r1');
  cmd(b, 6, switchArg(EXT_CSD.CMDQ_MODE_EN, EXT_CSD_CMDQ_MODE_ENABLED), 'r1b');
  assert.equal(cmd(b, 13, RCA << 16, 'r1').resp[0]! & R1.SWITCH_ERROR.mask, 0);
  cqWrite(b, Q.CQHCI_TDLBA, TDL);
  cqWrite(b, Q.CQHCI_SSC2, RCA);
  cqWrite(b, Q.CQHCI_ISTE, 0xffffffff);
  cqWrite(b, Q.CQHCI_ISGE, 0xffffffff);
  cqWrite(b, Q.CQHCI_CFG, Q.CQCFG.ENABLE.mask | Q.CQCFG.TASK_DESC_SZ.mask);
  return r;
}

/** cqhci_prep_task_desc + the slot's link descriptor + one transfer descriptor, as Linux builds them. */
function queueTask(b: Board, tag: number, o: { read: boolean; block: number; blocks: number }): number {
  const attr = R.compose(Q.CQHCI_TASK, { VALID: 1, END: 1, INT: 1, ACT: Q.CQHCI_ACT_TASK, DATA_DIR: o.read ? 1 : 0, BLK_COUNT: o.blocks });
  const task = new Uint8Array(Q.CQHCI_TASK_DESC_LEN_128);
  new DataView(task.buffer).setUint32(0, attr, true);
  new DataView(task.buffer).setUint32(4, o.block * BLOCK, true); // byte-addressed card
  b.memory.write(TDL + tag * SLOT, task);
  const list = XFER + tag * 0x1000;
  const buf = DATA + tag * 0x10000;
  b.memory.write(TDL + tag * SLOT + Q.CQHCI_TASK_DESC_LEN_128, pad(R.encodeAdma2Descriptor({ attr: R.adma2Attr(R.ADMA2_ACT.LINK), length: 0, address: list }, true)));
  b.memory.write(list, pad(R.encodeAdma2Descriptor({ attr: R.adma2Attr(R.ADMA2_ACT.TRAN, { end: true }), length: o.blocks * BLOCK, address: buf }, true)));
  return buf;
}

const pad = (d: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Q.CQHCI_TRANS_DESC_LEN_64);
  out.set(d);
  return out;
};

function waitCqe(b: Board): number {
  waitInt(b, R.NIS.CQE.mask);
  const is = cq(b, Q.CQHCI_IS);
  cqWrite(b, Q.CQHCI_IS, is);
  clearInt(b);
  return is;
}

test('CQE: registers at CQHCI_BASE, a queued write then a queued read through the task descriptors', () => {
  const { board, backing } = ready();
  assert.equal(cq(board, Q.CQHCI_VER), 0x0510);
  const data = filled(4 * BLOCK, 1);
  board.memory.write(queueTask(board, 0, { read: false, block: 100, blocks: 4 }), data);
  cqWrite(board, Q.CQHCI_TDBR, 1 << 0);
  assert.equal(cq(board, Q.CQHCI_TDBR), 1);
  assert.ok(waitCqe(board) & Q.CQIS.TCC.mask);
  assert.equal(cq(board, Q.CQHCI_TCN), 1);
  assert.equal(cq(board, Q.CQHCI_TDBR), 0);
  assert.deepEqual(backing.read(100 * BLOCK, 4 * BLOCK), data);
  const buf = queueTask(board, 3, { read: true, block: 100, blocks: 4 });
  cqWrite(board, Q.CQHCI_TCN, 1);
  cqWrite(board, Q.CQHCI_TDBR, 1 << 3);
  assert.ok(waitCqe(board) & Q.CQIS.TCC.mask);
  assert.equal(cq(board, Q.CQHCI_TCN), 1 << 3);
  assert.deepEqual(board.memory.read(buf, 4 * BLOCK), data);
});

test('CQE: several tasks run in tag order, each raising TCC', () => {
  const { board, backing } = ready();
  const datas = [0, 1, 2].map((t) => filled(2 * BLOCK, 10 + t));
  datas.forEach((d, t) => board.memory.write(queueTask(board, t, { read: false, block: 200 + 8 * t, blocks: 2 }), d));
  cqWrite(board, Q.CQHCI_TDBR, 0b111);
  let done = 0;
  while (done !== 0b111) {
    waitCqe(board);
    done |= cq(board, Q.CQHCI_TCN);
    cqWrite(board, Q.CQHCI_TCN, done);
  }
  datas.forEach((d, t) => assert.deepEqual(backing.read((200 + 8 * t) * BLOCK, 2 * BLOCK), d));
});

test('CQE: a panic halts the engine with tasks in flight, clears them, discards the card queue and falls back to legacy I/O', () => {
  const { board, backing } = ready();
  const blank = backing.read(300 * BLOCK, 24 * BLOCK);
  [0, 1, 2].forEach((t) => board.memory.write(queueTask(board, t, { read: false, block: 300 + 8 * t, blocks: 8 }), filled(8 * BLOCK, 20 + t)));
  cqWrite(board, Q.CQHCI_TDBR, 0b111);
  board.clock.advance(1); // the engine queues all three and starts task 0
  assert.equal(cq(board, Q.CQHCI_DPT), 0b110, 'tasks 1 and 2 wait in the card');
  // cqhci_halt(): CQCTL HALT, then poll until it reads back
  cqWrite(board, Q.CQHCI_CTL, Q.CQCTL.HALT.mask);
  assert.ok(waitCqe(board) & Q.CQIS.HAC.mask);
  assert.ok(cq(board, Q.CQHCI_CTL) & Q.CQCTL.HALT.mask);
  assert.equal(cq(board, Q.CQHCI_TDBR), 0b110, 'the task moving data finished, the others are in flight');
  assert.deepEqual(backing.read(300 * BLOCK, 8 * BLOCK), filled(8 * BLOCK, 20));
  // mmc_cqe_recovery(): discard the card's queue over the legacy path; cqhci clears its tasks
  cmd(board, 48, MMC_CMDQ_DISCARD_QUEUE, 'r1b');
  assert.equal(cmd(board, 13, (RCA << 16) | (1 << 15), 'r1').resp[0], 0, 'the card queue is empty');
  cqWrite(board, Q.CQHCI_CTL, Q.CQCTL.HALT.mask | Q.CQCTL.CLEAR_ALL_TASKS.mask);
  assert.equal(cq(board, Q.CQHCI_TDBR), 0);
  assert.equal(cq(board, Q.CQHCI_DPT), 0);
  // leave CMDQ mode and write with CMD24 as the panic path does
  cmd(board, 6, switchArg(EXT_CSD.CMDQ_MODE_EN, 0), 'r1b');
  assert.equal(cmd(board, 13, RCA << 16, 'r1').resp[0]! & R1.SWITCH_ERROR.mask, 0);
  dataCmd(board, 17, 308 * BLOCK, 1, tmValue({ read: true }));
  assert.deepEqual(pioRead(board, 1), blank.subarray(8 * BLOCK, 9 * BLOCK), 'task 1 never ran');
  waitTransfer(board);
});
