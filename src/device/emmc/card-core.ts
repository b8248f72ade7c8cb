/**
 * The eMMC card's state outside the data phase (JEDEC eMMC 5.1 as Linux uses it; spec §3): the
 * card state, the R1 status, busy as a span on the virtual clock, power and reset, the OCR,
 * partitions and addressing. The data phase (./data-phase.ts) and command execution (./card.ts)
 * build on it; behaviour per command lives in the table in ./commands.ts.
 */

import type { BlockBacking } from '../backing.js';
import type { VirtualClock, TaskHandle } from '../clock.js';
import type { FaultInjector, CommandTicket } from '../faults.js';
import { LatencyModel } from '../latency.js';
import type { BlockCount } from './card-context.js';
import { nullTracer, type Tracer } from '../trace.js';
import {
  EXT_CSD,
  EXT_CSD_CACHE_CTRL_EN,
  EXT_CSD_CACHE_SIZE_UNIT,
  EXT_CSD_CMDQ_MODE_ENABLED,
  EXT_CSD_PART_CONFIG_ACC_MASK,
} from '../../hw/ext-csd.js';
import { set } from '../../hw/fields.js';
import { SECTOR_SIZE } from '../../lib/units.js';
import { resetVolatileBytes, switchAllowed } from './ext-csd-switch.js';
import { partitionNameOf, type EmmcLayout } from './image-layout.js';
import { buildCid, buildCsd, buildExtCsd, CMDQ_DEPTH_DEFAULT, defaultCid, HC_ERASE_UNIT, type CidFields } from './registers.js';
import { OCR, OCR_ACCESS, OCR_VOLTAGE_WINDOW, R1, STATE_CODE, type CardState, type R1Flag } from './status.js';
import { switchEffect } from './switch-effects.js';
import { TaskQueue } from './task-queue.js';
import { VolatileCache, programBlocks } from './volatile-cache.js';
import { WriteProtection } from './write-protect.js';

export interface EmmcCardOptions {
  layout: EmmcLayout;
  clock: VirtualClock;
  latency?: LatencyModel;
  tracer?: Tracer;
  faults?: FaultInjector;
  /** 'auto' (default): sector mode above 2 GiB, byte mode otherwise (§3.10) */
  addressing?: 'auto' | 'sector' | 'byte';
  cid?: Partial<CidFields>;
  /** PART_CONFIG reset value (QEMU's boot-config property) */
  partitionConfig?: number;
  /** volatile cache size in bytes, a multiple of 1 KiB (EXT_CSD CACHE_SIZE); default 0 = no cache */
  cacheSize?: number;
  /** command queue depth (EXT_CSD CMDQ_DEPTH); 0 = no command queueing; default 32 */
  cmdqDepth?: number;
}

export interface CardStats {
  commands: number;
  illegal: number;
  blocksRead: number;
  blocksWritten: number;
}

export abstract class EmmcCardCore {
  readonly clock: VirtualClock;
  readonly latency: LatencyModel;
  readonly tracer: Tracer;
  readonly faults: FaultInjector | undefined;
  readonly layout: EmmcLayout;
  readonly cid: Uint8Array;
  readonly csd: Uint8Array;
  readonly extCsd: Uint8Array;
  readonly sectorMode: boolean;
  readonly stats: CardStats = { commands: 0, illegal: 0, blocksRead: 0, blocksWritten: 0 };

