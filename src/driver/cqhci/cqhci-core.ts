/**
 * The CQHCI host driver (drivers/mmc/host/cqhci-core.c), driving the controller's command-queue
 * engine through its registers only (src/hw/cqhci-regs.ts, at CQHCI_BASE in the host's window):
 * `cqhci_enable` (descriptor list, CQCFG, CQSSC2 = RCA, interrupts), `cqhci_request` (task
 * descriptor, link + ADMA2 transfer descriptors, doorbell), `cqhci_irq` (CQIS, CQTCN, finish),
 * `cqhci_off` (CQCTL HALT, polled for CQHCI_OFF_TIMEOUT), and the recovery halves.
 *
 * Besides mainline: `panicHalt` / `panicClear`, what a panic-safe driver needs (busy-polled halt,
 * tasks dropped without completion callbacks): the `proposed` mmcpstore driver uses them (H6).
 *
 * DMA: each slot has its own data area in simulated RAM (the model's dma_map_sg: writes are
 * copied in at request time, reads copied out at completion).
 */
import * as Q from '../../hw/cqhci-regs.js';
import { ADMA2_ACT, adma2Attr, encodeAdma2DescriptorAt } from '../../hw/adma2.js';
import { compose, isSet } from '../../hw/fields.js';
import type { RegDef } from '../../hw/sdhci-regs.js';
import { EBUSY, EINVAL, EIO, ETIMEDOUT } from '../../lib/errno.js';
import { hweight32, mmcCqeRequestDone } from '../mmc/cqe.js';
import { MMC_DATA_READ, type MmcCard, type MmcCqeOps, type MmcCqeRequest, type MmcHost } from '../mmc/types.js';

/** Where the engine's memory lives in simulated RAM (clear of the SDHCI driver's DMA_LAYOUT). */
export const CQHCI_DMA_LAYOUT = {
  /** task descriptor list: 32 slots of 128-bit task + 128-bit link descriptor */
  descBase: 0x0002_0000,
  /** transfer descriptor lists, one per slot */
  transBase: 0x0003_0000,
  /** data areas, one per slot */
  dataBase: 0x0800_0000,
} as const;

/** cqhci.h: CQHCI_OFF_TIMEOUT (µs) — cqhci_off polls CQCTL this long without sleeping. */
export const CQHCI_OFF_TIMEOUT_US = 100;
/** How long a panic-safe halt busy-polls: the task moving data must finish programming first. */
export const CQHCI_PANIC_HALT_TIMEOUT_US = 2_000_000;
/** CQHCI_IS_MASK: the interrupts cqhci enables (TCC, RED, ICCE, GCE). */
const CQHCI_IS_MASK = Q.CQIS.TCC.mask | Q.CQIS.RED.mask | Q.CQIS.ICCE.mask | Q.CQIS.GCE.mask;
const SLOT_LEN = Q.CQHCI_TASK_DESC_LEN_128 + Q.CQHCI_TRANS_DESC_LEN_64;
/** One ADMA2 transfer descriptor moves at most 64 KiB (length 0 encodes 65536). */
const MAX_SEG = 0x10000;
const MAX_SEGS_PER_SLOT = 128;

/** The SDHCI side of the engine (sdhci_cqe_enable / sdhci_cqe_disable, cqhci_host_ops). */
export interface CqhciHostOps {
  readl(offset: number): number;
  writel(value: number, offset: number): void;
  enable(host: MmcHost): void;
  disable(host: MmcHost, recovery: boolean): void;
  memoryWrite(addr: number, data: Uint8Array): void;
  memoryRead(addr: number, len: number): Uint8Array;
}

/** struct cqhci_host */
export class CqhciHost {
  enabled = false;
  activated = false;
  rca = 0;
  qcnt = 0;
  readonly slots: (MmcCqeRequest | undefined)[] = new Array(Q.CQHCI_NUM_SLOTS).fill(undefined);
  readonly stats = { requests: 0, completed: 0, errors: 0, stuckOn: 0 };

  constructor(
    readonly mmc: MmcHost,
    readonly ops: CqhciHostOps,
    readonly numSlots = Q.CQHCI_NUM_SLOTS,
  ) {}

  readl(r: RegDef): number {
    return this.ops.readl(Q.CQHCI_BASE + r.offset) >>> 0;
  }

  writel(v: number, r: RegDef): void {
    this.ops.writel(v >>> 0, Q.CQHCI_BASE + r.offset);
  }

