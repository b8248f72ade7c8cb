/**
 * The MMC core (drivers/mmc/core/core.c): host claim/release, starting requests, waiting for them
 * with the core's command retries, set_ios helpers, power up/off and the busy poll.
 */
import { HangError } from './cpu.js';
import { EILSEQ, EINVAL, ENOMEDIUM, ETIMEDOUT, errnoName } from '../../lib/errno.js';
import { mmcRetune, mmcRetuneDisable, mmcRetuneHold, mmcRetuneNeeded, mmcRetuneRelease } from './retune.js';
import { mmcOpTuning } from '../../hw/mmc-protocol.js';
import {
  MMC_CAP_CMD_DURING_TFR,
  MMC_DATA_WRITE,
  type BusWidth,
  type MmcCard,
  type MmcCommand,
  type MmcData,
  type MmcHost,
  type MmcRequest,
  type Timing,
} from './types.js';

export const MMC_CMD_RETRIES = 3;
/** power_delay_ms default */
export const MMC_POWER_DELAY_MS = 10;

// ---------------------------------------------------------------------------------------------
// claim / release

/**
 * __mmc_claim_host(): sleeps until the host is free or already ours (nested claims count up).
 * `ctx` names the claimer (Linux: the task or an mmc_ctx). Taking `host.lock` while a stopped CPU
 * holds it spins forever: DeadlockError (driver/system locks.ts).
 */
export function mmcClaimHost(host: MmcHost, ctx = 'task'): void {
  const cpu = host.cpu;
  for (;;) {
    host.lock.lock();
    const free = !host.claimed || host.claimer === ctx;
    if (free) {
      host.claimed = true;
      host.claimer = ctx;
      host.claimCnt++;
      host.lock.unlock();
      return;
    }
    host.lock.unlock();
    // add_wait_queue + schedule(): wait for a release
    cpu.waitFor(() => !host.claimed, `mmc_claim_host(${host.claimer})`);
  }
}

/** mmc_release_host() */
export function mmcReleaseHost(host: MmcHost): void {
  if (!host.claimed) throw new Error('mmc_release_host: host not claimed');
  host.lock.lock();
  if (--host.claimCnt > 0) {
    host.lock.unlock();
    return;
  }
  host.claimed = false;
  host.claimer = null;
  host.lock.unlock();
}

/** Run `fn` with the host claimed. */
export function withHost<T>(host: MmcHost, fn: () => T, ctx = 'task'): T {
  mmcClaimHost(host, ctx);
  try {
    return fn();
  } finally {
    mmcReleaseHost(host);
  }
}

// ---------------------------------------------------------------------------------------------
// requests

/** mmc_request_done(): called by the host driver when a request has finished. */
export function mmcRequestDone(host: MmcHost, mrq: MmcRequest): void {
  const cmd = mrq.cmd;
  const err = cmd.error;
  // flag re-tuning needed on CRC errors (a no-op unless the host can re-tune: HS200/HS400)
  if (!mmcOpTuning(cmd.opcode) && (err === -EILSEQ || mrq.sbc?.error === -EILSEQ || mrq.data?.error === -EILSEQ || mrq.stop?.error === -EILSEQ)) {
    mmcRetuneNeeded(host);
  }
  if (err && err !== -ENOMEDIUM) host.log.push(`${`mmc${host.index}`}: req done (CMD${cmd.opcode}): ${errnoName(err)}`);
  if (host.ongoingMrq === mrq) host.ongoingMrq = null;
  mrq.done?.(mrq);
}

/** mmc_mrq_prep(): link commands and data to the request, check the host's size limits. */
function mmcMrqPrep(host: MmcHost, mrq: MmcRequest): number {
  mrq.cmd.error = 0;
  mrq.cmd.mrq = mrq;
  mrq.cmd.data = mrq.data;
  if (mrq.sbc) {
    mrq.sbc.error = 0;
    mrq.sbc.mrq = mrq;
  }
  if (mrq.data) {
    const d = mrq.data;
    if (d.blksz > host.maxBlkSize || d.blocks > host.maxBlkCount || d.blocks * d.blksz > host.maxReqSize) return -EINVAL;
    if (d.buf.length < d.blocks * d.blksz) return -EINVAL;
    d.error = 0;
    d.mrq = mrq;
    if (mrq.stop) {
      d.stop = mrq.stop;
      mrq.stop.error = 0;
      mrq.stop.mrq = mrq;
    }
  }
  return 0;
}

/** mmc_start_request(): holds re-tuning (released when the caller has waited for the request). */
export function mmcStartRequest(host: MmcHost, mrq: MmcRequest): number {
  mmcRetuneHold(host);
  if (!host.claimed) host.log.push(`mmc${host.index}: WARNING: request without the host claimed`);
  const err = mmcMrqPrep(host, mrq);
  if (err) return err;
  mmcStartRequestInner(host, mrq);
  return 0;
}

