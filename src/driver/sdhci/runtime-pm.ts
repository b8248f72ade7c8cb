/**
 * SDHCI runtime PM (drivers/mmc/host/sdhci.c sdhci_runtime_suspend_host/resume_host) and the
 * platform glue around it, as sdhci-esdhc-imx, sdhci-of-arasan and others do it: interrupts off
 * except the card interrupt, a re-tune flagged (the sampling point is lost with the clock), the
 * SD clock stopped, then the interface clock gated; resume in the reverse order.
 */
import type { HostInterfaceClock } from '../../device/board.js';
import * as R from '../../hw/sdhci-regs.js';
import { mmcRetuneNeeded } from '../mmc/retune.js';
import { sdhciSetClock } from './ios.js';
import { sdhciInit } from './reset.js';
import type { SdhciHost } from './sdhci.js';

/** sdhci_runtime_suspend_host(): only the card interrupt stays enabled; runtime_suspended. */
export function sdhciRuntimeSuspendHost(host: SdhciHost): number {
  const was = host.lockIrqSave();
  host.ier &= R.INT.CARD_INT;
  host.writel(host.ier, R.NORMAL_INT_STATUS_ENABLE);
  host.writel(host.ier, R.NORMAL_INT_SIGNAL_ENABLE);
  host.unlockIrqRestore(was);
  // synchronize_hardirq(): nothing runs concurrently in this model
  const was2 = host.lockIrqSave();
  host.runtimeSuspended = true;
  host.unlockIrqRestore(was2);
  return 0;
}

/** sdhci_runtime_resume_host(host, soft_reset): re-init, clock and power re-programmed from the ios. */
export function sdhciRuntimeResumeHost(host: SdhciHost, softReset: boolean): number {
  const mmc = host.mmc;
  sdhciInit(host, softReset);
  if (mmc.ios.powerMode !== 'undefined' && mmc.ios.powerMode !== 'off') {
    // force the clock re-program; host->pwr is kept (sdhci.c zeroes it too): on this board the
    // card's supply is Power Control itself, where a vmmc regulator would ride out the rewrite
    host.clock = 0;
    mmc.ops.startSignalVoltageSwitch?.(mmc, mmc.ios);
    mmc.ops.setIos(mmc, mmc.ios);
  }
  const was = host.lockIrqSave();
  host.runtimeSuspended = false;
  host.unlockIrqRestore(was);
  return 0;
}

/**
 * The platform's runtime_suspend: sdhci_runtime_suspend_host(), mmc_retune_needed() (tuning mode
 * 1: the tuned sampling point does not survive), the SD clock stopped, the interface clock gated.
 */
export function sdhciPltfmRuntimeSuspend(host: SdhciHost, iclk?: HostInterfaceClock): number {
  const ret = sdhciRuntimeSuspendHost(host);
  if (ret) return ret;
  mmcRetuneNeeded(host.mmc);
  sdhciSetClock(host, 0);
  iclk?.disable();
  return 0;
}

/**
 * The platform's runtime_resume: interface clock on, then sdhci_runtime_resume_host(host, 1) — a
 * CMD|DATA reset: this board powers the card from Power Control, which a reset-all would clear.
 */
export function sdhciPltfmRuntimeResume(host: SdhciHost, iclk?: HostInterfaceClock): number {
  iclk?.enable();
  return sdhciRuntimeResumeHost(host, true);
}