  private pr(msg: string): void {
    this.mmc.log.push(`mmc${this.mmc.index}: cqhci: ${msg}`);
  }

  private setIrqs(set: number): void {
    this.writel(set, Q.CQHCI_ISTE);
    this.writel(set, Q.CQHCI_ISGE);
  }

  /** __cqhci_enable() */
  private enableHw(): void {
    let cfg = this.readl(Q.CQHCI_CFG);
    if (isSet(Q.CQCFG.ENABLE, cfg)) {
      cfg &= ~Q.CQCFG.ENABLE.mask; // configuration must not change while enabled
      this.writel(cfg, Q.CQHCI_CFG);
    }
    cfg = (cfg & ~Q.CQCFG.DCMD.mask) | Q.CQCFG.TASK_DESC_SZ.mask;
    this.writel(cfg, Q.CQHCI_CFG);
    this.writel(CQHCI_DMA_LAYOUT.descBase % 2 ** 32, Q.CQHCI_TDLBA);
    this.writel(Math.floor(CQHCI_DMA_LAYOUT.descBase / 2 ** 32), Q.CQHCI_TDLBAU);
    this.writel(this.rca, Q.CQHCI_SSC2);
    this.setIrqs(0);
    this.writel(cfg | Q.CQCFG.ENABLE.mask, Q.CQHCI_CFG);
    if (this.readl(Q.CQHCI_CTL) & Q.CQCTL.HALT.mask) this.writel(0, Q.CQHCI_CTL);
    this.mmc.cqeOn = true;
    this.ops.enable(this.mmc);
    this.setIrqs(CQHCI_IS_MASK);
    this.activated = true;
  }

  /** cqhci_enable(): nothing to do unless the card is in command-queue mode. */
  enable(card: MmcCard): number {
    if (!card.extCsd.cmdqEn) return 0;
    if (this.enabled) return 0;
    this.rca = card.rca;
    this.enableHw();
    this.enabled = true;
    return 0;
  }

  /** cqhci_disable() */
  disable(): void {
    if (!this.enabled) return;
    this.off();
    this.writel(this.readl(Q.CQHCI_CFG) & ~Q.CQCFG.ENABLE.mask, Q.CQHCI_CFG);
    this.activated = false;
    this.enabled = false;
  }

  /** cqhci_off(): halt, polled for CQHCI_OFF_TIMEOUT; cqe_on is cleared even if it is stuck. */
  off(): void {
    if (!this.enabled || !this.mmc.cqeOn) return;
    this.ops.disable(this.mmc, false);
    this.writel(Q.CQCTL.HALT.mask, Q.CQHCI_CTL);
    if (!this.pollHalted(CQHCI_OFF_TIMEOUT_US)) {
      this.stats.stuckOn++;
      this.pr('CQE stuck on');
    }
    this.mmc.cqeOn = false;
  }

  /** readx_poll_timeout(cqhci_read_ctl, …, reg & CQHCI_HALT, 0, timeout): a busy loop. */
  private pollHalted(timeoutUs: number): boolean {
    const cpu = this.mmc.cpu;
    const deadline = cpu.now + timeoutUs * 1000;
    for (;;) {
      if (this.readl(Q.CQHCI_CTL) & Q.CQCTL.HALT.mask) return true;
      if (cpu.now >= deadline) return false;
      cpu.udelay(1);
    }
  }

  get halted(): boolean {
    return (this.readl(Q.CQHCI_CTL) & Q.CQCTL.HALT.mask) !== 0;
  }

  /** cqhci_request() for a data task: descriptors, slot, doorbell. */
  request(mrq: MmcCqeRequest): number {
    if (!this.enabled) {
      this.pr('not enabled');
      return -EINVAL;
    }
    if (!this.activated) this.enableHw();
    if (!this.mmc.cqeOn) {
      this.writel(0, Q.CQHCI_CTL);
      this.mmc.cqeOn = true;
      if (this.readl(Q.CQHCI_CTL) & Q.CQCTL.HALT.mask) this.pr('CQE failed to exit halt state');
      this.ops.enable(this.mmc);
    }
    const tag = mrq.tag;
    if (tag < 0 || tag >= this.numSlots || this.slots[tag]) return -EBUSY;
    const data = mrq.data;
    const read = (data.flags & MMC_DATA_READ) !== 0;
    if (data.blocks * data.blksz > MAX_SEG * MAX_SEGS_PER_SLOT) return -EINVAL;
    this.prepTaskDesc(mrq, read);
    this.prepTransDesc(mrq, read);
    this.slots[tag] = mrq;
    this.qcnt++;
    this.stats.requests++;
    this.writel((1 << tag) >>> 0, Q.CQHCI_TDBR);
    return 0;
  }