  protected _state: CardState = 'idle';
  rca = 0;
  /** accumulated status bits (errors and APP_CMD); CURRENT_STATE/READY_FOR_DATA are computed */
  protected statusBits = 0;
  /** "x" bits raised during execution, merged after the response is built (visible to the next CMD13) */
  protected deferredBits = 0;
  blockLen = SECTOR_SIZE;
  /** CMD23: applies to the next CMD18/CMD25 only */
  blockCount: BlockCount | undefined;
  eraseStart: number | undefined;
  eraseEnd: number | undefined;
  /** the card answers CMD1 busy this many more times (§5) */
  private cmd1BusyLeft: number;
  private busyUntil = 0;
  private busyForever = false;
  private busyTask: TaskHandle | undefined;
  /** false after an injected power loss, until the bus power is cycled */
  powered = true;
  protected currentTicket: CommandTicket | undefined;
  protected inCommand = false;
  private readonly resetPartitionConfig: number;
  /** the volatile cache, if CACHE_SIZE > 0 (./volatile-cache.ts) */
  readonly cache: VolatileCache | undefined;
  /** write-protected groups and boot areas (./write-protect.ts) */
  readonly writeProtection: WriteProtection;
  /** the command queue (./task-queue.ts); empty unless CMDQ_MODE_EN is set */
  readonly queue: TaskQueue;

  constructor(o: EmmcCardOptions) {
    this.clock = o.clock;
    this.latency = o.latency ?? new LatencyModel();
    this.tracer = o.tracer ?? nullTracer();
    this.faults = o.faults;
    this.layout = o.layout;
    const userSize = o.layout.userSize;
    this.sectorMode = o.addressing === 'sector' || ((o.addressing ?? 'auto') === 'auto' && userSize > 2 ** 31);
    this.resetPartitionConfig = o.partitionConfig ?? 0;
    this.extCsd = buildExtCsd(
      { user: userSize, boot: o.layout.bootSize, rpmb: o.layout.rpmbSize, gp: o.layout.gpSizes },
      { partitionConfig: this.resetPartitionConfig, cacheSize: o.cacheSize, cmdqDepth: o.cmdqDepth },
    );
    const cacheBytes = o.cacheSize ?? 0;
    if (cacheBytes % EXT_CSD_CACHE_SIZE_UNIT !== 0) throw new RangeError(`cache size ${cacheBytes} is not a multiple of 1 KiB`);
    this.cache = cacheBytes > 0 ? new VolatileCache(Math.max(1, Math.floor(cacheBytes / SECTOR_SIZE))) : undefined;
    const wpGroup = this.extCsd[EXT_CSD.HC_WP_GRP_SIZE]! * this.extCsd[EXT_CSD.HC_ERASE_GRP_SIZE]! * HC_ERASE_UNIT;
    this.writeProtection = new WriteProtection(wpGroup);
    this.queue = new TaskQueue(o.cmdqDepth ?? CMDQ_DEPTH_DEFAULT);
    this.cid = buildCid({ ...defaultCid(userSize), ...o.cid });
    this.csd = buildCsd(userSize);
    this.cmd1BusyLeft = this.latency.p.cmd1BusyCount;
  }

  // ---------------------------------------------------------------------------------------------
  // state, status, busy
  // ---------------------------------------------------------------------------------------------

  get state(): CardState {
    return this._state;
  }

  setState(to: CardState): void {
    if (to === this._state) return;
    this.tracer.emit('sdcard_state', this._state, to);
    this._state = to;
  }

  /** Raise an error/status bit for the response of the command being executed ("r" bits). */
  flag(name: R1Flag): void {
    this.statusBits = (this.statusBits | R1[name].mask) >>> 0;
  }

  /** Raise a bit during execution: it shows in the NEXT response (e.g. SWITCH_ERROR via CMD13). */
  flagLater(name: R1Flag): void {
    if (!this.inCommand) return this.flag(name); // raised by a data phase: the next response shows it
    this.deferredBits = (this.deferredBits | R1[name].mask) >>> 0;
  }

  /** Current R1 status word as a response would carry it in `state` (without clearing anything). */
  statusWord(state: CardState = this._state): number {
    let s = set(R1.CURRENT_STATE, this.statusBits, STATE_CODE[state]);
    if (this.readyForData()) s |= R1.READY_FOR_DATA.mask;
    return s >>> 0;
  }

  private readyForData(): boolean {
    return this._state !== 'prg' && !this.isBusy();
  }

