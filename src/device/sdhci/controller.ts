/**
 * SDHCI 3.00 host controller model (spec §1 register map, §2 behaviour). Register offsets, access
 * types and bit fields come from src/hw/sdhci-regs.ts only.
 *
 * - One MMIO entry point per direction (`read(offset, size)`, `write(offset, size, value)`); the
 *   sub-word masking for 8/16/32-bit accesses is done once, in `write`, by splitting the access
 *   into per-register (value, byte mask) pairs. RO writes are guest errors (counted, traced);
 *   unknown offsets are traced as unimplemented; nothing throws.
 * - `updateIrq()` is the only writer of the interrupt line.
 * - Everything that takes time runs from the virtual clock: a command completes after the
 *   latency model's turnaround, data after bus/busy time. A polling driver must advance the clock.
 *   Pending work carries an epoch; a software reset bumps it, so stale events do nothing.
 */

import type { VirtualClock } from '../clock.js';
import { LatencyModel, type BusConfig } from '../latency.js';
import type { SimMemory } from '../memory.js';
import { MemoryFault, ViewList } from '../memory.js';
import type { SdBus } from '../sd-bus.js';
import type { CardResponse } from '../emmc/card-context.js';
import type { Tracer } from '../trace.js';
import { MMC } from '../../hw/mmc-protocol.js';
import * as R from '../../hw/sdhci-regs.js';
import { get, isSet, type Field, type RegDef } from '../../hw/sdhci-regs.js';
import { Adma2Engine, SdmaEngine, type AdmaError, type AdmaPlanCache, type AdmaPosition, type DmaViews } from './dma.js';
import { blockDoneAt, blocksDoneBy, blocksFetchedBy, type Burst } from './burst.js';

/**
 * Bytes of the register file whose reads show a burst's progress (block count, DMA addresses,
 * Present State's DAT lines, the ADMA state, the data port): reading them settles the run. Every
 * other read sees nothing a run changes before its end (a scheduled task), so it need not settle.
 */
const BURST_VISIBLE_READ = byteMask([R.BUFFER_DATA_PORT, R.BLOCK_COUNT, R.SDMA_ADDRESS, R.ADMA_ADDRESS_LO, R.ADMA_ADDRESS_HI, R.PRESENT_STATE, R.ADMA_ERROR_STATUS]);
/** Writes settle except the interrupt status acks (write-1-to-clear; a run raises nothing before its end). */
const BURST_VISIBLE_WRITE = byteMask(R.REGISTERS.filter((r) => r !== R.NORMAL_INT_STATUS && r !== R.ERROR_INT_STATUS), true);

function byteMask(regs: readonly RegDef[], unknownToo = false): Uint8Array {
  const m = new Uint8Array(256).fill(unknownToo ? 1 : 0);
  if (unknownToo) for (const r of R.REGISTERS) m.fill(0, r.offset, r.offset + r.width / 8);
  for (const r of regs) m.fill(1, r.offset, r.offset + r.width / 8);
  return m;
}

function touches(mask: Uint8Array, offset: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (mask[(offset + i) & 0xff]) return true;
  return false;
}

/** A DMA engine's place in its buffer or descriptor table. */
interface DmaPosition {
  sdma?: number;
  adma?: AdmaPosition;
  endSeen: boolean;
}

/** The one interrupt line of the controller. Only the controller's `updateIrq` sets it. */
export class IrqLine {
  private _level = false;
  private listeners: ((level: boolean) => void)[] = [];
  /** number of rising edges (tests) */
  raised = 0;
  get level(): boolean {
    return this._level;
  }
  /** @internal — called by SdhciController.updateIrq only */
  setLevel(level: boolean): void {
    if (level === this._level) return;
    this._level = level;
    if (level) this.raised++;
    for (const l of this.listeners) l(level);
  }
  onChange(cb: (level: boolean) => void): () => void {
    this.listeners.push(cb);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== cb);
    };
  }
}

export interface SdhciCounters {
  /** driver mistakes: RO writes, commands under inhibit, empty buffer reads, ... */
  guestErrors: number;
  /** of which: writes to read-only registers */
  roWrites: number;
  /** accesses to offsets the model does not implement */
  unimplemented: number;
  commands: number;
}

export interface SdhciOptions {
  clock: VirtualClock;
  bus: SdBus;
  memory: SimMemory;
  tracer: Tracer;
  latency?: LatencyModel;
  irq?: IrqLine;
  capabilities0?: number;
  capabilities1?: number;
  version?: number;
}

type DmaMode = 'pio' | 'sdma' | 'adma32' | 'adma64';

interface Transfer {
  readonly cmdIndex: number;
  readonly read: boolean;
  readonly blockSize: number;
  readonly useCount: boolean;
  /** undefined = until stopped (no Block Count Enable on a multi-block transfer) */
  blocksLeft: number | undefined;
  readonly dma: DmaMode;
  readonly autoCmd12: boolean;
  sdma: SdmaEngine | undefined;
  adma: Adma2Engine | undefined;
  /** PIO/DMA staging buffer for the current block */
  buf: Uint8Array | undefined;
  /** PIO writes: the block buffer, reused block after block (the card copies a block when it takes it) */
  pioBlock: Uint8Array | undefined;
  pos: number;
  /** SDMA waiting for the host to rewrite the address after a boundary interrupt */
  sdmaPaused: boolean;
  /** ADMA End attribute consumed on an open-ended transfer */
  endSeen: boolean;
  stuck: boolean;
  blocksDone: number;
}

const RESPONSE_REGS = [R.RESPONSE0, R.RESPONSE1, R.RESPONSE2, R.RESPONSE3] as const;

export class SdhciController {
  readonly irq: IrqLine;
  readonly counters: SdhciCounters = { guestErrors: 0, roWrites: 0, unimplemented: 0, commands: 0 };
  private readonly clock: VirtualClock;
  private readonly bus: SdBus;
  private readonly memory: SimMemory;
  private readonly tracer: Tracer;
  private readonly latency: LatencyModel;
  private readonly hwinit: ReadonlyMap<RegDef, number>;

  /** plain register storage (everything not computed) */
  private regs = new Map<RegDef, number>();
  private norSts = 0;
  private errSts = 0;
  private cmdInhibit = false;
  private datInhibit = false;
  private datLineActive = false;
  private readActive = false;
  private writeActive = false;
  private bufReadEnable = false;
  private bufWriteEnable = false;
  private clockStable = false;
  private cmdEpoch = 0;
  private dataEpoch = 0;
  private clockEpoch = 0;
  private xfer: Transfer | undefined;
  /** the command most recently issued (for traces) */
  private lastCmd = 0;
  /** a run of DMA blocks moving in bulk (./burst.ts); settled before anything can observe it */
  private burst: Burst<Transfer> | undefined;
  /** the last ADMA2 table walk, reused while the table's pages are unchanged (dma.ts AdmaPlan) */
  private readonly admaPlans: AdmaPlanCache = { plan: undefined };

  constructor(o: SdhciOptions) {
    this.clock = o.clock;
    this.bus = o.bus;
    this.memory = o.memory;
    this.tracer = o.tracer;
    this.latency = o.latency ?? new LatencyModel();
    this.irq = o.irq ?? new IrqLine();
    this.hwinit = new Map<RegDef, number>([
      [R.CAPABILITIES0, o.capabilities0 ?? R.CAPABILITIES0.reset],
      [R.CAPABILITIES1, o.capabilities1 ?? R.CAPABILITIES1.reset],
      [R.MAX_CURRENT, R.MAX_CURRENT.reset],
      [R.HOST_VERSION, o.version ?? R.HOST_VERSION.reset],
    ]);
    this.resetAll();
  }

