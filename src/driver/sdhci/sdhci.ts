/**
 * The SDHCI host driver (drivers/mmc/host/sdhci.c), over MMIO only: probe/host setup, set_ios
 * (clock, power, width, timing), request → send_command (inhibit checks, transfer mode, block
 * size/count, SDMA/ADMA2/PIO, Auto CMD12/23), the interrupt handler with command/data completion,
 * finish_data, software timeouts on kernel timers, and the CMD/DATA resets after errors.
 *
 * Locking follows sdhci.c: `host.lock` is a spinlock taken with IRQs saved in process context and
 * plainly in the hard IRQ handler. Completion of a request is done in the hard IRQ unless it needs
 * a reset or used DMA; then the IRQ thread (or `complete_work`) finishes it.
 */
import type { Board, Mmio } from '../../device/board.js';
import * as R from '../../hw/sdhci-regs.js';
import { Cpu, KernelTimer, SpinLock, type IrqReturn } from '../mmc/cpu.js';
import { mmcRequestDone } from '../mmc/core.js';
import { EILSEQ, EIO, ENOMEDIUM, ETIMEDOUT } from '../mmc/errno.js';
import {
  MMC_CAP_4_BIT_DATA,
  MMC_CAP_8_BIT_DATA,
  MMC_CAP_CMD23,
  MMC_CAP_MMC_HIGHSPEED,
  MMC_CAP_NONREMOVABLE,
  MMC_CAP_SD_HIGHSPEED,
  MMC_CAP_SDIO_IRQ,
  MMC_DATA_READ,
  MMC_RSP_136,
  MMC_RSP_BUSY,
  MMC_RSP_CRC,
  MMC_RSP_OPCODE,
  MMC_RSP_PRESENT,
  mmcOpMulti,
  type MmcCommand,
  type MmcData,
  type MmcHost,
  type MmcHostOps,
  type MmcIos,
  type MmcRequest,
} from '../mmc/types.js';
import {
  DMA_LAYOUT,
  SDHCI_BOUNCE_SIZE,
  SDHCI_DEFAULT_BOUNDARY_ARG,
  SDHCI_DEFAULT_BOUNDARY_SIZE,
  SDHCI_MAX_SEGS,
  dmaMapBounce,
  dmaMapPages,
  dmaUnmap,
  writeAdmaTable,
  type DmaSegment,
} from './dma.js';

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

export const SDHCI_MAX_DIV_SPEC_300 = 2046;
const COOKIE_UNMAPPED = 0;
const COOKIE_MAPPED = 2;
const MAX_MRQS = 2;

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

export class SdhciHost {
  readonly mmio: Mmio;
  readonly memory: SimMemory;
  readonly cpu: Cpu;
  readonly mmc: MmcHost;
  readonly lock = new SpinLock('sdhci_host->lock');
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
  readonly mrqsDone: (MmcRequest | null)[] = new Array(MAX_MRQS).fill(null);
  /** PIO: blocks left and byte position */
  blocks = 0;
  pioOffset = 0;
  descSz = 8;
  dmaSegs: DmaSegment[] | null = null;
  /** the scatterlist's storage, reused by the next mapping once the last one is unmapped */
  private readonly sgTable: DmaSegment[] = [];
  /** map request pages in place (dma.ts); false copies them through memory (tests compare) */
  dmaDirect = true;
  readonly timer: KernelTimer;
  readonly dataTimer: KernelTimer;
  readonly log: string[] = [];
  readonly stats = { resets: [] as number[], unexpected: 0, inhibitTimeouts: 0, noCmdInterrupts: 0, noDataInterrupts: 0 };

