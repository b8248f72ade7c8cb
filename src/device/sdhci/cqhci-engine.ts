/**
 * The controller's command-queue engine (CQHCI, JESD84-B51 Appendix B, as Linux's cqhci-core.c
 * drives it). Registers and descriptor formats: src/hw/cqhci-regs.ts. A doorbell bit starts a
 * task: the engine reads its task descriptor from TDLBA + slot, queues it in the card (CMD44 +
 * CMD45), reads the card's queue status (CMD13 with SQS, RCA from CQSSC2), executes a ready task
 * (CMD46/CMD47) moving its data through the ADMA2-format transfer descriptors the slot's link
 * descriptor points to, then sets CQTCN and raises CQIS TCC (the host's SDHCI_INT_CQE when
 * CQISGE lets it through). One task moves data at a time, in tag order.
 *
 * Halt (CQCTL HALT) takes effect when the task moving data (if any) has finished: CQCTL then
 * reads HALT and CQIS HAC is raised. While halted, CQTCLR / CLEAR_ALL_TASKS forget tasks in the
 * controller only; tasks already queued in the card stay there until the host discards them with
 * CMD48 over the legacy command path. Not modelled: direct commands (DCMD slot), interrupt
 * coalescing (CQIC is stored), crypto.
 */

import type { VirtualClock, TaskHandle } from '../clock.js';
import type { BusConfig, LatencyModel } from '../latency.js';
import type { SimMemory } from '../memory.js';
import type { SdBus } from '../sd-bus.js';
import type { Tracer } from '../trace.js';
import * as Q from '../../hw/cqhci-regs.js';
import { ADMA2_ATTR, ADMA2_ACT, decodeAdma2Descriptor } from '../../hw/adma2.js';
import { get, isSet } from '../../hw/fields.js';
import type { RegDef } from '../../hw/sdhci-regs.js';
import {
  MMC,
  MMC_CMDQ_ARG_DATA_DIR_READ,
  MMC_CMDQ_ARG_FORCED_PRG,
  MMC_CMDQ_ARG_PRIORITY,
  MMC_CMDQ_ARG_REL_WRITE,
  MMC_CMDQ_ARG_TAG_REQ,
  MMC_CMDQ_TASK_ID_SHIFT,
  MMC_SEND_STATUS_SQS,
  RCA_SHIFT,
} from '../../hw/mmc-protocol.js';
import { SECTOR_SIZE } from '../../lib/units.js';

/** What the engine uses of its host controller. */
export interface CqhciHost {
  readonly clock: VirtualClock;
  readonly bus: SdBus;
  readonly memory: SimMemory;
  readonly tracer: Tracer;
  readonly latency: LatencyModel;
  busConfig(): BusConfig;
  /** CQIS or CQISGE changed: the host recomputes SDHCI_INT_CQE and its interrupt line */
  irqChanged(): void;
}

interface TaskDescriptor {
  readonly tag: number;
  readonly read: boolean;
  readonly blocks: number;
  readonly blockAddress: number;
  readonly arg44: number;
  /** transfer descriptor list (from the slot's link descriptor) */
  readonly transferList: number;
}

/** R1 response bits (48-bit response, 136 for R2) for command timing. */
const R1_RESPONSE_BITS = 48;
/** The commands one task costs before its data: CMD44, CMD45, CMD13 (SQS), CMD46/47. */
const COMMANDS_PER_TASK = 4;
const ALL_SLOTS = 0xffffffff;
const RCA_MASK = 0xffff;

export class CqhciEngine {
  private readonly regs = new Map<RegDef, number>();
  private cqis = 0;
  private tcn = 0;
  private doorbell = 0;
  /** tasks sent to the card (CMD44/45) and not executed yet: CQDPT */
  private dpt = 0;
  private dqs = 0;
  private halted = false;
  private haltRequested = false;
  private executing: number | undefined;
  private pending: TaskHandle | undefined;

  constructor(private readonly host: CqhciHost) {
    this.reset();
  }

  /** Power-on values; any task in flight is forgotten. */
  reset(): void {
    this.host.clock.cancel(this.pending);
    this.pending = undefined;
    this.regs.clear();
    for (const r of Q.CQHCI_REGISTERS) this.regs.set(r, r.reset);
    this.regs.set(Q.CQHCI_CAP, Q.CQCAP.ITCFMUL.mask & (2 << Q.CQCAP.ITCFMUL.shift));
    this.cqis = this.tcn = this.doorbell = this.dpt = this.dqs = 0;
    this.halted = this.haltRequested = false;
    this.executing = undefined;
  }

  /** SDHCI_INT_CQE: an enabled CQIS event is pending. */
  get interruptPending(): boolean {
    return (this.cqis & this.plain(Q.CQHCI_ISGE)) !== 0;
  }

