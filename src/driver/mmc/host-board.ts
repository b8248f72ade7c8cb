/**
 * Boot the MMC stack on an emulated board: CPU model, SDHCI probe, card scan and init, block
 * devices with the partition scan. What the commands call.
 */
import type { Board } from '../../device/board.js';
import type { SdhciHost, TransferKind } from '../sdhci/sdhci.js';
import { sdhciProbe } from '../sdhci/setup.js';
import { sdhciCqhciInit } from '../cqhci/sdhci-cqhci.js';
import { Cpu } from './cpu.js';
import { withHost } from './core.js';
import { mmcRescanTryFreq } from './card.js';
import { findBlkdev, mmcBlkGetCardByName, mmcBlkProbe, mmcBlkRegister, mmcBlkUnregister, type FoundBlkdev, type MmcBlk, type MmcBlockDevice, type MmcBlockPartition } from './block.js';
import type { BlockDisk, ScanOptions, ScanResult } from './partitions/index.js';
import type { MmcCard, MmcHost } from './types.js';

export interface BootMmcOptions {
  board: Pick<Board, 'mmio' | 'irq' | 'memory' | 'clock'>;
  transfer?: TransferKind;
  /** host index (mmcN, mmcblkN); default 0 */
  index?: number;
  /** block-layer retries (default true) */
  retries?: boolean;
  scan?: ScanOptions;
  /** an existing CPU model (default: a new one on the board's clock and IRQ line) */
  cpu?: Cpu;
  /** the controller has a CQE (device tree `supports-cqe`): cqhci is set up at probe */
  cqe?: boolean;
  /** SDHCI_QUIRK2_* of the platform (e.g. SDHCI_QUIRK2_HOST_NO_CMD23) */
  quirks2?: number;
  /** mmc->caps the platform driver adds (e.g. MMC_CAP_AGGRESSIVE_PM) */
  mmcCaps?: number;
}

export interface MmcStack {
  cpu: Cpu;
  sdhci: SdhciHost;
  host: MmcHost;
  card: MmcCard;
  blk: MmcBlk;
  /** every hardware partition: mmcblk0, mmcblk0boot0, mmcblk0boot1, mmcblk0rpmb, … */
  devices: MmcBlockDevice[];
  /** the disks with dev_t as resolveBlkdev sees them (no RPMB) */
  disks: BlockDisk[];
  /** mmcblk0p1… */
  partitions: MmcBlockPartition[];
  scan: ScanResult;
  device(name: string): MmcBlockDevice | undefined;
  findBlkdev(spec: string): FoundBlkdev;
  getCardByName(name: string): MmcCard | undefined;
  /** unregister the block devices (the board is the caller's to close) */
  close(): void;
}

export function bootMmcStack(o: BootMmcOptions): MmcStack {
  const cpu = o.cpu ?? new Cpu({ clock: o.board.clock, irq: o.board.irq });
  const sdhci = sdhciProbe({ board: o.board, cpu, transfer: o.transfer ?? 'adma2', index: o.index ?? 0, quirks2: o.quirks2, mmcCaps: o.mmcCaps ?? 0 });
  const host = sdhci.mmc;
  if (o.cqe) sdhciCqhciInit(sdhci);
  // mmc_rescan(): claim the host around the scan
  const card = withHost(host, () => mmcRescanTryFreq(host), 'mmc_rescan');
  const disks = mmcBlkProbe(card, { retries: o.retries, scan: o.scan });
  mmcBlkRegister(disks);
  return {
    cpu,
    sdhci,
    host,
    card,
    blk: disks.blk,
    devices: disks.blk.devices,
    disks: disks.disks,
    partitions: disks.partitions,
    scan: disks.scan,
    device: (name) => disks.blk.device(name),
    findBlkdev: (spec) => findBlkdev(disks, spec),
    getCardByName: (name) => mmcBlkGetCardByName(name, [disks]),
    close: () => mmcBlkUnregister(disks),
  };
}