  constructor(o: SdhciHostOptions) {
    this.mmio = o.board.mmio;
    this.memory = o.board.memory;
    this.cpu = o.cpu;
    const transfer = o.transfer ?? 'adma2';
    this.quirks = (o.quirks ?? 0) | (transfer === 'pio' ? SDHCI_QUIRK_BROKEN_DMA | SDHCI_QUIRK_BROKEN_ADMA : transfer === 'sdma' ? SDHCI_QUIRK_BROKEN_ADMA : 0);
    this.quirks2 = (o.quirks2 ?? 0) | (transfer === 'sdma' ? SDHCI_QUIRK2_BROKEN_64_BIT_DMA : 0);
    this.timer = new KernelTimer('sdhci-timer', () => this.timeoutTimer());
    this.dataTimer = new KernelTimer('sdhci-data-timer', () => this.timeoutDataTimer());
    this.mmc = {
      index: o.index ?? 0,
      ops: sdhciOps,
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
      lock: new SpinLock('mmc_host->lock'),
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
    this.lock.lock(this.cpu.name);
    return was;
  }
  unlockIrqRestore(was: boolean): void {
    this.lock.unlock();
    this.cpu.localIrqRestore(was);
  }

  dumpRegs(): string {
    const r = (x: R.RegDef) => (x.width === 32 ? this.readl(x) : x.width === 16 ? this.readw(x) : this.readb(x)).toString(16).padStart(8, '0');
    const line = `Sys addr:  0x${r(R.SDMA_ADDRESS)} | Version:  0x${r(R.HOST_VERSION)} | Blk size: 0x${r(R.BLOCK_SIZE)} | Blk cnt: 0x${r(R.BLOCK_COUNT)} | Argument: 0x${r(R.ARGUMENT)} | Trn mode: 0x${r(R.TRANSFER_MODE)} | Present: 0x${r(R.PRESENT_STATE)} | Host ctl: 0x${r(R.HOST_CONTROL1)} | Clock: 0x${r(R.CLOCK_CONTROL)} | Int stat: 0x${r(R.NORMAL_INT_STATUS)} | Int enab: 0x${r(R.NORMAL_INT_STATUS_ENABLE)} | Sig enab: 0x${r(R.NORMAL_INT_SIGNAL_ENABLE)} | ACmd stat: 0x${r(R.AUTO_CMD_ERROR_STATUS)} | ADMA Err: 0x${r(R.ADMA_ERROR_STATUS)} | ADMA Ptr: 0x${r(R.ADMA_ADDRESS_LO)}`;
    this.pr('============ SDHCI REGISTER DUMP ===========');
    this.pr(line);
    return line;
  }

  // -------------------------------------------------------------------------------------------
  // reset (sdhci_reset / sdhci_do_reset / sdhci_reset_for)

  reset(mask: number): void {
    this.stats.resets.push(mask);
    this.writeb(mask, R.SOFTWARE_RESET);
    if (mask & R.RST.ALL.mask) this.clock = 0;
    const deadline = this.cpu.now + 100e6; // 100 ms
    for (;;) {
      const timedOut = this.cpu.now > deadline;
      if (!(this.readb(R.SOFTWARE_RESET) & mask)) break;
      if (timedOut) {
        this.pr(`Reset 0x${mask.toString(16)} never completed.`);
        this.dumpRegs();
        return;
      }
      this.cpu.udelay(10);
    }
  }

  doReset(mask: number): void {
    this.reset(mask);
  }

  /** sdhci_reset_for(host, REQUEST_ERROR): CMD then DATA, separately (Ricoh controllers dislike both). */
  resetForRequestError(): void {
    this.doReset(R.RST.CMD.mask);
    this.doReset(R.RST.DATA.mask);
  }

  setDefaultIrqs(): void {
    this.ier =
      R.INT.BUS_POWER | R.INT.DATA_END_BIT | R.INT.DATA_CRC | R.INT.DATA_TIMEOUT | R.INT.INDEX | R.INT.END_BIT | R.INT.CRC | R.INT.TIMEOUT | R.INT.DATA_END | R.INT.RESPONSE;
    this.writel(this.ier, R.NORMAL_INT_STATUS_ENABLE);
    this.writel(this.ier, R.NORMAL_INT_SIGNAL_ENABLE);
  }

  /** sdhci_init(host, soft) */
  init(soft: boolean): void {
    if (soft) this.doReset(R.RST.CMD.mask | R.RST.DATA.mask);
    else this.doReset(R.RST.ALL.mask);
    const was = this.lockIrqSave();
    this.setDefaultIrqs();
    this.unlockIrqRestore(was);
    if (soft) {
      this.clock = 0;
      sdhciSetIos(this.mmc, this.mmc.ios);
    }
  }

  // -------------------------------------------------------------------------------------------
  // probe: sdhci_setup_host + __sdhci_add_host

  setupHost(): void {
    this.doReset(R.RST.ALL.mask); // __sdhci_read_caps
    this.version = R.get(R.VER.SPEC, this.readw(R.HOST_VERSION));
    this.caps = this.readl(R.CAPABILITIES0);
    if (this.version >= R.SPEC_VERSION.V3_00) this.caps1 = this.readl(R.CAPABILITIES1);
    if (this.version > R.SPEC_VERSION.V3_00) this.pr(`Unknown controller version (${this.version}). You may experience problems.`);

    if (R.isSet(R.CAP0.SDMA, this.caps)) this.flags |= SDHCI_USE_SDMA;
    if (this.quirks & SDHCI_QUIRK_BROKEN_DMA && this.flags & SDHCI_USE_SDMA) this.flags &= ~SDHCI_USE_SDMA;
    if (this.version >= R.SPEC_VERSION.V2_00 && R.isSet(R.CAP0.ADMA2, this.caps)) this.flags |= SDHCI_USE_ADMA;
    if (this.quirks & SDHCI_QUIRK_BROKEN_ADMA && this.flags & SDHCI_USE_ADMA) this.flags &= ~SDHCI_USE_ADMA;
    if (R.isSet(R.CAP0.ADDR_64BIT_V3, this.caps) && !(this.quirks2 & SDHCI_QUIRK2_BROKEN_64_BIT_DMA)) this.flags |= SDHCI_USE_64_BIT_DMA;
    // SDMA does not support 64-bit DMA if v4 mode is not set
    if (this.flags & SDHCI_USE_64_BIT_DMA) this.flags &= ~SDHCI_USE_SDMA;
    if (this.flags & SDHCI_USE_ADMA) this.descSz = this.flags & SDHCI_USE_64_BIT_DMA ? R.ADMA2_DESC64_SIZE : R.ADMA2_DESC32_SIZE;

    this.maxClk = R.get(R.CAP0.BASE_CLOCK_MHZ, this.caps) * 1_000_000;
    const mmc = this.mmc;
    mmc.fMax = this.maxClk;
    mmc.fMin = this.maxClk / SDHCI_MAX_DIV_SPEC_300;
    this.timeoutClk = R.get(R.CAP0.TIMEOUT_CLOCK_FREQ, this.caps);
    if (R.isSet(R.CAP0.TIMEOUT_CLOCK_UNIT_MHZ, this.caps)) this.timeoutClk *= 1000;
    mmc.maxBusyTimeout = this.timeoutClk ? Math.floor((1 << 27) / this.timeoutClk) : 0;

    mmc.caps |= MMC_CAP_SDIO_IRQ | MMC_CAP_CMD23;
    if (this.quirks & SDHCI_QUIRK_MULTIBLOCK_READ_ACMD12) this.flags |= SDHCI_AUTO_CMD12;
    // Auto-CMD23 stuff only works in ADMA or PIO
    if (this.version >= R.SPEC_VERSION.V3_00 && (this.flags & SDHCI_USE_ADMA || !(this.flags & SDHCI_USE_SDMA)) && !(this.quirks2 & SDHCI_QUIRK2_ACMD23_BROKEN)) {
      this.flags |= SDHCI_AUTO_CMD23;
    }
    mmc.caps |= MMC_CAP_4_BIT_DATA;
    if (R.isSet(R.CAP0.HIGH_SPEED, this.caps)) mmc.caps |= MMC_CAP_SD_HIGHSPEED | MMC_CAP_MMC_HIGHSPEED;
    // platform description of an eMMC slot (device tree "bus-width = <8>", "non-removable")
    if (R.isSet(R.CAP0.BUS_8BIT, this.caps)) mmc.caps |= MMC_CAP_8_BIT_DATA;
    mmc.caps |= MMC_CAP_NONREMOVABLE;
    let ocr = 0;
    if (R.isSet(R.CAP0.VOLTAGE_3V3, this.caps)) ocr |= (1 << 20) | (1 << 21); // MMC_VDD_32_33 | MMC_VDD_33_34
    if (R.isSet(R.CAP0.VOLTAGE_3V0, this.caps)) ocr |= (1 << 17) | (1 << 18);
    if (R.isSet(R.CAP0.VOLTAGE_1V8, this.caps)) ocr |= 1 << 7; // MMC_VDD_165_195
    mmc.ocrAvail = ocr;
    this.readl(R.MAX_CURRENT);

    if (this.flags & SDHCI_USE_ADMA) mmc.maxSegs = SDHCI_MAX_SEGS;
    else if (this.flags & SDHCI_USE_SDMA) mmc.maxSegs = 1;
    else mmc.maxSegs = SDHCI_MAX_SEGS;
    mmc.maxReqSize = 524288;
    mmc.maxSegSize = this.flags & SDHCI_USE_ADMA ? 65536 : mmc.maxReqSize;
    mmc.maxBlkSize = 512 << R.get(R.CAP0.MAX_BLOCK_LENGTH, this.caps);
    mmc.maxBlkCount = 65535;
    if (mmc.maxSegs === 1) {
      // sdhci_allocate_bounce_buffer()
      mmc.maxSegs = SDHCI_BOUNCE_SIZE / 512;
      mmc.maxSegSize = SDHCI_BOUNCE_SIZE;
      mmc.maxReqSize = SDHCI_BOUNCE_SIZE;
    }
  }

  /** __sdhci_add_host(): init, request the IRQ, then the core powers up and scans. */
  addHost(): void {
    this.init(false);
    this.cpu.requestIrq({ name: this.name, handler: () => this.irq(), thread: () => this.threadIrq() });
    this.pr(`SDHCI controller on emulated board [${this.name}] using ${this.flags & SDHCI_USE_ADMA ? (this.flags & SDHCI_USE_64_BIT_DMA ? 'ADMA 64-bit' : 'ADMA') : this.flags & SDHCI_USE_SDMA ? 'DMA' : 'PIO'}`);
  }

  // -------------------------------------------------------------------------------------------
  // clock / power / bus

  calcClk(clock: number): { clk: number; actual: number } {
    let div: number;
    if (this.maxClk <= clock) div = 1;
    else {
      for (div = 2; div < SDHCI_MAX_DIV_SPEC_300; div += 2) if (this.maxClk / div <= clock) break;
    }
    const actual = this.maxClk / div;
    div >>= 1;
    return { clk: R.clockDividerBits(div), actual };
  }

  enableClk(clkIn: number): void {
    let clk = clkIn | R.CLK.INTERNAL_ENABLE.mask;
    this.writew(clk, R.CLOCK_CONTROL);
    // read_poll_timeout_atomic(..., 10, 150000)
    const deadline = this.cpu.now + 150e6;
    for (;;) {
      clk = this.readw(R.CLOCK_CONTROL);
      if (clk & R.CLK.INTERNAL_STABLE.mask) break;
      if (this.cpu.now > deadline) {
        this.pr('Internal clock never stabilised.');
        this.dumpRegs();
        return;
      }
      this.cpu.udelay(10);
    }
    clk |= R.CLK.SD_CLOCK_ENABLE.mask;
    this.writew(clk, R.CLOCK_CONTROL);
  }

  setClock(clock: number): void {
    this.mmc.actualClock = 0;
    this.writew(0, R.CLOCK_CONTROL);
    if (clock === 0) return;
    const { clk, actual } = this.calcClk(clock);
    this.mmc.actualClock = actual;
    this.enableClk(clk);
  }

  setPower(mode: MmcIos['powerMode'], vdd: number): void {
    let pwr = 0;
    if (mode !== 'off') {
      if (vdd === 7) pwr = R.compose(R.PWR, { VOLTAGE: R.BUS_VOLTAGE.V1_8 });
      else if (vdd === 17 || vdd === 18) pwr = R.compose(R.PWR, { VOLTAGE: R.BUS_VOLTAGE.V3_0 });
      else if (vdd === 20 || vdd === 21) pwr = R.compose(R.PWR, { VOLTAGE: R.BUS_VOLTAGE.V3_3 });
      else {
        this.pr(`Invalid vdd 0x${vdd.toString(16)}`);
        pwr = 0;
      }
    }
    if (this.pwr === pwr) return;
    this.pwr = pwr;
    if (pwr === 0) {
      this.writeb(0, R.POWER_CONTROL);
      return;
    }
    this.writeb(0, R.POWER_CONTROL);
    this.writeb(pwr, R.POWER_CONTROL);
    this.writeb(pwr | R.PWR.BUS_POWER.mask, R.POWER_CONTROL);
  }

  setBusWidth(width: number): void {
    let ctrl = this.readb(R.HOST_CONTROL1);
    if (width === 8) {
      ctrl &= ~R.HC1.DATA_WIDTH_4BIT.mask;
      ctrl |= R.HC1.EXT_DATA_WIDTH_8BIT.mask;
    } else {
      ctrl &= ~R.HC1.EXT_DATA_WIDTH_8BIT.mask;
      if (width === 4) ctrl |= R.HC1.DATA_WIDTH_4BIT.mask;
      else ctrl &= ~R.HC1.DATA_WIDTH_4BIT.mask;
    }
    this.writeb(ctrl, R.HOST_CONTROL1);
  }

  setUhsSignaling(timing: MmcIos['timing']): void {
    let ctrl2 = this.readw(R.HOST_CONTROL2);
    ctrl2 &= ~R.HC2.UHS_MODE.mask;
    if (timing === 'mmc-hs200') ctrl2 |= R.compose(R.HC2, { UHS_MODE: R.UHS_MODE.SDR104_HS200 });
    else if (timing === 'mmc-ddr52') ctrl2 |= R.compose(R.HC2, { UHS_MODE: R.UHS_MODE.DDR50 });
    else if (timing === 'mmc-hs400') ctrl2 |= R.compose(R.HC2, { UHS_MODE: R.UHS_MODE.HS400 });
    this.writew(ctrl2, R.HOST_CONTROL2);
  }

  // -------------------------------------------------------------------------------------------
  // requests

  dataLineCmd(cmd: MmcCommand): boolean {
    return !!cmd.data || (cmd.flags & MMC_RSP_BUSY) !== 0;
  }

  autoCmd23(mrq: MmcRequest): boolean {
    return !!mrq.sbc && (this.flags & SDHCI_AUTO_CMD23) !== 0;
  }

  manualCmd23(mrq: MmcRequest): boolean {
    return !!mrq.sbc && !(this.flags & SDHCI_AUTO_CMD23);
  }

  autoCmd12(mrq: MmcRequest): boolean {
    return !mrq.sbc && (this.flags & SDHCI_AUTO_CMD12) !== 0;
  }

  /** sdhci_calc_timeout(): the Timeout Control count for a data or busy command. */
  calcTimeout(cmd: MmcCommand): number {
    const data = cmd.data;
    if (!data && !cmd.busyTimeoutMs) return 0xe;
    let target: number; // µs
    if (!data) target = cmd.busyTimeoutMs * 1000;
    else {
      target = Math.ceil(data.timeoutNs / 1000);
      if (this.clock && data.timeoutClks) target += Math.ceil((1e6 * data.timeoutClks) / this.clock);
    }
    let count = 0;
    let current = ((1 << 13) * 1000) / this.timeoutClk;
    while (current < target) {
      count++;
      current *= 2;
      if (count > 0xe) break;
    }
    return Math.min(count, 0xe);
  }

  setTransferIrqs(): void {
    const pioIrqs = R.INT.DATA_AVAIL | R.INT.SPACE_AVAIL;
    const dmaIrqs = R.INT.DMA_END | R.INT.ADMA_ERROR;
    if (this.flags & SDHCI_REQ_USE_DMA) this.ier = (this.ier & ~pioIrqs) | dmaIrqs;
    else this.ier = (this.ier & ~dmaIrqs) | pioIrqs;
    if (this.flags & (SDHCI_AUTO_CMD23 | SDHCI_AUTO_CMD12)) this.ier |= R.INT.AUTO_CMD_ERR;
    else this.ier &= ~R.INT.AUTO_CMD_ERR;
    this.ier >>>= 0;
    this.writel(this.ier, R.NORMAL_INT_STATUS_ENABLE);
    this.writel(this.ier, R.NORMAL_INT_SIGNAL_ENABLE);
  }

  configDma(): void {
    let ctrl = this.readb(R.HOST_CONTROL1);
    ctrl &= ~R.HC1.DMA_SELECT.mask;
    if (this.flags & SDHCI_REQ_USE_DMA) {
      if (this.flags & SDHCI_USE_ADMA) ctrl |= R.set(R.HC1.DMA_SELECT, 0, this.flags & SDHCI_USE_64_BIT_DMA ? R.DMA_SELECT.ADMA2_64 : R.DMA_SELECT.ADMA2_32);
      else ctrl |= R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.SDMA);
    }
    this.writeb(ctrl, R.HOST_CONTROL1);
  }

