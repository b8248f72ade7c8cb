/** Types of the board session API (what the commands call). */
import type { Arch } from '../../zone/codec.js';
import type { CompressAlgorithm } from '../../zone/compressors/algorithms.js';
import type { BlkParams } from '../../zone/params.js';
import type { PanicOutcome } from '../system/panic.js';
import type { CpuEvent } from '../system/cpu-state.js';
import type { TransferKind } from '../sdhci/sdhci.js';
import type { MmcpstoreDriverKind } from '../mmcpstore/context.js';
import type { BlockBacking } from '../../device/backing.js';
import type { Tracer } from '../../device/trace.js';
import type { GatedMmio } from '../../device/board.js';

export type ImageLayoutKind = 'user-area' | 'qemu';

export interface OpenBoardOptions {
  /** image file path (needs `openImage`), or a BlockBacking (tests: MemoryBacking) */
  image: string | BlockBacking;
  /**
   * How a path becomes a backing: FileBacking.open(path, { mode }) with its lock. src/driver may
   * not import device/backing.ts (the MMIO-boundary rule), so the caller hands it in.
   */
  openImage?: (path: string, readOnly: boolean) => BlockBacking;
  readOnly?: boolean;
  layout?: ImageLayoutKind;
  transfer?: TransferKind;
  /** trace globs ("sdhci_*,sdcard_*") to stderr, or a Tracer (with `record: true` its lines go into the panic report) */
  trace?: string | Tracer;
  /** device fault specs present from power-on */
  faults?: string;
  seed?: number;
  /** wall clock (epoch seconds) of the command: the instant of its action (panic, write, mount); record times are this plus virtual time since */
  now?: number;
  /** seeded boot log lines (default 120) */
  bootLogLines?: number;
  /** the card's volatile write cache in bytes (EXT_CSD CACHE_SIZE; default 0 = none): H9 */
  cacheSize?: number;
  /** the card's command-queue depth (EXT_CSD CMDQ_DEPTH; default 32, 0 = no command queueing) */
  cmdqDepth?: number;
  /** a CQHCI engine in the controller, driven by cqhci (the card runs in CMDQ mode): H6 */
  cqe?: boolean;
  /** the host cannot send CMD23 (SDHCI_QUIRK2_HOST_NO_CMD23): no block count, no forced programming (H9) */
  hostNoCmd23?: boolean;
  /** bus mode of the board: 'hs' (default; no tuning) or 'hs200' (SDR104 in Capabilities 1, 1.8 V, CMD21 tuning, re-tuning possible) */
  busMode?: BusModeKind;
  /** the host driver sets MMC_CAP_AGGRESSIVE_PM: the card is runtime-suspended (slept, powered off) when idle */
  aggressivePm?: boolean;
  /** MMIO to the host while its runtime suspend has gated the interface clock (default 'registers') */
  gatedMmio?: GatedMmio;
}

export type BusModeKind = 'hs' | 'hs200';

export interface RelatedOptions {
  /** pstore.compress for writing (6.6+ kernels fall back to deflate for any other name). */
  compress?: CompressAlgorithm | 'none';
  /** The algorithm the user named, for reading; unset: deflate, then identification by trial. */
  decompress?: CompressAlgorithm;
  kmsgBytes?: number;
}

export interface AttachOptions {
  blkdev: string;
  params?: Partial<BlkParams>;
  related?: RelatedOptions;
  nrCpus?: number;
  /** kernel version of the writing/reading kernel (zone profile), e.g. "6.6" */
  kernel?: string;
  /** the writing kernel's ABI (struct layouts); unset: detected at recovery, else 64-bit */
  arch?: Arch;
  /** mmcpstore version (v3, v4, v5 as posted, or proposed); the library's default is proposed, the CLI's v5 */
  driver?: MmcpstoreDriverKind;
  /** CONFIG_MMC_PSTORE=y (probe hook) instead of =m (name lookup); default true */
  builtIn?: boolean;
  /** mmcpstore.sector_offset / sector_count */
  sectorOffset?: number;
  sectorCount?: number;
  /** mount pstorefs (run recovery) after registering; false = H12 "panic before pstorefs was read" */
  mount?: boolean;
  /**
   * register pstore's console (pstore_register_console; default: when the layout has a console
   * zone). A read-only session that only reads can leave it out when nothing watches the bus: its
   * replay lands in the zone's new buffer, whose flush the read-only image refuses unseen.
   */
  console?: boolean;
}

