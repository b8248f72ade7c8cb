/**
 * pstore/zone (fs/pstore/zone.c): zones held in RAM and flushed to a
 * pstore_zone_info device; recovery of what a previous boot left; the read
 * iterator pstorefs uses; kmsg, ring (pmsg/console/ftrace) writes; erase.
 *
 * One ZoneContext is one registration (the kernel's global psz_context), so a
 * process can hold several images at once. Names follow zone.c.
 */
import {
  KMSG_PAYLOAD_OFFSET,
  PSTORE_KMSG_HEADER_MAGIC,
  PSZ_BUFFER,
  PSZ_KMSG_HEADER,
  decodeKmsgHeader,
  decodePszBuffer,
  encodeKmsgHeader,
  zoneSignature,
} from './codec.js';
import { EBUSY, EINVAL, EIO, ENOMEM, ENOMSG, ENOSPC, errnoName } from '../lib/errno.js';
import type { PstoreZoneInfo } from './device-info.js';
import { computeLayout, type ZoneDesc, type ZoneLayout } from './layout.js';
import { DEFAULT_KERNEL, type KernelProfile } from './kernel-profile.js';
import { KmsgDumpReason, PstoreType, kmsgDumpReasonStr } from './types.js';
import { combineFtraceLog } from './ftrace.js';

/** enum psz_flush_mode. */
export const FlushMode = { NONE: 0, PART: 1, META: 2, ALL: 3 } as const;
export type FlushMode = (typeof FlushMode)[keyof typeof FlushMode];

/** The kernel log line a decision produced, with its printk level. */
export interface ZoneLogLine {
  level: 'debug' | 'info' | 'warn' | 'err';
  text: string;
}

/** What recovery concluded about one zone, in zone.c's words. */
export type ZoneStatus =
  | 'ok' // "found nice zone"
  | 'no-valid-data' // signature mismatch: never written, or another layout
  | 'overtop' // datalen/start past the buffer
  | 'invalid' // kmsg magic mismatch
  | 'erased' // datalen == 0
  | 'broken' // backend said -ENOMSG
  | 'read-failed'
  | 'not-read'; // recovery stopped before this zone

export interface ZoneVerdict {
  zone: ZoneDesc;
  status: ZoneStatus;
  /** The header recovery read, where it read one: did it carry the zone's signature? */
  signature?: boolean;
  datalen?: number;
  start?: number;
  message: string;
}

/** struct pstore_record, the fields pstore/zone reads and writes. */
export interface PstoreRecord {
  type: PstoreType;
  id: number;
  /** Wall-clock time; for dmesg the dump time from the zone header. */
  time: { sec: bigint; nsec: bigint };
  count: number;
  reason: number;
  part: number;
  compressed: boolean;
  buf: Uint8Array;
  /** CPU that produced an ftrace record (smp_processor_id()). */
  cpu?: number;
}

class PstoreZone {
  /**
   * psz_buffer header + data area, as it sits in kernel RAM. Allocated on
   * first use, so a large region costs memory only for the zones touched.
   */
  private ram: Uint8Array | undefined;
  /**
   * Set when recovery loaded only the used part of the zone (header +
   * datalen): the rest is fetched before anything could write the whole
   * zone back, so nothing differs from the kernel's full read.
   */
  private rest: ((dst: Uint8Array, from: number) => number) | undefined;
  oldbuf: Uint8Array | null = null;
  shouldRecover = false;
  dirty = false;

  constructor(readonly desc: ZoneDesc) {}

  get buffer(): Uint8Array {
    if (!this.ram) {
      // psz_init_zone(): 0xFF fill, then sig, datalen 0, start 0.
      this.ram = new Uint8Array(this.desc.size).fill(0xff);
      this.resetHeader(this.ram);
    }
    return this.ram;
  }

  set buffer(b: Uint8Array) {
    this.ram = b;
    this.rest = undefined;
  }

  /**
   * Holds the first `part.length` bytes of the zone; `fetch` reads the zone's bytes from
   * `from` on into `dst` on demand and answers like a device read (bytes, or -errno).
   */
  setPartial(part: Uint8Array, fetch: (dst: Uint8Array, from: number) => number): void {
    this.ram = part;
    this.rest = fetch;
  }

  /** True while only part of the zone is in RAM (the rest is fetched on demand). */
  get partial(): boolean {
    return this.rest !== undefined;
  }

  /** Keep only the first `keep` bytes in RAM when the rest can be fetched again. */
  trim(keep: number): void {
    if (this.ram && this.rest && this.ram.length > keep) this.ram = this.ram.slice(0, keep);
  }

