/**
 * The SDHCI host driver (drivers/mmc/host/sdhci.c), over MMIO only. This file is its sdhci.h:
 * struct sdhci_host with its flags and quirks, the register accessors (sdhci_readl & co.),
 * host->lock and the register dump. The driver's jobs follow sdhci.c's sections, one file each:
 *   reset.ts    sdhci_reset / sdhci_init: software resets and the default interrupt set
 *   ios.ts      set_ios: clock, power, bus width, timing, signal voltage
 *   request.ts  sdhci_request → send_command (inhibit checks, transfer mode, block size/count,
 *               SDMA/ADMA2/PIO set-up, Auto CMD12/23) and the completion of finished requests
 *   irq.ts      the interrupt handler with command/data completion, finish_data, PIO and the
 *               software timeouts on kernel timers
 *   setup.ts    probe: sdhci_setup_host + __sdhci_add_host, and the host ops
 *
 * Locking follows sdhci.c: `host.lock` is a spinlock taken with IRQs saved in process context and
 * plainly in the hard IRQ handler. Completion of a request is done in the hard IRQ unless it needs
 * a reset or used DMA; then the IRQ thread (or `complete_work`) finishes it.
 */
import type { Board, Mmio } from '../../device/board.js';
import * as R from '../../hw/sdhci-regs.js';
import { KernelTimer, type Cpu, type SpinLock } from '../mmc/cpu.js';
import type { MmcCommand, MmcData, MmcHost, MmcHostOps, MmcIos, MmcRequest } from '../mmc/types.js';
import type { DmaSegment } from './dma.js';

type SimMemory = Board['memory'];

// host->flags
export const SDHCI_USE_SDMA = 1 << 0;
export const SDHCI_USE_ADMA = 1 << 1;
export const SDHCI_REQ_USE_DMA = 1 << 2;
export const SDHCI_DEVICE_DEAD = 1 << 3;
export const SDHCI_AUTO_CMD12 = 1 << 6;
export const SDHCI_AUTO_CMD23 = 1 << 7;
export const SDHCI_USE_64_BIT_DMA = 1 << 12;
// quirks
export const SDHCI_QUIRK_BROKEN_DMA = 1 << 5;
export const SDHCI_QUIRK_BROKEN_ADMA = 1 << 6;
export const SDHCI_QUIRK_MULTIBLOCK_READ_ACMD12 = 1 << 19;
export const SDHCI_QUIRK2_BROKEN_64_BIT_DMA = 1 << 22;
export const SDHCI_QUIRK2_ACMD23_BROKEN = 1 << 14;
/** the host cannot send CMD23 (the core then never sets a block count, nor forced programming) */
export const SDHCI_QUIRK2_HOST_NO_CMD23 = 1 << 1;

export const SDHCI_MAX_DIV_SPEC_300 = 2046;
/** data->host_cookie: whether the request's buffer is mapped for DMA */
export const COOKIE_UNMAPPED = 0;
export const COOKIE_MAPPED = 2;
export const SDHCI_MAX_MRQS = 2;

/** Linux's SDHCI_INT_CMD_MASK / DATA_MASK in the 32-bit view. */
export const SDHCI_INT_CMD_MASK = R.INT.RESPONSE | R.INT.TIMEOUT | R.INT.CRC | R.INT.END_BIT | R.INT.INDEX | R.INT.AUTO_CMD_ERR;
export const SDHCI_INT_DATA_MASK =
  R.INT.DATA_END |
  R.INT.DMA_END |
  R.INT.DATA_AVAIL |
  R.INT.SPACE_AVAIL |
  R.INT.DATA_TIMEOUT |
  R.INT.DATA_CRC |
  R.INT.DATA_END_BIT |
  R.INT.ADMA_ERROR |
  R.INT.BLK_GAP |
  R.INT.TUNING_ERROR;

export type TransferKind = 'pio' | 'sdma' | 'adma2';

export interface SdhciHostOptions {
  board: Pick<Board, 'mmio' | 'irq' | 'memory' | 'clock'>;
  cpu: Cpu;
  /** which engine the driver uses (via Linux's BROKEN_DMA/BROKEN_ADMA/BROKEN_64_BIT_DMA quirks); default adma2 */
  transfer?: TransferKind;
  index?: number;
  quirks?: number;
  quirks2?: number;
}

/** The software timers' handlers (sdhci_timeout_timer, sdhci_timeout_data_timer: irq.ts). */
export interface SdhciTimeouts {
  timer(host: SdhciHost): void;
  dataTimer(host: SdhciHost): void;
}

/** struct sdhci_host: the controller's state; the driver's functions take it as `host`. */
export class SdhciHost {
  readonly mmio: Mmio;
  readonly memory: SimMemory;
  readonly cpu: Cpu;
  readonly mmc: MmcHost;
  /** host->lock: a spinlock of the CPU set the driver runs on */
  readonly lock: SpinLock;
  version = 0;
  caps = 0;
  caps1 = 0;
  flags = 0;
  quirks: number;
  quirks2: number;
  maxClk = 0;
  /** kHz */
  timeoutClk = 0;
  ier = 0;
  pwr = 0;
  /** Hz currently programmed (0 = off) */
  clock = 0;
  timing: MmcIos['timing'] = 'legacy';
  cmd: MmcCommand | null = null;
  dataCmd: MmcCommand | null = null;
  deferredCmd: MmcCommand | null = null;
  data: MmcData | null = null;
  dataEarly = false;
  pendingReset = false;
  runtimeSuspended = false;
  /** oops_in_progress as the panic patch's sdhci.c sees it (busy waits, quiet inhibit timeouts, timers ignored) */
  panicMode = false;
  readonly mrqsDone: (MmcRequest | null)[] = new Array(SDHCI_MAX_MRQS).fill(null);
  /** PIO: blocks left and byte position */
  blocks = 0;
  pioOffset = 0;
  descSz = 8;
  dmaSegs: DmaSegment[] | null = null;
  /** the scatterlist's storage, reused by the next mapping once the last one is unmapped */
  readonly sgTable: DmaSegment[] = [];
  /** sdhci_ops->irq (e.g. sdhci_cqhci_irq): sees the status first; returns what is left for sdhci_irq */
  irqHook: ((intmask: number) => number) | null = null;
    /** map request pages in place (dma.ts); false copies them through memory (tests compare) */
  dmaDirect = true;
  readonly timer: KernelTimer;
  readonly dataTimer: KernelTimer;
  readonly log: string[] = [];
  readonly stats = { resets: [] as number[], unexpected: 0, inhibitTimeouts: 0, noCmdInterrupts: 0, noDataInterrupts: 0 };