  private plain(r: RegDef): number {
    return this.regs.get(r) ?? 0;
  }

  private get enabled(): boolean {
    return isSet(Q.CQCFG.ENABLE, this.plain(Q.CQHCI_CFG));
  }

  // ---------------------------------------------------------------------------------------------
  // registers
  // ---------------------------------------------------------------------------------------------

  read(offset: number): number {
    const r = Q.cqhciRegisterAt(offset);
    if (!r) return 0;
    switch (r) {
      case Q.CQHCI_CTL:
        return (this.plain(r) & ~Q.CQCTL.HALT.mask & ~Q.CQCTL.CLEAR_ALL_TASKS.mask) | (this.halted ? Q.CQCTL.HALT.mask : 0);
      case Q.CQHCI_IS:
        return this.cqis;
      case Q.CQHCI_TDBR:
        return this.doorbell;
      case Q.CQHCI_TCN:
        return this.tcn;
      case Q.CQHCI_DQS:
        return this.dqs;
      case Q.CQHCI_DPT:
        return this.dpt;
      case Q.CQHCI_TCLR:
        return 0; // clears complete at once
      default:
        return this.plain(r);
    }
  }

  write(offset: number, value: number): void {
    const r = Q.cqhciRegisterAt(offset);
    value >>>= 0;
    if (!r || r.access === 'ro') {
      this.host.tracer.emit('sdhci_guest_error', `CQE write to ${r ? `read-only ${r.name}` : `offset ${offset}`}`);
      return;
    }
    switch (r) {
      case Q.CQHCI_CFG:
        this.regs.set(r, value);
        if (!isSet(Q.CQCFG.ENABLE, value)) this.disable();
        return;
      case Q.CQHCI_CTL:
        this.regs.set(r, value & ~Q.CQCTL.CLEAR_ALL_TASKS.mask);
        if (isSet(Q.CQCTL.CLEAR_ALL_TASKS, value)) this.clearTasks(ALL_SLOTS);
        if (isSet(Q.CQCTL.HALT, value)) this.requestHalt();
        else if (this.halted || this.haltRequested) this.resume();
        return;
      case Q.CQHCI_IS:
        this.cqis = (this.cqis & ~value) >>> 0;
        this.host.irqChanged();
        return;
      case Q.CQHCI_ISGE:
        this.regs.set(r, value);
        this.host.irqChanged();
        return;
      case Q.CQHCI_TCN:
        this.tcn = (this.tcn & ~value) >>> 0;
        return;
      case Q.CQHCI_TDBR:
        this.ring(value);
        return;
      case Q.CQHCI_TCLR:
        this.clearTasks(value);
        return;
      default:
        this.regs.set(r, value);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // doorbell, halt, clear
  // ---------------------------------------------------------------------------------------------

  private ring(bits: number): void {
    if (!this.enabled) {
      this.host.tracer.emit('sdhci_guest_error', 'CQE doorbell while CQCFG.ENABLE is clear');
      return;
    }
    const fresh = bits & ~this.doorbell;
    this.doorbell = (this.doorbell | bits) >>> 0;
    if (fresh) this.host.tracer.emit('sdhci_transfer', `CQE doorbell ${fresh.toString(16)}`, popcount(this.doorbell));
    this.schedulePump(this.host.clock.now);
  }

  private requestHalt(): void {
    if (this.halted) return;
    this.haltRequested = true;
    if (this.executing === undefined) this.enterHalt();
  }

  private enterHalt(): void {
    this.host.clock.cancel(this.pending);
    this.pending = undefined;
    this.haltRequested = false;
    this.halted = true;
    this.raise(Q.CQIS.HAC.mask);
  }

  private resume(): void {
    this.halted = this.haltRequested = false;
    this.schedulePump(this.host.clock.now);
  }

  /** CQTCLR / CLEAR_ALL_TASKS: honoured only while halted (cqhci clears after halting). */
  private clearTasks(bits: number): void {
    if (!this.halted) {
      this.host.tracer.emit('sdhci_guest_error', 'CQE task clear while not halted');
      return;
    }
    this.doorbell = (this.doorbell & ~bits) >>> 0;
    this.dpt = (this.dpt & ~bits) >>> 0;
  }

  private disable(): void {
    this.host.clock.cancel(this.pending);
    this.pending = undefined;
    this.doorbell = this.dpt = 0;
    this.executing = undefined;
    this.halted = this.haltRequested = false;
  }

  private raise(bits: number): void {
    this.cqis = (this.cqis | (bits & this.plain(Q.CQHCI_ISTE))) >>> 0;
    this.host.irqChanged();
  }

  // ---------------------------------------------------------------------------------------------
  // the engine
  // ---------------------------------------------------------------------------------------------

  private schedulePump(at: number): void {
    if (this.pending || this.executing !== undefined) return;
    this.pending = this.host.clock.schedule(at, () => {
      this.pending = undefined;
      this.pump();
    }, 'cqhci pump');
  }

  private commandNs(): number {
    return this.host.latency.commandNs(R1_RESPONSE_BITS, this.host.busConfig().clockHz);
  }

  /** One command to the card; undefined (and the error recorded) if it failed. */
  private command(index: number, arg: number, tag: number, data = false): number | undefined {
    const { response, crcError } = this.host.bus.doCommand(index, arg, data);
    if (response.kind !== 'r1' && response.kind !== 'r1b') {
      this.responseError(index, tag);
      return undefined;
    }
    this.regs.set(Q.CQHCI_CRI, index);
    this.regs.set(Q.CQHCI_CRA, response.status);
    if (crcError || (index !== MMC.SEND_STATUS && response.status & this.plain(Q.CQHCI_RMEM))) {
      this.responseError(index, tag);
      return undefined;
    }
    return response.status;
  }

  private responseError(index: number, tag: number): void {
    const terri = (index << Q.CQTERRI.RESP_ERR_CMD.shift) | (tag << Q.CQTERRI.RESP_ERR_TASK.shift) | Q.CQTERRI.RESP_ERR_VALID.mask;
    this.regs.set(Q.CQHCI_TERRI, (this.plain(Q.CQHCI_TERRI) & ~0xffff) | terri);
    this.raise(Q.CQIS.RED.mask);
  }

  /** Queue what the doorbell added, read the queue status, start the lowest ready task. */
  private pump(): void {
    if (!this.enabled || this.halted || this.executing !== undefined) return;
    if (this.haltRequested) return this.enterHalt();
    const descs = new Map<number, TaskDescriptor>();
    for (let tag = 0; tag < Q.CQHCI_NUM_SLOTS; tag++) {
      const bit = (1 << tag) >>> 0;
      if (!(this.doorbell & bit)) continue;
      const d = this.fetch(tag);
      descs.set(tag, d);
      if (this.dpt & bit) continue;
      if (this.command(MMC.QUE_TASK_PARAMS, d.arg44, tag) === undefined) return this.fail(tag);
      if (this.command(MMC.QUE_TASK_ADDR, d.blockAddress, tag) === undefined) return this.fail(tag);
      this.dpt = (this.dpt | bit) >>> 0;
    }
    if (this.dpt === 0) return;
    const rca = this.plain(Q.CQHCI_SSC2) & RCA_MASK;
    const qsr = this.command(MMC.SEND_STATUS, ((rca << RCA_SHIFT) | MMC_SEND_STATUS_SQS) >>> 0, 0);
    if (qsr === undefined) return;
    this.dqs = qsr;
    const ready = qsr & this.dpt & this.doorbell;
    if (ready === 0) return this.schedulePump(this.host.clock.now + this.commandNs());
    const tag = Math.clz32(ready & -ready) ^ 31; // lowest ready tag
    this.execute(descs.get(tag) ?? this.fetch(tag));
  }

  /** The task descriptor of slot `tag` and its transfer list, read from DMA memory. */
  private fetch(tag: number): TaskDescriptor {
    const wide = isSet(Q.CQCFG.TASK_DESC_SZ, this.plain(Q.CQHCI_CFG));
    const taskLen = wide ? Q.CQHCI_TASK_DESC_LEN_128 : Q.CQHCI_TASK_DESC_LEN_64;
    const linkLen = wide ? Q.CQHCI_TRANS_DESC_LEN_64 : Q.CQHCI_TRANS_DESC_LEN_32;
    const base = this.plain(Q.CQHCI_TDLBAU) * 2 ** 32 + this.plain(Q.CQHCI_TDLBA);
    const slot = base + tag * (taskLen + linkLen);
    const raw = this.host.memory.read(slot, Q.CQHCI_TASK_DESC_LEN_64);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const attr = view.getUint32(0, true);
    const blockAddress = view.getUint32(4, true);
    const link = decodeAdma2Descriptor(this.host.memory.read(slot + taskLen, linkLen), wide);
    const read = isSet(Q.CQHCI_TASK.DATA_DIR, attr);
    const blocks = get(Q.CQHCI_TASK.BLK_COUNT, attr);
    const flag = (f: (typeof Q.CQHCI_TASK)[keyof typeof Q.CQHCI_TASK], argBit: number): number => (isSet(f, attr) ? argBit : 0);
    const arg44 =
      flag(Q.CQHCI_TASK.REL_WRITE, MMC_CMDQ_ARG_REL_WRITE) |
      flag(Q.CQHCI_TASK.DATA_DIR, MMC_CMDQ_ARG_DATA_DIR_READ) |
      flag(Q.CQHCI_TASK.DATA_TAG, MMC_CMDQ_ARG_TAG_REQ) |
      flag(Q.CQHCI_TASK.FORCED_PROG, MMC_CMDQ_ARG_FORCED_PRG) |
      flag(Q.CQHCI_TASK.PRIORITY, MMC_CMDQ_ARG_PRIORITY) |
      (tag << MMC_CMDQ_TASK_ID_SHIFT) |
      blocks;
    return { tag, read, blocks, blockAddress, arg44: arg44 >>> 0, transferList: link.address };
  }

  /** CMD46/47 and the task's data; completion after the bus time and, for writes, the card's busy. */
  private execute(d: TaskDescriptor): void {
    const bit = (1 << d.tag) >>> 0;
    this.dpt = (this.dpt & ~bit) >>> 0;
    const cmd = d.read ? MMC.EXECUTE_READ_TASK : MMC.EXECUTE_WRITE_TASK;
    if (this.command(cmd, (d.tag << MMC_CMDQ_TASK_ID_SHIFT) >>> 0, d.tag, true) === undefined) return this.fail(d.tag);
    this.executing = d.tag;
    const moved = this.moveData(d);
    const bus = this.host.busConfig();
    let end = this.host.clock.now + COMMANDS_PER_TASK * this.commandNs() + moved * this.host.latency.blockTransferNs(SECTOR_SIZE, bus);
    if (!d.read) end = Math.max(end, this.host.bus.busyEnd());
    if (moved !== d.blocks) {
      const terri = (cmd << Q.CQTERRI.DATA_ERR_CMD.shift) | (d.tag << Q.CQTERRI.DATA_ERR_TASK.shift) | Q.CQTERRI.DATA_ERR_VALID.mask;
      this.regs.set(Q.CQHCI_TERRI, ((this.plain(Q.CQHCI_TERRI) & 0xffff) | terri) >>> 0);
    }
    // a card busy forever (an injected fault) never completes the task: it stays in flight
    if (end !== Infinity) this.pending = this.host.clock.schedule(end, () => this.complete(d, moved === d.blocks), 'cqhci task done');
  }

  /** Blocks of the task between memory and card along its transfer descriptors; returns how many moved. */
  private moveData(d: TaskDescriptor): number {
    const wide = isSet(Q.CQCFG.TASK_DESC_SZ, this.plain(Q.CQHCI_CFG));
    const stride = wide ? Q.CQHCI_TRANS_DESC_LEN_64 : Q.CQHCI_TRANS_DESC_LEN_32;
    let moved = 0;
    for (let at = d.transferList; moved < d.blocks; at += stride) {
      const desc = decodeAdma2Descriptor(this.host.memory.read(at, stride), wide);
      if (!isSet(ADMA2_ATTR.VALID, desc.attr) || get(ADMA2_ATTR.ACT, desc.attr) !== ADMA2_ACT.TRAN) break;
      const len = desc.length === 0 ? 0x10000 : desc.length;
      for (let off = 0; off + SECTOR_SIZE <= len && moved < d.blocks; off += SECTOR_SIZE) {
        if (d.read) {
          const { data, fault } = this.host.bus.readData(SECTOR_SIZE);
          if (!data || fault) return moved;
          this.host.memory.write(desc.address + off, data);
        } else {
          const { accepted } = this.host.bus.writeData(this.host.memory.read(desc.address + off, SECTOR_SIZE));
          if (!accepted) return moved;
        }
        moved++;
      }
      if (isSet(ADMA2_ATTR.END, desc.attr)) break;
    }
    return moved;
  }

  private complete(d: TaskDescriptor, ok: boolean): void {
    this.pending = undefined;
    this.executing = undefined;
    const bit = (1 << d.tag) >>> 0;
    this.doorbell = (this.doorbell & ~bit) >>> 0;
    this.tcn = (this.tcn | bit) >>> 0;
    this.host.tracer.emit('sdhci_transfer', `CQE task ${d.tag} ${ok ? 'complete' : 'data error'}`, popcount(this.doorbell));
    this.raise(ok ? Q.CQIS.TCC.mask : Q.CQIS.TCC.mask | Q.CQIS.RED.mask);
    if (this.haltRequested) return this.enterHalt();
    if (this.doorbell) this.schedulePump(this.host.clock.now);
  }

  /** A task the card refused: it leaves the doorbell with a response error (cqhci recovers). */
  private fail(tag: number): void {
    const bit = (1 << tag) >>> 0;
    this.doorbell = (this.doorbell & ~bit) >>> 0;
    this.dpt = (this.dpt & ~bit) >>> 0;
    this.executing = undefined;
  }
}

function popcount(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
}