  private slotAddr(tag: number): number {
    return CQHCI_DMA_LAYOUT.descBase + tag * SLOT_LEN;
  }

  private dataAddr(tag: number): number {
    return CQHCI_DMA_LAYOUT.dataBase + tag * MAX_SEG * MAX_SEGS_PER_SLOT;
  }

  /** cqhci_prep_task_desc(): attributes in bits 31:0, block address in 63:32. */
  private prepTaskDesc(mrq: MmcCqeRequest, read: boolean): void {
    const attr = compose(Q.CQHCI_TASK, {
      VALID: 1,
      END: 1,
      INT: 1,
      ACT: Q.CQHCI_ACT_TASK,
      FORCED_PROG: mrq.forcedProg && !read ? 1 : 0,
      DATA_DIR: read ? 1 : 0,
      BLK_COUNT: mrq.data.blocks,
    });
    const desc = new Uint8Array(SLOT_LEN);
    const view = new DataView(desc.buffer);
    view.setUint32(0, attr >>> 0, true);
    view.setUint32(4, mrq.blkAddr >>> 0, true);
    // the slot's link descriptor to its transfer descriptor list (64-bit addressing)
    const list = CQHCI_DMA_LAYOUT.transBase + mrq.tag * MAX_SEGS_PER_SLOT * Q.CQHCI_TRANS_DESC_LEN_64;
    encodeAdma2DescriptorAt(desc, Q.CQHCI_TASK_DESC_LEN_128, adma2Attr(ADMA2_ACT.LINK), 0, list, true);
    this.ops.memoryWrite(this.slotAddr(mrq.tag), desc);
  }

  /** cqhci_prep_tran_desc(): one ADMA2 descriptor per 64 KiB, END on the last; write data copied in. */
  private prepTransDesc(mrq: MmcCqeRequest, read: boolean): void {
    const data = mrq.data;
    const len = data.blocks * data.blksz;
    const buf = this.dataAddr(mrq.tag);
    if (!read) this.ops.memoryWrite(buf, data.buf.subarray(0, len));
    const segs = Math.max(1, Math.ceil(len / MAX_SEG));
    const table = new Uint8Array(segs * Q.CQHCI_TRANS_DESC_LEN_64);
    for (let i = 0; i < segs; i++) {
      const n = Math.min(MAX_SEG, len - i * MAX_SEG);
      encodeAdma2DescriptorAt(table, i * Q.CQHCI_TRANS_DESC_LEN_64, adma2Attr(ADMA2_ACT.TRAN, { end: i === segs - 1 }), n & 0xffff, buf + i * MAX_SEG, true);
    }
    this.ops.memoryWrite(CQHCI_DMA_LAYOUT.transBase + mrq.tag * MAX_SEGS_PER_SLOT * Q.CQHCI_TRANS_DESC_LEN_64, table);
  }

  /** cqhci_irq(): clear CQIS; errors end their task; CQTCN finishes completed tasks. */
  irq(): void {
    const status = this.readl(Q.CQHCI_IS);
    this.writel(status, Q.CQHCI_IS);
    let failed = 0;
    if (status & (Q.CQIS.RED.mask | Q.CQIS.GCE.mask | Q.CQIS.ICCE.mask)) {
      // cqhci_error_irq(), simplified: the task the engine names fails with -EIO; the block layer then runs mmc_cqe_recovery
      const terri = this.readl(Q.CQHCI_TERRI);
      if (isSet(Q.CQTERRI.RESP_ERR_VALID, terri)) failed |= 1 << ((terri >>> Q.CQTERRI.RESP_ERR_TASK.shift) & 0x1f);
      if (isSet(Q.CQTERRI.DATA_ERR_VALID, terri)) failed |= 1 << ((terri >>> Q.CQTERRI.DATA_ERR_TASK.shift) & 0x1f);
      this.stats.errors++;
      this.pr(`error IRQ status: 0x${status.toString(16).padStart(8, '0')} TERRI 0x${terri.toString(16).padStart(8, '0')}`);
    }
    let done = 0;
    if (status & Q.CQIS.TCC.mask) {
      done = this.readl(Q.CQHCI_TCN);
      this.writel(done, Q.CQHCI_TCN);
    }
    // a task the card refused leaves the doorbell without a completion: finish it as failed
    const doorbell = this.readl(Q.CQHCI_TDBR);
    for (let tag = 0; tag < this.numSlots; tag++) {
      const bit = (1 << tag) >>> 0;
      if (!this.slots[tag]) continue;
      if (done & bit) this.finish(tag, failed & bit ? -EIO : 0);
      else if (failed & bit && !(doorbell & bit)) this.finish(tag, -EIO);
    }
  }