  /** At least the first `len` bytes of the zone in RAM, fetching what was trimmed or never loaded. */
  upTo(len: number): Uint8Array {
    this.load(len);
    return this.buffer;
  }

  /**
   * upTo() for a read that may fail: 0 once the first `len` bytes are in RAM, else the
   * fetch's -errno (-EIO for a short read). A failed fetch leaves zeros, as upTo() does.
   */
  load(len: number): number {
    const ram = this.buffer;
    if (ram.length >= len) return 0;
    const bigger = new Uint8Array(len);
    bigger.set(ram);
    const want = len - ram.length;
    const got = this.rest ? this.rest(bigger.subarray(ram.length), ram.length) : want;
    this.ram = bigger;
    return got === want ? 0 : got < 0 ? got : -EIO;
  }

  /** The whole zone in RAM (loads what a partial recovery left on disk). */
  full(): Uint8Array {
    const whole = this.upTo(this.desc.size);
    this.rest = undefined;
    return whole;
  }

  resetHeader(buf: Uint8Array): void {
    const v = new DataView(buf.buffer, buf.byteOffset, PSZ_BUFFER.size);
    v.setUint32(PSZ_BUFFER.sig, zoneSignature(this.desc.type), true);
    v.setInt32(PSZ_BUFFER.datalen, 0, true);
    v.setInt32(PSZ_BUFFER.start, 0, true);
  }

  get bufferSize(): number {
    return this.desc.bufferSize;
  }
  get datalen(): number {
    // An untouched zone is the fresh psz_init_zone() state: empty.
    return this.ram ? decodePszBuffer(this.ram).datalen : 0;
  }
  set datalen(v: number) {
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setInt32(PSZ_BUFFER.datalen, v, true);
  }
  get start(): number {
    return this.ram ? decodePszBuffer(this.ram).start : 0;
  }
  set start(v: number) {
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setInt32(PSZ_BUFFER.start, v, true);
  }
  get name(): string {
    return this.desc.kind === 'kmsg' ? 'dmesg' : this.desc.kind;
  }
  /** psz_ok(). */
  ok(): boolean {
    return this.datalen !== 0;
  }
  /** psz_old_ok(). */
  oldOk(): boolean {
    return this.oldbuf !== null && decodePszBuffer(this.oldbuf).datalen !== 0;
  }
}

export interface ZoneContextOptions {
  /** nr_cpu_ids of the writing kernel. */
  nrCpus?: number;
  profile?: KernelProfile;
  /** Where pr_* lines go; they are also kept in `log`. */
  onLog?: (line: ZoneLogLine) => void;
  /**
   * CONFIG_PSTORE_FTRACE of the reading kernel (default on). Without it
   * pstore_ftrace_combine_log() is a stub and no ftrace file appears, as on
   * Debian's kernels, which allocate the zones but never show them.
   */
  configPstoreFtrace?: boolean;
  /**
   * Read a kmsg zone's data when its record is read instead of at recovery
   * (headers are still read and checked there). The image readers stream
   * records, so memory then grows with the largest record, not with the
   * region. The one difference from the kernel: a read error on a zone's data
   * ends the listing at that record instead of failing the whole recovery.
   */
  deferKmsgData?: boolean;
}

export class ZoneRegisterError extends Error {}

export class ZoneContext {
  readonly layout: ZoneLayout;
  readonly info: PstoreZoneInfo;
  readonly profile: KernelProfile;
  readonly log: ZoneLogLine[] = [];
  readonly verdicts = new Map<ZoneDesc, ZoneVerdict>();

  private readonly kpszs: PstoreZone[];
  private readonly ppsz: PstoreZone | undefined;
  private readonly cpsz: PstoreZone | undefined;
  private readonly fpszs: PstoreZone[];
  kmsgReadCnt = 0;
  kmsgWriteCnt = 0;
  pmsgReadCnt = 0;
  consoleReadCnt = 0;
  ftraceReadCnt = 0;
  oopsCounter = 0;
  panicCounter = 0;
  recovered = false;
  onPanic = false;
  /** Index of the kmsg zone the last dump went to. */
  lastKmsgZone: number | undefined;
  /** The delayed psz_cleaner work is queued. */
  cleanerPending = false;
  private readonly onLog: ((line: ZoneLogLine) => void) | undefined;
  private readonly configPstoreFtrace: boolean;
  private readonly deferKmsgData: boolean;

