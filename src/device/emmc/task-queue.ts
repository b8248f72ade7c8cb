/**
 * The card's command queue (JEDEC eMMC 5.1 §6.6.39, CMDQ_MODE_EN): tasks queued by CMD44
 * QUEUED_TASK_PARAMS + CMD45 QUEUED_TASK_ADDRESS, reported ready in the Queue Status Register
 * (CMD13 with SQS), executed by CMD46/CMD47, discarded by CMD48. A queued task is ready at once
 * (this card has no internal reordering); executing it removes it from the queue.
 */

import {
  MMC_CMDQ_ARG_DATA_DIR_READ,
  MMC_CMDQ_ARG_FORCED_PRG,
  MMC_CMDQ_ARG_REL_WRITE,
  MMC_CMDQ_BLOCKS_MASK,
  cmdqTaskIdOfArg,
} from '../../hw/mmc-protocol.js';

export interface QueuedTask {
  readonly id: number;
  readonly dir: 'read' | 'write';
  readonly blocks: number;
  /** reliable write or forced programming: the data bypasses the volatile cache */
  readonly durable: boolean;
  /** block address argument of CMD45 (sector or byte, as the card addresses) */
  readonly address: number;
}

type TaskParams = Omit<QueuedTask, 'address'>;

export class TaskQueue {
  private readonly tasks = new Map<number, QueuedTask>();
  /** CMD44 seen, waiting for its CMD45 */
  private params: TaskParams | undefined;

  /** `depth` tasks at most (CMDQ_DEPTH + 1). */
  constructor(readonly depth: number) {}

  get size(): number {
    return this.tasks.size;
  }

  /** CMD44: false if the task id is out of range or already queued. */
  queueParams(arg: number): boolean {
    const id = cmdqTaskIdOfArg(arg);
    this.params = undefined;
    if (id >= this.depth || this.tasks.has(id)) return false;
    this.params = {
      id,
      dir: arg & MMC_CMDQ_ARG_DATA_DIR_READ ? 'read' : 'write',
      blocks: arg & MMC_CMDQ_BLOCKS_MASK,
      durable: (arg & (MMC_CMDQ_ARG_REL_WRITE | MMC_CMDQ_ARG_FORCED_PRG)) !== 0,
    };
    return true;
  }

  /** CMD45: the pending CMD44's task enters the queue; undefined if no CMD44 preceded it. */
  queueAddress(address: number): QueuedTask | undefined {
    const p = this.params;
    this.params = undefined;
    if (!p) return undefined;
    const task = { ...p, address };
    this.tasks.set(p.id, task);
    return task;
  }

  /** Queue Status Register: bit n set = task n ready for execution. */
  get status(): number {
    let qsr = 0;
    for (const id of this.tasks.keys()) qsr |= 1 << id;
    return qsr >>> 0;
  }

  /** CMD46/CMD47: take a ready task of direction `dir` out of the queue. */
  take(id: number, dir: 'read' | 'write'): QueuedTask | undefined {
    const t = this.tasks.get(id);
    if (!t || t.dir !== dir) return undefined;
    this.tasks.delete(id);
    return t;
  }

  /** CMD48: discard one task (false if it was not queued). */
  discard(id: number): boolean {
    return this.tasks.delete(id);
  }

  /** CMD48 discard-all, CMDQ off, reset, power. */
  clear(): void {
    this.tasks.clear();
    this.params = undefined;
  }
}
