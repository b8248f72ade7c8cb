/**
 * SDHCI host set-up (drivers/mmc/host/sdhci.c): the host ops, sdhci_setup_host (capabilities,
 * DMA mode, the mmc_host limits) and __sdhci_add_host (init, the IRQ), and the probe that runs
 * them on a board's controller.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import * as R from '../../hw/sdhci-regs.js';
import {
  MMC_CAP_4_BIT_DATA,
  MMC_CAP_8_BIT_DATA,
  MMC_CAP_CMD23,
  MMC_CAP_MMC_HIGHSPEED,
  MMC_CAP_NONREMOVABLE,
  MMC_CAP_SD_HIGHSPEED,
  MMC_CAP_SDIO_IRQ,
  MMC_CAP2_HS200,
  type MmcHostOps,
} from '../mmc/types.js';
import { sdhciExecuteTuning } from './tuning.js';
import { SDHCI_BOUNCE_SIZE, SDHCI_MAX_SEGS } from './dma.js';
import { sdhciCardBusy, sdhciSetIos, sdhciStartSignalVoltageSwitch } from './ios.js';
import { sdhciIrq, sdhciThreadIrq, sdhciTimeoutDataTimer, sdhciTimeoutTimer } from './irq.js';
import { sdhciGetCd, sdhciRequest } from './request.js';
import { sdhciDoReset, sdhciInit } from './reset.js';
import {
  SDHCI_AUTO_CMD12,
  SDHCI_AUTO_CMD23,
  SDHCI_MAX_DIV_SPEC_300,
  SDHCI_QUIRK2_ACMD23_BROKEN,
  SDHCI_QUIRK2_BROKEN_64_BIT_DMA,
  SDHCI_QUIRK2_HOST_NO_CMD23,
  SDHCI_QUIRK_BROKEN_ADMA,
  SDHCI_QUIRK_BROKEN_DMA,
  SDHCI_QUIRK_MULTIBLOCK_READ_ACMD12,
  SDHCI_USE_64_BIT_DMA,
  SDHCI_USE_ADMA,
  SDHCI_USE_SDMA,
  SdhciHost,
  sdhciPriv,
  type SdhciHostOptions,
  type SdhciTimeouts,
} from './sdhci.js';

/** sdhci_ops: the struct mmc_host_ops every SDHCI host gets (the panic ops are added by panic.ts). */
export const sdhciOps: MmcHostOps = {
  request: (mmc, mrq) => sdhciRequest(sdhciPriv(mmc), mrq),
  setIos: sdhciSetIos,
  getRo: () => 0,
  getCd: (mmc) => sdhciGetCd(mmc),
  cardBusy: sdhciCardBusy,
  startSignalVoltageSwitch: sdhciStartSignalVoltageSwitch,
  executeTuning: sdhciExecuteTuning,
};

const SDHCI_TIMEOUTS: SdhciTimeouts = { timer: sdhciTimeoutTimer, dataTimer: sdhciTimeoutDataTimer };