  /** register_pstore_zone(): validates and lays out, or throws the kernel's verdict. */
  constructor(info: PstoreZoneInfo, options: ZoneContextOptions = {}) {
    this.info = info;
    this.profile = options.profile ?? DEFAULT_KERNEL;
    this.onLog = options.onLog;
    this.configPstoreFtrace = options.configPstoreFtrace ?? true;
    this.deferKmsgData = options.deferKmsgData ?? false;
    if (!info.name) throw new ZoneRegisterError('backend name must not be empty');
    if (typeof info.read !== 'function' || typeof info.write !== 'function') {
      throw new ZoneRegisterError('no valid general read/write interface');
    }
    this.layout = computeLayout(
      {
        totalSize: info.totalSize,
        kmsgSize: info.kmsgSize,
        pmsgSize: info.pmsgSize,
        consoleSize: info.consoleSize,
        ftraceSize: info.ftraceSize,
        nrCpus: options.nrCpus ?? 1,
      },
      this.profile,
    );
    for (const note of this.layout.notes) this.pr('warn', note);
    this.ppsz = this.layout.pmsg && new PstoreZone(this.layout.pmsg);
    this.cpsz = this.layout.console && new PstoreZone(this.layout.console);
    this.fpszs = this.layout.ftrace.map((z) => new PstoreZone(z));
    this.kpszs = this.layout.kmsg.map((z) => new PstoreZone(z));
    this.pr('info', this.registeredLine());
  }

  /** pstore.bufsize: the largest dmesg payload a kmsg zone takes. */
  get bufsize(): number {
    const first = this.kpszs[0];
    return first ? first.bufferSize - PSZ_KMSG_HEADER.size : 0;
  }

  get kmsgMaxCnt(): number {
    return this.kpszs.length;
  }

  private registeredLine(): string {
    let line = `registered ${this.info.name} as backend for`;
    if (this.info.kmsgSize) line += ` kmsg(${kmsgDumpReasonStr(this.info.maxReason)}${this.info.panicWrite ? ',panic_write' : ''})`;
    if (this.info.pmsgSize) line += ' pmsg';
    if (this.info.consoleSize) line += ' console';
    if (this.info.ftraceSize) line += ' ftrace';
    return line;
  }

  private pr(level: ZoneLogLine['level'], text: string): void {
    const line = { level, text: `pstore_zone: ${text}` };
    this.log.push(line);
    this.onLog?.(line);
  }

  private verdict(zone: PstoreZone, status: ZoneStatus, message: string, hdr?: { sig: number; datalen: number; start: number }): void {
    const v: ZoneVerdict = { zone: zone.desc, status, message };
    if (hdr) {
      v.signature = hdr.sig === zoneSignature(zone.desc.type);
      v.datalen = hdr.datalen;
      v.start = hdr.start;
    }
    this.verdicts.set(zone.desc, v);
  }

  // ---------------------------------------------------------------- writing

  /** psz_zone_write(). */
  zoneWrite(zone: PstoreZone, mode: FlushMode, buf: Uint8Array | null, len: number, off: number): number {
    if (off > zone.bufferSize) return -EINVAL;
    let wlen = Math.min(len, zone.bufferSize - off);
    const ram = zone.full();
    if (buf && wlen) {
      ram.set(buf.subarray(0, wlen), PSZ_BUFFER.size + off);
      zone.datalen = wlen + off;
    }
    let wcnt = 0;
    const dirty = (): number => {
      // No need to mark dirty if going to try the next zone.
      if (wcnt === -ENOMSG) return -ENOMSG;
      zone.dirty = true;
      // Flush dirty zones nicely, later.
      if (wcnt === -EBUSY && !this.onPanic) this.cleanerPending = true;
      return -EBUSY;
    };
    // Avoid damaging old records: nothing reaches the device before recovery.
    if (!this.onPanic && !this.recovered) return dirty();
    const writeop = this.onPanic ? this.info.panicWrite?.bind(this.info) : this.info.write.bind(this.info);
    if (!writeop) return dirty();
    switch (mode) {
      case FlushMode.NONE:
        if (buf && wlen) return dirty();
        return 0;
      case FlushMode.PART:
      case FlushMode.META:
        // PART writes the data, then falls through to the header that describes it.
        if (mode === FlushMode.PART) {
          wcnt = writeop(ram.subarray(PSZ_BUFFER.size + off, PSZ_BUFFER.size + off + wlen), zone.desc.off + PSZ_BUFFER.size + off);
          if (wcnt !== wlen) return dirty();
        }
        wlen = PSZ_BUFFER.size;
        wcnt = writeop(ram.subarray(0, wlen), zone.desc.off);
        if (wcnt !== wlen) return dirty();
        break;
      case FlushMode.ALL:
        wlen = zone.bufferSize + PSZ_BUFFER.size;
        wcnt = writeop(ram.subarray(0, wlen), zone.desc.off);
        if (wcnt !== wlen) return dirty();
        break;
    }
    return 0;
  }