  sdmaAddress(): number {
    return this.dmaSegs![0]!.addr;
  }

  prepareData(cmd: MmcCommand): void {
    const data = cmd.data!;
    if (this.data) this.pr('WARNING: prepare_data with data in flight');
    this.data = data;
    this.dataEarly = false;
    data.bytesXfered = 0;
    if (this.flags & (SDHCI_USE_SDMA | SDHCI_USE_ADMA)) this.flags |= SDHCI_REQ_USE_DMA;
    else this.flags &= ~SDHCI_REQ_USE_DMA;
    const read = (data.flags & MMC_DATA_READ) !== 0;
    if (this.flags & SDHCI_REQ_USE_DMA) {
      // sdhci_pre_dma_transfer: map the scatterlist
      if (this.flags & SDHCI_USE_ADMA) {
        const base = this.flags & SDHCI_USE_64_BIT_DMA ? DMA_LAYOUT.pages64 : DMA_LAYOUT.pages32;
        this.dmaSegs = dmaMapPages(this.memory, data.buf, base, !read, this.dmaDirect, this.dmaSegs ? [] : this.sgTable);
        writeAdmaTable(this.memory, DMA_LAYOUT.admaTable, this.dmaSegs, (this.flags & SDHCI_USE_64_BIT_DMA) !== 0);
        this.writel(DMA_LAYOUT.admaTable % 2 ** 32, R.ADMA_ADDRESS_LO);
        if (this.flags & SDHCI_USE_64_BIT_DMA) this.writel(Math.floor(DMA_LAYOUT.admaTable / 2 ** 32), R.ADMA_ADDRESS_HI);
      } else {
        this.dmaSegs = dmaMapBounce(this.memory, data.buf, !read, this.dmaDirect);
        this.writel(this.sdmaAddress(), R.SDMA_ADDRESS);
      }
      data.hostCookie = COOKIE_MAPPED;
    }
    this.configDma();
    if (!(this.flags & SDHCI_REQ_USE_DMA)) {
      this.blocks = data.blocks;
      this.pioOffset = 0;
    }
    this.setTransferIrqs();
    // sdhci_set_block_info
    this.writew(R.blockSizeValue(data.blksz, SDHCI_DEFAULT_BOUNDARY_ARG), R.BLOCK_SIZE);
    this.writew(data.blocks, R.BLOCK_COUNT);
  }

