/**
 * The SDHCI panic host ops of the mmcpstore series (spec mmcpstore-driver.md §2.1, §2.3):
 * `sdhci_panic_prepare`, `sdhci_panic_poll_completion`, `sdhci_panic_complete`.
 *
 * Everything here runs with IRQs off and must never sleep: waits are `udelay` busy-waits on the
 * virtual clock, bounded. The poll feeds the normal hard-IRQ handler (`sdhci_irq`) from register
 * reads and runs the work normally deferred to the IRQ thread (pending reset, DMA unmap,
 * request done) inline — spec §6 Q3's "most likely" shape. The panic request itself goes through
 * the normal `sdhci_request()` (v3 cover letter), so it takes `sdhci_host->lock`.
 *
 * The open points of §6 are switches (`SdhciPanicConfig`): reset mask, lock re-initialisation,
 * drain timeout, whether a runtime-suspended host is woken through its registers.
 */
import * as R from '../../hw/sdhci-regs.js';
import { ETIMEDOUT, EBUSY } from '../../lib/errno.js';
import type { MmcHost, MmcRequest } from '../mmc/types.js';
import { dmaUnmap } from './dma.js';
import { sdhciSetClock, sdhciSetIos } from './ios.js';
import { sdhciFinishDataInner, sdhciIrq, sdhciThreadIrq } from './irq.js';
import { sdhciFinishMrqNoWork } from './request.js';
import { sdhciReset, sdhciSetDefaultIrqs } from './reset.js';
import { sdhciPriv, type SdhciHost } from './sdhci.js';

export interface SdhciPanicConfig {
  /** software reset used to drain: CMD|DATA (default) or ALL (power-cycles the card: it then needs re-init) */
  resetMask: 'cmd-data' | 'all';
  /** spin_lock_init(&host->lock) in prepare (spec §6 Q5); without it a stopped holder deadlocks the request (H2b) */
  reinitLock: boolean;
  /** bounded poll of the inhibit bits after the reset (v4: short; v5: "longer") */
  drainTimeoutMs: number;
  /** a runtime-suspended host is woken by re-enabling its clock and interrupts through registers (proposed driver) */
  resumeRuntimeSuspended: boolean;
}

export const SDHCI_PANIC_DEFAULTS: SdhciPanicConfig = { resetMask: 'cmd-data', reinitLock: true, drainTimeoutMs: 100, resumeRuntimeSuspended: false };

/** What the panic ops did, for reports and tests. */
export interface SdhciPanicStats {
  prepares: number;
  polls: number;
  pollTimeouts: number;
  inlineResets: number;
  lockReinits: number;
}

const stats = new WeakMap<SdhciHost, SdhciPanicStats>();
const configs = new WeakMap<SdhciHost, SdhciPanicConfig>();

export function sdhciPanicStats(host: SdhciHost): SdhciPanicStats {
  let s = stats.get(host);
  if (!s) {
    s = { prepares: 0, polls: 0, pollTimeouts: 0, inlineResets: 0, lockReinits: 0 };
    stats.set(host, s);
  }
  return s;
}

/** Install the three ops on the host (what the patched sdhci.c does in sdhci_ops), with the §6 switches. */
export function sdhciInstallPanicOps(host: SdhciHost, config: Partial<SdhciPanicConfig> = {}): SdhciPanicConfig {
  const cfg = { ...SDHCI_PANIC_DEFAULTS, ...config };
  configs.set(host, cfg);
  host.mmc.ops = {
    ...host.mmc.ops,
    panicPrepare: (mmc) => sdhciPanicPrepare(mmc),
    panicPollCompletion: (mmc, mrq) => sdhciPanicPollCompletion(mmc, mrq),
    panicComplete: (mmc, mrq) => sdhciPanicComplete(mmc, mrq),
  };
  return cfg;
}

/** Remove the panic ops (a host driver without them: spec H7 "no poll callback"). */
export function sdhciRemovePanicOps(host: SdhciHost): void {
  const { panicPrepare: _a, panicPollCompletion: _b, panicComplete: _c, ...rest } = host.mmc.ops;
  host.mmc.ops = rest;
}

function cfgOf(host: SdhciHost): SdhciPanicConfig {
  return configs.get(host) ?? SDHCI_PANIC_DEFAULTS;
}

const INHIBIT = R.PS.CMD_INHIBIT.mask | R.PS.DAT_INHIBIT.mask;