  /** psz_flush_dirty_zone(). */
  private flushDirtyZone(zone: PstoreZone): number {
    if (!this.recovered) return -EBUSY;
    if (!zone.dirty) return 0;
    zone.dirty = false;
    const ret = this.zoneWrite(zone, FlushMode.ALL, null, 0, 0);
    if (ret) zone.dirty = true;
    return ret;
  }

  private flushDirtyZones(zones: PstoreZone[]): number {
    for (const z of zones) {
      const ret = this.flushDirtyZone(z);
      if (ret) return ret;
    }
    return 0;
  }

  /**
   * psz_flush_all_dirty_zones(): the psz_cleaner work. Returns true when
   * something is still dirty (the kernel re-queues itself after 1000 ms).
   */
  flushAllDirtyZones(): boolean {
    this.cleanerPending = false;
    let ret = 0;
    if (this.ppsz) ret |= this.flushDirtyZone(this.ppsz);
    if (this.cpsz) ret |= this.flushDirtyZone(this.cpsz);
    if (this.kpszs.length) ret |= this.flushDirtyZones(this.kpszs);
    if (this.fpszs.length) ret |= this.flushDirtyZones(this.fpszs);
    if (ret) this.cleanerPending = true;
    return ret !== 0;
  }

  /** Zones whose RAM copy has not reached the device. */
  dirtyZones(): ZoneDesc[] {
    return [this.ppsz, this.cpsz, ...this.kpszs, ...this.fpszs].filter((z): z is PstoreZone => !!z && z.dirty).map((z) => z.desc);
  }

  /** psz_write_kmsg_hdr(): the counters count per reason, across boots. */
  private writeKmsgHdr(zone: PstoreZone, record: PstoreRecord): void {
    let counter = 0;
    if (record.reason === KmsgDumpReason.OOPS) counter = ++this.oopsCounter;
    else if (record.reason === KmsgDumpReason.PANIC) counter = ++this.panicCounter;
    this.oopsCounter >>>= 0;
    this.panicCounter >>>= 0;
    encodeKmsgHeader(
      {
        magic: PSTORE_KMSG_HEADER_MAGIC,
        tvSec: record.time.sec,
        tvNsec: record.time.nsec,
        compressed: record.compressed,
        counter,
        reason: record.reason,
      },
      zone.buffer,
      PSZ_BUFFER.size,
    );
  }

  /** psz_kmsg_write_record(): the next zone round-robin, skipping broken ones. */
  private kmsgWriteRecord(record: PstoreRecord): number {
    const n = this.kpszs.length;
    for (let i = 0; i < n; i++) {
      const zonenum = (this.kmsgWriteCnt + i) % n;
      const zone = this.kpszs[zonenum]!;
      // Avoid destroying old data: build the record in a fresh zeroed buffer.
      const saved = zone.full();
      zone.oldbuf = saved;
      zone.buffer = new Uint8Array(zone.desc.size);
      zone.buffer.set(saved.subarray(0, 4)); // sig
      this.pr('debug', `write ${zone.name} to zone id ${zonenum}`);
      this.writeKmsgHdr(zone, record);
      const size = Math.min(record.buf.length, zone.bufferSize - PSZ_KMSG_HEADER.size);
      const ret = this.zoneWrite(zone, FlushMode.ALL, record.buf, size, PSZ_KMSG_HEADER.size);
      if (ret !== -ENOMSG) {
        this.lastKmsgZone = zonenum;
        this.kmsgWriteCnt = (zonenum + 1) % n;
        zone.oldbuf = null;
        return ret;
      }
      this.pr('debug', `zone ${zonenum} may be broken, try next dmesg zone`);
      zone.buffer = saved;
      zone.oldbuf = null;
    }
    return -EBUSY;
  }

  /** psz_kmsg_write(): only Part1 of a dump is kept. */
  private kmsgWrite(record: PstoreRecord): number {
    if (record.part !== 1) return -ENOSPC;
    if (!this.kpszs.length) return -ENOSPC;
    const ret = this.kmsgWriteRecord(record);
    if (!ret && this.onPanic) {
      this.pr('debug', 'try to flush other dirty zones');
      this.flushAllDirtyZones();
    }
    // Always 0: the record is held in the zone buffer either way.
    return 0;
  }