/**
 * __mmc_start_request(): a pending re-tune runs first (mmc_retune: SDHCI tuning waits for the
 * Buffer Read Ready interrupt with a sleeping wait — H11, a BUG with IRQs off); `ongoing_mrq` is
 * only a request that allows commands during its transfer (MMC_CAP_CMD_DURING_TFR).
 */
function mmcStartRequestInner(host: MmcHost, mrq: MmcRequest): void {
  mrq.completed = false;
  const err = mmcRetune(host);
  if (err) {
    mrq.cmd.error = err;
    mmcRequestDone(host, mrq);
    return;
  }
  if (mrq.capCmdDuringTfr) {
    if (host.caps & MMC_CAP_CMD_DURING_TFR) host.ongoingMrq = mrq;
    else host.log.push(`mmc${host.index}: WARNING: cap_cmd_during_tfr without MMC_CAP_CMD_DURING_TFR`);
  }
  // __mmc_start_request(): a legacy request halts the command-queue engine (the card's CMDQ mode stays)
  if (host.cqeOn) host.cqeOps?.cqeOff(host);
  host.ops.request(host, mrq);
}

/** __mmc_start_req(): the completion-based start used by mmc_wait_for_req. */
function mmcStartReqWait(host: MmcHost, mrq: MmcRequest): number {
  mrq.completed = false;
  mrq.done = (m) => {
    m.completed = true;
  };
  const err = mmcStartRequest(host, mrq);
  if (err) {
    mrq.cmd.error = err;
    mrq.completed = true;
  }
  return err;
}

/**
 * mmc_wait_for_req(): start, sleep on the completion, and re-issue the whole request while the
 * command failed and `cmd.retries` is left (data errors are not retried here); then
 * mmc_wait_for_req_done() releases the re-tune hold of mmc_start_request().
 */
export function mmcWaitForReq(host: MmcHost, mrq: MmcRequest): void {
  const started = !mmcStartReqWait(host, mrq);
  if (!started) mmcRetuneRelease(host); // mmc_start_request() failed after its hold
  for (;;) {
    host.cpu.waitFor(() => mrq.completed, `wait_for_completion(CMD${mrq.cmd.opcode})`);
    const cmd = mrq.cmd;
    if (!cmd.error || !cmd.retries || !started) break;
    host.log.push(`mmc${host.index}: req failed (CMD${cmd.opcode}): ${cmd.error}, retrying...`);
    cmd.retries--;
    cmd.error = 0;
    mmcMrqPrep(host, mrq); // the limits held the first time: this only clears the errors again
    mmcStartRequestInner(host, mrq);
  }
  if (started) mmcRetuneRelease(host);
}

/** mmc_wait_for_cmd(): a command without data; returns cmd.error. */
export function mmcWaitForCmd(host: MmcHost, cmd: MmcCommand, retries: number): number {
  cmd.retries = retries;
  cmd.data = undefined;
  const mrq: MmcRequest = { cmd, completed: false };
  mmcWaitForReq(host, mrq);
  return cmd.error;
}

/** The first error of a finished request: cmd, then sbc, data, stop (as callers of mmc_wait_for_req check). */
export function mrqError(mrq: MmcRequest): number {
  return mrq.cmd.error || mrq.sbc?.error || mrq.data?.error || mrq.stop?.error || 0;
}

/** mmc_set_data_timeout(): from the card's CSD (TAAC/NSAC, ×10 for MMC, << R2W_FACTOR for writes). */
export function mmcSetDataTimeout(data: MmcData, card: MmcCard): void {
  let mult = 10;
  if (data.flags & MMC_DATA_WRITE) mult <<= card.csd.r2wFactor;
  data.timeoutNs = card.csd.taacNs * mult;
  data.timeoutClks = card.csd.taacClks * mult;
}

// ---------------------------------------------------------------------------------------------
// ios

export function mmcSetIos(host: MmcHost): void {
  host.ops.setIos(host, host.ios);
}

export function mmcSetClock(host: MmcHost, hz: number): void {
  if (hz > host.fMax) hz = host.fMax;
  host.ios.clock = hz;
  mmcSetIos(host);
}

export function mmcSetBusMode(host: MmcHost, mode: 'opendrain' | 'pushpull'): void {
  host.ios.busMode = mode;
  mmcSetIos(host);
}

export function mmcSetBusWidth(host: MmcHost, width: BusWidth): void {
  host.ios.busWidth = width;
  mmcSetIos(host);
}

export function mmcSetTiming(host: MmcHost, timing: Timing): void {
  host.ios.timing = timing;
  mmcSetIos(host);
}