/** sdhci_setup_host(): read the capabilities, choose SDMA/ADMA2/PIO, fill in the mmc_host limits. */
export function sdhciSetupHost(host: SdhciHost): void {
  sdhciDoReset(host, R.RST.ALL.mask); // __sdhci_read_caps
  host.version = R.get(R.VER.SPEC, host.readw(R.HOST_VERSION));
  host.caps = host.readl(R.CAPABILITIES0);
  if (host.version >= R.SPEC_VERSION.V3_00) host.caps1 = host.readl(R.CAPABILITIES1);
  if (host.version > R.SPEC_VERSION.V3_00) host.pr(`Unknown controller version (${host.version}). You may experience problems.`);

  if (R.isSet(R.CAP0.SDMA, host.caps)) host.flags |= SDHCI_USE_SDMA;
  if (host.quirks & SDHCI_QUIRK_BROKEN_DMA && host.flags & SDHCI_USE_SDMA) host.flags &= ~SDHCI_USE_SDMA;
  if (host.version >= R.SPEC_VERSION.V2_00 && R.isSet(R.CAP0.ADMA2, host.caps)) host.flags |= SDHCI_USE_ADMA;
  if (host.quirks & SDHCI_QUIRK_BROKEN_ADMA && host.flags & SDHCI_USE_ADMA) host.flags &= ~SDHCI_USE_ADMA;
  if (R.isSet(R.CAP0.ADDR_64BIT_V3, host.caps) && !(host.quirks2 & SDHCI_QUIRK2_BROKEN_64_BIT_DMA)) host.flags |= SDHCI_USE_64_BIT_DMA;
  // SDMA does not support 64-bit DMA if v4 mode is not set
  if (host.flags & SDHCI_USE_64_BIT_DMA) host.flags &= ~SDHCI_USE_SDMA;
  if (host.flags & SDHCI_USE_ADMA) host.descSz = host.flags & SDHCI_USE_64_BIT_DMA ? R.ADMA2_DESC64_SIZE : R.ADMA2_DESC32_SIZE;

  host.maxClk = R.get(R.CAP0.BASE_CLOCK_MHZ, host.caps) * 1_000_000;
  const mmc = host.mmc;
  mmc.fMax = host.maxClk;
  mmc.fMin = host.maxClk / SDHCI_MAX_DIV_SPEC_300;
  host.timeoutClk = R.get(R.CAP0.TIMEOUT_CLOCK_FREQ, host.caps);
  if (R.isSet(R.CAP0.TIMEOUT_CLOCK_UNIT_MHZ, host.caps)) host.timeoutClk *= 1000;
  mmc.maxBusyTimeout = host.timeoutClk ? Math.floor((1 << 27) / host.timeoutClk) : 0;

  mmc.caps |= MMC_CAP_SDIO_IRQ | MMC_CAP_CMD23;
  if (host.quirks2 & SDHCI_QUIRK2_HOST_NO_CMD23) mmc.caps &= ~MMC_CAP_CMD23;
  if (host.quirks & SDHCI_QUIRK_MULTIBLOCK_READ_ACMD12) host.flags |= SDHCI_AUTO_CMD12;
  // Auto-CMD23 stuff only works in ADMA or PIO
  if (host.version >= R.SPEC_VERSION.V3_00 && (host.flags & SDHCI_USE_ADMA || !(host.flags & SDHCI_USE_SDMA)) && !(host.quirks2 & SDHCI_QUIRK2_ACMD23_BROKEN)) {
    host.flags |= SDHCI_AUTO_CMD23;
  }
  mmc.caps |= MMC_CAP_4_BIT_DATA;
  if (R.isSet(R.CAP0.HIGH_SPEED, host.caps)) mmc.caps |= MMC_CAP_SD_HIGHSPEED | MMC_CAP_MMC_HIGHSPEED;
  // SDR104 (with 1.8 V signalling) implies HS200 for eMMC; tuning is then done by sdhci_execute_tuning
  if (R.isSet(R.CAP1.SDR104, host.caps1) && R.isSet(R.CAP0.VOLTAGE_1V8, host.caps)) mmc.caps2 |= MMC_CAP2_HS200;
  // platform description of an eMMC slot (device tree "bus-width = <8>", "non-removable")
  if (R.isSet(R.CAP0.BUS_8BIT, host.caps)) mmc.caps |= MMC_CAP_8_BIT_DATA;
  mmc.caps |= MMC_CAP_NONREMOVABLE;
  let ocr = 0;
  if (R.isSet(R.CAP0.VOLTAGE_3V3, host.caps)) ocr |= (1 << 20) | (1 << 21); // MMC_VDD_32_33 | MMC_VDD_33_34
  if (R.isSet(R.CAP0.VOLTAGE_3V0, host.caps)) ocr |= (1 << 17) | (1 << 18);
  if (R.isSet(R.CAP0.VOLTAGE_1V8, host.caps)) ocr |= 1 << 7; // MMC_VDD_165_195
  mmc.ocrAvail = ocr;
  host.readl(R.MAX_CURRENT);

  if (host.flags & SDHCI_USE_ADMA) mmc.maxSegs = SDHCI_MAX_SEGS;
  else if (host.flags & SDHCI_USE_SDMA) mmc.maxSegs = 1;
  else mmc.maxSegs = SDHCI_MAX_SEGS;
  mmc.maxReqSize = 524288;
  mmc.maxSegSize = host.flags & SDHCI_USE_ADMA ? 65536 : mmc.maxReqSize;
  mmc.maxBlkSize = 512 << R.get(R.CAP0.MAX_BLOCK_LENGTH, host.caps);
  mmc.maxBlkCount = 65535;
  if (mmc.maxSegs === 1) {
    // sdhci_allocate_bounce_buffer()
    mmc.maxSegs = SDHCI_BOUNCE_SIZE / SECTOR_SIZE;
    mmc.maxSegSize = SDHCI_BOUNCE_SIZE;
    mmc.maxReqSize = SDHCI_BOUNCE_SIZE;
  }
}

/** __sdhci_add_host(): init, request the IRQ, then the core powers up and scans. */
export function sdhciAddHost(host: SdhciHost): void {
  sdhciInit(host, false);
  host.cpu.requestIrq({ name: host.name, handler: () => sdhciIrq(host), thread: () => sdhciThreadIrq(host) });
  host.pr(`SDHCI controller on emulated board [${host.name}] using ${host.flags & SDHCI_USE_ADMA ? (host.flags & SDHCI_USE_64_BIT_DMA ? 'ADMA 64-bit' : 'ADMA') : host.flags & SDHCI_USE_SDMA ? 'DMA' : 'PIO'}`);
}

export interface SdhciProbeOptions extends SdhciHostOptions {
  /** host->mmc->caps the platform driver sets before sdhci_add_host (e.g. MMC_CAP_AGGRESSIVE_PM) */
  mmcCaps?: number;
  mmcCaps2?: number;
}

/** Probe an SDHCI controller on the board: sdhci_setup_host + __sdhci_add_host (without the scan). */
export function sdhciProbe(o: SdhciProbeOptions): SdhciHost {
  const host = new SdhciHost(o, sdhciOps, SDHCI_TIMEOUTS);
  host.mmc.caps |= o.mmcCaps ?? 0;
  host.mmc.caps2 |= o.mmcCaps2 ?? 0;
  sdhciSetupHost(host);
  sdhciAddHost(host);
  return host;
}