  /** psz_record_write(): append to a ring zone, wrapping at buffer_size. */
  private recordWrite(zone: PstoreZone | undefined, record: PstoreRecord): number {
    if (!zone) return -ENOSPC;
    let full = zone.datalen >= zone.bufferSize;
    let buf = record.buf;
    let cnt = buf.length;
    if (cnt > zone.bufferSize) {
      buf = buf.subarray(cnt - zone.bufferSize);
      cnt = zone.bufferSize;
    }
    let start = zone.start;
    const rem = zone.bufferSize - start;
    if (rem < cnt) {
      this.zoneWrite(zone, FlushMode.PART, buf, rem, start);
      buf = buf.subarray(rem);
      cnt -= rem;
      start = 0;
      full = true;
    }
    zone.start = cnt + start;
    this.zoneWrite(zone, FlushMode.PART, buf, cnt, start);
    // psz_zone_write() set datalen = start + cnt; once wrapped it is the whole buffer.
    if (full) {
      zone.datalen = zone.bufferSize;
      this.zoneWrite(zone, FlushMode.META, null, 0, 0);
    }
    return 0;
  }

  /** psz_pstore_write(). */
  write(record: PstoreRecord): number {
    if (record.type === PstoreType.DMESG && record.reason === KmsgDumpReason.PANIC) this.onPanic = true;
    // On panic only the dump itself is written (panic_write may print and wake the console).
    if (this.onPanic && record.type !== PstoreType.DMESG) return -EBUSY;
    switch (record.type) {
      case PstoreType.DMESG:
        return this.kmsgWrite(record);
      case PstoreType.CONSOLE:
        return this.recordWrite(this.cpsz, record);
      case PstoreType.PMSG:
        return this.recordWrite(this.ppsz, record);
      case PstoreType.FTRACE: {
        if (!this.fpszs.length) return -ENOSPC;
        return this.recordWrite(this.fpszs[record.cpu ?? 0], record);
      }
      default:
        return -EINVAL;
    }
  }

  // --------------------------------------------------------------- recovery

  /** psz_move_zone(): a pre-recovery dump moves to the position found on disk. */
  private moveZone(old: PstoreZone, target: PstoreZone): number {
    const data = old.full().subarray(PSZ_BUFFER.size);
    const ret = this.zoneWrite(target, FlushMode.ALL, data, old.datalen, 0);
    if (ret) {
      target.datalen = 0;
      target.dirty = false;
      return ret;
    }
    old.datalen = 0;
    return 0;
  }

  /** psz_kmsg_recover_meta(): headers only, picks the write position and counters. */
  private kmsgRecoverMeta(): number {
    const len = PSZ_BUFFER.size + PSZ_KMSG_HEADER.size;
    const buf = new Uint8Array(len);
    let bestSec = 0n;
    for (let i = 0; i < this.kpszs.length; i++) {
      const zone = this.kpszs[i]!;
      const d = zone.desc;
      const rcnt = this.info.read(buf, d.off);
      if (rcnt === -ENOMSG) {
        this.pr('debug', `${zone.name} with id ${i} may be broken, skip`);
        this.verdict(zone, 'broken', `${zone.name} with id ${i} may be broken, skip`);
        continue;
      } else if (rcnt !== len) {
        this.pr('err', `read ${zone.name} with id ${i} failed`);
        this.verdict(zone, 'read-failed', `read ${zone.name} with id ${i} failed (${errnoName(rcnt)})`);
        return rcnt < 0 ? rcnt : -EIO;
      }
      const hdr = decodePszBuffer(buf);
      if (hdr.sig !== zoneSignature(d.type)) {
        this.pr('debug', `no valid data in kmsg dump zone ${i}`);
        this.verdict(zone, 'no-valid-data', `no valid data in kmsg dump zone ${i}`, hdr);
        continue;
      }
      // size_t < int comparison: a negative datalen converts to a huge value.
      if (zone.bufferSize < (hdr.datalen >>> 0)) {
        const m = `found overtop zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}`;
        this.pr('info', m);
        this.verdict(zone, 'overtop', m, hdr);
        continue;
      }
      const kh = decodeKmsgHeader(buf);
      if (kh.magic !== PSTORE_KMSG_HEADER_MAGIC) {
        const m = `found invalid zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}`;
        this.pr('info', m);
        this.verdict(zone, 'invalid', m, hdr);
        continue;
      }
      // The newest zone's successor is the oldest or unused one: writes go round.
      if (kh.tvSec >= bestSec) {
        bestSec = kh.tvSec;
        this.kmsgWriteCnt = (i + 1) % this.kpszs.length;
      }
      if (kh.reason === KmsgDumpReason.OOPS) this.oopsCounter = Math.max(this.oopsCounter, kh.counter);
      else if (kh.reason === KmsgDumpReason.PANIC) this.panicCounter = Math.max(this.panicCounter, kh.counter);
      if (!hdr.datalen) {
        const m = `found erased zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}, datalen ${hdr.datalen}`;
        this.pr('debug', m);
        this.verdict(zone, 'erased', m, hdr);
        continue;
      }
      if (!this.onPanic) zone.shouldRecover = true;
      // The headers just read are all the data phase would load when deferring.
      if (zone.shouldRecover && this.deferKmsgData) zone.setPartial(buf.slice(), (dst, from) => this.info.read(dst, d.off + from));
      const m = `found nice zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}, datalen ${hdr.datalen}`;
      this.pr('debug', m);
      this.verdict(zone, 'ok', m, hdr);
    }
    return 0;
  }