/** mmc_delay(): msleep */
export function mmcDelay(host: MmcHost, ms: number): void {
  host.cpu.sleep(ms * 1e6, `mmc_delay(${ms})`);
}

const fls = (x: number): number => (x === 0 ? 0 : 32 - Math.clz32(x));

/** mmc_power_up() */
export function mmcPowerUp(host: MmcHost, ocr: number): void {
  if (host.ios.powerMode === 'on') return;
  host.ios.vdd = fls(ocr) - 1;
  host.ios.powerMode = 'up';
  // mmc_set_initial_state()
  mmcRetuneDisable(host);
  host.ios.busMode = 'opendrain';
  host.ios.busWidth = 1;
  host.ios.timing = 'legacy';
  mmcSetIos(host);
  // mmc_set_initial_signal_voltage(): 3.3 V
  host.ios.signalVoltage = '3.3';
  host.ops.startSignalVoltageSwitch?.(host, host.ios);
  mmcDelay(host, MMC_POWER_DELAY_MS);
  host.ios.clock = host.fInit;
  host.ios.powerMode = 'on';
  mmcSetIos(host);
  mmcDelay(host, MMC_POWER_DELAY_MS);
}

/** mmc_power_off() */
export function mmcPowerOff(host: MmcHost): void {
  if (host.ios.powerMode === 'off') return;
  host.ios.clock = 0;
  host.ios.vdd = 0;
  host.ios.powerMode = 'off';
  // mmc_set_initial_state()
  mmcRetuneDisable(host);
  host.ios.busWidth = 1;
  host.ios.timing = 'legacy';
  mmcSetIos(host);
  mmcDelay(host, 1);
}

/**
 * __mmc_poll_for_busy(): call `busyCb` until it reports not busy; sleeps between polls (fixed
 * `periodUs`, or 32 µs doubling to 32 ms). -ETIMEDOUT after `timeoutMs`.
 */
export function mmcPollForBusyWith(host: MmcHost, periodUs: number, timeoutMs: number, busyCb: () => { err: number; busy: boolean }): number {
  const deadline = host.cpu.now + timeoutMs * 1e6;
  let udelay = 32;
  const udelayMax = 32768;
  for (;;) {
    const expired = host.cpu.now > deadline;
    const { err, busy } = busyCb();
    if (err) return err;
    if (!busy) return 0;
    if (expired) {
      host.log.push(`mmc${host.index}: Card stuck being busy! __mmc_poll_for_busy`);
      return -ETIMEDOUT;
    }
    if (periodUs) host.cpu.sleep(periodUs * 1000, 'usleep_range');
    else {
      host.cpu.sleep(udelay * 1000, 'usleep_range');
      if (udelay < udelayMax) udelay *= 2;
    }
  }
}

export { HangError };
export { mmcRetune } from './retune.js';

// ---------------------------------------------------------------------------------------------
// panic (mmcpstore series, spec mmcpstore-driver.md §2.2)

export interface PanicClaimOptions {
  /** v4: force-claim only; v5: log the state, call panic_prepare, then force-claim */
  variant?: 'v4' | 'v5';
  /** the host device's runtime-PM state, for the v5 log line */
  runtimeSuspended?: boolean;
}

export interface PanicClaimResult {
  /** what the host looked like before the steal */
  wasClaimed: boolean;
  claimer: string | null;
  hadOngoingMrq: boolean;
  /** v5: panic_prepare's return (0 when the host has none) */
  prepare: number;
}

/**
 * mmc_panic_claim_host(): force-claim without taking `host->lock` (a stopped CPU may hold it);
 * no runtime-PM get, no wait queue, no check of an existing claimer. Never released.
 */
export function mmcPanicClaimHost(host: MmcHost | null, o: PanicClaimOptions = {}): PanicClaimResult {
  const res: PanicClaimResult = { wasClaimed: false, claimer: null, hadOngoingMrq: false, prepare: 0 };
  if (!host) return res;
  res.wasClaimed = host.claimed;
  res.claimer = host.claimer;
  res.hadOngoingMrq = host.ongoingMrq !== null;
  if (o.variant === 'v5') {
    host.log.push(
      `mmc${host.index}: panic claim: claimed=${host.claimed ? 1 : 0}${host.claimer ? ` (by ${host.claimer})` : ''} runtime_suspended=${o.runtimeSuspended ? 1 : 0} ongoing_mrq=${host.ongoingMrq ? `CMD${host.ongoingMrq.cmd.opcode}` : 'none'}`,
    );
    if (host.ops.panicPrepare) res.prepare = host.ops.panicPrepare(host);
  }
  host.claimed = true;
  host.claimer = 'panic';
  host.claimCnt = 1;
  host.ongoingMrq = null;
  return res;
}
