/**
 * The SDHCI 3.00 register file (spec §1 register map, §2.4 interrupts): MMIO decode, access
 * widths, RO and RW1C bits, interrupt status and signal gating, present state, clock and power.
 * Register offsets, access types and bit fields come from src/hw/sdhci-regs.ts only. The command
 * engine, transfer engine, bursts and data port build on it (./controller.ts lists the chain).
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
import type { SdBus } from '../sd-bus.js';
import type { Tracer } from '../trace.js';
import * as R from '../../hw/sdhci-regs.js';
import { get, isSet, type Field, type RegDef } from '../../hw/sdhci-regs.js';
import type { Burst } from './burst.js';
import { IrqLine } from './irq-line.js';
import type { Transfer } from './transfer.js';

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

export interface SdhciCounters {
  /** driver mistakes: RO writes, commands under inhibit, empty buffer reads, ... */
  guestErrors: number;
  /** of which: writes to read-only registers */
  roWrites: number;
  /** accesses to offsets the model does not implement */
  unimplemented: number;
  commands: number;
  /** tuning blocks taken while Execute Tuning was set */
  tuningBlocks: number;
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
  /** a CQHCI command-queue engine at CQHCI_BASE (./cqhci-engine.ts); default none */
  cqe?: boolean;
}

export abstract class SdhciRegisterFile {
  readonly irq: IrqLine;
  readonly counters: SdhciCounters = { guestErrors: 0, roWrites: 0, unimplemented: 0, commands: 0, tuningBlocks: 0 };
  protected readonly clock: VirtualClock;
  protected readonly bus: SdBus;
  protected readonly memory: SimMemory;
  protected readonly tracer: Tracer;
  protected readonly latency: LatencyModel;
  protected readonly hwinit: ReadonlyMap<RegDef, number>;