  /** psz_kmsg_recover_data(): moves pre-recovery dumps, then reads whole zones. */
  private kmsgRecoverData(): number {
    for (let i = 0; i < this.kpszs.length; i++) {
      const zone = this.kpszs[i]!;
      if (zone.dirty) {
        const wcnt = this.kmsgWriteCnt;
        const ret = this.moveZone(zone, this.kpszs[wcnt]!);
        if (ret) {
          this.pr('err', `move zone from ${i} to ${wcnt} failed`);
          return ret;
        }
        this.kmsgWriteCnt = (wcnt + 1) % this.kpszs.length;
      }
      if (!zone.shouldRecover) continue;
      // The kernel reads the whole zone; only header + datalen is ever used
      // for reading, so that much is loaded now (nothing more than the meta
      // phase's headers when deferKmsgData) and the rest on demand.
      if (this.deferKmsgData && zone.partial) continue; // headers kept by the meta phase
      const datalen = this.verdicts.get(zone.desc)?.datalen ?? zone.bufferSize;
      const part = new Uint8Array(PSZ_BUFFER.size + Math.max(datalen, PSZ_KMSG_HEADER.size));
      const rcnt = this.info.read(part, zone.desc.off);
      zone.setPartial(part, (dst, from) => this.info.read(dst, zone.desc.off + from));
      if (rcnt !== part.length) {
        this.verdict(zone, 'read-failed', `read ${zone.name} with id ${i} failed (${errnoName(rcnt)})`);
        return rcnt < 0 ? rcnt : -EIO;
      }
    }
    return 0;
  }

  /** psz_recover_zone(): a ring zone's previous contents become its oldbuf. */
  private recoverZone(zone: PstoreZone | undefined): number {
    if (!zone || zone.oldbuf) return 0;
    if (this.onPanic) {
      // Save data as much as possible.
      this.flushDirtyZone(zone);
      return 0;
    }
    const tmp = new Uint8Array(PSZ_BUFFER.size);
    let rcnt = this.info.read(tmp, zone.desc.off);
    if (rcnt !== tmp.length) {
      this.pr('debug', `read zone ${zone.name} failed`);
      this.verdict(zone, 'read-failed', `read zone ${zone.name} failed (${errnoName(rcnt)})`);
      return rcnt < 0 ? rcnt : -EIO;
    }
    const hdr = decodePszBuffer(tmp);
    if (hdr.sig !== zoneSignature(zone.desc.type)) {
      this.pr('debug', `no valid data in zone ${zone.name}`);
      this.verdict(zone, 'no-valid-data', `no valid data in zone ${zone.name}`, hdr);
      return 0;
    }
    if (zone.bufferSize < hdr.datalen >>> 0 || zone.bufferSize < hdr.start >>> 0) {
      const m = `found overtop zone: ${zone.name}: off ${zone.desc.off}, size ${zone.bufferSize}`;
      this.pr('info', m);
      this.verdict(zone, 'overtop', m, hdr);
      return 0;
    }
    if (!hdr.datalen) {
      const m = `found erased zone: ${zone.name}: off ${zone.desc.off}, size ${zone.bufferSize}, datalen 0`;
      this.pr('debug', m);
      this.verdict(zone, 'erased', m, hdr);
      return 0;
    }
    const len = hdr.datalen;
    const start = hdr.start;
    const dataOff = zone.desc.off + PSZ_BUFFER.size;
    const oldbuf = new Uint8Array(PSZ_BUFFER.size + len);
    oldbuf.set(tmp);
    // The older part first: data[start, datalen), then data[0, start).
    // start > datalen makes the first length negative; rw_verify_area()
    // refuses a negative count with -EINVAL and the whole recovery fails.
    rcnt = len - start < 0 ? -EINVAL : this.info.read(oldbuf.subarray(PSZ_BUFFER.size, PSZ_BUFFER.size + len - start), dataOff + start);
    if (rcnt !== len - start) {
      this.pr('err', `read zone ${zone.name} failed`);
      this.verdict(zone, 'read-failed', `read zone ${zone.name} failed (${errnoName(rcnt)}; start ${start} > datalen ${len})`, hdr);
      return rcnt < 0 ? rcnt : -EIO;
    }
    rcnt = this.info.read(oldbuf.subarray(PSZ_BUFFER.size + len - start, PSZ_BUFFER.size + len), dataOff);
    if (rcnt !== start) {
      this.pr('err', `read zone ${zone.name} failed`);
      this.verdict(zone, 'read-failed', `read zone ${zone.name} failed (${errnoName(rcnt)})`, hdr);
      return rcnt < 0 ? rcnt : -EIO;
    }
    const m = `found nice zone: ${zone.name}: off ${zone.desc.off}, size ${zone.bufferSize}, datalen ${len}`;
    this.pr('debug', m);
    this.verdict(zone, 'ok', m, hdr);
    zone.oldbuf = oldbuf;
    this.flushDirtyZone(zone);
    return 0;
  }

