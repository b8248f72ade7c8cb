/**
 * The command-queueing commands of the table in ./commands.ts (class 11; JEDEC eMMC 5.1
 * §6.6.39): CMD44 QUEUED_TASK_PARAMS, CMD45 QUEUED_TASK_ADDRESS, CMD46 EXECUTE_READ_TASK, CMD47
 * EXECUTE_WRITE_TASK, CMD48 CMDQ_TASK_MGMT, and CMD13's queue status (SQS). The table accepts
 * them only with CMDQ_MODE_EN set; the queue itself is ./task-queue.ts.
 */

import {
  MMC_CMDQ_DISCARD_QUEUE,
  MMC_CMDQ_DISCARD_TASK,
  MMC_CMDQ_TM_OP_MASK,
  MMC_SEND_STATUS_SQS,
  cmdqTaskIdOfArg,
} from '../../hw/mmc-protocol.js';
import { SECTOR_SIZE } from '../../lib/units.js';
import type { CardCommand, CardContext, Outcome } from './card-context.js';

const R1: Outcome = { r: 'r1' };
const R1B: Outcome = { r: 'r1b' };

/** CMD13: the R1 status, or with SQS in command-queueing mode the Queue Status Register. */
export function sendStatus(card: CardContext, arg: number): Outcome {
  if (card.cmdqOn && arg & MMC_SEND_STATUS_SQS) return { r: 'qsr', qsr: card.queue.status };
  return R1;
}

/** CMD44: direction, count, flags and id of the task CMD45 will queue. */
export function queuedTaskParams(card: CardContext, arg: number): Outcome {
  if (!card.queue.queueParams(arg)) card.flag('ERROR'); // id beyond CMDQ_DEPTH or already queued
  return R1;
}

/** CMD45: the start address; the task enters the queue, ready for execution. */
export function queuedTaskAddress(card: CardContext, arg: number): Outcome {
  const task = card.queue.queueAddress(arg);
  if (!task) {
    card.flag('ERROR'); // no CMD44 before it
    return R1;
  }
  const offset = card.byteAddress(arg);
  // first and last block inside the partition (OUT_OF_RANGE / ADDRESS_MISALIGN); no empty task
  const lastBlock = offset + (task.blocks - 1) * SECTOR_SIZE;
  if (task.blocks === 0 || !card.checkBlockAddress(offset, SECTOR_SIZE) || !card.checkBlockAddress(lastBlock, SECTOR_SIZE)) {
    if (task.blocks === 0) card.flag('ERROR');
    card.queue.discard(task.id);
    return R1;
  }
  card.tracer.emit('sdcard_cmdq', 'queued', task.id, `${task.dir} ${task.blocks} block(s) @${offset}`);
  return R1;
}

/** CMD46 / CMD47: execute a ready task through the ordinary block data phase. */
function executeTask(card: CardContext, arg: number, self: CardCommand, dir: 'read' | 'write'): Outcome {
  const task = card.queue.take(cmdqTaskIdOfArg(arg), dir);
  if (!task) {
    card.flag('ERROR'); // not queued, or queued for the other direction
    return R1;
  }
  const offset = card.byteAddress(task.address);
  const len = task.blocks * SECTOR_SIZE;
  if (dir === 'write' && card.isWriteProtected(offset, len)) {
    card.flag('WP_VIOLATION');
    return R1;
  }
  card.tracer.emit('sdcard_cmdq', 'execute', task.id, `${dir} ${task.blocks} block(s) @${offset}`);
  card.startData(self, dir, offset, task.blocks, SECTOR_SIZE, task.durable);
  return R1;
}

export const executeReadTask = (card: CardContext, arg: number, self: CardCommand): Outcome => executeTask(card, arg, self, 'read');
export const executeWriteTask = (card: CardContext, arg: number, self: CardCommand): Outcome => executeTask(card, arg, self, 'write');

/** CMD48: discard the whole queue or one task. */
export function cmdqTaskMgmt(card: CardContext, arg: number): Outcome {
  const op = arg & MMC_CMDQ_TM_OP_MASK;
  const id = cmdqTaskIdOfArg(arg);
  if (op === MMC_CMDQ_DISCARD_QUEUE) {
    card.tracer.emit('sdcard_cmdq', 'discard all', card.queue.size, 'tasks');
    card.queue.clear();
  } else if (op === MMC_CMDQ_DISCARD_TASK) {
    card.tracer.emit('sdcard_cmdq', 'discard', id, card.queue.discard(id) ? 'done' : 'not queued');
  } else {
    card.flag('ERROR');
    return R1B;
  }
  card.busyFor(0, 'CMD48 task management', true);
  return R1B;
}