/** sdhci_panic_prepare(): reset, drain (bounded poll of the inhibit bits), clear status, forget the software request state. */
export function sdhciPanicPrepare(mmc: MmcHost): number {
  const host = sdhciPriv(mmc);
  const cfg = cfgOf(host);
  const st = sdhciPanicStats(host);
  st.prepares++;
  host.panicMode = true;
  if (cfg.reinitLock) {
    if (host.lock.owner !== null) st.lockReinits++;
    host.lock.reinit();
  }
  if (host.runtimeSuspended && cfg.resumeRuntimeSuspended) {
    // sdhci_runtime_resume_host() without the PM core: clock and interrupts back on through registers
    host.runtimeSuspended = false;
    sdhciSetDefaultIrqs(host);
    sdhciSetClock(host, host.clock);
    host.pr('panic: runtime-suspended host re-enabled through its registers');
  }
  const mask = cfg.resetMask === 'all' ? R.RST.ALL.mask : R.RST.CMD.mask | R.RST.DATA.mask;
  sdhciReset(host, mask);
  if (cfg.resetMask === 'all') {
    // sdhci_reinit(): registers back to what the ios say (the card behind them lost power)
    host.pwr = 0;
    host.clock = 0;
    sdhciSetDefaultIrqs(host);
    sdhciSetIos(mmc, mmc.ios);
  }
  const deadline = host.cpu.now + cfg.drainTimeoutMs * 1e6;
  while (host.readl(R.PRESENT_STATE) & INHIBIT) {
    if (host.cpu.now > deadline) {
      host.pr(`panic: inhibit bits still set after ${cfg.drainTimeoutMs} ms (present 0x${host.readl(R.PRESENT_STATE).toString(16)})`);
      return -EBUSY;
    }
    host.cpu.udelay(10);
  }
  host.writel(0xffffffff, R.NORMAL_INT_STATUS);
  // the interrupted request is abandoned: nothing of it may confuse the next one
  host.cmd = null;
  host.dataCmd = null;
  host.data = null;
  host.deferredCmd = null;
  host.pendingReset = false;
  host.mrqsDone.fill(null);
  // its pages are unmapped (nothing copied back: the request is abandoned)
  if (host.dmaSegs) dmaUnmap(host.memory, host.dmaSegs, new Uint8Array(0), false, 0);
  host.dmaSegs = null;
  host.cpu.delTimer(host.timer);
  host.cpu.delTimer(host.dataTimer);
  mmc.ongoingMrq = null;
  return 0;
}

/** Default bound of one poll: the 2 s data timeout plus the 10 s software-timer margin is too long to spin; 3 s. */
export const SDHCI_PANIC_POLL_TIMEOUT_MS = 3000;
const POLL_STEP_NS = 10_000;

/**
 * sdhci_panic_poll_completion(): read the status registers and drive `mrq` to completion without
 * interrupts. Returns 0, or -ETIMEDOUT after the bound (the error is also set in the mrq, so the
 * caller cannot mistake a stuck request for success).
 */
export function sdhciPanicPollCompletion(mmc: MmcHost, mrq: MmcRequest, timeoutMs = SDHCI_PANIC_POLL_TIMEOUT_MS): number {
  const host = sdhciPriv(mmc);
  const cpu = host.cpu;
  const st = sdhciPanicStats(host);
  let done = mrq.completed;
  const prevDone = mrq.done;
  mrq.done = (m) => {
    done = true;
    m.completed = true;
    prevDone?.(m);
  };
  const deadline = cpu.now + timeoutMs * 1e6;
  try {
    for (;;) {
      st.polls++;
      sdhciIrq(host);
      // the IRQ thread's work, inline: deferred command, pending reset, DMA unmap, request done
      if (host.deferredCmd || host.mrqsDone.some((m) => m !== null)) {
        if (host.pendingReset) st.inlineResets++;
        sdhciThreadIrq(host);
      }
      if (done) return 0;
      if (cpu.now >= deadline) break;
      // busy-wait; nothing can change in the registers before the next device event
      const next = cpu.clock.nextDue();
      let step = POLL_STEP_NS;
      if (next === undefined) step = deadline - cpu.now;
      else if (next > cpu.now + step) step = Math.ceil((next - cpu.now) / POLL_STEP_NS) * POLL_STEP_NS;
      step = Math.max(POLL_STEP_NS, Math.min(step, deadline - cpu.now));
      cpu.udelay(step / 1000);
    }
    // bounded: fail the request as the software timer would have
    st.pollTimeouts++;
    host.pr(`panic: request CMD${mrq.cmd.opcode} not complete after ${timeoutMs} ms of polling`);
    if (host.data && host.data.mrq === mrq) {
      host.data.error = -ETIMEDOUT;
      sdhciFinishDataInner(host, true);
    } else if (host.dataCmd && host.dataCmd.mrq === mrq) {
      host.dataCmd.error = -ETIMEDOUT;
      sdhciFinishMrqNoWork(host, mrq);
    } else if (host.cmd && host.cmd.mrq === mrq) {
      host.cmd.error = -ETIMEDOUT;
      sdhciFinishMrqNoWork(host, mrq);
    }
    sdhciThreadIrq(host);
    if (!mrqHasError(mrq)) mrq.cmd.error = -ETIMEDOUT;
    if (!done) {
      host.cmd = host.cmd?.mrq === mrq ? null : host.cmd;
      mrq.completed = true;
      mmc.ongoingMrq = null;
    }
    return -ETIMEDOUT;
  } finally {
    mrq.done = prevDone;
  }
}

function mrqHasError(mrq: MmcRequest): boolean {
  return !!(mrq.cmd.error || mrq.data?.error || mrq.stop?.error || mrq.sbc?.error);
}

/** sdhci_panic_complete(): clear interrupt status; idempotent. */
export function sdhciPanicComplete(mmc: MmcHost, _mrq: MmcRequest): void {
  const host = sdhciPriv(mmc);
  host.writel(0xffffffff, R.NORMAL_INT_STATUS);
}