  /**
   * psz_recovery(): runs once, on the first read. Any failure fails all of it
   * (no records at all) and it is tried again on the next read.
   */
  recovery(): number {
    if (this.recovered) return 0;
    let ret = 0;
    const steps: (() => number)[] = [
      () => (this.kpszs.length ? this.kmsgRecoverMeta() || this.kmsgRecoverData() : 0),
      () => this.recoverZone(this.ppsz),
      () => this.recoverZone(this.cpsz),
      () => {
        for (const z of this.fpszs) {
          const r = this.recoverZone(z);
          if (r) return r;
        }
        return 0;
      },
    ];
    for (const step of steps) {
      ret = step();
      if (ret) break;
    }
    if (ret) {
      this.pr('err', 'recover failed');
      for (const z of [this.ppsz, this.cpsz, ...this.fpszs, ...this.kpszs]) {
        if (z && !this.verdicts.has(z.desc)) this.verdict(z, 'not-read', 'not examined: recovery stopped earlier');
      }
    } else {
      this.pr('debug', 'recover end!');
      this.recovered = true;
    }
    return ret;
  }

  // ---------------------------------------------------------------- reading

  /** psz_pstore_open(): restart the iterator. */
  open(): void {
    this.kmsgReadCnt = 0;
    this.pmsgReadCnt = 0;
    this.consoleReadCnt = 0;
    this.ftraceReadCnt = 0;
  }

  private readNextZone(): PstoreZone | null {
    while (this.kmsgReadCnt < this.kpszs.length) {
      const zone = this.kpszs[this.kmsgReadCnt++]!;
      if (zone.ok()) return zone;
    }
    // ftrace zones are all visited; psz_ftrace_read() combines them.
    if (this.ftraceReadCnt < this.fpszs.length) return this.fpszs[this.ftraceReadCnt++]!;
    if (this.pmsgReadCnt === 0) {
      this.pmsgReadCnt++;
      if (this.ppsz?.oldOk()) return this.ppsz;
    }
    if (this.consoleReadCnt === 0) {
      this.consoleReadCnt++;
      if (this.cpsz?.oldOk()) return this.cpsz;
    }
    return null;
  }

  /** psz_kmsg_read(): uncompressed records get the "<Reason>: Total N times" line. */
  private kmsgRead(zone: PstoreZone, record: PstoreRecord): number {
    let size = zone.datalen;
    const kh = decodeKmsgHeader(zone.buffer);
    if (kh.magic !== PSTORE_KMSG_HEADER_MAGIC) {
      zone.datalen = 0;
      zone.dirty = false;
      return -ENOMSG;
    }
    record.compressed = kh.compressed;
    record.time = { sec: kh.tvSec, nsec: kh.tvNsec };
    record.reason = kh.reason;
    record.count = kh.counter;
    size -= PSZ_KMSG_HEADER.size;
    if (size < 0) {
      // The kernel does not guard this (it overruns or fails to allocate);
      // report the allocation failure that ends pstorefs' listing.
      this.pr('err', `dmesg zone ${record.id}: datalen ${size + PSZ_KMSG_HEADER.size} is shorter than the kmsg header`);
      return -ENOMEM;
    }
    const payloadLen = Math.min(size, zone.bufferSize - PSZ_KMSG_HEADER.size);
    const loaded = zone.load(KMSG_PAYLOAD_OFFSET + payloadLen);
    if (loaded) {
      // Only with deferKmsgData: the kernel would have failed this at recovery.
      this.pr('err', `read ${zone.name} with id ${record.id} failed`);
      return loaded;
    }
    // trim() below drops a partial zone's hold on these bytes: the record can keep them uncopied.
    const owned = zone.partial;
    const payload = zone.buffer.subarray(KMSG_PAYLOAD_OFFSET, KMSG_PAYLOAD_OFFSET + payloadLen);
    if (!record.compressed) {
      // "%d": the u32 counter prints signed.
      const line = `${kmsgDumpReasonStr(record.reason)}: Total ${record.count | 0} times\n`;
      const head = new TextEncoder().encode(line);
      const out = new Uint8Array(head.length + payload.length);
      out.set(head);
      out.set(payload, head.length);
      record.buf = out;
    } else {
      record.buf = owned ? payload : payload.slice();
    }
    // The record now owns its bytes; erase needs only the headers.
    zone.trim(KMSG_PAYLOAD_OFFSET);
    return record.buf.length;
  }