/**
 * A scenario asks for a state this board cannot reach (a runtime-suspended card without
 * MMC_CAP_AGGRESSIVE_PM, a pending re-tune on a host that never tuned). The message is the one
 * line the command prints.
 */
export class UnreachableScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableScenarioError';
  }
}

/** The one line for each unreachable state (the command refuses with the same words, exit 2). */
export const UNREACHABLE = {
  cardSuspend: 'card runtime suspend needs MMC_CAP_AGGRESSIVE_PM: add --aggressive-pm',
  retune: 're-tuning needs a host that tuned (HS200; can_retune): add --bus-mode hs200',
} as const;

/** The hazards of spec §4 as switches (docs/scenarios.md). */
export interface PanicScenario {
  /** H1: a normal multi-block write (CMD23+CMD25) is mid-transfer when panic strikes */
  inflight?: boolean;
  /** H2: a stopped CPU holds mmc_host->lock ('host'), sdhci_host->lock ('sdhci') or the host claim ('claim') */
  lockHeld?: 'host' | 'sdhci' | 'claim';
  /** H3 / H4: the host (SD clock and, per `gatedMmio`, the interface clock gated) or the card (needs `aggressivePm`: slept and powered off) is runtime-suspended */
  suspended?: 'host' | 'card';
  /** H5: the card was left on another hardware partition */
  partition?: 'boot0' | 'boot1' | 'rpmb';
  /**
   * H6: command queueing on (needs a board opened with `cqe`): CPU1's blk-mq queued write tasks
   * into rootfs (`true`: 4, or this many) and the engine is running them when panic strikes
   */
  cqe?: boolean | number;
  /** H7/H8/H9: device fault specs armed just before the panic (data-crc, cmd-timeout@cmd23, busy:forever, power-loss:N …) */
  fault?: string;
  /** H11: a re-tune is pending (needs the HS200 board: only a host that tuned can re-tune) */
  retunePending?: boolean;
  /** H10: panic between PM_SUSPEND_PREPARE and PM_POST_SUSPEND */
  pmSuspendWindow?: boolean;
  /** §6 Q3: software reset used by panic_prepare */
  resetMask?: 'cmd-data' | 'all';
  /** §6 Q5: panic_prepare re-initialises sdhci_host->lock (default: proposed yes, v3–v5 no) */
  lockReinit?: boolean;
  /** H7: the host driver has no panic ops */
  noPanicOps?: boolean;
}

export interface ReportPhase {
  /** virtual ns since boot */
  t: number;
  name: string;
  detail?: string;
  irqsOff: boolean;
}

export interface ReportWrite {
  /** 'kmsg' zone index, or the zone name for flushed ring zones */
  zone: string;
  offset: number;
  bytes: number;
  ret: number;
}

export interface PanicReport {
  /** 'written': the record is on the card (read back through a second boot); 'lost': it is not */
  outcome: 'written' | 'lost';
  /** lost: why, as the driver (or the kernel) logged it; written: what the driver got wrong on the way, if anything */
  reason?: string;
  /** what the first panic_write returned to pstore: 'ok', an errno name, 'hung' (never returned) or 'not called' */
  driverResult: string;
  /** the first panic_write's return value (bytes or -errno), when it returned */
  driverReturned?: number;
  /** the bytes pstore/zone handed to the first panic_write are on the card */
  onCard: boolean;
  /** what panic() ended in */
  panic: PanicOutcome;
  zone?: number;
  zoneOffset?: number;
  recordBytes?: number;
  compressed?: boolean;
  compressedSize?: number;
  textSize?: number;
  counter?: number;
  /** virtual ns from the first panic_write to the last return */
  panicWriteNs: number;
  phases: ReportPhase[];
  writes: ReportWrite[];
  /** "mmcpstore: ..." lines printed during the panic */
  driverLog: string[];
  /** mmc0: host lines during the panic */
  hostLog: string[];
  /** system CPU/lock events during the panic */
  cpuTrace: CpuEvent[];
  /** sleeping waits attempted with IRQs off (must be empty) */
  atomicSleeps: string[];
  /** IRQs were off at every driver step */
  irqsOffThroughout: boolean;
  trace?: string[];
  notes: string[];
}

export interface OopsReport {
  /** the record is on the card after the flusher and the clean shutdown (read back through a second boot), or not */
  outcome: 'written' | 'lost';
  /** lost: why; written: what went wrong on the way, if anything */
  reason?: string;
  /** what the driver's writes came to: 'ok', 'dirty zones left: …', or 'not called' (nothing dumped) */
  driverResult: string;
  onCard: boolean;
  zone?: number;
  driverLog: string[];
}
