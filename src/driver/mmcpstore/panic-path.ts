/**
 * The panic path (spec §1.6): `mmcpstore_panic_write()` with steps P1–P15 as the stored v4 text
 * has them (v3 and v4 alike), v5's single claim path, and the proposed driver's answer to the reviewers'
 * objections: one prepare+claim that looks at what it steals (ongoing request, runtime-suspended
 * host or card, card not in TRAN), brings the card back to TRAN with polled commands (CMD12,
 * CMD7, a full polled re-init after a power cycle), holds a pending re-tune, examines
 * `sbc.error`, refuses without a poll callback, and waits out a busy card before each request.
 * Every wait here is a busy-wait on the virtual clock.
 */
import { mmcPanicClaimHost, mmcStartRequest } from '../mmc/core.js';
import { EXT_CSD, EXT_CSD_CMD_SET_NORMAL, EXT_CSD_PART_CONFIG_ACC_MASK, R1_CURRENT_STATE, R1_STATE } from '../mmc/mmc-ops.js';
import { MMC, MMC_CMD_AC, MMC_CMD_BC, MMC_CMD_BCR, MMC_RSP_NONE, MMC_RSP_R1, MMC_RSP_R1B, MMC_RSP_R2, MMC_RSP_R3, mmcCommand, type MmcCommand, type MmcRequest } from '../mmc/types.js';
import type { SdhciHost } from '../sdhci/sdhci.js';
import {
  MMC_PSTORE_HARDWARE_TIMEOUT_MS,
  MMC_PSTORE_PANIC_DELAY_MS,
  MMC_PSTORE_PANIC_STABILIZE_DELAY_MS,
  MmcpstoreState,
} from './constants.js';
import { EBUSY, EINVAL, EIO, ENODEV, EOPNOTSUPP, errnoName } from '../../lib/errno.js';
import { KERN, type MmcpstoreContext } from './context.js';
import { areaIo } from './io.js';
import { buildRequest, describeRequest, requestError } from './request.js';
import { fixedCmdqOff, fixedCqeHalt } from './cqe.js';
import { fixedPanicFlushCache } from './cache.js';
import { encodeSwitchArg } from '../../hw/mmc-protocol.js';

const STATE_NAME = ['idle', 'ready', 'ident', 'stby', 'tran', 'data', 'rcv', 'prg', 'dis'];

/** Start, poll, complete one command without data (the panic CMD6 of P8 and the proposed driver's recovery). */
export function panicCmd(ctx: MmcpstoreContext, cmd: MmcCommand): number {
  const host = ctx.host;
  const mrq: MmcRequest = { cmd, completed: false };
  const err = mmcStartRequest(host, mrq);
  if (err) cmd.error = err;
  else host.ops.panicPollCompletion?.(host, mrq);
  host.ops.panicComplete?.(host, mrq);
  return cmd.error;
}

/** card_busy polls, 100 µs apart, for at most `ms`; true if still busy. Without card_busy: a fixed delay. */
function waitNotBusy(ctx: MmcpstoreContext, ms: number): boolean {
  const host = ctx.host;
  if (!host.ops.cardBusy) {
    host.cpu.mdelay(MMC_PSTORE_PANIC_DELAY_MS);
    return false;
  }
  for (let i = 0; i < ms * 10; i++) {
    if (!host.ops.cardBusy(host)) return false;
    host.cpu.udelay(100);
  }
  return host.ops.cardBusy(host);
}

function sendStatus(ctx: MmcpstoreContext): { err: number; state: number; status: number } {
  const cmd = mmcCommand(MMC.SEND_STATUS, ctx.card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC);
  const err = panicCmd(ctx, cmd);
  return { err, state: err ? -1 : R1_CURRENT_STATE(cmd.resp[0]), status: cmd.resp[0] };
}

/** P8: the panic partition switch (CMD6 PARTITION_CONFIG access bits → user area). */
function panicPartSwitch(ctx: MmcpstoreContext): number {
  const card = ctx.card;
  const value = card.extCsd.partConfig & ~EXT_CSD_PART_CONFIG_ACC_MASK;
  const arg = encodeSwitchArg(EXT_CSD.PART_CONFIG, value, EXT_CSD_CMD_SET_NORMAL);
  const cmd = mmcCommand(MMC.SWITCH, arg, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: card.extCsd.partTimeMs });
  const err = panicCmd(ctx, cmd);
  ctx.event('switch', `panic CMD6 PARTITION_CONFIG -> 0x${value.toString(16)}: ${errnoName(err)}`);
  if (err) return err;
  waitNotBusy(ctx, MMC_PSTORE_HARDWARE_TIMEOUT_MS);
  card.extCsd.partConfig = value;
  if (ctx.fixed && ctx.env.blk) ctx.env.blk.partCurr = 0;
  return 0;
}

