/**
 * The SDHCI half of command queueing (drivers/mmc/host/sdhci.c sdhci_cqe_enable,
 * sdhci_cqe_disable, sdhci_cqe_irq, and a platform driver's sdhci_cqhci_irq + cqhci_init): what
 * a host with a CQE in its register window (device tree `supports-cqe`) sets up at probe.
 */
import * as R from '../../hw/sdhci-regs.js';
import { sdhciResetForRequestError, sdhciSetDefaultIrqs } from '../sdhci/reset.js';
import type { SdhciHost } from '../sdhci/sdhci.js';
import { CQHCI_VER } from '../../hw/cqhci-regs.js';
import { CqhciHost, cqhciCqeOps } from './cqhci-core.js';

/** SDHCI_CQE_INT_ERR_MASK / SDHCI_CQE_INT_MASK: what the SDHCI side enables while the CQE runs. */
export const SDHCI_CQE_INT_ERR_MASK =
  R.INT.ADMA_ERROR | R.INT.BUS_POWER | R.INT.DATA_END_BIT | R.INT.DATA_CRC | R.INT.DATA_TIMEOUT | R.INT.INDEX | R.INT.END_BIT | R.INT.CRC | R.INT.TIMEOUT;
export const SDHCI_CQE_INT_MASK = (SDHCI_CQE_INT_ERR_MASK | R.NIS.CQE.mask) >>> 0;

/** sdhci_cqe_enable(): CQE interrupts only. */
function sdhciCqeEnable(host: SdhciHost, state: { cqeOn: boolean }): void {
  const was = host.lockIrqSave();
  host.ier = SDHCI_CQE_INT_MASK;
  host.writel(host.ier, R.NORMAL_INT_STATUS_ENABLE);
  host.writel(host.ier, R.NORMAL_INT_SIGNAL_ENABLE);
  state.cqeOn = true;
  host.unlockIrqRestore(was);
}

/** sdhci_cqe_disable(): the default interrupts back; after an error, CMD and DATA reset. */
function sdhciCqeDisable(host: SdhciHost, state: { cqeOn: boolean }, recovery: boolean): void {
  const was = host.lockIrqSave();
  sdhciSetDefaultIrqs(host);
  state.cqeOn = false;
  if (recovery) sdhciResetForRequestError(host);
  host.unlockIrqRestore(was);
}

/**
 * sdhci_cqe_irq() + cqhci_irq(): while the CQE is on, its status is ours (returns 0: nothing
 * left for sdhci_irq); otherwise the status passes through untouched.
 */
function sdhciCqhciIrq(host: SdhciHost, cq: CqhciHost, state: { cqeOn: boolean }, intmask: number): number {
  if (!state.cqeOn) return intmask;
  const mask = intmask & SDHCI_CQE_INT_MASK;
  host.writel(mask, R.NORMAL_INT_STATUS);
  const rest = (intmask & ~(SDHCI_CQE_INT_MASK | R.INT.ERROR)) >>> 0;
  if (rest) {
    host.writel(rest, R.NORMAL_INT_STATUS);
    host.pr(`CQE: Unexpected interrupt 0x${rest.toString(16).padStart(8, '0')}.`);
  }
  cq.irq();
  return 0;
}

/** cqhci_init() on an SDHCI host: the engine's driver, its cqe_ops on the mmc host, the IRQ hook. */
export function sdhciCqhciInit(host: SdhciHost): CqhciHost {
  const state = { cqeOn: false };
  const cq = new CqhciHost(host.mmc, {
    readl: (off) => host.mmio.readl(off),
    writel: (v, off) => host.mmio.writel(off, v),
    enable: () => sdhciCqeEnable(host, state),
    disable: (_mmc, recovery) => sdhciCqeDisable(host, state, recovery),
    memoryWrite: (addr, data) => host.memory.write(addr, data),
    memoryRead: (addr, len) => host.memory.read(addr, len),
  });
  host.mmc.cqeOps = cqhciCqeOps(cq);
  host.irqHook = (intmask) => sdhciCqhciIrq(host, cq, state, intmask);
  const ver = cq.readl(CQHCI_VER);
  host.pr(`CQHCI version ${(ver >>> 8) & 0xf}.${(((ver >>> 4) & 0xf) * 10 + (ver & 0xf)).toString().padStart(2, '0')}`);
  return cq;
}
