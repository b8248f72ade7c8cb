/**
 * SDHCI tuning (drivers/mmc/host/sdhci.c: sdhci_execute_tuning, sdhci_start_tuning,
 * __sdhci_execute_tuning, sdhci_send_tuning, sdhci_abort_tuning, sdhci_end_tuning): Execute
 * Tuning in Host Control 2, then the tuning command (CMD21) again and again until the
 * controller clears Execute Tuning; each tuning block ends in Buffer Read Ready only, which the
 * IRQ handler turns into `tuning_done` and a wake-up. The wait is wait_event_timeout(): a
 * sleeping wait, so a tuning with IRQs off is a BUG (hazard H11).
 */
import * as R from '../../hw/sdhci-regs.js';
import { MMC, TUNING_BLK_PATTERN_4BIT, TUNING_BLK_PATTERN_8BIT, mmcOpTuning } from '../../hw/mmc-protocol.js';
import { EAGAIN, ETIMEDOUT } from '../../lib/errno.js';
import { mmcWaitForCmd } from '../mmc/core.js';
import { MMC_CMD_AC, MMC_CMD_ADTC, MMC_RSP_R1, MMC_RSP_R1B, mmcCommand, type MmcHost, type MmcRequest } from '../mmc/types.js';
import { sdhciDoReset } from './reset.js';
import { sdhciSendCommandRetry } from './request.js';
import { sdhciPriv, type SdhciHost } from './sdhci.js';

/** MAX_TUNING_LOOP */
export const SDHCI_MAX_TUNING_LOOP = 40;
/** wait_event_timeout(host->buf_ready_int, ..., msecs_to_jiffies(50)) */
export const SDHCI_TUNING_WAIT_MS = 50;
/** mmc_send_abort_tuning(): CMD12's busy timeout */
const ABORT_TUNING_BUSY_MS = 150;
/** tuning block sizes: the 8-bit pattern of CMD21, the 4-bit one otherwise (the patterns are hw/'s) */
const TUNING_BLOCK_8BIT = TUNING_BLK_PATTERN_8BIT.length;
const TUNING_BLOCK_4BIT = TUNING_BLK_PATTERN_4BIT.length;
/** the step the sleeping wait re-checks its condition at (the wake-up, in virtual time) */
const WAIT_STEP_NS = 2_000;

/** The tuning state of struct sdhci_host (tuning_done, tuning_err, the counts). */
export interface SdhciTuningState {
  tuningDone: boolean;
  /** host->tuning_err of the last tuning: 0, -ETIMEDOUT (no Buffer Read Ready) or -EAGAIN (never tuned) */
  tuningErr: number;
  /** CMD21s sent by the last tuning */
  loops: number;
  /** completed tunings (initial and re-tunes) */
  tunings: number;
}

const states = new WeakMap<SdhciHost, SdhciTuningState>();

export function sdhciTuningState(host: SdhciHost): SdhciTuningState {
  let s = states.get(host);
  if (!s) {
    s = { tuningDone: false, tuningErr: 0, loops: 0, tunings: 0 };
    states.set(host, s);
  }
  return s;
}


/**
 * The start of sdhci_data_irq(): Buffer Read Ready of a tuning command is the tuning block
 * (CMD19/21 generate only that interrupt). True if it was one (then nothing else is done).
 */
export function sdhciTuningIrq(host: SdhciHost, intmask: number): boolean {
  if (!(intmask & R.INT.DATA_AVAIL)) return false;
  const command = R.get(R.CMD.INDEX, host.readw(R.COMMAND));
  if (!mmcOpTuning(command)) return false;
  sdhciTuningState(host).tuningDone = true; // wake_up(&host->buf_ready_int)
  return true;
}

/** sdhci_start_tuning(): Execute Tuning, and only Buffer Read Ready enabled. */
export function sdhciStartTuning(host: SdhciHost): void {
  const ctrl = host.readw(R.HOST_CONTROL2) | R.HC2.EXECUTE_TUNING.mask;
  host.writew(ctrl, R.HOST_CONTROL2);
  host.writel(R.INT.DATA_AVAIL, R.NORMAL_INT_STATUS_ENABLE);
  host.writel(R.INT.DATA_AVAIL, R.NORMAL_INT_SIGNAL_ENABLE);
}

/** sdhci_end_tuning(): the normal interrupt set back. */
export function sdhciEndTuning(host: SdhciHost): void {
  host.writel(host.ier, R.NORMAL_INT_STATUS_ENABLE);
  host.writel(host.ier, R.NORMAL_INT_SIGNAL_ENABLE);
}