/** Polled eMMC re-initialisation after a power cycle (RESET_ALL, card powered off): CMD0 … CMD7, bus width, HS. */
function panicCardReinit(ctx: MmcpstoreContext): number {
  const card = ctx.card;
  const host = ctx.host;
  ctx.event('card-reinit', 'polled CMD0/1/2/3/7 + CMD6 bus width/timing');
  panicCmd(ctx, mmcCommand(MMC.GO_IDLE_STATE, 0, MMC_RSP_NONE | MMC_CMD_BC));
  host.cpu.mdelay(1);
  let ready = false;
  for (let i = 0; i < 1000 && !ready; i++) {
    const c = mmcCommand(MMC.SEND_OP_COND, (card.ocr | (1 << 30)) >>> 0, MMC_RSP_R3 | MMC_CMD_BCR);
    const err = panicCmd(ctx, c);
    if (err) return err;
    ready = (c.resp[0] & 0x80000000) !== 0;
    if (!ready) host.cpu.mdelay(1);
  }
  if (!ready) return -EIO;
  let err = panicCmd(ctx, mmcCommand(MMC.ALL_SEND_CID, 0, MMC_RSP_R2 | MMC_CMD_BCR));
  if (!err) err = panicCmd(ctx, mmcCommand(MMC.SET_RELATIVE_ADDR, card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC));
  if (!err) err = panicCmd(ctx, mmcCommand(MMC.SELECT_CARD, card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC));
  if (err) return err;
  card.extCsd.partConfig &= ~EXT_CSD_PART_CONFIG_ACC_MASK; // CMD0 resets PARTITION_ACCESS
  const sw = (index: number, value: number): number => {
    const arg = encodeSwitchArg(index, value, EXT_CSD_CMD_SET_NORMAL);
    const e = panicCmd(ctx, mmcCommand(MMC.SWITCH, arg, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: 500 }));
    if (!e) waitNotBusy(ctx, MMC_PSTORE_HARDWARE_TIMEOUT_MS);
    return e;
  };
  if (host.ios.timing !== 'legacy') err = sw(EXT_CSD.HS_TIMING, 1);
  const width = host.ios.busWidth === 8 ? 2 : host.ios.busWidth === 4 ? 1 : 0;
  if (!err && width) err = sw(EXT_CSD.BUS_WIDTH, width);
  return err;
}

/**
 * Proposed driver: bring the card to TRAN without interrupts, or say precisely why not. It also
 * runs on the retry path, after a request failed with part of the record possibly on the card:
 * its messages say 'giving up', not 'not written'.
 * Returns 0 or -errno with the reason logged.
 */
function fixedCardToTran(ctx: MmcpstoreContext): number {
  const host = ctx.host;
  const cardPm = ctx.env.cardPm;
  let st = sendStatus(ctx);
  if (st.err) {
    ctx.log(KERN.WARNING, `PANIC: card does not answer CMD13 (${errnoName(st.err)}): re-initialising it`);
    const err = panicCardReinit(ctx);
    if (err) {
      ctx.log(KERN.EMERG, `PANIC: card re-initialisation failed (${errnoName(err)}): giving up`);
      return err;
    }
    st = sendStatus(ctx);
    if (cardPm?.suspended) cardPm.setStatus('active', 'panic re-init');
  }
  if (st.state === R1_STATE.STBY) {
    ctx.log(KERN.WARNING, `PANIC: card deselected (runtime-suspended${cardPm?.suspended ? '' : '?'}): selecting it with CMD7`);
    const err = panicCmd(ctx, mmcCommand(MMC.SELECT_CARD, ctx.card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC));
    if (err) {
      ctx.log(KERN.EMERG, `PANIC: CMD7 select failed (${errnoName(err)}): giving up`);
      return err;
    }
    if (cardPm?.suspended) cardPm.setStatus('active', 'panic CMD7');
    st = sendStatus(ctx);
  }
  if (st.state === R1_STATE.RCV || st.state === R1_STATE.DATA) {
    ctx.log(KERN.WARNING, `PANIC: card left in ${STATE_NAME[st.state]} by an interrupted transfer: sending CMD12`);
    ctx.event('stop', `CMD12 (card in ${STATE_NAME[st.state]})`);
    const err = panicCmd(ctx, mmcCommand(MMC.STOP_TRANSMISSION, 0, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: 2000 }));
    if (err) {
      ctx.log(KERN.EMERG, `PANIC: CMD12 failed (${errnoName(err)}): giving up`);
      return err;
    }
    st = sendStatus(ctx);
  }
  if (st.state === R1_STATE.PRG || (host.ops.cardBusy?.(host) ?? false)) {
    if (waitNotBusy(ctx, 2000)) {
      ctx.log(KERN.EMERG, 'PANIC: card busy (DAT0 low) for 2000 ms: giving up');
      return -EBUSY;
    }
    st = sendStatus(ctx);
  }
  if (st.err || st.state !== R1_STATE.TRAN) {
    ctx.log(KERN.EMERG, `PANIC: card not in TRAN (${st.err ? errnoName(st.err) : STATE_NAME[st.state] ?? st.state}): giving up`);
    return st.err || -EIO;
  }
  return 0;
}