  /**
   * Plain register storage (everything not computed), by register offset: registers do not
   * overlap, and an array slot is cheaper than a map lookup on every MMIO access. The hardware-
   * initialised read-only registers (hwinit) live here too, set at reset and never written.
   */
  protected readonly regs = new Uint32Array(R.MMIO_SIZE);
  protected norSts = 0;
  protected errSts = 0;
  protected cmdInhibit = false;
  protected datInhibit = false;
  protected datLineActive = false;
  protected readActive = false;
  protected writeActive = false;
  protected bufReadEnable = false;
  protected bufWriteEnable = false;
  protected clockStable = false;
  protected cmdEpoch = 0;
  protected dataEpoch = 0;
  protected clockEpoch = 0;
  protected xfer: Transfer | undefined;
  /** the command most recently issued (for traces) */
  protected lastCmd = 0;
  /** a run of DMA blocks moving in bulk (./burst.ts); settled before anything can observe it */
  protected burst: Burst<Transfer> | undefined;

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
  protected readBytes(offset: number, size: number): number {
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
  protected get traceAccess(): boolean {
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

  protected guestError(what: string): void {
    this.counters.guestErrors++;
    this.tracer.emit('sdhci_guest_error', what);
  }

  protected unimplemented(what: string): void {
    this.counters.unimplemented++;
    this.tracer.emit('sdhci_unimplemented', what);
  }

  protected plain(r: RegDef): number {
    return this.regs[r.offset]!;
  }

  protected setPlain(r: RegDef, v: number): void {
    this.regs[r.offset] = v;
  }

  protected readReg(r: RegDef): number {
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
        return this.plain(r); // hwinit registers hold their value there (resetAll)
    }
  }

  protected writeReg(r: RegDef, v: number, m: number): void {
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
      case R.HOST_CONTROL2:
        // Execute Tuning stays set until a tuning block arrives (./transfer-engine.ts)
        this.setPlain(r, next);
        return;
      default:
        this.setPlain(r, next);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // interrupts
  // ---------------------------------------------------------------------------------------------

  protected normalStatusView(): number {
    return (this.norSts | (this.errSts !== 0 ? R.NIS.ERROR.mask : 0)) >>> 0;
  }

  /** A normal event: latched only if its Status Enable bit is set (§2.4). */
  protected raiseNormal(f: Field): void {
    if (this.plain(R.NORMAL_INT_STATUS_ENABLE) & f.mask) this.norSts = (this.norSts | f.mask) >>> 0;
    this.updateIrq();
  }

  protected raiseError(f: Field): void {
    this.tracer.emit('sdhci_error', Object.keys(R.EIS).find((k) => R.EIS[k as keyof typeof R.EIS] === f) ?? '?', this.lastCmd);
    if (this.plain(R.ERROR_INT_STATUS_ENABLE) & f.mask) this.errSts = (this.errSts | f.mask) >>> 0;
    this.updateIrq();
  }

  /** The only writer of the interrupt line. */
  protected updateIrq(): void {
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

  protected presentState(): number {
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

  protected cardPowered(): boolean {
    return isSet(R.PWR.BUS_POWER, this.plain(R.POWER_CONTROL));
  }

  protected clockRunning(): boolean {
    const c = this.plain(R.CLOCK_CONTROL);
    return this.clockStable && isSet(R.CLK.INTERNAL_ENABLE, c) && isSet(R.CLK.SD_CLOCK_ENABLE, c);
  }

  /** The SD clock the host configured (Hz); 0 while stopped. */
  sdClockHz(): number {
    if (!this.clockRunning()) return 0;
    const baseHz = get(R.CAP0.BASE_CLOCK_MHZ, this.readReg(R.CAPABILITIES0)) * 1e6;
    return R.sdClockHz(baseHz, R.clockDivider(this.plain(R.CLOCK_CONTROL)));
  }

  /**
   * The bus as the registers configure it. The same (frozen) object while nothing changes: it is
   * asked for several times per block, and callers only read it.
   */
  busConfig(): BusConfig {
    const hc1 = this.plain(R.HOST_CONTROL1);
    const width = isSet(R.HC1.EXT_DATA_WIDTH_8BIT, hc1) ? 8 : isSet(R.HC1.DATA_WIDTH_4BIT, hc1) ? 4 : 1;
    const uhs = get(R.HC2.UHS_MODE, this.plain(R.HOST_CONTROL2));
    const clockHz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
    const ddr = uhs === R.UHS_MODE.DDR50 || uhs === R.UHS_MODE.HS400;
    const c = this.lastBus;
    if (c && c.clockHz === clockHz && c.width === width && c.ddr === ddr) return c;
    return (this.lastBus = Object.freeze({ clockHz, width, ddr }));
  }
  private lastBus: Readonly<BusConfig> | undefined;

  protected dataTimeoutNs(): number {
    const cap = this.readReg(R.CAPABILITIES0);
    const freq = get(R.CAP0.TIMEOUT_CLOCK_FREQ, cap) || 1;
    const tmclkHz = freq * (isSet(R.CAP0.TIMEOUT_CLOCK_UNIT_MHZ, cap) ? 1e6 : 1e3);
    return LatencyModel.dataTimeoutNs(get(R.TOUT.DATA_TIMEOUT_COUNT, this.plain(R.TIMEOUT_CONTROL)), tmclkHz);
  }

  protected writeClock(v: number): void {
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

  protected writePower(v: number): void {
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

  /** Bring a running burst to the exact per-block state now (./burst-engine.ts). */
  abstract settle(): void;
  /** Buffer Data Port accesses (./data-port.ts). */
  protected abstract readDataPort(size: number): number;
  protected abstract writeDataPort(size: number, value: number): void;
  /** A write of the Command register's top byte (./command-engine.ts). */
  protected abstract issueCommand(): void;
  /** Software Reset register (./command-engine.ts). */
  protected abstract softwareReset(mask: number): void;
  /** The host rewrote the SDMA address after a boundary pause (./transfer-engine.ts). */
  protected abstract resumeSdma(): void;
}