  private recordRead(zone: PstoreZone, record: PstoreRecord): number {
    if (!zone.oldbuf) return -ENOMSG;
    record.buf = zone.oldbuf.slice(PSZ_BUFFER.size, PSZ_BUFFER.size + decodePszBuffer(zone.oldbuf).datalen);
    return record.buf.length;
  }

  private ftraceRead(zone: PstoreZone, record: PstoreRecord): number {
    if (zone.oldOk() && this.configPstoreFtrace) {
      const old = zone.oldbuf!;
      record.buf = combineFtraceLog(record.buf, old.subarray(PSZ_BUFFER.size, PSZ_BUFFER.size + decodePszBuffer(old).datalen));
    }
    // Then read the next ftrace zone into the same record.
    if (this.ftraceReadCnt < this.fpszs.length) return -ENOMSG;
    record.id = 0;
    return record.buf.length ? record.buf.length : -ENOMSG;
  }

  /**
   * psz_pstore_read(): the next record, or a size <= 0 when there is none
   * (or recovery failed: then the negative errno).
   */
  read(record: PstoreRecord): number {
    const ret = this.recovery();
    if (ret) return ret;
    for (;;) {
      const zone = this.readNextZone();
      if (!zone) return 0;
      record.type = zone.desc.type;
      let r: number;
      switch (zone.desc.kind) {
        case 'kmsg':
          record.id = this.kmsgReadCnt - 1;
          r = this.kmsgRead(zone, record);
          break;
        case 'ftrace':
          r = this.ftraceRead(zone, record);
          break;
        default:
          r = this.recordRead(zone, record);
      }
      if (r === -ENOMSG) continue;
      return r;
    }
  }

  // ---------------------------------------------------------------- erasing

  /** psz_pstore_erase(): what unlinking a pstorefs file does. */
  erase(record: Pick<PstoreRecord, 'type' | 'id' | 'count'>): number {
    switch (record.type) {
      case PstoreType.DMESG: {
        if (record.id >= this.kpszs.length) return -EINVAL;
        const zone = this.kpszs[record.id]!;
        if (!zone.ok()) return 0;
        // The zone was rewritten since the record was read: nothing to erase.
        if (record.count !== decodeKmsgHeader(zone.buffer).counter) return 0;
        const size = zone.datalen + PSZ_BUFFER.size;
        zone.datalen = 0;
        if (this.info.erase) return this.info.erase(size, zone.desc.off);
        return this.zoneWrite(zone, FlushMode.META, null, 0, 0);
      }
      case PstoreType.PMSG:
        return this.recordErase(this.ppsz);
      case PstoreType.CONSOLE:
        return this.recordErase(this.cpsz);
      case PstoreType.FTRACE:
        if (record.id >= this.fpszs.length) return -EINVAL;
        return this.recordErase(this.fpszs[record.id]);
      default:
        return -EINVAL;
    }
  }

  /** psz_record_erase(). */
  private recordErase(zone: PstoreZone | undefined): number {
    if (!zone?.oldOk()) return 0;
    zone.oldbuf = null;
    // New data this boot already supersedes the old: no need to write 0.
    if (!zone.ok()) return this.zoneWrite(zone, FlushMode.META, null, 0, 0);
    this.flushDirtyZone(zone);
    return 0;
  }

  /** unregister_pstore_zone(): flush what is pending before letting go. */
  unregister(): void {
    this.flushAllDirtyZones();
    this.cleanerPending = false;
  }
}