  // ---------------------------------------------------------------------------------------------
  // MMIO
  // ---------------------------------------------------------------------------------------------

  read(offset: number, size: 1 | 2 | 4): number {
    offset &= 0xff;
    if (this.burst && touches(BURST_VISIBLE_READ, offset, size)) this.settle();
    let value: number;
    if (offset >= R.BUFFER_DATA_PORT.offset && offset < R.BUFFER_DATA_PORT.offset + 4) {
      value = this.readDataPort(size);
    } else {
      const r0 = R.registerAt(offset);
      if (r0 && r0.offset === offset && r0.width === size * 8) {
        value = size === 4 ? this.readReg(r0) : this.readReg(r0) & (size === 2 ? 0xffff : 0xff); // one whole register
      } else {
        value = this.readBytes(offset, size);
      }
    }
    value >>>= 0;
    if (this.traceAccess) this.tracer.emit('sdhci_access_read', R.offsetName(offset), size * 8, value);
    return value;
  }

  /** A read that is not one whole register: byte by byte, each register read once. */
  private readBytes(offset: number, size: number): number {
    let value = 0;
    let last: RegDef | undefined;
    let v = 0;
    let unknown = false;
    for (let i = 0; i < size; i++) {
      const r = R.registerAt(offset + i);
      if (!r) {
        unknown = true;
        continue;
      }
      if (r !== last) {
        v = this.readReg(r);
        last = r;
      }
      value |= ((v >>> ((offset + i - r.offset) * 8)) & 0xff) << (8 * i);
    }
    if (unknown) this.unimplemented(`read of ${size * 8} bits at ${R.offsetName(offset)}`);
    return value;
  }

  /** Access tracing is on (argument strings are built only then). */
  private get traceAccess(): boolean {
    return !this.tracer.silent;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    offset &= 0xff;
    if (this.burst && touches(BURST_VISIBLE_WRITE, offset, size)) this.settle();
    value = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    if (this.traceAccess) this.tracer.emit('sdhci_access_write', R.offsetName(offset), size * 8, value);
    if (offset >= R.BUFFER_DATA_PORT.offset && offset < R.BUFFER_DATA_PORT.offset + 4) {
      this.writeDataPort(size, value);
      return;
    }
    const r0 = R.registerAt(offset);
    if (r0 && r0.offset === offset && r0.width === size * 8) {
      this.writeReg(r0, value, size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff); // one whole register
      return;
    }
    // split into per-register (value, mask) pairs, in ascending offset order; a register's bytes
    // are contiguous, so a pair is written where the register changes (no allocation per access)
    for (let i = 0; i < size; i++) {
      if (!R.registerAt(offset + i)) {
        this.unimplemented(`write of ${size * 8} bits at ${R.offsetName(offset)}`);
        break;
      }
    }
    let cur: RegDef | undefined;
    let v = 0;
    let m = 0;
    for (let i = 0; i < size; i++) {
      const r = R.registerAt(offset + i);
      if (!r) continue;
      if (r !== cur) {
        if (cur) this.writeReg(cur, v, m);
        cur = r;
        v = m = 0;
      }
      const shift = (offset + i - r.offset) * 8;
      v = (v | (((value >>> (8 * i)) & 0xff) << shift)) >>> 0;
      m = (m | (0xff << shift)) >>> 0;
    }
    if (cur) this.writeReg(cur, v, m);
  }

  readb = (offset: number): number => this.read(offset, 1);
  readw = (offset: number): number => this.read(offset, 2);
  readl = (offset: number): number => this.read(offset, 4);
  writeb = (offset: number, v: number): void => this.write(offset, 1, v);
  writew = (offset: number, v: number): void => this.write(offset, 2, v);
  writel = (offset: number, v: number): void => this.write(offset, 4, v);

  private guestError(what: string): void {
    this.counters.guestErrors++;
    this.tracer.emit('sdhci_guest_error', what);
  }

  private unimplemented(what: string): void {
    this.counters.unimplemented++;
    this.tracer.emit('sdhci_unimplemented', what);
  }

  private plain(r: RegDef): number {
    return this.regs.get(r) ?? 0;
  }

  private setPlain(r: RegDef, v: number): void {
    this.regs.set(r, v >>> 0);
  }

  private readReg(r: RegDef): number {
    switch (r) {
      case R.SDMA_ADDRESS:
        return this.xfer?.sdma ? this.xfer.sdma.addr : this.plain(r);
      case R.PRESENT_STATE:
        return this.presentState();
      case R.NORMAL_INT_STATUS:
        return this.normalStatusView();
      case R.ERROR_INT_STATUS:
        return this.errSts;
      case R.CLOCK_CONTROL:
        return (this.plain(r) & ~R.CLK.INTERNAL_STABLE.mask) | (this.clockStable ? R.CLK.INTERNAL_STABLE.mask : 0);
      case R.SOFTWARE_RESET:
        return 0; // resets complete at once and self-clear
      case R.ADMA_ADDRESS_LO:
        return this.xfer?.adma ? this.xfer.adma.descAddr % 2 ** 32 >>> 0 : this.plain(r);
      case R.ADMA_ADDRESS_HI:
        return this.xfer?.adma ? Math.floor(this.xfer.adma.descAddr / 2 ** 32) >>> 0 : this.plain(r);
      case R.SLOT_INT_STATUS:
        return this.irq.level ? 1 : 0;
      case R.FORCE_EVENT_AUTO_CMD:
      case R.FORCE_EVENT_ERROR:
        return 0;
      default:
        return this.hwinit.get(r) ?? this.plain(r);
    }
  }