  setTransferMode(cmd: MmcCommand): void {
    const data = cmd.data;
    if (!data) {
      // clear Auto CMD settings for no data CMDs
      const mode = this.readw(R.TRANSFER_MODE);
      this.writew(mode & ~R.TM.AUTO_CMD.mask, R.TRANSFER_MODE);
      return;
    }
    let mode = R.TM.BLOCK_COUNT_ENABLE.mask;
    const mrq = cmd.mrq!;
    if (mmcOpMulti(cmd.opcode) || data.blocks > 1) {
      mode = R.TM.BLOCK_COUNT_ENABLE.mask | R.TM.MULTI_BLOCK.mask;
      if (this.autoCmd12(mrq)) mode |= R.set(R.TM.AUTO_CMD, 0, R.AUTO_CMD.CMD12);
      else if (this.autoCmd23(mrq)) mode |= R.set(R.TM.AUTO_CMD, 0, R.AUTO_CMD.CMD23);
      if (this.autoCmd23(mrq)) this.writel(mrq.sbc!.arg, R.SDMA_ADDRESS); // SDHCI_ARGUMENT2
    }
    if (data.flags & MMC_DATA_READ) mode |= R.TM.READ.mask;
    if (this.flags & SDHCI_REQ_USE_DMA) mode |= R.TM.DMA_ENABLE.mask;
    this.writew(mode, R.TRANSFER_MODE);
  }

