/**
 * The driver's one global context (struct mmcpstore_context) and the version it runs
 * (versions.ts: v3, v4, v5 as posted, or our corrections, 'proposed').
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import type { CpuSet, Mutex, RuntimePmDevice } from '../system/index.js';
import type { MmcBlk } from '../mmc/block.js';
import type { MmcCard, MmcHost } from '../mmc/types.js';
import type { Registration } from '../../zone/blk.js';
import { MMC_PSTORE_MAX_BUFFER_SIZE, MmcpstoreState, STATE_NAMES } from './constants.js';
import { VERSION_TRAITS, type ClaimPath, type MmcpstoreVersion } from './versions.js';

/** The driver a board runs: a posted version or the proposed corrections (versions.ts). */
export type MmcpstoreDriverKind = MmcpstoreVersion;

export interface MmcpstoreConfig {
  driver: MmcpstoreDriverKind;
  /** mmcpstore.sector_offset / sector_count (0 = whole partition) */
  sectorOffset: number;
  sectorCount: number;
}

export interface MmcpstoreEnv {
  /** the system's CPUs: irqs_disabled(), in_atomic(), mutexes and the lock trace */
  cpus: CpuSet;
  /** printk(level, text) into the kernel log */
  printk(level: number, text: string): void;
  /** the card's runtime-PM device (mmc0:0001), if modelled */
  cardPm?: RuntimePmDevice;
  /** the block driver state of the card (part_curr), for the partition-switch bookkeeping */
  blk?: MmcBlk;
}

/** One driver action with its virtual time, for the session report. */
export interface DriverEvent {
  t: number;
  irqsOff: boolean;
  what: 'prepare' | 'claim' | 'switch' | 'request' | 'poll' | 'complete' | 'busy-wait' | 'card-reinit' | 'stop' | 'write' | 'refuse';
  detail: string;
}

export class MmcpstoreContext {
  state: MmcpstoreState = MmcpstoreState.UNINITIALIZED;
  card: MmcCard;
  host: MmcHost;
  device = '';
  /** absolute first sector of the area in the user area */
  startSect = 0;
  /** area size in bytes */
  size = 0;
  /** the 256 KiB alignment / RMW buffer */
  buffer: Uint8Array | null = new Uint8Array(MMC_PSTORE_MAX_BUFFER_SIZE);
  /** part_config saved on the first normal write (never used to restore anything) */
  savedPartConfig: number | null = null;
  registration: Registration | null = null;
  readonly mutex: Mutex;
  /** proposed driver: held across a whole read-modify-write (H14) */
  readonly rmwMutex: Mutex;
  readonly events: DriverEvent[] = [];
  readonly stats = { requests: 0, panicRequests: 0, rmw: 0, ebusy: 0, switches: 0 };
  /** test hook: a point where the writing task can be preempted with no driver lock held (H14) */
  preempt: (() => void) | null = null;
  panicWriteCalls = 0;
  /** every panic_write: what pstore/zone asked for and what the driver answered (`returned` false: it never returned, the panic hung in it) */
  readonly panicLog: { off: number; bytes: Uint8Array; ret: number; returned: boolean; t0: number; t1: number }[] = [];

  constructor(
    card: MmcCard,
    readonly config: MmcpstoreConfig,
    readonly env: MmcpstoreEnv,
  ) {
    this.card = card;
    this.host = card.host;
    this.mutex = env.cpus.mutex('mmcpstore->lock');
    this.rmwMutex = env.cpus.mutex('mmcpstore->rmw_lock');
  }

  /** our corrections (the proposed driver), not a posted version */
  get fixed(): boolean {
    return this.config.driver === 'proposed';
  }

  /** how this version claims the host in panic (versions.ts) */
  get claimPath(): ClaimPath {
    return VERSION_TRAITS[this.config.driver].claimPath;
  }

  get stateName(): string {
    return STATE_NAMES[this.state];
  }

  get sectors(): number {
    return Math.floor(this.size / SECTOR_SIZE);
  }

  /** "mmcpstore: ..." at `level` */
  log(level: number, text: string): void {
    this.env.printk(level, `mmcpstore: ${text}`);
  }

  event(what: DriverEvent['what'], detail: string): void {
    this.events.push({ t: this.host.cpu.now, irqsOff: this.host.cpu.irqsDisabled, what, detail });
  }
}

export const KERN = { EMERG: 0, ALERT: 1, CRIT: 2, ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 } as const;