  private writeReg(r: RegDef, v: number, m: number): void {
    if (r.access === 'ro') {
      this.counters.roWrites++;
      this.guestError(`write to read-only ${r.name}`);
      return;
    }
    const wm = (m & ~r.roMask) >>> 0;
    switch (r) {
      case R.NORMAL_INT_STATUS:
        this.norSts = (this.norSts & ~(v & wm)) >>> 0;
        this.updateIrq();
        return;
      case R.ERROR_INT_STATUS:
        this.errSts = (this.errSts & ~(v & wm)) >>> 0;
        this.updateIrq();
        return;
      case R.FORCE_EVENT_ERROR:
        this.errSts = (this.errSts | (v & wm & this.plain(R.ERROR_INT_STATUS_ENABLE))) >>> 0;
        this.updateIrq();
        return;
      case R.FORCE_EVENT_AUTO_CMD:
        this.setPlain(R.AUTO_CMD_ERROR_STATUS, this.plain(R.AUTO_CMD_ERROR_STATUS) | (v & wm));
        this.raiseError(R.EIS.AUTO_CMD);
        return;
    }
    const old = this.plain(r);
    const next = ((old & ~wm) | (v & wm)) >>> 0;
    switch (r) {
      case R.SDMA_ADDRESS:
        if (this.xfer?.sdma) {
          if (!this.xfer.sdmaPaused) {
            this.guestError('SDMA address written during a transfer');
            return;
          }
          this.xfer.sdma.addr = next;
          this.setPlain(r, next);
          if (m & 0xff000000) this.resumeSdma(); // the write of the top byte resumes (§2.6)
          return;
        }
        this.setPlain(r, next);
        return;
      case R.BLOCK_SIZE:
      case R.BLOCK_COUNT:
        if (this.xfer) {
          this.guestError(`${r.name} written during a transfer`);
          return;
        }
        this.setPlain(r, next);
        return;
      case R.TRANSFER_MODE:
        if (this.datInhibit) {
          this.guestError('Transfer Mode written while Command Inhibit (DAT)');
          return;
        }
        this.setPlain(r, next);
        return;
      case R.COMMAND:
        this.setPlain(r, next);
        if (m & 0xff00) this.issueCommand();
        return;
      case R.POWER_CONTROL:
        this.writePower(next);
        return;
      case R.CLOCK_CONTROL:
        this.writeClock(next);
        return;
      case R.SOFTWARE_RESET:
        this.softwareReset(next);
        return;
      case R.NORMAL_INT_STATUS_ENABLE:
        this.setPlain(r, next);
        this.norSts = (this.norSts & next) >>> 0; // clearing an enable clears its status (§2.4)
        this.updateIrq();
        return;
      case R.ERROR_INT_STATUS_ENABLE:
        this.setPlain(r, next);
        this.errSts = (this.errSts & next) >>> 0;
        this.updateIrq();
        return;
      case R.NORMAL_INT_SIGNAL_ENABLE:
      case R.ERROR_INT_SIGNAL_ENABLE:
        this.setPlain(r, next);
        this.updateIrq();
        return;
      case R.HOST_CONTROL2: {
        let v2 = next;
        if (isSet(R.HC2.EXECUTE_TUNING, v2)) {
          // no tuning modelled: it "succeeds" at once (Execute Tuning clears, Sampling Clock Select sets)
          v2 = (v2 & ~R.HC2.EXECUTE_TUNING.mask) | R.HC2.SAMPLING_CLOCK_SELECT.mask;
        }
        this.setPlain(r, v2);
        return;
      }
      default:
        this.setPlain(r, next);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // interrupts
  // ---------------------------------------------------------------------------------------------

  private normalStatusView(): number {
    return (this.norSts | (this.errSts !== 0 ? R.NIS.ERROR.mask : 0)) >>> 0;
  }

  /** A normal event: latched only if its Status Enable bit is set (§2.4). */
  private raiseNormal(f: Field): void {
    if (this.plain(R.NORMAL_INT_STATUS_ENABLE) & f.mask) this.norSts = (this.norSts | f.mask) >>> 0;
    this.updateIrq();
  }

  private raiseError(f: Field): void {
    this.tracer.emit('sdhci_error', Object.keys(R.EIS).find((k) => R.EIS[k as keyof typeof R.EIS] === f) ?? '?', this.lastCmd);
    if (this.plain(R.ERROR_INT_STATUS_ENABLE) & f.mask) this.errSts = (this.errSts | f.mask) >>> 0;
    this.updateIrq();
  }

  /** The only writer of the interrupt line. */
  private updateIrq(): void {
    const pending =
      (this.normalStatusView() & this.plain(R.NORMAL_INT_SIGNAL_ENABLE)) | (this.errSts & this.plain(R.ERROR_INT_SIGNAL_ENABLE));
    const level = pending !== 0;
    if (level !== this.irq.level) {
      this.tracer.emit('sdhci_irq', level);
      this.irq.setLevel(level);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // present state, clock, power, timeouts
  // ---------------------------------------------------------------------------------------------

  private presentState(): number {
    // no helper closure: this is read once per PIO block and in every poll loop
    const dat0 = this.bus.dat0High();
    let v = R.PS.CARD_INSERTED.mask | R.PS.CARD_STATE_STABLE.mask | R.PS.CARD_DETECT_PIN.mask | R.PS.WRITE_PROTECT_PIN.mask | R.PS.CMD_LEVEL.mask;
    v |= (dat0 ? 0xf : 0xe) << R.PS.DAT_3_0_LEVEL.shift;
    if (this.cmdInhibit) v |= R.PS.CMD_INHIBIT.mask;
    if (this.datInhibit) v |= R.PS.DAT_INHIBIT.mask;
    if (this.datLineActive || !dat0) v |= R.PS.DAT_LINE_ACTIVE.mask;
    if (this.writeActive) v |= R.PS.WRITE_TRANSFER_ACTIVE.mask;
    if (this.readActive) v |= R.PS.READ_TRANSFER_ACTIVE.mask;
    if (this.bufWriteEnable) v |= R.PS.BUFFER_WRITE_ENABLE.mask;
    if (this.bufReadEnable) v |= R.PS.BUFFER_READ_ENABLE.mask;
    return v >>> 0;
  }

  private cardPowered(): boolean {
    return isSet(R.PWR.BUS_POWER, this.plain(R.POWER_CONTROL));
  }

  private clockRunning(): boolean {
    const c = this.plain(R.CLOCK_CONTROL);
    return this.clockStable && isSet(R.CLK.INTERNAL_ENABLE, c) && isSet(R.CLK.SD_CLOCK_ENABLE, c);
  }

  /** The SD clock the host configured (Hz); 0 while stopped. */
  sdClockHz(): number {
    if (!this.clockRunning()) return 0;
    const baseHz = get(R.CAP0.BASE_CLOCK_MHZ, this.readReg(R.CAPABILITIES0)) * 1e6;
    return R.sdClockHz(baseHz, R.clockDivider(this.plain(R.CLOCK_CONTROL)));
  }

  busConfig(): BusConfig {
    const hc1 = this.plain(R.HOST_CONTROL1);
    const width = isSet(R.HC1.EXT_DATA_WIDTH_8BIT, hc1) ? 8 : isSet(R.HC1.DATA_WIDTH_4BIT, hc1) ? 4 : 1;
    const uhs = get(R.HC2.UHS_MODE, this.plain(R.HOST_CONTROL2));
    return { clockHz: this.sdClockHz() || this.latency.p.defaultBus.clockHz, width, ddr: uhs === R.UHS_MODE.DDR50 || uhs === R.UHS_MODE.HS400 };
  }

  private dataTimeoutNs(): number {
    const cap = this.readReg(R.CAPABILITIES0);
    const freq = get(R.CAP0.TIMEOUT_CLOCK_FREQ, cap) || 1;
    const tmclkHz = freq * (isSet(R.CAP0.TIMEOUT_CLOCK_UNIT_MHZ, cap) ? 1e6 : 1e3);
    return LatencyModel.dataTimeoutNs(get(R.TOUT.DATA_TIMEOUT_COUNT, this.plain(R.TIMEOUT_CONTROL)), tmclkHz);
  }

  private writeClock(v: number): void {
    const wasOn = isSet(R.CLK.INTERNAL_ENABLE, this.plain(R.CLOCK_CONTROL));
    this.setPlain(R.CLOCK_CONTROL, v & ~R.CLK.INTERNAL_STABLE.mask);
    const on = isSet(R.CLK.INTERNAL_ENABLE, v);
    if (!on) {
      this.clockStable = false;
      this.clockEpoch++;
    } else if (!wasOn) {
      const epoch = ++this.clockEpoch;
      this.clock.after(this.latency.p.clockStableNs, () => {
        if (epoch === this.clockEpoch) this.clockStable = true;
      }, 'sdhci clock stable');
    }
  }

  private writePower(v: number): void {
    const was = this.cardPowered();
    const volt = get(R.PWR.VOLTAGE, v);
    const cap = this.readReg(R.CAPABILITIES0);
    const supported =
      (volt === R.BUS_VOLTAGE.V3_3 && isSet(R.CAP0.VOLTAGE_3V3, cap)) ||
      (volt === R.BUS_VOLTAGE.V3_0 && isSet(R.CAP0.VOLTAGE_3V0, cap)) ||
      (volt === R.BUS_VOLTAGE.V1_8 && isSet(R.CAP0.VOLTAGE_1V8, cap));
    // the power bit only sticks with an advertised voltage (§1.5)
    const next = isSet(R.PWR.BUS_POWER, v) && !supported ? v & ~R.PWR.BUS_POWER.mask : v;
    if (next !== v) this.guestError(`bus power with unsupported voltage ${volt}`);
    this.setPlain(R.POWER_CONTROL, next);
    const now = isSet(R.PWR.BUS_POWER, next);
    if (!was && now) this.bus.powerCycle(); // power-on: the card starts from its power-on state
  }

  // ---------------------------------------------------------------------------------------------
  // software reset (§2.10)
  // ---------------------------------------------------------------------------------------------

  private softwareReset(mask: number): void {
    if (!mask) return;
    this.tracer.emit('sdhci_reset', mask);
    if (isSet(R.RST.ALL, mask)) {
      this.resetAll();
      return;
    }
    if (isSet(R.RST.CMD, mask)) {
      this.cmdEpoch++;
      this.cmdInhibit = false;
      this.norSts &= ~R.NIS.CMD_COMPLETE.mask;
    }
    if (isSet(R.RST.DATA, mask)) this.resetData();
    this.updateIrq();
  }

  private resetData(): void {
    this.dataEpoch++;
    this.xfer = undefined;
    this.datInhibit = this.datLineActive = this.readActive = this.writeActive = false;
    this.bufReadEnable = this.bufWriteEnable = false;
    this.setPlain(R.BLOCK_GAP_CONTROL, this.plain(R.BLOCK_GAP_CONTROL) & ~(R.BGC.STOP_AT_GAP.mask | R.BGC.CONTINUE.mask));
    this.norSts &= ~(
      R.NIS.BUFFER_READ_READY.mask |
      R.NIS.BUFFER_WRITE_READY.mask |
      R.NIS.DMA.mask |
      R.NIS.BLOCK_GAP.mask |
      R.NIS.TRANSFER_COMPLETE.mask
    );
  }

  private resetAll(): void {
    this.cmdEpoch++;
    this.clockEpoch++;
    this.resetData();
    this.regs = new Map();
    for (const r of R.REGISTERS) if (!this.hwinit.has(r) && r.reset) this.regs.set(r, r.reset);
    this.norSts = this.errSts = 0;
    this.cmdInhibit = false;
    this.clockStable = false;
    this.updateIrq();
  }

  // ---------------------------------------------------------------------------------------------
  // commands (§2.1–2.3, §2.8)
  // ---------------------------------------------------------------------------------------------

  private issueCommand(): void {
    const word = this.plain(R.COMMAND);
    const c = R.decodeCommand(word);
    const arg = this.plain(R.ARGUMENT);
    const tm = this.plain(R.TRANSFER_MODE);
    const isStop = c.index === MMC.STOP_TRANSMISSION || c.type === R.COMMAND_TYPE.ABORT;
    const usesDat = c.dataPresent || c.responseType === R.RESPONSE_TYPE.R48_BUSY;
    if (this.cmdInhibit) {
      this.guestError(`CMD${c.index} issued while Command Inhibit (CMD)`);
      return;
    }
    if (usesDat && this.datInhibit && !isStop) {
      this.guestError(`CMD${c.index} issued while Command Inhibit (DAT)`);
      return;
    }
    this.counters.commands++;
    this.lastCmd = c.index;
    this.tracer.emit('sdhci_send_command', c.index, arg, word);
    if (isStop && this.xfer) this.abortTransfer();
    this.cmdInhibit = true;
    if (usesDat) this.datInhibit = true;
    if (c.dataPresent) {
      this.datLineActive = true;
      if (isSet(R.TM.READ, tm)) this.readActive = true;
      else this.writeActive = true;
    }
    const cmdEpoch = ++this.cmdEpoch;
    const hz = this.sdClockHz();
    if (!hz || !this.cardPowered()) {
      // no clock or no power: nothing reaches the card (QEMU drops it silently; we time out)
      this.clock.after(this.latency.commandTimeoutNs(hz || 400_000), () => {
        if (cmdEpoch !== this.cmdEpoch) return;
        this.commandFailed(R.EIS.CMD_TIMEOUT, usesDat);
      }, 'sdhci cmd timeout');
      return;
    }
    const autoCmd23 = c.dataPresent && get(R.TM.AUTO_CMD, tm) === R.AUTO_CMD.CMD23 && isSet(R.TM.MULTI_BLOCK, tm);
    if (autoCmd23) {
      this.clock.after(this.latency.commandNs(48, hz), () => {
        if (cmdEpoch !== this.cmdEpoch) return;
        const res = this.bus.doCommand(MMC.SET_BLOCK_COUNT, this.plain(R.SDMA_ADDRESS), false);
        if (res.response.kind === 'none' || res.crcError) {
          this.autoCmdFailed(res.response.kind === 'none' ? R.ACES.TIMEOUT : R.ACES.CRC);
          this.cmdInhibit = false;
          this.endDataLines();
          return;
        }
        this.setPlain(R.RESPONSE3, responseWord(res.response));
        this.sendMain(c, arg, usesDat, cmdEpoch);
      }, 'sdhci auto CMD23');
      return;
    }
    this.sendMain(c, arg, usesDat, cmdEpoch);
  }

  private sendMain(c: R.CommandWord, arg: number, usesDat: boolean, cmdEpoch: number): void {
    const hz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
    const respBits = c.responseType === R.RESPONSE_TYPE.NONE ? 0 : c.responseType === R.RESPONSE_TYPE.R136 ? 136 : 48;
    // the card has the command after its 48 bits
    this.clock.after(this.latency.commandNs(0, hz), () => {
      if (cmdEpoch !== this.cmdEpoch) return;
      const res = this.bus.doCommand(c.index, arg, c.dataPresent);
      const noResponse = respBits > 0 && res.response.kind === 'none';
      const endAt = noResponse ? this.latency.commandTimeoutNs(hz) : this.latency.commandNs(respBits, hz);
      const remaining = Math.max(0, endAt - this.latency.commandNs(0, hz));
      this.clock.after(remaining, () => {
        if (cmdEpoch !== this.cmdEpoch) return;
        if (noResponse) return this.commandFailed(R.EIS.CMD_TIMEOUT, usesDat);
        if (res.crcError && c.crcCheck) return this.commandFailed(R.EIS.CMD_CRC, usesDat);
        this.storeResponse(res.response, c.responseType);
        this.cmdInhibit = false;
        this.raiseNormal(R.NIS.CMD_COMPLETE);
        if (c.dataPresent) this.startData(c.index);
        else if (c.responseType === R.RESPONSE_TYPE.R48_BUSY) this.waitBusyThenComplete(c.index === MMC.STOP_TRANSMISSION);
      }, 'sdhci cmd complete');
    }, 'sdhci cmd to card');
  }

  private commandFailed(err: Field, usesDat: boolean): void {
    this.cmdInhibit = false;
    // no data phase after a failed command (QEMU's 2021 fix); DAT lines are free again
    if (usesDat && !this.xfer) this.endDataLines();
    this.raiseError(err);
  }

  private autoCmdFailed(bit: Field): void {
    this.setPlain(R.AUTO_CMD_ERROR_STATUS, this.plain(R.AUTO_CMD_ERROR_STATUS) | bit.mask);
    this.raiseError(R.EIS.AUTO_CMD);
  }

  private storeResponse(resp: CardResponse, responseType: number): void {
    if (resp.kind !== 'r2' && responseType !== R.RESPONSE_TYPE.R136) {
      // 48-bit responses update RESPONSE0 only; RESPONSE3 keeps an Auto CMD12/23 response
      const w = responseType === R.RESPONSE_TYPE.NONE ? 0 : responseWord(resp);
      this.setPlain(R.RESPONSE0, w);
      this.tracer.emit('sdhci_response', this.lastCmd, [w]);
      return;
    }
    let words = [0, 0, 0, 0];
    if (resp.kind === 'r2') {
      // CID/CSD bits 127:8 (CRC byte dropped): RESPONSE0 = bits 39:8 ... RESPONSE3 bits 23:0 = bits 127:104 (§2.2)
      const b = resp.reg;
      const w = (i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
      words = [w(11), w(7), w(3), ((b[0]! << 16) | (b[1]! << 8) | b[2]!) >>> 0];
    } else if (resp.kind !== 'none') {
      words[0] = responseWord(resp);
    }
    if (responseType === R.RESPONSE_TYPE.NONE) words = [0, 0, 0, 0];
    RESPONSE_REGS.forEach((r, i) => this.setPlain(r, words[i]!));
    this.tracer.emit('sdhci_response', this.lastCmd, words);
  }

  /** R1b without data (and CMD12 after a write): Transfer Complete when DAT0 goes high, or Data Timeout. */
  private waitBusyThenComplete(stop: boolean): void {
    const epoch = this.dataEpoch;
    this.whenNotBusy(epoch, () => {
      if (stop) this.xfer = undefined;
      this.endDataLines();
      this.raiseNormal(R.NIS.TRANSFER_COMPLETE);
    });
  }

  /** Run `then` when the card releases DAT0; raise Data Timeout if that takes longer than the timeout. */
  private whenNotBusy(epoch: number, then: () => void): void {
    const deadline = this.clock.now + this.dataTimeoutNs();
    const check = (): void => {
      if (epoch !== this.dataEpoch) return;
      if (this.bus.dat0High()) return then();
      const end = this.bus.busyEnd();
      if (end > deadline) {
        this.clock.schedule(deadline, () => {
          if (epoch !== this.dataEpoch) return;
          if (this.bus.dat0High()) return then();
          this.dataFailed(R.EIS.DATA_TIMEOUT);
        }, 'sdhci data timeout');
        return;
      }
      this.clock.schedule(end, check, 'sdhci busy poll');
    };
    check();
  }

  private endDataLines(): void {
    this.datInhibit = this.datLineActive = this.readActive = this.writeActive = false;
    this.bufReadEnable = this.bufWriteEnable = false;
  }

  // ---------------------------------------------------------------------------------------------
  // data phase (§2.5–2.8)
  // ---------------------------------------------------------------------------------------------

  private dmaMode(tm: number): DmaMode {
    if (!isSet(R.TM.DMA_ENABLE, tm)) return 'pio';
    const sel = get(R.HC1.DMA_SELECT, this.plain(R.HOST_CONTROL1));
    return sel === R.DMA_SELECT.ADMA2_32 ? 'adma32' : sel === R.DMA_SELECT.ADMA2_64 ? 'adma64' : 'sdma';
  }

  private startData(cmdIndex: number): void {
    const tm = this.plain(R.TRANSFER_MODE);
    const bs = get(R.BS.SIZE, this.plain(R.BLOCK_SIZE));
    const multi = isSet(R.TM.MULTI_BLOCK, tm);
    const useCount = isSet(R.TM.BLOCK_COUNT_ENABLE, tm);
    const count = this.plain(R.BLOCK_COUNT);
    const dma = this.dmaMode(tm);
    const blocksLeft = !multi ? 1 : useCount ? count : undefined;
    if (get(R.HC1.DMA_SELECT, this.plain(R.HOST_CONTROL1)) === R.DMA_SELECT.ADMA1 && dma !== 'pio') {
      this.guestError('ADMA1 selected (not in SDHCI 3.00)');
    }
    const xfer: Transfer = {
      cmdIndex,
      read: isSet(R.TM.READ, tm),
      blockSize: bs,
      useCount,
      blocksLeft,
      dma,
      autoCmd12: multi && get(R.TM.AUTO_CMD, tm) === R.AUTO_CMD.CMD12,
      sdma: undefined,
      adma: undefined,
      buf: undefined,
      pioBlock: undefined,
      pos: 0,
      sdmaPaused: false,
      endSeen: false,
      stuck: false,
      blocksDone: 0,
    };
    if (dma === 'sdma') {
      xfer.sdma = new SdmaEngine(this.memory, this.tracer, this.plain(R.SDMA_ADDRESS), R.sdmaBoundaryBytes(get(R.BS.SDMA_BOUNDARY, this.plain(R.BLOCK_SIZE))));
    } else if (dma === 'adma32' || dma === 'adma64') {
      const lo = this.plain(R.ADMA_ADDRESS_LO);
      const hi = dma === 'adma64' ? this.plain(R.ADMA_ADDRESS_HI) : 0;
      xfer.adma = new Adma2Engine(this.memory, this.tracer, dma === 'adma64', hi * 2 ** 32 + lo, this.admaPlans);
    }
    this.xfer = xfer;
    if (bs === 0 || blocksLeft === 0) {
      this.guestError(bs === 0 ? 'data command with block size 0' : 'data command with block count 0');
      this.finishTransfer(xfer, this.dataEpoch);
      return;
    }
    const epoch = this.dataEpoch;
    if (xfer.read) {
      const first = this.latency.p.readAccessNs + this.latency.blockTransferNs(bs, this.busConfig());
      this.clock.after(first, () => this.readBlockArrives(xfer, epoch), 'sdhci read block');
    } else if (dma === 'pio') {
      this.bufWriteEnable = true;
      xfer.buf = xfer.pioBlock = new Uint8Array(bs);
      xfer.pos = 0;
      this.raiseNormal(R.NIS.BUFFER_WRITE_READY);
    } else {
      this.clock.after(0, () => this.dmaFetchAndSend(xfer, epoch), 'sdhci dma fetch');
    }
  }

  private live(xfer: Transfer, epoch: number): boolean {
    return epoch === this.dataEpoch && this.xfer === xfer && !xfer.stuck;
  }

  private readBlockArrives(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (xfer.dma !== 'pio' && this.startBurst(xfer, epoch, true)) return;
    const res = this.bus.readData(xfer.blockSize);
    if (res.fault === 'stuck') {
      xfer.stuck = true;
      this.tracer.emit('sdhci_transfer', 'stuck', xfer.blocksLeft ?? -1);
      return;
    }
    if (!res.data || res.data.length < xfer.blockSize) {
      // the card sends nothing: Data Timeout after the Timeout Control period
      this.clock.after(this.dataTimeoutNs(), () => {
        if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
      }, 'sdhci data timeout');
      return;
    }
    if (res.fault === 'crc') return this.dataFailed(R.EIS.DATA_CRC);
    if (xfer.dma === 'pio') {
      xfer.buf = res.data;
      xfer.pos = 0;
      this.bufReadEnable = true;
      this.raiseNormal(R.NIS.BUFFER_READ_READY);
      return;
    }
    if (!this.dmaStore(xfer, res.data)) return;
    this.blockDone(xfer, epoch);
  }

  /** card→memory for one block; false if the transfer ended in an ADMA error. */
  private dmaStore(xfer: Transfer, data: Uint8Array): boolean {
    if (xfer.sdma) {
      try {
        if (xfer.sdma.toMemory(data) && (xfer.blocksLeft === undefined || xfer.blocksLeft > 1)) xfer.sdmaPaused = true;
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        this.admaFailed({ state: R.ADMA_STATE.ST_TFR, lengthMismatch: false, descAddr: 0, why: e.message });
        return false;
      }
      return true;
    }
    const r = xfer.adma!.moveBlock(xfer.blockSize, data);
    if (r.error) {
      this.admaFailed(r.error);
      return false;
    }
    if (r.dmaInterrupt) this.raiseNormal(R.NIS.DMA);
    if (r.end) xfer.endSeen = true;
    return true;
  }

  /** memory→card for one block; undefined if the transfer ended in an ADMA error. */
  private dmaLoad(xfer: Transfer): Uint8Array | undefined {
    if (xfer.sdma) {
      try {
        const { data, crossed } = xfer.sdma.fromMemory(xfer.blockSize);
        if (crossed && (xfer.blocksLeft === undefined || xfer.blocksLeft > 1)) xfer.sdmaPaused = true;
        return data;
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        this.admaFailed({ state: R.ADMA_STATE.ST_TFR, lengthMismatch: false, descAddr: 0, why: e.message });
        return undefined;
      }
    }
    const r = xfer.adma!.moveBlock(xfer.blockSize);
    if (r.error) {
      this.admaFailed(r.error);
      return undefined;
    }
    if (r.dmaInterrupt) this.raiseNormal(R.NIS.DMA);
    if (r.end) xfer.endSeen = true;
    return r.data;
  }

  private dmaFetchAndSend(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (this.startBurst(xfer, epoch, false)) return;
    const data = this.dmaLoad(xfer);
    if (!data) return;
    const t = this.latency.blockTransferNs(xfer.blockSize, this.busConfig()) + this.latency.writeCrcStatusNs(this.busConfig());
    this.clock.after(t, () => this.sendBlock(xfer, epoch, data), 'sdhci write block');
  }

  private sendBlock(xfer: Transfer, epoch: number, data: Uint8Array): void {
    if (!this.live(xfer, epoch)) return;
    const res = this.bus.writeData(data);
    if (res.fault === 'stuck') {
      xfer.stuck = true;
      this.tracer.emit('sdhci_transfer', 'stuck', xfer.blocksLeft ?? -1);
      return;
    }
    if (res.fault === 'crc') return this.dataFailed(R.EIS.DATA_CRC);
    if (!res.accepted) {
      // no CRC status / busy that never ends (power lost, card not receiving)
      this.clock.after(this.dataTimeoutNs(), () => {
        if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
      }, 'sdhci data timeout');
      return;
    }
    this.blockDone(xfer, epoch);
  }

  /** A block has fully moved; count it and go on, pause, or finish. */
  private blockDone(xfer: Transfer, epoch: number): void {
    this.countBlocks(xfer, 1);
    if (!this.tracer.silent) this.tracer.emit('sdhci_transfer', `block ${xfer.blocksDone} done`, xfer.blocksLeft ?? -1); // no string per block untraced
    this.afterBlock(xfer, epoch);
  }

  private countBlocks(xfer: Transfer, n: number): void {
    xfer.blocksDone += n;
    if (xfer.blocksLeft !== undefined) xfer.blocksLeft -= n;
    if (xfer.useCount) this.setPlain(R.BLOCK_COUNT, (this.plain(R.BLOCK_COUNT) - n) & 0xffff);
  }

  /** After a block (or a burst's last block): finish, pause at an SDMA boundary, or go on. */
  private afterBlock(xfer: Transfer, epoch: number): void {
    if (xfer.blocksLeft === 0 || (xfer.blocksLeft === undefined && xfer.endSeen)) {
      if (xfer.read) return this.finishTransfer(xfer, epoch);
      // writes: Transfer Complete only after the last block's busy
      return this.whenNotBusy(epoch, () => this.finishTransfer(xfer, epoch));
    }
    if (xfer.sdmaPaused) {
      this.raiseNormal(R.NIS.DMA); // boundary: wait for the host to rewrite the SDMA address
      return;
    }
    this.nextBlock(xfer, epoch);
  }

  private nextBlock(xfer: Transfer, epoch: number): void {
    const bus = this.busConfig();
    if (xfer.read) {
      this.clock.after(this.latency.blockTransferNs(xfer.blockSize, bus), () => this.readBlockArrives(xfer, epoch), 'sdhci read block');
      return;
    }
    // writes: the next block goes out once the card has finished programming this one
    this.whenNotBusy(epoch, () => {
      if (!this.live(xfer, epoch)) return;
      if (xfer.dma === 'pio') {
        // every byte is written before the block goes out; the card took the last one in sendBlock
        xfer.buf = xfer.pioBlock ??= new Uint8Array(xfer.blockSize);
        xfer.pos = 0;
        this.bufWriteEnable = true;
        this.raiseNormal(R.NIS.BUFFER_WRITE_READY);
      } else {
        this.dmaFetchAndSend(xfer, epoch);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // bursts: a run of DMA blocks in one bulk call (./burst.ts)
  // ---------------------------------------------------------------------------------------------

  /**
   * Instead of one clock task per block, move the blocks from here to the next event (the last
   * block, an SDMA boundary) as one run: one task at the run's last block, one card call that
   * reads or writes the DMA memory in place (views, no copy). Only when the per-block path would show nothing in between: no
   * tracing, no fault that can fire on a block, a counted transfer, a clean descriptor table.
   * Any MMIO access (or reset, abort, armed fault) first settles the run to the exact per-block
   * state at that virtual time (`settle`).
   */
  private startBurst(xfer: Transfer, epoch: number, read: boolean): boolean {
    if (!this.tracer.silent || xfer.blocksLeft === undefined || xfer.sdmaPaused) return false;
    const bs = xfer.blockSize;
    let n = Math.min(xfer.blocksLeft, this.bus.bulkBlocks(read ? 'read' : 'write'));
    if (n < 2) return false;
    n = xfer.sdma ? xfer.sdma.bulkBlocks(bs, n) : xfer.adma ? xfer.adma.bulkBlocks(bs, n, read) : 0;
    if (n < 2) return false;
    const bus = this.busConfig();
    const onBus = this.latency.blockTransferNs(bs, bus);
    let lead = 0;
    let period = onBus;
    if (!read) {
      // each next fetch waits for the card's per-block busy, which must not outlast the timeout
      const program = this.latency.programNs(false);
      if (!this.bus.dat0High() || program > this.dataTimeoutNs()) return false;
      lead = onBus + this.latency.writeCrcStatusNs(bus);
      period = lead + program;
    }
    const start = this.clock.now;
    const end = start + lead + (n - 1) * period;
    const task = this.clock.schedule(end, () => this.endBurst(), 'sdhci burst');
    this.burst = { xfer, epoch, read, start, lead, period, blocks: n, task };
    return true;
  }

  private endBurst(): void {
    const b = this.burst;
    this.burst = undefined;
    if (!b || !this.live(b.xfer, b.epoch)) return;
    if (this.commitBurst(b, b.blocks)) this.afterBlock(b.xfer, b.epoch);
  }

  /** Bring a running burst to the exact per-block state at the current virtual time. */
  settle(): void {
    const b = this.burst;
    if (!b) return;
    this.burst = undefined;
    this.clock.cancel(b.task);
    if (!this.live(b.xfer, b.epoch)) return;
    const now = this.clock.now;
    const done = blocksDoneBy(b, now);
    if (done >= b.blocks) {
      if (this.commitBurst(b, b.blocks)) this.afterBlock(b.xfer, b.epoch);
      return;
    }
    if (!this.commitBurst(b, done)) return;
    const xfer = b.xfer;
    const epoch = b.epoch;
    const next = blockDoneAt(b, done);
    if (b.read) {
      this.clock.schedule(next, () => this.readBlockArrives(xfer, epoch), 'sdhci read block');
    } else if (blocksFetchedBy(b, now) > done) {
      // the next block was fetched and is on the bus
      const data = this.dmaLoad(xfer);
      if (data) this.clock.schedule(next, () => this.sendBlock(xfer, epoch, data), 'sdhci write block');
    } else {
      this.nextBlock(xfer, epoch); // waiting for the card's busy, then the next fetch
    }
  }

  /**
   * Move the first `n` blocks of a burst; false if the transfer failed on the way. The DMA engine
   * walks the run once and hands the card the memory it covers: the card reads the image straight
   * into it (read) or writes it out from there (write), one positional call for the run.
   */
  private commitBurst(b: Burst<Transfer>, n: number): boolean {
    if (n === 0) return true;
    const xfer = b.xfer;
    const bytes = n * xfer.blockSize;
    // SDMA pauses after a boundary-crossing block while blocks remain (only the run's last can cross)
    const moreAfterLast = xfer.blocksLeft === undefined || xfer.blocksLeft - (n - 1) > 1;
    const views: DmaViews = { out: new ViewList(), toMemory: b.read };
    const before = b.read ? this.dmaPosition(xfer) : undefined;
    let crossed = false;
    if (xfer.sdma) crossed = xfer.sdma.viewsOf(bytes, views);
    else if (!this.admaRun(xfer, bytes, views)) return false;
    if (b.read) {
      if (!this.bus.readBlocks(views.out.list(), n)) {
        this.dmaRewind(xfer, before!);
        return this.readBlocksOneByOne(b, n);
      }
    } else {
      const took = this.bus.writeBlocks(views.out.list(), blockDoneAt(b, n - 1));
      if (took < n) {
        // a host I/O error on the image: the card stopped at that block (no CRC status → timeout)
        this.countBlocks(xfer, took);
        const epoch = b.epoch;
        this.clock.after(this.dataTimeoutNs(), () => {
          if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
        }, 'sdhci data timeout');
        return false;
      }
    }
    if (crossed && moreAfterLast) xfer.sdmaPaused = true;
    this.countBlocks(xfer, n);
    return true;
  }

  /**
   * The image could not be read in one call (a host I/O error): the run's blocks as the per-block
   * path takes them, so the card reports the error at the failing block and the host's Data
   * Timeout falls when it would have.
   */
  private readBlocksOneByOne(b: Burst<Transfer>, n: number): boolean {
    const xfer = b.xfer;
    for (let j = 0; j < n; j++) {
      const res = this.bus.readData(xfer.blockSize);
      if (!res.data || res.data.length < xfer.blockSize) {
        const epoch = b.epoch;
        const at = Math.max(this.clock.now, blockDoneAt(b, j) + this.dataTimeoutNs());
        this.clock.schedule(at, () => {
          if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
        }, 'sdhci data timeout');
        return false;
      }
      if (!this.dmaStore(xfer, res.data)) return false;
      this.countBlocks(xfer, 1);
    }
    return true;
  }

  /** ADMA2 over a planned run (cannot fail or interrupt: bulkBlocks checked the table). */
  private admaRun(xfer: Transfer, bytes: number, views: DmaViews): boolean {
    const r = xfer.adma!.moveBlock(bytes, undefined, xfer.blockSize, views);
    if (r.error) {
      this.admaFailed(r.error);
      return false;
    }
    if (r.end) xfer.endSeen = true;
    return true;
  }

  /** Where the DMA engine stands (to walk a run again block by block). */
  private dmaPosition(xfer: Transfer): DmaPosition {
    return xfer.sdma ? { sdma: xfer.sdma.addr, endSeen: xfer.endSeen } : { adma: xfer.adma!.position(), endSeen: xfer.endSeen };
  }

  private dmaRewind(xfer: Transfer, p: DmaPosition): void {
    if (xfer.sdma) xfer.sdma.addr = p.sdma!;
    else xfer.adma!.rewind(p.adma!);
    xfer.endSeen = p.endSeen;
  }

  private resumeSdma(): void {
    const xfer = this.xfer;
    if (!xfer || !xfer.sdmaPaused) return;
    xfer.sdmaPaused = false;
    this.nextBlock(xfer, this.dataEpoch);
  }

  private finishTransfer(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (xfer.adma) {
      const err = xfer.adma.finish();
      if (err && xfer.blocksLeft === 0) return this.admaFailed(err);
    }
    const complete = (): void => {
      if (epoch !== this.dataEpoch || this.xfer !== xfer) return;
      // the address registers keep where the engines stopped
      if (xfer.sdma) this.setPlain(R.SDMA_ADDRESS, xfer.sdma.addr);
      if (xfer.adma) {
        this.setPlain(R.ADMA_ADDRESS_LO, xfer.adma.descAddr % 2 ** 32);
        this.setPlain(R.ADMA_ADDRESS_HI, Math.floor(xfer.adma.descAddr / 2 ** 32));
      }
      this.xfer = undefined;
      this.endDataLines();
      this.raiseNormal(R.NIS.TRANSFER_COMPLETE);
    };
    if (!xfer.autoCmd12) return complete();
    // Auto CMD12: the controller sends the stop itself; its response goes to RESPONSE3 (§2.8)
    const hz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
    this.clock.after(this.latency.commandNs(48, hz), () => {
      if (epoch !== this.dataEpoch) return;
      const res = this.bus.doCommand(MMC.STOP_TRANSMISSION, 0, false);
      if (res.response.kind === 'none' || res.crcError) {
        this.autoCmdFailed(res.response.kind === 'none' ? R.ACES.TIMEOUT : R.ACES.CRC);
        return;
      }
      this.setPlain(R.RESPONSE3, responseWord(res.response));
      if (xfer.read) complete();
      else this.whenNotBusy(epoch, complete);
    }, 'sdhci auto CMD12');
  }

  /** A stop command while a transfer runs: the engine stops; CMD12's own completion ends the DAT phase. */
  private abortTransfer(): void {
    const xfer = this.xfer!;
    this.tracer.emit('sdhci_transfer', `aborted by CMD${this.lastCmd}`, xfer.blocksLeft ?? -1);
    this.dataEpoch++;
    this.xfer = undefined;
    this.bufReadEnable = this.bufWriteEnable = false;
    this.readActive = this.writeActive = false;
    // R1 stop (after reads): the DAT lines are free once the stop's response arrives
    const epoch = this.dataEpoch;
    const c = R.decodeCommand(this.plain(R.COMMAND));
    if (c.responseType !== R.RESPONSE_TYPE.R48_BUSY) {
      const hz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
      this.clock.after(this.latency.commandNs(48, hz), () => {
        if (epoch !== this.dataEpoch) return;
        this.endDataLines();
        this.raiseNormal(R.NIS.TRANSFER_COMPLETE);
      }, 'sdhci stop complete');
    }
  }

  private dataFailed(err: Field): void {
    // the DAT circuit stays busy until a DATA reset (§2.9); the engine stops
    if (this.xfer) this.xfer.stuck = true;
    this.bufReadEnable = this.bufWriteEnable = false;
    this.raiseError(err);
  }

  private admaFailed(e: AdmaError): void {
    this.tracer.emit('sdhci_guest_error', `ADMA error: ${e.why}`);
    let v = R.set(R.ADMA_ES.STATE, 0, e.state);
    if (e.lengthMismatch) v |= R.ADMA_ES.LENGTH_MISMATCH.mask;
    this.setPlain(R.ADMA_ERROR_STATUS, v);
    if (this.xfer?.adma) {
      this.setPlain(R.ADMA_ADDRESS_LO, e.descAddr % 2 ** 32);
      this.setPlain(R.ADMA_ADDRESS_HI, Math.floor(e.descAddr / 2 ** 32));
    }
    if (this.xfer) this.xfer.adma = undefined; // registers now show the error address
    this.dataFailed(R.EIS.ADMA);
  }

  // ---------------------------------------------------------------------------------------------
  // Buffer Data Port (PIO, §2.5)
  // ---------------------------------------------------------------------------------------------

  /**
   * `count` 32-bit reads of `offset` into `dst` (readsl). The Buffer Data Port with nothing traced
   * copies whole words of the block buffer at once and ends the block exactly where the single
   * reads would (Buffer Read Enable off, block done); everything else is read word by word.
   */
  readRep(offset: number, dst: Uint8Array, count: number): void {
    let i = 0;
    while (i < count) {
      const xfer = this.xfer;
      const words = this.portRun(offset, true) ? Math.min(count - i, (xfer!.buf!.length - xfer!.pos) >>> 2) : 0;
      if (words === 0) {
        putWord(dst, i * 4, this.read(offset, 4));
        i++;
        continue;
      }
      dst.set(xfer!.buf!.subarray(xfer!.pos, xfer!.pos + words * 4), i * 4);
      xfer!.pos += words * 4;
      i += words;
      if (xfer!.pos >= xfer!.buf!.length) {
        this.bufReadEnable = false;
        xfer!.buf = undefined;
        this.blockDone(xfer!, this.dataEpoch);
      }
    }
  }

  /** `count` 32-bit writes of `src` to `offset` (writesl), as readRep for the Buffer Data Port. */
  writeRep(offset: number, src: Uint8Array, count: number): void {
    let i = 0;
    while (i < count) {
      const xfer = this.xfer;
      const words = this.portRun(offset, false) ? Math.min(count - i, (xfer!.buf!.length - xfer!.pos) >>> 2) : 0;
      if (words === 0) {
        this.write(offset, 4, getWord(src, i * 4));
        i++;
        continue;
      }
      xfer!.buf!.set(src.subarray(i * 4, (i + words) * 4), xfer!.pos);
      xfer!.pos += words * 4;
      i += words;
      if (xfer!.pos >= xfer!.buf!.length) this.writeBufferFull(xfer!);
    }
  }

  /** Whole words can move through the data port at once: untraced, port open, the block buffer there. */
  private portRun(offset: number, read: boolean): boolean {
    if ((offset & 0xff) !== R.BUFFER_DATA_PORT.offset || this.traceAccess) return false;
    if (this.burst) this.settle();
    const xfer = this.xfer;
    return !!xfer && !!xfer.buf && xfer.read === read && (read ? this.bufReadEnable : this.bufWriteEnable);
  }

  private readDataPort(size: number): number {
    const xfer = this.xfer;
    if (!xfer || !this.bufReadEnable || !xfer.buf || !xfer.read) {
      this.guestError('read from an empty Buffer Data Port');
      return 0;
    }
    let v = 0;
    for (let i = 0; i < size && xfer.pos < xfer.buf.length; i++) v |= xfer.buf[xfer.pos++]! << (8 * i);
    if (xfer.pos >= xfer.buf.length) {
      this.bufReadEnable = false;
      xfer.buf = undefined;
      this.blockDone(xfer, this.dataEpoch);
    }
    return v >>> 0;
  }

  private writeDataPort(size: number, value: number): void {
    const xfer = this.xfer;
    if (!xfer || !this.bufWriteEnable || !xfer.buf || xfer.read) {
      this.guestError('write to the Buffer Data Port while Buffer Write Enable is clear');
      return;
    }
    for (let i = 0; i < size && xfer.pos < xfer.buf.length; i++) xfer.buf[xfer.pos++] = (value >>> (8 * i)) & 0xff;
    if (xfer.pos >= xfer.buf.length) this.writeBufferFull(xfer);
  }

  /** The host filled the PIO block buffer: it goes out on the bus. */
  private writeBufferFull(xfer: Transfer): void {
    this.bufWriteEnable = false;
    const data = xfer.buf!;
    xfer.buf = undefined;
    const epoch = this.dataEpoch;
    const bus = this.busConfig();
    const t = this.latency.blockTransferNs(xfer.blockSize, bus) + this.latency.writeCrcStatusNs(bus);
    this.clock.after(t, () => this.sendBlock(xfer, epoch, data), 'sdhci write block');
  }

  // ---------------------------------------------------------------------------------------------
  // inspection
  // ---------------------------------------------------------------------------------------------

  /** Named register values (no side effects), for `inspect` and tests. */
  snapshot(): Record<string, number> {
    this.settle();
    const out: Record<string, number> = {};
    for (const r of R.REGISTERS) if (r !== R.BUFFER_DATA_PORT) out[r.name] = this.readReg(r);
    return out;
  }

  /** True while a data transfer is in flight (tests, inspect). */
  get transferActive(): boolean {
    this.settle();
    return this.xfer !== undefined;
  }
}

function putWord(b: Uint8Array, at: number, w: number): void {
  b[at] = w & 0xff;
  b[at + 1] = (w >>> 8) & 0xff;
  b[at + 2] = (w >>> 16) & 0xff;
  b[at + 3] = (w >>> 24) & 0xff;
}

function getWord(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function responseWord(r: CardResponse): number {
  switch (r.kind) {
    case 'r1':
    case 'r1b':
      return r.status;
    case 'r3':
      return r.ocr;
    default:
      return 0;
  }
}