  /** DAT0 held low: programming, switching or erasing. */
  isBusy(): boolean {
    return this.powered && (this.busyForever || this.clock.now < this.busyUntil);
  }

  /** Virtual time at which busy ends (Infinity if it never does). */
  get busyEnd(): number {
    return this.busyForever ? Infinity : Math.max(this.busyUntil, this.clock.now);
  }

  /**
   * Hold DAT0 low for `ns` more (after any busy already running). `final` marks the busy that ends
   * a command (R1b, last block of a write); injected `busy:` faults extend only that one. When the
   * span ends a card in prg returns to tran (dis stays dis).
   */
  busyFor(ns: number, why: string, final: boolean, ticket: CommandTicket | undefined = this.currentTicket, from = this.clock.now): void {
    let extra: number | 'forever' = 0;
    if (final && this.faults) extra = this.faults.extraBusy(ticket);
    if (extra === 'forever') this.busyForever = true;
    this.busyUntil = Math.max(this.busyUntil, from) + ns + (typeof extra === 'number' ? extra : 0);
    // (no argument array untraced: a PIO write takes this path once per block)
    if (!this.tracer.silent) this.tracer.emit('sdcard_busy', this.busyForever ? Infinity : this.busyUntil - this.clock.now, why);
    this.clock.cancel(this.busyTask);
    this.busyTask = undefined;
    // a bulk run settled late: a busy that already ended needs no end task (it would change nothing)
    if (!this.busyForever && this.busyUntil >= this.clock.now) this.busyTask = this.clock.schedule(this.busyUntil, this.busyEnded, 'sdcard busy end');
  }

  /** (one function for every busy span: a PIO write schedules one per block) */
  private readonly busyEnded = (): void => {
    this.busyTask = undefined;
    if (this._state === 'prg') this.setState('tran');
  };

  private clearBusy(): void {
    this.clock.cancel(this.busyTask);
    this.busyTask = undefined;
    this.busyUntil = this.clock.now;
    this.busyForever = false;
  }

  // ---------------------------------------------------------------------------------------------
  // power and reset
  // ---------------------------------------------------------------------------------------------

  /** CMD0 / power-on: volatile state back to defaults (§3.2 CMD0). */
  reset(): void {
    this.setState('idle');
    this.rca = 0;
    this.statusBits = 0;
    this.deferredBits = 0;
    this.blockLen = SECTOR_SIZE;
    this.blockCount = undefined;
    this.eraseStart = this.eraseEnd = undefined;
    this.endData();
    this.clearBusy();
    this.queue.clear();
    resetVolatileBytes(this.extCsd);
  }

  /**
   * Bus power off → on: back to power-on state, OCR busy again, a lost power restored. Whatever
   * the volatile cache still held is gone; power-on settings (CACHE_CTRL, CMDQ_MODE_EN, power-on
   * write protection) start cleared.
   */
  powerCycle(): void {
    this.dropCache('power off');
    this.powered = true;
    this.cmd1BusyLeft = this.latency.p.cmd1BusyCount;
    this.extCsd[EXT_CSD.PART_CONFIG] = this.resetPartitionConfig;
    this.extCsd[EXT_CSD.CACHE_CTRL] = 0;
    this.extCsd[EXT_CSD.CMDQ_MODE_EN] = 0;
    this.writeProtection.powerCycle(this.extCsd);
    this.reset();
  }

  /** Injected power loss: the card stops answering, nothing more reaches the backing. */
  losePower(why: string): void {
    this.tracer.emit('fault_inject', 'power-loss', why);
    this.powered = false;
    this.endData();
    this.clearBusy();
    this.dropCache('power lost');
  }

  // ---------------------------------------------------------------------------------------------
  // volatile cache, command queue
  // ---------------------------------------------------------------------------------------------