  /** sdhci_send_command(): false if the inhibit bits are still set. */
  sendCommand(cmd: MmcCommand): boolean {
    if (this.cmd) this.pr('WARNING: send_command with a command in flight');
    cmd.error = 0;
    let mask = R.PS.CMD_INHIBIT.mask;
    if (this.dataLineCmd(cmd)) mask |= R.PS.DAT_INHIBIT.mask;
    // don't wait for data inhibit for stop commands, even though they might use busy signaling
    if (cmd.mrq?.data && cmd === cmd.mrq.data.stop) mask &= ~R.PS.DAT_INHIBIT.mask;
    if (this.readl(R.PRESENT_STATE) & mask) return false;
    this.cmd = cmd;
    if (this.dataLineCmd(cmd)) {
      if (this.dataCmd) this.pr('WARNING: data_cmd already set');
      this.dataCmd = cmd;
      this.writeb(this.calcTimeout(cmd), R.TIMEOUT_CONTROL);
    }
    if (cmd.data) this.prepareData(cmd);
    this.writel(cmd.arg, R.ARGUMENT);
    this.setTransferMode(cmd);
    if (cmd.flags & MMC_RSP_136 && cmd.flags & MMC_RSP_BUSY) cmd.flags &= ~MMC_RSP_BUSY;
    let responseType: number;
    if (!(cmd.flags & MMC_RSP_PRESENT)) responseType = R.RESPONSE_TYPE.NONE;
    else if (cmd.flags & MMC_RSP_136) responseType = R.RESPONSE_TYPE.R136;
    else if (cmd.flags & MMC_RSP_BUSY) responseType = R.RESPONSE_TYPE.R48_BUSY;
    else responseType = R.RESPONSE_TYPE.R48;
    const word = R.encodeCommand({
      index: cmd.opcode,
      responseType,
      crcCheck: (cmd.flags & MMC_RSP_CRC) !== 0,
      indexCheck: (cmd.flags & MMC_RSP_OPCODE) !== 0,
      dataPresent: !!cmd.data,
    });
    let timeoutNs = 10e9;
    if (!cmd.data && cmd.busyTimeoutMs > 9000) timeoutNs = (Math.ceil(cmd.busyTimeoutMs / 1000) + 1) * 1e9;
    this.modTimer(cmd.mrq!, timeoutNs);
    this.writew(word, R.COMMAND);
    return true;
  }

  modTimer(mrq: MmcRequest, timeoutNs: number): void {
    if (this.dataLineCmd(mrq.cmd)) this.cpu.modTimer(this.dataTimer, this.cpu.now + timeoutNs);
    else this.cpu.modTimer(this.timer, this.cpu.now + timeoutNs);
  }

  /** sdhci_send_command_retry(): ~10 tries 1 ms apart, then -EIO. Called and returns with the lock held. */
  sendCommandRetry(cmd: MmcCommand, was: boolean): { ok: boolean; was: boolean } {
    const deferred = this.deferredCmd;
    let timeout = 10;
    while (!this.sendCommand(cmd)) {
      if (!timeout--) {
        this.stats.inhibitTimeouts++;
        // the message and register dump are suppressed during panic (the -EIO stays)
        if (!this.panicMode) {
          this.pr('Controller never released inhibit bit(s).');
          this.dumpRegs();
        }
        cmd.error = -EIO;
        return { ok: false, was };
      }
      this.unlockIrqRestore(was);
      // v3+ panic patch: with oops_in_progress (IRQs off) busy-wait with mdelay instead of sleeping
      if (this.cpu.irqsDisabled && this.panicMode) this.cpu.mdelay(1);
      else this.cpu.sleep(1_000_000, 'usleep_range(1000, 1250)');
      was = this.lockIrqSave();
      if (cmd === deferred && cmd !== this.deferredCmd) return { ok: true, was };
    }
    if (cmd === this.deferredCmd) this.deferredCmd = null;
    return { ok: true, was };
  }

  /** mmc_host_ops.request = sdhci_request */
  request(mrq: MmcRequest): void {
    const present = sdhciGetCd(this.mmc);
    let was = this.lockIrqSave();
    let finish = false;
    if (!present || this.flags & SDHCI_DEVICE_DEAD) {
      mrq.cmd.error = -ENOMEDIUM;
      finish = true;
    } else {
      const cmd = this.manualCmd23(mrq) ? mrq.sbc! : mrq.cmd;
      const r = this.sendCommandRetry(cmd, was);
      was = r.was;
      finish = !r.ok;
    }
    if (finish) this.finishMrq(mrq);
    this.unlockIrqRestore(was);
  }

  needsReset(mrq: MmcRequest): boolean {
    return (
      !(this.flags & SDHCI_DEVICE_DEAD) &&
      (!!mrq.cmd.error || !!mrq.sbc?.error || !!(mrq.data?.stop && mrq.data.stop.error))
    );
  }

  /** __sdhci_finish_mrq() */
  finishMrqNoWork(mrq: MmcRequest): void {
    if (this.cmd && this.cmd.mrq === mrq) this.cmd = null;
    if (this.dataCmd && this.dataCmd.mrq === mrq) this.dataCmd = null;
    if (this.deferredCmd && this.deferredCmd.mrq === mrq) this.deferredCmd = null;
    if (this.data && this.data.mrq === mrq) this.data = null;
    if (this.needsReset(mrq)) this.pendingReset = true;
    let i = this.mrqsDone.indexOf(mrq);
    if (i < 0) {
      i = this.mrqsDone.indexOf(null);
      if (i < 0) throw new Error('sdhci: too many completed requests');
      this.mrqsDone[i] = mrq;
    }
    this.cpu.delTimer(this.timer);
    this.cpu.delTimer(this.dataTimer);
  }

  /** sdhci_finish_mrq(): also queues complete_work */
  finishMrq(mrq: MmcRequest): void {
    this.finishMrqNoWork(mrq);
    this.cpu.queueWork(() => this.completeWork());
  }