/** Proposed driver: the single prepare + claim, done at the start of every panic_write. */
function fixedPrepare(ctx: MmcpstoreContext): number {
  const host = ctx.host;
  const sdhci = host.priv as SdhciHost | undefined;
  if (!host.ops.panicPollCompletion || !host.ops.panicPrepare) {
    ctx.log(KERN.EMERG, `PANIC: host mmc${host.index} has no panic_prepare/panic_poll_completion: cannot wait for a request without interrupts, refusing`);
    return -EOPNOTSUPP;
  }
  const claim = mmcPanicClaimHost(host, { variant: 'v5', runtimeSuspended: sdhci?.runtimeSuspended });
  ctx.event('prepare', `panic_prepare ${errnoName(claim.prepare)}; stolen claim ${claim.wasClaimed ? `from ${claim.claimer}` : 'none'}${claim.hadOngoingMrq ? ', ongoing request abandoned' : ''}`);
  ctx.event('claim', 'forced');
  if (claim.prepare) {
    ctx.log(KERN.EMERG, `PANIC: panic_prepare failed: ${errnoName(claim.prepare)}`);
    return claim.prepare;
  }
  if (sdhci?.runtimeSuspended) {
    ctx.log(KERN.EMERG, 'PANIC: host still runtime-suspended after panic_prepare: record not written');
    return -EIO;
  }
  if (host.needRetune && !host.retuneHold) {
    ctx.log(KERN.WARNING, 'PANIC: re-tune pending: held (tuning needs interrupts); using the current sampling point');
    host.retuneHold = 1;
  }
  // H6: engine halted first, the card's queue and CMDQ mode once the card is in TRAN (./cqe.ts)
  let err = fixedCqeHalt(ctx);
  if (!err) err = fixedCardToTran(ctx);
  if (!err) err = fixedCmdqOff(ctx, { cmd: (c) => panicCmd(ctx, c), waitNotBusy: (ms) => waitNotBusy(ctx, ms) });
  return err;
}

/** One panic-mode request; the proposed driver retries once after bringing the card back to TRAN. */
function panicRequest(ctx: MmcpstoreContext, sect: number, blocks: number, buf: Uint8Array, write: boolean): number {
  const err = panicRequestOnce(ctx, sect, blocks, buf, write);
  if (!err || !ctx.fixed || err === -EBUSY) return err;
  ctx.log(KERN.WARNING, `PANIC: retrying the request once after ${errnoName(err)}`);
  const e2 = fixedCardToTran(ctx);
  if (e2) return err;
  return panicRequestOnce(ctx, sect, blocks, buf, write);
}

/** One panic-mode request (P7–P13). */
function panicRequestOnce(ctx: MmcpstoreContext, sect: number, blocks: number, buf: Uint8Array, write: boolean): number {
  const host = ctx.host;
  if (ctx.claimPath === 'prepare-then-claim') {
    mmcPanicClaimHost(host); // P7 (v3/v4)
    ctx.event('claim', 'forced again before the request (P7)');
  }
  if (ctx.card.extCsd.partConfig & EXT_CSD_PART_CONFIG_ACC_MASK) {
    const err = panicPartSwitch(ctx); // P8
    if (err) ctx.log(KERN.EMERG, `PANIC: partition switch failed: ${errnoName(err)}`);
    if (err && ctx.fixed) {
      ctx.log(KERN.EMERG, 'PANIC: card may still be on a boot/RPMB partition: record not written');
      return err;
    }
  }
  if (ctx.fixed && host.ops.cardBusy?.(host) && waitNotBusy(ctx, 2000)) {
    ctx.log(KERN.EMERG, 'PANIC: card busy (DAT0 low) for 2000 ms before the request');
    return -EBUSY;
  }
  const mrq = buildRequest(ctx, sect, blocks, buf, write);
  if (ctx.claimPath === 'prepare-then-claim' && host.ops.panicComplete) {
    host.ops.panicComplete(host, mrq); // P9 (v3/v4)
    ctx.event('complete', 'panic_complete before the request (P9)');
  }
  mrq.done = undefined; // P10
  ctx.stats.panicRequests++;
  const t0 = host.cpu.now;
  const err0 = mmcStartRequest(host, mrq);
  if (err0) mrq.cmd.error = err0;
  else if (host.ops.panicPollCompletion) {
    const r = host.ops.panicPollCompletion(host, mrq); // P11
    ctx.event('poll', `panic_poll_completion ${errnoName(r)}`);
  }
  host.ops.panicComplete?.(host, mrq); // P12
  ctx.event('complete', 'panic_complete');
  const err = requestError(ctx, mrq);
  ctx.event('request', `${describeRequest(mrq)} in ${((host.cpu.now - t0) / 1e6).toFixed(3)} ms${mrq.sbc?.error && !err ? ' (sbc error ignored)' : ''}`);
  if (err) ctx.log(KERN.EMERG, `PANIC: request failed: ${describeRequest(mrq)}`); // P13
  return err;
}

