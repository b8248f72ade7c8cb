/**
 * The eMMC card (JEDEC eMMC 5.1 as Linux uses it; spec §3). It sees commands and data bytes from
 * the bus, never a register. Behaviour per command lives in the table in ./commands.ts; this file
 * holds the card's state, the R1 status, busy as a span on the virtual clock, partitions and the
 * byte stream of the data phase.
 */

import { readParts, writeParts, type BlockBacking } from '../backing.js';
import type { VirtualClock, TaskHandle } from '../clock.js';
import type { FaultInjector, CommandTicket } from '../faults.js';
import { LatencyModel } from '../latency.js';
import { nullTracer, type Tracer } from '../trace.js';
import { set } from '../../hw/fields.js';
import { MMC, rcaOfArg } from '../../hw/mmc-protocol.js';
import type { CardCommand, CardContext, CardResponse, DataPhase, Outcome } from './card-context.js';
import { EMMC_COMMANDS, blockData } from './commands.js';
import { partitionNameOf, type EmmcLayout } from './image-layout.js';
import { StreamIo } from './stream-io.js';
import { buildCid, buildCsd, buildExtCsd, defaultCid, EXT_CSD, EXT_CSD_MODES_END, type CidFields } from './registers.js';
import { OCR, OCR_ACCESS, OCR_VOLTAGE_WINDOW, R1, R1_CLEAR_ON_READ, STATE_CODE, type CardState, type R1Flag } from './status.js';

/** Commands that keep an erase sequence (CMD35/36/38) going, and status polling between them. */
const ERASE_SEQUENCE_OPCODES: readonly number[] = [MMC.ERASE_GROUP_START, MMC.ERASE_GROUP_END, MMC.ERASE, MMC.SEND_STATUS];

export interface EmmcCardOptions {
  layout: EmmcLayout;
  clock: VirtualClock;
  latency?: LatencyModel;
  tracer?: Tracer;
  faults?: FaultInjector;
  /** 'auto' (default): sector mode above 2 GiB, byte mode otherwise (§3.10) */
  addressing?: 'auto' | 'sector' | 'byte';
  cid?: Partial<CidFields>;
  /** PARTITION_CONFIG reset value (QEMU's boot-config property) */
  partitionConfig?: number;
}

export interface CardStats {
  commands: number;
  illegal: number;
  blocksRead: number;
  blocksWritten: number;
}

export class EmmcCard implements CardContext {
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