  /** sdhci_alloc_host(): `ops` becomes mmc->ops; the two software timers run `timeouts` (timer_setup). */
  constructor(o: SdhciHostOptions, ops: MmcHostOps, timeouts: SdhciTimeouts) {
    this.mmio = o.board.mmio;
    this.memory = o.board.memory;
    this.cpu = o.cpu;
    this.lock = o.cpu.spinLock('sdhci_host->lock');
    const transfer = o.transfer ?? 'adma2';
    this.quirks = (o.quirks ?? 0) | (transfer === 'pio' ? SDHCI_QUIRK_BROKEN_DMA | SDHCI_QUIRK_BROKEN_ADMA : transfer === 'sdma' ? SDHCI_QUIRK_BROKEN_ADMA : 0);
    this.quirks2 = (o.quirks2 ?? 0) | (transfer === 'sdma' ? SDHCI_QUIRK2_BROKEN_64_BIT_DMA : 0);
    this.timer = new KernelTimer('sdhci-timer', () => timeouts.timer(this));
    this.dataTimer = new KernelTimer('sdhci-data-timer', () => timeouts.dataTimer(this));
    this.mmc = {
      index: o.index ?? 0,
      ops,
      cpu: o.cpu,
      fMin: 0,
      fMax: 0,
      fInit: 400_000,
      ocrAvail: 0,
      caps: 0,
      caps2: 0,
      maxSegs: 0,
      maxSegSize: 0,
      maxReqSize: 0,
      maxBlkSize: 512,
      maxBlkCount: 65535,
      maxBusyTimeout: 0,
      ios: { clock: 0, vdd: 0, powerMode: 'off', busWidth: 1, timing: 'legacy', signalVoltage: '3.3', busMode: 'opendrain' },
      actualClock: 0,
      claimed: false,
      claimer: null,
      claimCnt: 0,
      lock: o.cpu.spinLock('mmc_host->lock'),
      ongoingMrq: null,
      card: null,
      priv: this,
      log: this.log,
    };
  }

  get name(): string {
    return `mmc${this.mmc.index}`;
  }

  pr(msg: string): void {
    this.log.push(`${this.name}: ${msg}`);
  }

  // -------------------------------------------------------------------------------------------
  // register accessors (sdhci_readl & co.)
  readl(r: R.RegDef, extra = 0): number {
    return this.mmio.readl(r.offset + extra) >>> 0;
  }
  readw(r: R.RegDef): number {
    return this.mmio.readw(r.offset);
  }
  readb(r: R.RegDef): number {
    return this.mmio.readb(r.offset);
  }
  writel(v: number, r: R.RegDef): void {
    this.mmio.writel(r.offset, v >>> 0);
  }
  writew(v: number, r: R.RegDef): void {
    this.mmio.writew(r.offset, v & 0xffff);
  }
  writeb(v: number, r: R.RegDef): void {
    this.mmio.writeb(r.offset, v & 0xff);
  }

  /** spin_lock_irqsave(&host->lock) */
  lockIrqSave(): boolean {
    const was = this.cpu.localIrqDisable();
    this.lock.lock();
    return was;
  }
  unlockIrqRestore(was: boolean): void {
    this.lock.unlock();
    this.cpu.localIrqRestore(was);
  }

  /** sdhci_dumpregs() */
  dumpRegs(): string {
    const r = (x: R.RegDef) => (x.width === 32 ? this.readl(x) : x.width === 16 ? this.readw(x) : this.readb(x)).toString(16).padStart(8, '0');
    const line = `Sys addr:  0x${r(R.SDMA_ADDRESS)} | Version:  0x${r(R.HOST_VERSION)} | Blk size: 0x${r(R.BLOCK_SIZE)} | Blk cnt: 0x${r(R.BLOCK_COUNT)} | Argument: 0x${r(R.ARGUMENT)} | Trn mode: 0x${r(R.TRANSFER_MODE)} | Present: 0x${r(R.PRESENT_STATE)} | Host ctl: 0x${r(R.HOST_CONTROL1)} | Clock: 0x${r(R.CLOCK_CONTROL)} | Int stat: 0x${r(R.NORMAL_INT_STATUS)} | Int enab: 0x${r(R.NORMAL_INT_STATUS_ENABLE)} | Sig enab: 0x${r(R.NORMAL_INT_SIGNAL_ENABLE)} | ACmd stat: 0x${r(R.AUTO_CMD_ERROR_STATUS)} | ADMA Err: 0x${r(R.ADMA_ERROR_STATUS)} | ADMA Ptr: 0x${r(R.ADMA_ADDRESS_LO)}`;
    this.pr('============ SDHCI REGISTER DUMP ===========');
    this.pr(line);
    return line;
  }
}

export const sdhciPriv = (mmc: MmcHost): SdhciHost => mmc.priv as SdhciHost;