  /** CACHE_CTRL bit 0 on a card with a cache: written blocks wait in the cache. */
  get cacheOn(): boolean {
    return this.cache !== undefined && (this.extCsd[EXT_CSD.CACHE_CTRL]! & EXT_CSD_CACHE_CTRL_EN) !== 0;
  }

  /** CMDQ_MODE_EN set: tasks only, legacy block reads and writes are illegal. */
  get cmdqOn(): boolean {
    return (this.extCsd[EXT_CSD.CMDQ_MODE_EN]! & EXT_CSD_CMDQ_MODE_ENABLED) !== 0;
  }

  get queuedTasks(): number {
    return this.queue.size;
  }

  /** Program everything the cache holds to the image; returns the busy it takes (ns). */
  flushCache(why: string): number {
    const blocks = this.cache?.drain() ?? [];
    if (blocks.length === 0) return 0;
    this.tracer.emit('sdcard_cache', why, blocks.length);
    try {
      programBlocks(blocks, (part) => this.partition(part));
    } catch (e) {
      this.tracer.emit('sdcard_io_error', 'write', 'cache', 0, (e as Error).message);
      this.flagLater('ERROR');
    }
    return blocks.length * this.latency.p.programPerBlockNs;
  }

  private dropCache(why: string): void {
    const n = this.cache?.drop() ?? 0;
    if (n > 0) this.tracer.emit('sdcard_cache', `${why}, dropped`, n);
  }

  /** What a successful CMD6 byte write does besides storing the byte; returns extra busy (ns). */
  afterSwitch(index: number, value: number): number {
    return switchEffect(this, index, value);
  }

  /** CMD1 power-up progress: true while still busy (consumes one busy answer). */
  takeCmd1Busy(): boolean {
    if (this.cmd1BusyLeft > 0) {
      this.cmd1BusyLeft--;
      return true;
    }
    return false;
  }

  ocr(ready: boolean): number {
    let v = set(OCR.ACCESS_MODE, OCR_VOLTAGE_WINDOW, this.sectorMode ? OCR_ACCESS.SECTOR : OCR_ACCESS.BYTE);
    if (ready) v |= OCR.POWER_UP_DONE.mask;
    return v >>> 0;
  }

  // ---------------------------------------------------------------------------------------------
  // partitions and addressing
  // ---------------------------------------------------------------------------------------------

  get partitionAccess(): number {
    return this.extCsd[EXT_CSD.PART_CONFIG]! & EXT_CSD_PART_CONFIG_ACC_MASK;
  }

  partition(access = this.partitionAccess): BlockBacking | undefined {
    return this.layout.partitions.get(access);
  }

  partitionName(access = this.partitionAccess): string {
    return partitionNameOf(access);
  }

  /** Byte offset inside the partition for a data/erase command argument (§3.10). */
  byteAddress(arg: number): number {
    return this.sectorMode ? (arg >>> 0) * SECTOR_SIZE : arg >>> 0;
  }

  /** Length of data blocks for CMD17/18/24/25: 512 in sector mode, CMD16's value in byte mode. */
  dataBlockLen(): number {
    return this.sectorMode ? SECTOR_SIZE : this.blockLen;
  }

  /** Range check of a block access in the current partition; flags OUT_OF_RANGE / ADDRESS_MISALIGN. */
  checkBlockAddress(offset: number, len: number): boolean {
    const p = this.partition();
    if (!p || offset + len > p.size) {
      this.flag('OUT_OF_RANGE');
      return false;
    }
    if (!this.sectorMode && offset % len !== 0) {
      this.flag('ADDRESS_MISALIGN');
      return false;
    }
    return true;
  }

  isSupportedPartition(access: number): boolean {
    return this.layout.partitions.has(access);
  }

  /** EXT_CSD byte write through CMD6 (§3.8); returns false → SWITCH_ERROR. */
  switchByte(index: number, value: number): boolean {
    return switchAllowed(this, index, value);
  }

  /** The data phase is over (./data-phase.ts): reset and power loss end it. */
  abstract endData(): void;
}