  completeWork(): void {
    while (!this.requestDone()) {
      /* keep going */
    }
  }

  /** sdhci_request_done(): returns true when there is nothing (more) to complete now. */
  requestDone(): boolean {
    const was = this.lockIrqSave();
    let mrq: MmcRequest | null = null;
    let i = 0;
    for (; i < MAX_MRQS; i++) {
      mrq = this.mrqsDone[i]!;
      if (mrq) break;
    }
    if (!mrq) {
      this.unlockIrqRestore(was);
      return true;
    }
    // The controller needs a reset of internal state machines upon error conditions.
    if (this.needsReset(mrq)) {
      // Do not finish until command and data lines are available for reset.
      if (this.cmd || this.dataCmd) {
        this.unlockIrqRestore(was);
        return true;
      }
      this.resetForRequestError();
      this.pendingReset = false;
    }
    const data = mrq.data;
    if (data && data.hostCookie === COOKIE_MAPPED) {
      if (this.dmaSegs) dmaUnmap(this.memory, this.dmaSegs, data.buf, (data.flags & MMC_DATA_READ) !== 0, data.bytesXfered);
      this.dmaSegs = null;
      data.hostCookie = COOKIE_UNMAPPED;
    }
    this.mrqsDone[i] = null;
    this.unlockIrqRestore(was);
    mmcRequestDone(this.mmc, mrq);
    return false;
  }

  deferDone(mrq: MmcRequest): boolean {
    return this.pendingReset || !!(this.flags & SDHCI_REQ_USE_DMA && mrq.data && mrq.data.hostCookie === COOKIE_MAPPED);
  }

  readRsp136(cmd: MmcCommand): void {
    for (let i = 0; i < 4; i++) cmd.resp[i] = this.readl(R.RESPONSE0, (3 - i) * 4);
    for (let i = 0; i < 4; i++) {
      cmd.resp[i] = (cmd.resp[i]! << 8) >>> 0;
      if (i !== 3) cmd.resp[i] = (cmd.resp[i]! | (cmd.resp[i + 1]! >>> 24)) >>> 0;
    }
  }

  /** sdhci_finish_command() */
  finishCommand(): void {
    const cmd = this.cmd!;
    this.cmd = null;
    if (cmd.flags & MMC_RSP_PRESENT) {
      if (cmd.flags & MMC_RSP_136) this.readRsp136(cmd);
      else cmd.resp[0] = this.readl(R.RESPONSE0);
    }
    const mrq = cmd.mrq!;
    if (cmd.flags & MMC_RSP_BUSY) {
      if (cmd.data) {
        // cannot wait for busy signal when also doing a data transfer
      } else if (cmd === this.dataCmd) {
        return; // command complete before busy is ended
      }
    }
    if (cmd === mrq.sbc) {
      // finished CMD23, now send the actual command
      if (!this.sendCommand(mrq.cmd)) this.deferredCmd = mrq.cmd;
    } else {
      if (this.data && this.dataEarly) this.finishData();
      if (!cmd.data) this.finishMrqNoWork(mrq);
    }
  }

  /** __sdhci_finish_data(host, sw_data_timeout) */
  finishDataInner(swDataTimeout: boolean): void {
    const dataCmd = this.dataCmd;
    const data = this.data!;
    this.data = null;
    this.dataCmd = null;
    if (data.error) {
      // __sdhci_finish_data_common(host, false): reset now, also from the software timer
      if (!this.cmd || this.cmd === dataCmd) this.resetForRequestError();
      else this.doReset(R.RST.DATA.mask);
    }
    // assume nothing made it to the card in the event of an error
    data.bytesXfered = data.error ? 0 : data.blksz * data.blocks;
    const mrq = data.mrq!;
    if (data.stop && ((!mrq.sbc && !this.autoCmd12(mrq)) || data.error)) {
      this.cmd = null; // avoid triggering the warning in sendCommand
      if (!this.sendCommand(data.stop)) {
        if (swDataTimeout) {
          data.stop.error = -EIO;
          this.finishMrqNoWork(mrq);
        } else {
          this.deferredCmd = data.stop;
        }
      }
    } else {
      this.finishMrqNoWork(mrq);
    }
  }

  finishData(): void {
    this.finishDataInner(false);
  }

  /**
   * sdhci_transfer_pio(). Linux's sdhci_read_block_pio / sdhci_write_block_pio do one readl /
   * writel of SDHCI_BUFFER per 4 bytes; here the whole words of a block go through readsl /
   * writesl (ioread32_rep), which the board defines as exactly that many readl / writel — the
   * same accesses, in one call. A block size that is not a multiple of 4 ends with one single
   * access for its last bytes, as the per-word loop does.
   */
  transferPio(): void {
    const data = this.data!;
    if (this.blocks === 0) return;
    const read = (data.flags & MMC_DATA_READ) !== 0;
    const mask = read ? R.PS.BUFFER_READ_ENABLE.mask : R.PS.BUFFER_WRITE_ENABLE.mask;
    const port = R.BUFFER_DATA_PORT.offset;
    while (this.readl(R.PRESENT_STATE) & mask) {
      const buf = data.buf;
      const start = this.pioOffset;
      const end = start + data.blksz;
      const words = data.blksz >>> 2;
      const tail = start + words * 4;
      if (read) {
        if (words > 0) this.mmio.readsl(port, buf.subarray(start, tail), words);
        if (tail < end) {
          const w = this.readl(R.BUFFER_DATA_PORT);
          for (let i = 0; i < 4; i++) if (tail + i < buf.length) buf[tail + i] = (w >>> (8 * i)) & 0xff;
        }
      } else {
        if (words > 0) this.mmio.writesl(port, buf.subarray(start, tail), words);
        if (tail < end) {
          let w = 0;
          for (let i = 0; i < 4; i++) w |= (buf[tail + i] ?? 0) << (8 * i);
          this.writel(w >>> 0, R.BUFFER_DATA_PORT);
        }
      }
      this.pioOffset = end;
      this.blocks--;
      if (this.blocks === 0) break;
    }
  }