  /** cqhci_finish_mrq(): read data copied out, the slot freed, the core told. */
  private finish(tag: number, error: number): void {
    const mrq = this.slots[tag]!;
    this.slots[tag] = undefined;
    this.qcnt--;
    const data = mrq.data;
    const len = data.blocks * data.blksz;
    if (!error && data.flags & MMC_DATA_READ) data.buf.set(this.ops.memoryRead(this.dataAddr(tag), len));
    data.bytesXfered = error ? 0 : len;
    data.error = error;
    this.stats.completed++;
    mmcCqeRequestDone(mrq, error);
  }

  /** Tasks the engine still holds (the doorbell). */
  get pending(): number {
    return this.enabled ? this.readl(Q.CQHCI_TDBR) : 0;
  }

  /** cqhci_recovery_start() without its sleeping wait: halt, interrupts off, SDHCI side off. */
  recoveryStart(): void {
    if (!this.enabled) return;
    this.writel(Q.CQCTL.HALT.mask, Q.CQHCI_CTL);
    if (!this.pollHalted(CQHCI_PANIC_HALT_TIMEOUT_US)) this.pr('Failed to halt');
    this.setIrqs(0);
    this.ops.disable(this.mmc, true);
    this.mmc.cqeOn = false;
  }

  /** cqhci_recovery_finish(): clear every task (each ends -EIO), re-arm the engine halted. */
  recoveryFinish(): void {
    if (!this.enabled) return;
    this.writel(Q.CQCTL.CLEAR_ALL_TASKS.mask, Q.CQHCI_CTL);
    for (let tag = 0; tag < this.numSlots; tag++) if (this.slots[tag]) this.finish(tag, -EIO);
    this.writel(this.readl(Q.CQHCI_CFG) & ~Q.CQCFG.ENABLE.mask, Q.CQHCI_CFG);
    this.writel(this.readl(Q.CQHCI_CFG) | Q.CQCFG.ENABLE.mask, Q.CQHCI_CFG);
    this.writel(Q.CQCTL.HALT.mask, Q.CQHCI_CTL);
    this.setIrqs(CQHCI_IS_MASK);
  }

  /** Panic-safe halt: CQCTL HALT, busy-polled; the SDHCI side back to legacy interrupts. */
  panicHalt(): number {
    if (!this.enabled) return 0;
    this.writel(Q.CQCTL.HALT.mask, Q.CQHCI_CTL);
    const ok = this.pollHalted(CQHCI_PANIC_HALT_TIMEOUT_US);
    this.setIrqs(0);
    this.ops.disable(this.mmc, false);
    this.mmc.cqeOn = false;
    return ok ? 0 : -ETIMEDOUT;
  }

  /** Panic-safe clear: every task forgotten in the controller (no callbacks), engine disabled; returns the doorbell count. */
  panicClear(): number {
    if (!this.enabled) return 0;
    const dropped = hweight32(this.readl(Q.CQHCI_TDBR));
    this.writel(Q.CQCTL.CLEAR_ALL_TASKS.mask, Q.CQHCI_CTL);
    this.slots.fill(undefined);
    this.qcnt = 0;
    this.writel(this.readl(Q.CQHCI_CFG) & ~Q.CQCFG.ENABLE.mask, Q.CQHCI_CFG);
    this.enabled = false;
    this.activated = false;
    this.mmc.cqeEnabled = false;
    return dropped;
  }
}

/** The struct mmc_cqe_ops cqhci hands the core. */
export function cqhciCqeOps(cq: CqhciHost): MmcCqeOps {
  return {
    cqeEnable: (_host, card) => cq.enable(card),
    cqeDisable: () => cq.disable(),
    cqeRequest: (_host, mrq) => cq.request(mrq),
    cqeOff: () => cq.off(),
    cqeBusy: () => cq.pending,
    cqeRecoveryStart: () => cq.recoveryStart(),
    cqeRecoveryFinish: () => cq.recoveryFinish(),
    cqePanicHalt: () => cq.panicHalt(),
    cqePanicClear: () => cq.panicClear(),
  };
}
