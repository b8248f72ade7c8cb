/**
 * SDHCI software reset and initialisation (drivers/mmc/host/sdhci.c: sdhci_reset,
 * sdhci_do_reset, sdhci_reset_for, sdhci_set_default_irqs, sdhci_init): what probe, set_ios,
 * the error path and the panic ops all use to bring the controller to a known state.
 */
import * as R from '../../hw/sdhci-regs.js';
import type { SdhciHost } from './sdhci.js';

/** sdhci_reset(): set the reset bits, poll until the controller clears them (100 ms). */
export function sdhciReset(host: SdhciHost, mask: number): void {
  host.stats.resets.push(mask);
  host.writeb(mask, R.SOFTWARE_RESET);
  if (mask & R.RST.ALL.mask) host.clock = 0;
  const deadline = host.cpu.now + 100e6; // 100 ms
  for (;;) {
    const timedOut = host.cpu.now > deadline;
    if (!(host.readb(R.SOFTWARE_RESET) & mask)) break;
    if (timedOut) {
      host.pr(`Reset 0x${mask.toString(16)} never completed.`);
      host.dumpRegs();
      return;
    }
    host.cpu.udelay(10);
  }
}

/** sdhci_do_reset() */
export function sdhciDoReset(host: SdhciHost, mask: number): void {
  sdhciReset(host, mask);
}

/** sdhci_reset_for(host, REQUEST_ERROR): CMD then DATA, separately (Ricoh controllers dislike both). */
export function sdhciResetForRequestError(host: SdhciHost): void {
  sdhciDoReset(host, R.RST.CMD.mask);
  sdhciDoReset(host, R.RST.DATA.mask);
}

/** sdhci_set_default_irqs() */
export function sdhciSetDefaultIrqs(host: SdhciHost): void {
  host.ier =
    R.INT.BUS_POWER | R.INT.DATA_END_BIT | R.INT.DATA_CRC | R.INT.DATA_TIMEOUT | R.INT.INDEX | R.INT.END_BIT | R.INT.CRC | R.INT.TIMEOUT | R.INT.DATA_END | R.INT.RESPONSE;
  host.writel(host.ier, R.NORMAL_INT_STATUS_ENABLE);
  host.writel(host.ier, R.NORMAL_INT_SIGNAL_ENABLE);
}

/** sdhci_init(host, soft) */
export function sdhciInit(host: SdhciHost, soft: boolean): void {
  if (soft) sdhciDoReset(host, R.RST.CMD.mask | R.RST.DATA.mask);
  else sdhciDoReset(host, R.RST.ALL.mask);
  const was = host.lockIrqSave();
  sdhciSetDefaultIrqs(host);
  host.unlockIrqRestore(was);
  if (soft) {
    host.clock = 0;
    host.mmc.ops.setIos(host.mmc, host.mmc.ios); // mmc->ops->set_ios: ios.ts sits above this file
  }
}