/** sdhci_reset_tuning(): clear Sampling Clock Select and Execute Tuning. */
export function sdhciResetTuning(host: SdhciHost): void {
  const ctrl = host.readw(R.HOST_CONTROL2) & ~(R.HC2.SAMPLING_CLOCK_SELECT.mask | R.HC2.EXECUTE_TUNING.mask);
  host.writew(ctrl, R.HOST_CONTROL2);
}

/** sdhci_abort_tuning(): reset tuning, CMD and DATA, interrupts back, and CMD12 to the eMMC. */
export function sdhciAbortTuning(host: SdhciHost, opcode: number): void {
  sdhciResetTuning(host);
  sdhciDoReset(host, R.RST.CMD.mask);
  sdhciDoReset(host, R.RST.DATA.mask);
  sdhciEndTuning(host);
  // mmc_send_abort_tuning(): only eMMC may stop a tuning command with CMD12
  if (opcode === MMC.SEND_TUNING_BLOCK_HS200) {
    mmcWaitForCmd(host.mmc, mmcCommand(MMC.STOP_TRANSMISSION, 0, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: ABORT_TUNING_BUSY_MS }), 0);
  }
}

/** wait_event_timeout(): sleeps (SleepInAtomicError with IRQs off); true if `cond` came true in time. */
function waitEventTimeout(host: SdhciHost, cond: () => boolean, ms: number, what: string): boolean {
  const end = host.cpu.now + ms * 1e6;
  while (!cond()) {
    const left = end - host.cpu.now;
    if (left <= 0) return false;
    host.cpu.sleep(Math.min(WAIT_STEP_NS, left), what);
  }
  return true;
}

/**
 * sdhci_send_tuning(): block size 128 (CMD21 on an 8-bit bus) or 64, Transfer Mode READ only,
 * the command, then sleep until Buffer Read Ready (50 ms at most).
 */
export function sdhciSendTuning(host: SdhciHost, opcode: number): void {
  const mmc = host.mmc;
  const st = sdhciTuningState(host);
  let was = host.lockIrqSave();
  const cmd = mmcCommand(opcode, 0, MMC_RSP_R1 | MMC_CMD_ADTC);
  const mrq: MmcRequest = { cmd, completed: false };
  cmd.mrq = mrq;
  const size = opcode === MMC.SEND_TUNING_BLOCK_HS200 && mmc.ios.busWidth === 8 ? TUNING_BLOCK_8BIT : TUNING_BLOCK_4BIT;
  host.writew(R.blockSizeValue(size), R.BLOCK_SIZE);
  host.writew(R.TM.READ.mask, R.TRANSFER_MODE);
  const r = sdhciSendCommandRetry(host, cmd, was);
  was = r.was;
  if (!r.ok) {
    host.unlockIrqRestore(was);
    st.tuningDone = false;
    return;
  }
  host.cmd = null;
  host.cpu.delTimer(host.timer); // sdhci_del_timer()
  st.tuningDone = false;
  host.unlockIrqRestore(was);
  waitEventTimeout(host, () => st.tuningDone, SDHCI_TUNING_WAIT_MS, 'sdhci_send_tuning: wait_event_timeout(buf_ready_int)');
}

/** __sdhci_execute_tuning(): until the controller clears Execute Tuning, at most 40 times. */
function sdhciExecuteTuningLoop(host: SdhciHost, opcode: number): number {
  const st = sdhciTuningState(host);
  for (st.loops = 0; st.loops < SDHCI_MAX_TUNING_LOOP; ) {
    sdhciSendTuning(host, opcode);
    st.loops++;
    if (!st.tuningDone) {
      host.pr('Tuning timeout, falling back to fixed sampling clock');
      sdhciAbortTuning(host, opcode);
      return -ETIMEDOUT;
    }
    const ctrl = host.readw(R.HOST_CONTROL2);
    if (!(ctrl & R.HC2.EXECUTE_TUNING.mask)) {
      if (ctrl & R.HC2.SAMPLING_CLOCK_SELECT.mask) return 0; // success
      break;
    }
  }
  host.pr('Tuning failed, falling back to fixed sampling clock');
  sdhciResetTuning(host);
  return -EAGAIN;
}

/**
 * mmc_host_ops.execute_tuning = sdhci_execute_tuning(): only HS200 (and the SD UHS modes) tune;
 * a failed tuning leaves the fixed sampling clock and still returns 0, as sdhci.c does.
 */
export function sdhciExecuteTuning(mmc: MmcHost, opcode: number): number {
  const host = sdhciPriv(mmc);
  if (host.timing !== 'mmc-hs200') return 0;
  const st = sdhciTuningState(host);
  sdhciStartTuning(host);
  st.tuningErr = sdhciExecuteTuningLoop(host, opcode);
  sdhciEndTuning(host);
  if (!st.tuningErr) st.tunings++;
  return 0;
}