/** mmcpstore_panic_write(buf, size, off) → size or -errno */
export function mmcpstorePanicWrite(ctx: MmcpstoreContext, buf: Uint8Array, off: number): number {
  const host = ctx.host;
  const size = buf.length;
  ctx.panicWriteCalls++;
  // P1
  const okState = ctx.state === MmcpstoreState.READY || (ctx.fixed && ctx.state === MmcpstoreState.SUSPENDED);
  if (!okState || !ctx.buffer) {
    ctx.event('refuse', `state ${ctx.stateName}`);
    if (ctx.fixed) ctx.log(KERN.EMERG, `PANIC: backend state ${ctx.stateName}: record not written`);
    return -ENODEV;
  }
  if (ctx.state === MmcpstoreState.SUSPENDED) ctx.log(KERN.WARNING, 'PANIC: in the system-suspend window; devices are not suspended yet, writing');
  // P2
  if (off + size > ctx.size) {
    ctx.log(KERN.EMERG, 'PANIC write exceeds pstore area');
    return -EINVAL;
  }
  if (ctx.fixed) {
    const err = fixedPrepare(ctx);
    if (err) return err;
  } else if (ctx.claimPath === 'prepare-then-claim') {
    // v3/v4 P3: stop background I/O
    if (host.ops.panicPrepare) {
      const err = host.ops.panicPrepare(host);
      ctx.event('prepare', `panic_prepare ${errnoName(err)}`);
      if (err) {
        ctx.log(KERN.EMERG, `PANIC: Failed to prepare host for panic write: ${errnoName(err)}`);
        return err;
      }
    }
    mmcPanicClaimHost(host); // P4
    ctx.event('claim', `forced (${ctx.config.driver})`);
  } else {
    // v5: mmc_panic_claim_host() logs the state, calls panic_prepare and force-claims, once
    const sdhci = host.priv as SdhciHost | undefined;
    const claim = mmcPanicClaimHost(host, { variant: 'v5', runtimeSuspended: sdhci?.runtimeSuspended });
    ctx.event('prepare', `panic_prepare ${errnoName(claim.prepare)} (v5 claim)`);
    ctx.event('claim', 'forced (v5)');
    if (claim.prepare) {
      ctx.log(KERN.EMERG, `PANIC: Failed to prepare host for panic write: ${errnoName(claim.prepare)}`);
      return claim.prepare;
    }
  }
  host.cpu.mdelay(MMC_PSTORE_PANIC_STABILIZE_DELAY_MS); // P5
  ctx.event('busy-wait', `${MMC_PSTORE_PANIC_STABILIZE_DELAY_MS} ms stabilise`);
  // P6
  if (ctx.state !== MmcpstoreState.READY && !ctx.fixed) return -ENODEV;
  const err = areaIo(ctx, buf, off, true, (s, n, b, w) => panicRequest(ctx, s, n, b, w), true);
  if (err) return err;
  if (ctx.fixed) {
    const flushErr = fixedPanicFlushCache(ctx, { cmd: (c) => panicCmd(ctx, c), waitNotBusy: (ms) => waitNotBusy(ctx, ms) });
    if (flushErr) return flushErr;
  }
  // P14
  host.cpu.mdelay(MMC_PSTORE_PANIC_STABILIZE_DELAY_MS);
  if (host.ops.cardBusy && waitNotBusy(ctx, MMC_PSTORE_HARDWARE_TIMEOUT_MS)) ctx.log(KERN.EMERG, 'PANIC: Card still busy after 100ms');
  host.cpu.mdelay(MMC_PSTORE_PANIC_DELAY_MS);
  ctx.event('busy-wait', 'post-write delays');
  // P15
  if (!ctx.events.some((e) => e.what === 'write')) ctx.log(KERN.EMERG, 'Panic write complete');
  ctx.event('write', `${size} bytes at 0x${off.toString(16)}`);
  return size;
}
