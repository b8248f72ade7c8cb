import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { EXT_CSD, EXT_CSD_CMDQ_MODE_ENABLED } from '../../src/hw/ext-csd.js';
import {
  MMC_CMDQ_ARG_DATA_DIR_READ,
  MMC_CMDQ_DISCARD_QUEUE,
  MMC_CMDQ_DISCARD_TASK,
  MMC_CMDQ_TASK_ID_SHIFT,
  MMC_SEND_STATUS_SQS,
  encodeSwitchArg,
} from '../../src/hw/mmc-protocol.js';
import { R1 } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { BLOCK, cmd, dataCmd, filled, pioRead, pioWrite, RCA, tmValue, waitTransfer, readyBoard } from './host.js';

const switchArg = (index: number, value: number): number => encodeSwitchArg(index, value);
const taskArg = (id: number, blocks: number, read: boolean): number => ((read ? MMC_CMDQ_ARG_DATA_DIR_READ : 0) | (id << MMC_CMDQ_TASK_ID_SHIFT) | blocks) >>> 0;

const ready = readyBoard;

const status = (b: Board): number => cmd(b, 13, RCA << 16, 'r1').resp[0]!;
const qsr = (b: Board): number => cmd(b, 13, (RCA << 16) | MMC_SEND_STATUS_SQS, 'r1').resp[0]!;
const timedOut = (b: Board, index: number, arg: number): boolean => (cmd(b, index, arg, 'r1').error & R.EIS.CMD_TIMEOUT.mask) !== 0;

function enableCmdq(b: Board): void {
  cmd(b, 6, switchArg(EXT_CSD.CMDQ_MODE_EN, EXT_CSD_CMDQ_MODE_ENABLED), 'r1b');
  assert.equal(status(b) & R1.SWITCH_ERROR.mask, 0);
}

function queue(b: Board, id: number, block: number, blocks: number, read: boolean): void {
  cmd(b, 44, taskArg(id, blocks, read), 'r1');
  cmd(b, 45, block * BLOCK, 'r1');
}

test('CMDQ: CMD44-48 are illegal until CMDQ_MODE_EN, then CMD17/18/23/24/25 are', () => {
  const { board } = ready();
  assert.ok(timedOut(board, 44, taskArg(0, 1, true)));
  enableCmdq(board);
  for (const index of [17, 18, 23, 24, 25]) assert.ok(timedOut(board, index, 0), `CMD${index} is illegal in CMDQ mode`);
  assert.ok(!timedOut(board, 44, taskArg(0, 1, true)));
});

test('CMDQ: CMDQ_MODE_EN needs CMDQ_SUPPORT and an empty queue', () => {
  const plain = ready({ cmdqDepth: 0 });
  assert.equal(plain.board.card.extCsd[EXT_CSD.CMDQ_SUPPORT], 0);
  cmd(plain.board, 6, switchArg(EXT_CSD.CMDQ_MODE_EN, 1), 'r1b');
  assert.ok(status(plain.board) & R1.SWITCH_ERROR.mask);
  const { board } = ready({ cmdqDepth: 8 });
  assert.equal(board.card.extCsd[EXT_CSD.CMDQ_DEPTH], 7);
  enableCmdq(board);
  queue(board, 3, 0, 1, true);
  cmd(board, 6, switchArg(EXT_CSD.CMDQ_MODE_EN, 0), 'r1b');
  assert.ok(status(board) & R1.SWITCH_ERROR.mask, 'tasks still queued');
  assert.ok(cmd(board, 44, taskArg(8, 1, true), 'r1').resp[0]! & R1.ERROR.mask, 'task id beyond the depth');
});

test('CMDQ: queued tasks show in the queue status and execute with CMD46/CMD47', () => {
  const { board, backing } = ready();
  enableCmdq(board);
  const data = filled(3 * BLOCK, 1);
  queue(board, 2, 40, 3, false);
  queue(board, 5, 10, 2, true);
  assert.equal(qsr(board), (1 << 2) | (1 << 5));
  dataCmd(board, 47, 2 << MMC_CMDQ_TASK_ID_SHIFT, 3, tmValue({ read: false, multi: true }));
  pioWrite(board, data);
  assert.ok(waitTransfer(board) & R.NIS.TRANSFER_COMPLETE.mask);
  assert.deepEqual(backing.read(40 * BLOCK, 3 * BLOCK), data);
  assert.equal(qsr(board), 1 << 5);
  dataCmd(board, 46, 5 << MMC_CMDQ_TASK_ID_SHIFT, 2, tmValue({ read: true, multi: true }));
  assert.deepEqual(pioRead(board, 2), backing.read(10 * BLOCK, 2 * BLOCK));
  waitTransfer(board);
  assert.equal(qsr(board), 0);
  assert.equal(board.card.state, 'tran');
});

test('CMDQ: CMD48 discards one task or the whole queue; executing a discarded task fails', () => {
  const { board } = ready();
  enableCmdq(board);
  queue(board, 0, 0, 1, true);
  queue(board, 1, 1, 1, true);
  queue(board, 2, 2, 1, false);
  cmd(board, 48, (1 << MMC_CMDQ_TASK_ID_SHIFT) | MMC_CMDQ_DISCARD_TASK, 'r1b');
  assert.equal(qsr(board), 0b101);
  assert.ok(cmd(board, 46, 1 << MMC_CMDQ_TASK_ID_SHIFT, 'r1').resp[0]! & R1.ERROR.mask);
  cmd(board, 48, MMC_CMDQ_DISCARD_QUEUE, 'r1b');
  assert.equal(qsr(board), 0);
  cmd(board, 6, switchArg(EXT_CSD.CMDQ_MODE_EN, 0), 'r1b');
  assert.equal(status(board) & R1.SWITCH_ERROR.mask, 0, 'an empty queue may leave CMDQ mode');
  assert.ok(!timedOut(board, 13, RCA << 16));
  cmd(board, 23, 1, 'r1');
  dataCmd(board, 18, 0, 1, tmValue({ read: true, multi: true }));
  assert.equal(pioRead(board, 1).length, BLOCK, 'legacy I/O works again');
  waitTransfer(board);
});
