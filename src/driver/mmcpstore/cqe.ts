/**
 * mmcpstore and command queueing (spec §1.5 step 2/6, hazard H6). Normal path, every version:
 * `mmc_cmdq_disable()` before a request on a card in CMDQ mode, `mmc_cmdq_enable()` after it.
 * Panic path, posted versions: nothing — mmc_start_request's `cqe_off` halts the engine only
 * (for 100 µs), the card stays in CMDQ mode where CMD23/CMD25 are illegal, the queued tasks stay
 * queued. Proposed: halt the engine with a busy poll and clear its tasks, bring the card to TRAN
 * (the panic path's own recovery), CMD48 discard the card's queue, CMD6 CMDQ_MODE_EN = 0, then
 * legacy I/O.
 */
import { EXT_CSD, EXT_CSD_CMD_SET_NORMAL } from '../mmc/mmc-ops.js';
import { hweight32, mmcCmdqDisable, mmcCmdqEnable } from '../mmc/cqe.js';
import { MMC, MMC_CMD_AC, MMC_RSP_R1B, mmcCommand, type MmcCommand } from '../mmc/types.js';
import { MMC_CMDQ_DISCARD_QUEUE, encodeSwitchArg } from '../../hw/mmc-protocol.js';
import { EOPNOTSUPP, errnoName } from '../../lib/errno.js';
import { KERN, type MmcpstoreContext } from './context.js';

/** CMD48 and CMD6 busy timeouts in panic (ms): a discard or a mode switch is quick. */
const PANIC_CMDQ_BUSY_MS = 500;

/** Normal path step 2: CMDQ off for the legacy request. Returns -errno, or whether to re-enable. */
export function normalCmdqOff(ctx: MmcpstoreContext): { err: number; reenable: boolean } {
  const card = ctx.card;
  if (!card.extCsd.cmdqEn) return { err: 0, reenable: false };
  const err = mmcCmdqDisable(card);
  ctx.event('switch', `normal: CMD6 CMDQ_MODE_EN -> 0: ${errnoName(err)}`);
  if (err) ctx.log(KERN.ERR, `Failed to disable command queueing: ${errnoName(err)}`);
  return { err, reenable: !err };
}

/** Normal path step 6: CMDQ back on after the request. */
export function normalCmdqOn(ctx: MmcpstoreContext): void {
  if (ctx.card.extCsd.cmdqEn) return;
  const err = mmcCmdqEnable(ctx.card);
  ctx.event('switch', `normal: CMD6 CMDQ_MODE_EN -> 1: ${errnoName(err)}`);
  if (err) ctx.log(KERN.ERR, `Failed to re-enable command queueing: ${errnoName(err)}`);
}

/** What the panic path lends this file: a polled command, and the DAT0 wait. */
export interface PanicCmdIo {
  cmd(c: MmcCommand): number;
  /** true if still busy after `ms` */
  waitNotBusy(ms: number): boolean;
}

/**
 * Proposed driver, first step after the claim: halt the engine with a busy poll and forget its
 * tasks (the card's copies are discarded by `fixedCmdqOff`). 0, or -errno with the reason logged.
 */
export function fixedCqeHalt(ctx: MmcpstoreContext): number {
  const host = ctx.host;
  const ops = host.cqeOps;
  if (!ops || !host.cqeEnabled) return 0;
  if (!ops.cqePanicHalt || !ops.cqePanicClear) {
    ctx.log(KERN.EMERG, 'PANIC: command queue engine on and the host has no panic halt: record not written');
    return -EOPNOTSUPP;
  }
  const busy = ops.cqeBusy(host);
  const err = ops.cqePanicHalt(host);
  ctx.event('prepare', `CQE halt (${hweight32(busy)} task(s) in the engine): ${errnoName(err)}`);
  if (err) {
    ctx.log(KERN.EMERG, `PANIC: command queue engine does not halt (${errnoName(err)}): record not written`);
    return err;
  }
  const dropped = ops.cqePanicClear(host);
  ctx.log(KERN.WARNING, `PANIC: command queue engine halted, ${dropped} queued task(s) discarded`);
  return 0;
}

/**
 * Proposed driver, once the card is in TRAN: CMD48 discards the card's queue (a card that was
 * re-initialised or never in CMDQ mode refuses it: only logged), CMD6 CMDQ_MODE_EN = 0 makes
 * CMD23/CMD25 legal again. 0, or -errno with the reason logged.
 */
export function fixedCmdqOff(ctx: MmcpstoreContext, io: PanicCmdIo): number {
  const card = ctx.card;
  if (!card.extCsd.cmdqEn) return 0;
  const discard = mmcCommand(MMC.CMDQ_TASK_MGMT, MMC_CMDQ_DISCARD_QUEUE, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: PANIC_CMDQ_BUSY_MS });
  let err = io.cmd(discard);
  ctx.event('stop', `CMD48 discard queue: ${errnoName(err)}`);
  if (err) ctx.log(KERN.WARNING, `PANIC: CMD48 discard queue failed (${errnoName(err)}): card not in command-queue mode any more?`);
  else io.waitNotBusy(PANIC_CMDQ_BUSY_MS);
  const arg = encodeSwitchArg(EXT_CSD.CMDQ_MODE_EN, 0, EXT_CSD_CMD_SET_NORMAL);
  err = io.cmd(mmcCommand(MMC.SWITCH, arg, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: card.extCsd.genericCmd6Time }));
  ctx.event('switch', `panic CMD6 CMDQ_MODE_EN -> 0: ${errnoName(err)}`);
  if (err) {
    ctx.log(KERN.EMERG, `PANIC: CMD6 CMDQ_MODE_EN=0 failed (${errnoName(err)}): record not written`);
    return err;
  }
  io.waitNotBusy(PANIC_CMDQ_BUSY_MS);
  card.extCsd.cmdqEn = false;
  ctx.log(KERN.WARNING, 'PANIC: command queueing off (CMDQ_MODE_EN=0): legacy commands from here');
  return 0;
}