  /** sdhci_cmd_irq() — may add data error bits to the caller's intmask */
  cmdIrq(intmask: number, box: { intmask: number }): void {
    if (intmask & R.INT.AUTO_CMD_ERR && this.dataCmd) {
      const mrq = this.dataCmd.mrq!;
      const acs = this.readw(R.AUTO_CMD_ERROR_STATUS);
      const dataErrBit = acs & R.ACES.TIMEOUT.mask ? R.INT.DATA_TIMEOUT : R.INT.DATA_CRC;
      // treat auto-CMD12 error the same as data error
      if (!mrq.sbc && this.flags & SDHCI_AUTO_CMD12) {
        box.intmask |= dataErrBit;
        return;
      }
    }
    if (!this.cmd) {
      if (this.pendingReset) return;
      this.stats.noCmdInterrupts++;
      this.pr(`Got command interrupt 0x${intmask.toString(16).padStart(8, '0')} even though no command operation was in progress.`);
      this.dumpRegs();
      return;
    }
    if (intmask & (R.INT.TIMEOUT | R.INT.CRC | R.INT.END_BIT | R.INT.INDEX)) {
      this.cmd.error = intmask & R.INT.TIMEOUT ? -ETIMEDOUT : -EILSEQ;
      // treat data command CRC error the same as data CRC error
      if (this.cmd.data && (intmask & (R.INT.CRC | R.INT.TIMEOUT)) === R.INT.CRC) {
        this.cmd = null;
        box.intmask |= R.INT.DATA_CRC;
        return;
      }
      this.finishMrqNoWork(this.cmd.mrq!);
      return;
    }
    if (intmask & R.INT.AUTO_CMD_ERR) {
      const mrq = this.cmd.mrq!;
      const acs = this.readw(R.AUTO_CMD_ERROR_STATUS);
      const err = acs & R.ACES.TIMEOUT.mask ? -ETIMEDOUT : -EILSEQ;
      if (this.autoCmd23(mrq)) {
        mrq.sbc!.error = err;
        this.finishMrqNoWork(mrq);
        return;
      }
    }
    if (intmask & R.INT.RESPONSE) this.finishCommand();
  }

  /** sdhci_data_irq() */
  dataIrq(intmask: number): void {
    if (!this.data) {
      const dataCmd = this.dataCmd;
      // the "data complete" interrupt also signals the end of a busy state
      if (dataCmd && dataCmd.flags & MMC_RSP_BUSY) {
        if (intmask & R.INT.DATA_TIMEOUT) {
          this.dataCmd = null;
          dataCmd.error = -ETIMEDOUT;
          this.finishMrqNoWork(dataCmd.mrq!);
          return;
        }
        if (intmask & R.INT.DATA_END) {
          this.dataCmd = null;
          // some cards signal busy-end before the command completed
          if (this.cmd === dataCmd) return;
          this.finishMrqNoWork(dataCmd.mrq!);
          return;
        }
      }
      if (this.pendingReset) return;
      this.stats.noDataInterrupts++;
      this.pr(`Got data interrupt 0x${intmask.toString(16).padStart(8, '0')} even though no data operation was in progress.`);
      this.dumpRegs();
      return;
    }
    const data = this.data;
    if (intmask & R.INT.DATA_TIMEOUT) data.error = -ETIMEDOUT;
    else if (intmask & R.INT.DATA_END_BIT) data.error = -EILSEQ;
    else if (intmask & R.INT.DATA_CRC) data.error = -EILSEQ;
    else if (intmask & R.INT.ADMA_ERROR) {
      this.pr(`ADMA error: 0x${intmask.toString(16).padStart(8, '0')}`);
      this.pr(`sdhci: ADMA Err: 0x${this.readl(R.ADMA_ERROR_STATUS).toString(16)} | ADMA Ptr: 0x${this.readl(R.ADMA_ADDRESS_LO).toString(16)}`);
      data.error = -EIO;
    }
    if (data.error) {
      this.finishData();
      return;
    }
    if (intmask & (R.INT.DATA_AVAIL | R.INT.SPACE_AVAIL)) this.transferPio();
    // we can't disable the DMA boundary feature, so at least restart the transfer
    if (intmask & R.INT.DMA_END) {
      const dmastart = this.sdmaAddress();
      let dmanow = dmastart + data.bytesXfered;
      dmanow = Math.floor(dmanow / SDHCI_DEFAULT_BOUNDARY_SIZE) * SDHCI_DEFAULT_BOUNDARY_SIZE + SDHCI_DEFAULT_BOUNDARY_SIZE;
      data.bytesXfered = dmanow - dmastart;
      this.writel(dmanow, R.SDMA_ADDRESS);
    }
    if (intmask & R.INT.DATA_END) {
      if (this.cmd === this.dataCmd) this.dataEarly = true; // data finished before the command completed
      else this.finishData();
    }
  }

  /** sdhci_irq(): the hard IRQ handler. */
  irq(): IrqReturn {
    let result: IrqReturn = 'none';
    this.lock.lock(this.cpu.name);
    try {
      if (this.runtimeSuspended) return 'none';
      let intmask = this.readl(R.NORMAL_INT_STATUS);
      let unexpected = 0;
      let maxLoops = 16;
      if (intmask && intmask !== 0xffffffff) {
        do {
          const mask = intmask & (SDHCI_INT_CMD_MASK | SDHCI_INT_DATA_MASK | R.INT.BUS_POWER);
          this.writel(mask, R.NORMAL_INT_STATUS);
          const box = { intmask };
          if (intmask & SDHCI_INT_CMD_MASK) this.cmdIrq(intmask & SDHCI_INT_CMD_MASK, box);
          intmask = box.intmask >>> 0;
          if (intmask & SDHCI_INT_DATA_MASK) this.dataIrq(intmask & SDHCI_INT_DATA_MASK);
          if (intmask & R.INT.BUS_POWER) this.pr('Card is consuming too much power!');
          intmask &= ~(R.INT.CARD_INSERT | R.INT.CARD_REMOVE | SDHCI_INT_CMD_MASK | SDHCI_INT_DATA_MASK | R.INT.ERROR | R.INT.BUS_POWER | R.INT.CARD_INT | (1 << 12));
          intmask >>>= 0;
          if (intmask) {
            unexpected |= intmask;
            this.writel(intmask, R.NORMAL_INT_STATUS);
          }
          if (result === 'none') result = 'handled';
          intmask = this.readl(R.NORMAL_INT_STATUS);
        } while (intmask && --maxLoops);
      }
      if (this.deferredCmd) result = 'wake-thread';
      if (unexpected) {
        this.stats.unexpected++;
        this.pr(`Unexpected interrupt 0x${(unexpected >>> 0).toString(16).padStart(8, '0')}.`);
        this.dumpRegs();
      }
    } finally {
      this.lock.unlock();
    }
    // process mrqs ready for immediate completion
    for (let i = 0; i < MAX_MRQS; i++) {
      const mrq = this.mrqsDone[i];
      if (!mrq) continue;
      if (this.deferDone(mrq)) result = 'wake-thread';
      else {
        this.mrqsDone[i] = null;
        mmcRequestDone(this.mmc, mrq);
      }
    }
    return result;
  }

