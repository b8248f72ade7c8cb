/**
 * The normal (process-context) path (spec §1.5): read op, write op and one request: mutex, host
 * claim, command queueing off (./cqe.ts), partition switch to the user area, CMD13, mmc_wait_for_req,
 * command queueing back on.
 */
import { mmcClaimHost, mmcReleaseHost, mmcWaitForReq } from '../mmc/core.js';
import { EXT_CSD, EXT_CSD_CMD_SET_NORMAL, EXT_CSD_PART_CONFIG_ACC_MASK, R1_CURRENT_STATE, R1_STATE, mmcSendStatus, mmcSwitch } from '../mmc/mmc-ops.js';
import { MmcpstoreState } from './constants.js';
import { EBUSY, EIO, ENODEV, ENOMSG, ETIMEDOUT, errnoName } from '../../lib/errno.js';
import { KERN, type MmcpstoreContext } from './context.js';
import { areaIo } from './io.js';
import { buildRequest, describeRequest, requestError } from './request.js';
import { normalCmdqOff, normalCmdqOn } from './cqe.js';

/** mmcpstore_do_request_internal(panic = false) */
export function normalRequest(ctx: MmcpstoreContext, sect: number, blocks: number, buf: Uint8Array, write: boolean): number {
  const host = ctx.host;
  const card = ctx.card;
  ctx.mutex.lock();
  mmcClaimHost(host, 'mmcpstore');
  let reenableCmdq = false;
  try {
    const cmdq = normalCmdqOff(ctx);
    if (cmdq.err) return cmdq.err;
    reenableCmdq = cmdq.reenable;
    const partConfig = card.extCsd.partConfig;
    if (partConfig & EXT_CSD_PART_CONFIG_ACC_MASK) {
      const value = partConfig & ~EXT_CSD_PART_CONFIG_ACC_MASK;
      const err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.PART_CONFIG, value, card.extCsd.partTimeMs);
      if (err) {
        ctx.log(KERN.ERR, `Failed to switch to user partition: ${errnoName(err)}`);
        return err;
      }
      ctx.stats.switches++;
      ctx.event('switch', `normal: PARTITION_CONFIG 0x${partConfig.toString(16)} -> 0x${value.toString(16)}`);
      if (ctx.fixed) {
        // keep the core's and the block layer's view in step with the card (H15)
        card.extCsd.partConfig = value;
        if (ctx.env.blk) ctx.env.blk.partCurr = 0;
      }
    }
    const st = mmcSendStatus(card, 0);
    if (st.err) ctx.log(KERN.WARNING, `CMD13 failed: ${errnoName(st.err)}`);
    else if (R1_CURRENT_STATE(st.status) !== R1_STATE.TRAN) ctx.log(KERN.WARNING, `card not in TRAN state (status 0x${st.status.toString(16)})`);
    const mrq = buildRequest(ctx, sect, blocks, buf, write);
    ctx.stats.requests++;
    mmcWaitForReq(host, mrq);
    const err = requestError(ctx, mrq);
    if (err) ctx.log(KERN.ERR, `request failed: ${describeRequest(mrq)}`);
    return err;
  } finally {
    if (reenableCmdq) normalCmdqOn(ctx);
    mmcReleaseHost(host);
    ctx.mutex.unlock();
  }
}

/** The caller cannot sleep: !preemptible() — IRQs off, in interrupt, or atomic. */
export function cannotSleep(ctx: MmcpstoreContext): boolean {
  return ctx.env.cpus.inAtomic() || ctx.host.cpu.irqsDisabled;
}

/** mmcpstore_read_zone() */
export function mmcpstoreRead(ctx: MmcpstoreContext, buf: Uint8Array, off: number): number {
  if (ctx.state !== MmcpstoreState.READY || !ctx.buffer) return -ENODEV;
  if (ctx.fixed && cannotSleep(ctx)) return -EBUSY;
  const err = areaIo(ctx, buf, off, false, (s, n, b, w) => normalRequest(ctx, s, n, b, w), false);
  if (err === -EIO || err === -ETIMEDOUT) return -ENOMSG;
  return err || buf.length;
}

/** mmcpstore_write() */
export function mmcpstoreWrite(ctx: MmcpstoreContext, buf: Uint8Array, off: number): number {
  if (cannotSleep(ctx)) {
    ctx.stats.ebusy++;
    return -EBUSY;
  }
  if (ctx.state !== MmcpstoreState.READY || !ctx.buffer) return -ENODEV;
  if (ctx.savedPartConfig === null) ctx.savedPartConfig = ctx.card.extCsd.partConfig;
  const err = areaIo(ctx, buf, off, true, (s, n, b, w) => normalRequest(ctx, s, n, b, w), false);
  return err || buf.length;
}