  private _state: CardState = 'idle';
  rca = 0;
  /** accumulated status bits (errors and APP_CMD); CURRENT_STATE/READY_FOR_DATA are computed */
  private statusBits = 0;
  /** "x" bits raised during execution, merged after the response is built (visible to the next CMD13) */
  private deferredBits = 0;
  blockLen = 512;
  /** CMD23: applies to the next CMD18/CMD25 only */
  blockCount: { count: number; reliable: boolean } | undefined;
  eraseStart: number | undefined;
  eraseEnd: number | undefined;
  data: DataPhase | undefined;
  /** the card answers CMD1 busy this many more times (§5) */
  private cmd1BusyLeft: number;
  private busyUntil = 0;
  private busyForever = false;
  private busyTask: TaskHandle | undefined;
  /** false after an injected power loss, until the bus power is cycled */
  powered = true;
  private currentTicket: CommandTicket | undefined;
  private inCommand = false;
  private readonly resetPartitionConfig: number;

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
      { partitionConfig: this.resetPartitionConfig },
    );
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
    this.tracer.emit('sdcard_busy', this.busyForever ? Infinity : this.busyUntil - this.clock.now, why);
    this.clock.cancel(this.busyTask);
    this.busyTask = undefined;
    // a bulk run settled late: a busy that already ended needs no end task (it would change nothing)
    if (!this.busyForever && this.busyUntil >= this.clock.now) this.busyTask = this.clock.schedule(this.busyUntil, () => this.busyEnded(), 'sdcard busy end');
  }

  private busyEnded(): void {
    this.busyTask = undefined;
    if (this._state === 'prg') this.setState('tran');
  }

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
    this.blockLen = 512;
    this.blockCount = undefined;
    this.eraseStart = this.eraseEnd = undefined;
    this.endData();
    this.clearBusy();
    const pc = this.extCsd[EXT_CSD.PARTITION_CONFIG]!;
    this.extCsd[EXT_CSD.PARTITION_CONFIG] = pc & ~0x07;
    this.extCsd[EXT_CSD.BUS_WIDTH] = 0;
    this.extCsd[EXT_CSD.HS_TIMING] = 0;
    this.extCsd[EXT_CSD.POWER_CLASS] = 0;
    this.extCsd[EXT_CSD.ERASE_GROUP_DEF] = 0;
    this.extCsd[EXT_CSD.POWER_OFF_NOTIFICATION] = 0;
    this.extCsd[EXT_CSD.HPI_MGMT] = 0;
  }

  /** Bus power off → on: back to power-on state, OCR busy again, a lost power restored. */
  powerCycle(): void {
    this.powered = true;
    this.cmd1BusyLeft = this.latency.p.cmd1BusyCount;
    this.extCsd[EXT_CSD.PARTITION_CONFIG] = this.resetPartitionConfig;
    this.reset();
  }

  /** Injected power loss: the card stops answering, nothing more reaches the backing. */
  losePower(why: string): void {
    this.tracer.emit('fault_inject', 'power-loss', why);
    this.powered = false;
    this.endData();
    this.clearBusy();
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
    return this.extCsd[EXT_CSD.PARTITION_CONFIG]! & 0x07;
  }

  partition(access = this.partitionAccess): BlockBacking | undefined {
    return this.layout.partitions.get(access);
  }

  partitionName(access = this.partitionAccess): string {
    return partitionNameOf(access);
  }

  /** Byte offset inside the partition for a data/erase command argument (§3.10). */
  byteAddress(arg: number): number {
    return this.sectorMode ? (arg >>> 0) * 512 : arg >>> 0;
  }

  /** Length of data blocks for CMD17/18/24/25: 512 in sector mode, CMD16's value in byte mode. */
  dataBlockLen(): number {
    return this.sectorMode ? 512 : this.blockLen;
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

  // ---------------------------------------------------------------------------------------------
  // data phase
  // ---------------------------------------------------------------------------------------------

  startData(entry: CardCommand, dir: 'read' | 'write', offset: number, remaining: number | undefined, blockLen: number): void {
    this.endData();
    this.data = {
      entry,
      dir,
      part: this.partitionAccess,
      offset,
      remaining,
      blockLen,
      buf: undefined,
      pos: 0,
      stopped: false,
      ticket: this.currentTicket,
      blocks: 0,
    };
    this.setState(dir === 'read' ? 'data' : 'rcv');
  }

  /**
   * Image I/O of the data stream may be batched (./stream-io.ts): nothing is traced and no armed
   * fault can fire on a block, so no observer can tell when the image is read or written.
   */
  private get batchIo(): boolean {
    return this.tracer.silent && (!this.faults || this.faults.dataQuiet);
  }

  /** The data phase is over (end, stop, reset, power): its staged writes reach the image first. */
  endData(): void {
    const d = this.data;
    this.data = undefined;
    if (d?.io?.pending) this.flushStream(d);
  }

  private flushStream(d: DataPhase): void {
    try {
      d.io!.flush();
    } catch (e) {
      this.ioError(e, 'write', d); // blocks already acknowledged: the general ERROR bit in the next status
    }
  }

  /** Staged writes of the running phase to the image now (a fault is being armed, the board closes). */
  flushWrites(): void {
    if (this.data?.io?.pending) this.flushStream(this.data);
  }

  /** Read a block of the running read from its partition (used by the command table's data phases). */
  readPartitionBlock(d: DataPhase): Uint8Array | undefined {
    const p = this.partition(d.part);
    if (!p || d.offset + d.blockLen > p.size) {
      this.flagLater('OUT_OF_RANGE');
      return undefined;
    }
    let blk: Uint8Array | undefined;
    if (this.batchIo) {
      const blocks = Math.min(d.remaining ?? Infinity, Math.floor((p.size - d.offset) / d.blockLen));
      blk = (d.io ??= new StreamIo(p)).read(d.offset, d.blockLen, blocks);
    }
    try {
      blk ??= p.read(d.offset, d.blockLen);
    } catch (e) {
      this.ioError(e, 'read', d);
      return undefined;
    }
    this.tracer.emit('sdcard_read_block', partitionNameOf(d.part), d.offset, d.blockLen);
    d.offset += d.blockLen;
    this.stats.blocksRead++;
    return blk;
  }

  /** Commit one received block of the running write; false if it did not reach the backing. */
  writePartitionBlock(d: DataPhase, block: Uint8Array): boolean {
    const p = this.partition(d.part);
    if (!p || d.offset + d.blockLen > p.size) {
      this.flagLater('OUT_OF_RANGE');
      return false;
    }
    if (this.faults && !this.faults.allowBlockWrite()) {
      this.losePower(`write of ${partitionNameOf(d.part)} @0x${d.offset.toString(16)} lost`);
      return false;
    }
    try {
      if (this.batchIo && !p.readOnly) (d.io ??= new StreamIo(p)).write(d.offset, block);
      else p.write(d.offset, block);
    } catch (e) {
      this.ioError(e, 'write', d);
      return false;
    }
    this.tracer.emit('sdcard_write_block', partitionNameOf(d.part), d.offset, d.blockLen);
    d.offset += d.blockLen;
    this.stats.blocksWritten++;
    return true;
  }

  /** An image I/O failure is the card's general ERROR bit, never an exception through MMIO. */
  private ioError(e: unknown, what: string, d: DataPhase): void {
    this.tracer.emit('sdcard_io_error', what, partitionNameOf(d.part), d.offset, (e as Error).message);
    this.flagLater('ERROR');
  }

  /** Writes to a read-only image are write-protect violations (the backing was opened 'ro'). */
  isWriteProtected(access = this.partitionAccess): boolean {
    return this.partition(access)?.readOnly ?? false;
  }

  /** True while the card has (or will produce) data for the host. */
  dataReady(): boolean {
    const d = this.data;
    if (!this.powered || !d || d.dir !== 'read' || d.stopped) return false;
    return (d.buf !== undefined && d.pos < d.buf.length) || d.remaining !== 0;
  }

  /** Up to `n` bytes of the read stream; null if the card is not sending. */
  readData(n: number): Uint8Array | null {
    const d = this.data;
    if (!this.powered || !d || d.dir !== 'read' || this._state !== 'data') return null;
    if (d.entry.data === blockData && (!d.buf || d.pos >= d.buf.length) && this.loadBlock(d) && d.buf!.length === n) {
      // exactly one whole block: handed out as it is, no copy (its readers copy it, nothing writes it)
      const out = d.buf!;
      d.pos = n;
      if (d.remaining === 0) {
        this.endData();
        this.setState('tran');
      }
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if ((!d.buf || d.pos >= d.buf.length) && !this.loadBlock(d)) break;
      const buf = d.buf!;
      const take = Math.min(n - got, buf.length - d.pos);
      out.set(buf.subarray(d.pos, d.pos + take), got);
      d.pos += take;
      got += take;
    }
    if (d.remaining === 0 && d.buf !== undefined && d.pos >= d.buf.length) {
      this.endData();
      this.setState('tran');
    }
    return got === 0 ? null : got < n ? out.subarray(0, got) : out;
  }

  /** The read phase's next block into d.buf; false at its end (count reached, stopped, or no data). */
  private loadBlock(d: DataPhase): boolean {
    if (d.remaining === 0 || d.stopped) return false;
    const blk = d.entry.data?.read?.(this, d);
    if (!blk) {
      d.stopped = true;
      return false;
    }
    d.buf = blk;
    d.pos = 0;
    d.blocks++;
    if (d.remaining !== undefined) d.remaining--;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // bulk data: a run of whole blocks in one backing call (the controller's burst, sdhci/burst.ts)
  // ---------------------------------------------------------------------------------------------

  /**
   * How many whole blocks of the running CMD17/18/24/25 data phase can move in one call with the
   * same result as block by block: none while a fault could fire on a block, a block is half
   * moved, or the phase is not plain block data; never past the count or the partition's end
   * (the block that would raise OUT_OF_RANGE stays on the per-block path).
   */
  bulkBlocks(dir: 'read' | 'write'): number {
    const d = this.data;
    if (!this.powered || !d || d.dir !== dir || d.stopped || d.entry.data !== blockData) return 0;
    if (this._state !== (dir === 'read' ? 'data' : 'rcv')) return 0;
    if (this.faults && !this.faults.dataQuiet) return 0;
    if (dir === 'read' ? d.buf !== undefined && d.pos < d.buf.length : d.buf !== undefined) return 0;
    const p = this.partition(d.part);
    if (!p || (dir === 'write' && p.readOnly)) return 0;
    const inPartition = Math.floor((p.size - d.offset) / d.blockLen);
    return Math.max(0, Math.min(d.remaining ?? Infinity, inPartition));
  }

  /**
   * The next `count` blocks of the running read straight into `parts` (views of DMA memory, one
   * backing call), consumed as readData() would consume them. False, with nothing consumed, if the
   * image cannot be read: the caller then goes block by block, which reports the error at its block.
   */
  readBlocks(parts: readonly Uint8Array[], count: number): boolean {
    const d = this.data!;
    try {
      readParts(this.partition(d.part)!, d.offset, parts);
    } catch {
      return false;
    }
    d.offset += count * d.blockLen;
    d.blocks += count;
    this.stats.blocksRead += count;
    this.faults?.skipBlocks(count);
    d.buf = undefined;
    d.pos = 0;
    if (d.remaining !== undefined) d.remaining -= count;
    if (d.remaining === 0) {
      this.endData();
      this.setState('tran');
    }
    return true;
  }

  /**
   * Commit whole blocks of the running write (`parts` back to back, views of DMA memory) in one
   * backing write, as writeData() would block by block; the last of them arrived at `lastAt`
   * (virtual ns, <= now), so programming busy runs from there. Returns the number of blocks that
   * reached the image: on a host I/O error the run is retried block by block and stops at the
   * failing block, as the per-block path does.
   */
  writeBlocks(parts: readonly Uint8Array[], lastAt: number): number {
    const d = this.data!;
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    const count = bytes / d.blockLen;
    if (d.io?.pending) this.flushStream(d); // blocks staged by the per-block path go first
    try {
      writeParts(this.partition(d.part)!, d.offset, parts);
    } catch {
      const all = concat(parts, bytes);
      let n = 0;
      while (n < count && this.writeData(all.subarray(n * d.blockLen, (n + 1) * d.blockLen))) n++;
      return n;
    }
    this.faults?.skipBlocks(count);
    d.offset += bytes;
    d.blocks += count;
    this.stats.blocksWritten += count;
    if (d.remaining !== undefined) d.remaining -= count;
    const last = d.remaining === 0;
    // busy of the run's last block, from when it arrived (earlier blocks' busy has ended by then)
    this.busyFor(this.latency.programNs(last), `program block ${d.blocks}`, last, d.ticket, lastAt);
    if (last) {
      this.endData();
      this.setState('prg');
    }
    return count;
  }

  /** Bytes from the host for the running write; false if the card did not take them. */
  writeData(bytes: Uint8Array): boolean {
    const d = this.data;
    if (!this.powered || !d || d.dir !== 'write' || this._state !== 'rcv' || d.stopped) return false;
    let used = 0;
    while (used < bytes.length) {
      if (!d.buf && d.entry.data === blockData && bytes.length - used >= d.blockLen) {
        // a whole block: taken in place (block writes copy it out before returning)
        d.buf = used === 0 && bytes.length === d.blockLen ? bytes : bytes.subarray(used, used + d.blockLen);
        d.pos = d.blockLen;
        used += d.blockLen;
      } else {
        if (!d.buf) {
          d.buf = new Uint8Array(d.blockLen);
          d.pos = 0;
        }
        const take = Math.min(bytes.length - used, d.blockLen - d.pos);
        d.buf.set(bytes.subarray(used, used + take), d.pos);
        d.pos += take;
        used += take;
      }
      if (d.pos === d.blockLen) {
        const block = d.buf;
        d.buf = undefined;
        const last = d.remaining === 1;
        const ok = d.entry.data?.write?.(this, d, block) ?? false;
        if (!ok) {
          d.stopped = true;
          if (this.powered) {
            // range error: the card stops taking data and programs nothing more
            this.setState('prg');
            this.busyFor(this.latency.p.minWriteBusyNs, 'write stopped', true, d.ticket);
            this.endData();
          }
          return false;
        }
        d.blocks++;
        if (d.remaining !== undefined) d.remaining--;
        this.busyFor(this.latency.programNs(last), `program block ${d.blocks}`, last, d.ticket);
        if (d.remaining === 0) {
          this.endData();
          this.setState('prg');
          return true;
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // commands
  // ---------------------------------------------------------------------------------------------

  private illegal(index: number): CardResponse {
    this.stats.illegal++;
    this.flag('ILLEGAL_COMMAND');
    this.tracer.emit('sdcard_illegal', index, this._state);
    return { kind: 'none' };
  }

  /** Execute one command; the response is what the card drives on CMD (none = the host times out). */
  doCommand(index: number, arg: number, ticket?: CommandTicket): CardResponse {
    arg >>>= 0;
    this.currentTicket = ticket;
    if (!this.powered || this._state === 'ina') return { kind: 'none' };
    this.stats.commands++;
    const entry = EMMC_COMMANDS[index];
    const before = this._state;
    if (!entry) return this.illegal(index);
    this.tracer.emit('sdcard_command', entry.name, index, arg, before);
    // a CMD23 count survives only until the next command (which must be CMD18/CMD25)
    if (index !== MMC.READ_MULTIPLE_BLOCK && index !== MMC.WRITE_MULTIPLE_BLOCK && index !== MMC.SET_BLOCK_COUNT) this.blockCount = undefined;
    // an erase sequence is reset by any other command (ERASE_RESET), except status polling
    if (this.eraseStart !== undefined && !ERASE_SEQUENCE_OPCODES.includes(index)) {
      this.eraseStart = this.eraseEnd = undefined;
      this.flag('ERASE_RESET');
    }
    if (entry.addressed && rcaOfArg(arg) !== this.rca && index !== MMC.SELECT_CARD) return { kind: 'none' }; // not for us
    if (!entry.states.includes(before)) return this.illegal(index);
    if (!entry.handler) {
      this.tracer.emit('sdcard_unimplemented', index, entry.name);
      return this.illegal(index);
    }
    this.inCommand = true;
    let out: Outcome;
    try {
      out = entry.handler(this, arg, entry);
    } finally {
      this.inCommand = false;
    }
    const resp = this.respond(out, before);
    if (resp.kind !== 'none') {
      this.statusBits = (this.statusBits | this.deferredBits) >>> 0;
      this.deferredBits = 0;
    }
    return resp;
  }

  private respond(out: Outcome, before: CardState): CardResponse {
    let resp: CardResponse;
    switch (out.r) {
      case 'none':
        resp = { kind: 'none' };
        break;
      case 'r1':
      case 'r1b':
        resp = { kind: out.r, status: this.statusWord(before) };
        break;
      case 'r2':
        resp = { kind: 'r2', reg: out.reg };
        break;
      case 'r3':
        resp = { kind: 'r3', ocr: out.ocr };
        break;
    }
    if (resp.kind !== 'none') {
      this.statusBits = (this.statusBits & ~R1_CLEAR_ON_READ) >>> 0;
      this.tracer.emit(
        'sdcard_response',
        resp.kind,
        resp.kind === 'r2'
          ? Buffer.from(resp.reg).toString('hex')
          : resp.kind === 'r3'
            ? `0x${resp.ocr.toString(16)}`
            : `0x${resp.status.toString(16).padStart(8, '0')}`,
      );
    }
    return resp;
  }

  /** EXT_CSD byte write through CMD6 (§3.8); returns false → SWITCH_ERROR. */
  switchByte(index: number, value: number): boolean {
    return switchAllowed(this, index, value);
  }
}

/** Writable EXT_CSD modes bytes and their value checks (§3.7, §3.8). */
function switchAllowed(card: EmmcCard, index: number, value: number): boolean {
  const x = card.extCsd;
  switch (index) {
    case EXT_CSD.PARTITION_CONFIG: {
      const access = value & 0x07;
      const bootEnable = (value >> 3) & 0x07;
      if (value & 0x80) return false;
      if (![0, 1, 2, 7].includes(bootEnable)) return false;
      return card.isSupportedPartition(access);
    }
    case EXT_CSD.BUS_WIDTH: {
      const w = value & 0x0f;
      if (value & 0x70) return false;
      if (value & 0x80 && !x[EXT_CSD.STROBE_SUPPORT]) return false;
      if (![0, 1, 2, 5, 6].includes(w)) return false;
      return !(w >= 5 && !(x[EXT_CSD.CARD_TYPE]! & 0x0c));
    }
    case EXT_CSD.HS_TIMING: {
      const t = value & 0x0f;
      const ct = x[EXT_CSD.CARD_TYPE]!;
      if (t === 0) return true;
      if (t === 1) return (ct & 0x03) !== 0;
      if (t === 2) return (ct & 0x30) !== 0;
      if (t === 3) return (ct & 0xc0) !== 0;
      return false;
    }
    case EXT_CSD.ERASE_GROUP_DEF:
    case EXT_CSD.HPI_MGMT:
    case EXT_CSD.BKOPS_EN:
    case EXT_CSD.CMDQ_MODE_EN:
      return value <= 1 || (index === EXT_CSD.BKOPS_EN && value <= 3);
    case EXT_CSD.CACHE_CTRL:
      return value === 0 || (x[EXT_CSD.CACHE_SIZE]! | x[EXT_CSD.CACHE_SIZE + 1]! | x[EXT_CSD.CACHE_SIZE + 2]! | x[EXT_CSD.CACHE_SIZE + 3]!) !== 0;
    case EXT_CSD.POWER_OFF_NOTIFICATION:
      return value <= 4;
    case EXT_CSD.FLUSH_CACHE:
    case EXT_CSD.BKOPS_START:
    case EXT_CSD.SANITIZE_START:
    case EXT_CSD.POWER_CLASS:
    case EXT_CSD.BOOT_WP:
    case EXT_CSD.USER_WP:
    case EXT_CSD.BOOT_BUS_CONDITIONS:
    case EXT_CSD.BOOT_CONFIG_PROT:
    case EXT_CSD.RST_N_FUNCTION:
    case EXT_CSD.WR_REL_SET:
    case EXT_CSD.EXCEPTION_EVENTS_CTRL:
    case EXT_CSD.EXCEPTION_EVENTS_CTRL + 1:
      return index < EXT_CSD_MODES_END;
    default:
      return false; // properties segment, reserved, or one-time partitioning fields
  }
}

/** `parts` as one buffer of `bytes` (the rare retry path). */
function concat(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
