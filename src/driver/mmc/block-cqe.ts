/**
 * The block layer's command-queue path (drivers/mmc/core/block.c mmc_blk_cqe_issue_rw_rq,
 * mmc_blk_cqe_complete_rq; queue.c's tag set): with the engine enabled and the card in CMDQ
 * mode, a read or write is one task with a free tag, started by `mmc_cqe_start_req` and
 * completed from the CQE interrupt. `mmcBlkCqeStart` queues without waiting (what CPU1's
 * blk-mq does before a panic: the scenario of H6); `mmcBlkCqeRw` waits for the completion.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import { EBUSY } from '../../lib/errno.js';
import { mmcSetDataTimeout } from './core.js';
import { hweight32, mmcCqeStartReq } from './cqe.js';
import { MMC_DATA_READ, MMC_DATA_WRITE, mmcData, type MmcCard, type MmcCqeRequest } from './types.js';

/** Slots of a CQHCI without DCMD: 32; the card's queue may be shallower (CMDQ_DEPTH). */
const CQE_MAX_TAGS = 32;
/** tags in use per card (blk-mq's tag bitmap) */
const tagsInUse = new WeakMap<MmcCard, number>();

function getTag(card: MmcCard): number {
  const used = tagsInUse.get(card) ?? 0;
  const depth = Math.min(CQE_MAX_TAGS, card.extCsd.cmdqDepth ?? 0);
  for (let tag = 0; tag < depth; tag++) {
    if (!(used & (1 << tag))) {
      tagsInUse.set(card, (used | (1 << tag)) >>> 0);
      return tag;
    }
  }
  return -1;
}

function putTag(card: MmcCard, tag: number): void {
  tagsInUse.set(card, ((tagsInUse.get(card) ?? 0) & ~(1 << tag)) >>> 0);
}

/** Tags the block layer has handed out and not had back: requests in flight in the engine. */
export function mmcBlkCqeInFlight(card: MmcCard): number {
  return hweight32(tagsInUse.get(card) ?? 0);
}

export interface CqeIo {
  lba: number;
  buf: Uint8Array;
  write: boolean;
  /** REQ_FUA: the task is force-programmed past the card's cache */
  fua?: boolean;
  /** called from the CQE interrupt after the tag is back */
  done?: (mrq: MmcCqeRequest) => void;
}

/** mmc_blk_cqe_issue_rw_rq(): a tag, the task, mmc_cqe_start_req. Returns the request or -errno. */
export function mmcBlkCqeStart(card: MmcCard, io: CqeIo): MmcCqeRequest | number {
  const tag = getTag(card);
  if (tag < 0) return -EBUSY;
  const blocks = io.buf.length / SECTOR_SIZE;
  const data = mmcData(io.buf, blocks, io.write ? MMC_DATA_WRITE : MMC_DATA_READ);
  mmcSetDataTimeout(data, card);
  const mrq: MmcCqeRequest = {
    tag,
    data,
    blkAddr: card.blockaddr ? io.lba : io.lba * SECTOR_SIZE,
    forcedProg: io.fua === true,
    error: 0,
    completed: false,
    done: (m) => {
      putTag(card, m.tag);
      io.done?.(m);
    },
  };
  const err = mmcCqeStartReq(card.host, mrq);
  if (err) {
    putTag(card, tag);
    return err;
  }
  return mrq;
}

/** One read or write through the engine, waited for (sleeps: process context). Returns 0 or -errno. */
export function mmcBlkCqeRw(card: MmcCard, io: CqeIo): number {
  const started = mmcBlkCqeStart(card, io);
  if (typeof started === 'number') return started;
  card.host.cpu.waitFor(() => started.completed, `mmc_blk_cqe: tag ${started.tag}`);
  return started.error;
}