  /** sdhci_thread_irq() */
  threadIrq(): void {
    let was = this.lockIrqSave();
    const cmd = this.deferredCmd;
    if (cmd) {
      const r = this.sendCommandRetry(cmd, was);
      was = r.was;
      if (!r.ok) this.finishMrqNoWork(cmd.mrq!);
    }
    this.unlockIrqRestore(was);
    while (!this.requestDone()) {
      /* keep going */
    }
  }

  /** sdhci_timeout_timer(): command (non-data) timer */
  timeoutTimer(): void {
    if (this.panicMode) return; // "prevent spurious timeout handling" while oops_in_progress
    const was = this.lockIrqSave();
    if (this.cmd && !this.dataLineCmd(this.cmd)) {
      this.pr(`Timeout waiting for hardware cmd interrupt.`);
      this.dumpRegs();
      this.cmd.error = -ETIMEDOUT;
      this.finishMrq(this.cmd.mrq!);
    }
    this.unlockIrqRestore(was);
  }

  /** sdhci_timeout_data_timer() */
  timeoutDataTimer(): void {
    if (this.panicMode) return;
    const was = this.lockIrqSave();
    if (this.data || this.dataCmd || (this.cmd && this.dataLineCmd(this.cmd))) {
      this.pr('Timeout waiting for hardware interrupt.');
      this.dumpRegs();
      if (this.data) {
        this.data.error = -ETIMEDOUT;
        this.finishDataInner(true);
        this.cpu.queueWork(() => this.completeWork());
      } else if (this.dataCmd) {
        this.dataCmd.error = -ETIMEDOUT;
        this.finishMrq(this.dataCmd.mrq!);
      } else {
        this.cmd!.error = -ETIMEDOUT;
        this.finishMrq(this.cmd!.mrq!);
      }
    }
    this.unlockIrqRestore(was);
  }
}

export const sdhciPriv = (mmc: MmcHost): SdhciHost => mmc.priv as SdhciHost;

function sdhciGetCd(mmc: MmcHost): number {
  // non-removable: always present
  return mmc.caps & MMC_CAP_NONREMOVABLE ? 1 : 1;
}

/** sdhci_set_ios() */
export function sdhciSetIos(mmc: MmcHost, ios: MmcIos): void {
  const host = sdhciPriv(mmc);
  if (ios.powerMode === 'undefined') return;
  if (ios.powerMode === 'off') {
    host.writel(0, R.NORMAL_INT_SIGNAL_ENABLE);
    host.init(false); // sdhci_reinit
  }
  if (!ios.clock || ios.clock !== host.clock) {
    host.setClock(ios.clock);
    host.clock = ios.clock;
  }
  host.setPower(ios.powerMode, ios.vdd);
  host.setBusWidth(ios.busWidth);
  let ctrl = host.readb(R.HOST_CONTROL1);
  if (ios.timing !== 'legacy') ctrl |= R.HC1.HIGH_SPEED.mask;
  else ctrl &= ~R.HC1.HIGH_SPEED.mask;
  if (host.version >= R.SPEC_VERSION.V3_00) {
    host.writeb(ctrl, R.HOST_CONTROL1);
    let ctrl2 = host.readw(R.HOST_CONTROL2);
    ctrl2 &= ~R.HC2.DRIVER_STRENGTH.mask;
    host.writew(ctrl2, R.HOST_CONTROL2);
    // reset SD Clock Enable
    let clk = host.readw(R.CLOCK_CONTROL);
    clk &= ~R.CLK.SD_CLOCK_ENABLE.mask;
    host.writew(clk, R.CLOCK_CONTROL);
    host.setUhsSignaling(ios.timing);
    host.timing = ios.timing;
    // re-enable SD Clock
    host.setClock(host.clock);
  } else host.writeb(ctrl, R.HOST_CONTROL1);
}

export const sdhciOps: MmcHostOps = {
  request: (mmc, mrq) => sdhciPriv(mmc).request(mrq),
  setIos: sdhciSetIos,
  getRo: () => 0,
  getCd: (mmc) => sdhciGetCd(mmc),
  /** sdhci_card_busy(): DAT0 low */
  cardBusy: (mmc) => !(sdhciPriv(mmc).readl(R.PRESENT_STATE) & R.PS.DAT0_LEVEL.mask),
  /** sdhci_start_signal_voltage_switch() for 3.3 V */
  startSignalVoltageSwitch: (mmc, ios) => {
    const host = sdhciPriv(mmc);
    if (host.version < R.SPEC_VERSION.V3_00) return 0;
    let ctrl = host.readw(R.HOST_CONTROL2);
    if (ios.signalVoltage === '3.3') {
      ctrl &= ~R.HC2.SIGNALING_1V8.mask;
      host.writew(ctrl, R.HOST_CONTROL2);
      mmc.cpu.sleep(5_000_000, 'usleep_range(5000, 5500)');
      ctrl = host.readw(R.HOST_CONTROL2);
      if (!(ctrl & R.HC2.SIGNALING_1V8.mask)) return 0;
      host.pr('3.3V regulator output did not become stable');
      return -11;
    }
    return -22;
  },
};

/** Probe an SDHCI controller on the board: sdhci_setup_host + __sdhci_add_host (without the scan). */
export function sdhciProbe(o: SdhciHostOptions): SdhciHost {
  const host = new SdhciHost(o);
  host.setupHost();
  host.addHost();
  return host;
}
