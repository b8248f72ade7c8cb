/**
 * H6 set-up (docs/scenarios.md): the board runs with command queueing (opened with `cqe`), and
 * CPU1's blk-mq has claimed the host and queued write tasks into rootfs through the engine; the
 * first is moving data when panic strikes, the rest wait in the card's queue. Nothing completes
 * them: CPU1 is stopped and CPU0 never services the CQE interrupt.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import { errnoName } from '../../lib/errno.js';
import { mmcClaimHost } from '../mmc/core.js';
import { hweight32, mmcCqeActive } from '../mmc/cqe.js';
import { mmcBlkCqeStart } from '../mmc/block-cqe.js';
import type { BoardSession } from './session.js';

/** Tasks `cqe: true` queues. */
export const CQE_SCENARIO_TASKS = 4;
/** Blocks per queued task (128 KiB: a few ms of bus time each). */
export const CQE_SCENARIO_TASK_BLOCKS = 256;
/** Time the engine runs before the panic: all tasks queued in the card, the first one moving data. */
export const CQE_SCENARIO_RUN_NS = 300_000;
/** The byte the queued rootfs writes carry. */
const CQE_SCENARIO_FILL = 0x5a;
/** blk-mq's context on CPU1, the same name the in-flight (H1) set-up uses. */
export const BLK_MQ_CTX = 'kworker/1:2 (mmc_blk_mq_issue_rq)';

/** Queue `tasks` write tasks on the engine; returns notes for the report. */
export function queueCqeTasks(session: BoardSession, tasks: number): string[] {
  const { stack } = session;
  const card = stack.card;
  const host = stack.host;
  if (!mmcCqeActive(card)) {
    return ['H6: the board has no command-queue engine in use (open it with cqe: true; the CLI does with --cqe): nothing queued'];
  }
  if (!host.claimed || host.claimer !== BLK_MQ_CTX) mmcClaimHost(host, BLK_MQ_CTX);
  const last = stack.partitions[stack.partitions.length - 1]!;
  const blocks = Math.min(CQE_SCENARIO_TASK_BLOCKS, Math.floor(last.sectors / Math.max(1, tasks)));
  let queued = 0;
  const notes: string[] = [];
  for (let i = 0; i < tasks; i++) {
    const buf = new Uint8Array(blocks * SECTOR_SIZE).fill(CQE_SCENARIO_FILL);
    const r = mmcBlkCqeStart(card, { lba: last.startSector + i * blocks, buf, write: true });
    if (typeof r === 'number') {
      notes.push(`H6: task ${i} was not queued: ${errnoName(r)}`);
      break;
    }
    queued++;
  }
  session.board.clock.advance(CQE_SCENARIO_RUN_NS);
  const inEngine = host.cqeOps?.cqeBusy(host) ?? 0;
  notes.unshift(`H6: blk-mq on CPU1 queued ${queued} write task(s) of ${blocks} blocks into ${last.name}; ${hweight32(inEngine)} still in the engine at the panic`);
  return notes;
}
