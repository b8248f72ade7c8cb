/**
 * The pstore core (fs/pstore/platform.c, pmsg.c, ftrace.c, inode.c) over one
 * pstore/zone backend: pstore_dump() with its "Panic#N Part1" header and
 * compression, the pmsg/console/ftrace front ends, and the records pstorefs
 * would show after a reboot, named as inode.c names them.
 */
import { type DeflateEncoder, compressInputSize, pstoreCompressWith } from './compress.js';
import type { CompressAlgorithm } from './compressors/algorithms.js';
import { type AlgorithmSource, decompressRecord } from './compressors/decompress-record.js';
import { encodeFtraceRecord, ftraceTs } from './codec.js';
import { ENOSPC, errnoName } from '../lib/errno.js';
import { RawInflater } from './inflater.js';
import { ScratchBuffer } from './scratch.js';
import { renderFtraceLog, type SymbolLookup } from './ftrace.js';
import type { ZoneDesc } from './layout.js';
import { KmsgDumpReason, PSTORE_TYPE_NAMES, PstoreType, kmsgDumpReasonStr } from './types.js';
import { ZoneContext, type PstoreRecord } from './zone.js';

/** CONFIG_PSTORE_DEFAULT_KMSG_BYTES: how much log one dump asks for in all. */
export const DEFAULT_KMSG_BYTES = 10240;

/** A wall-clock reading, as struct timespec64. */
export interface Timespec {
  sec: bigint;
  nsec: bigint;
}

/**
 * kmsg_dump_get_buffer(iter, syslog = true, buf, size, &len): the newest
 * whole log lines that fit in `size - 1` bytes, each with its `<prio>[time]`
 * prefix; the iterator then moves before them. null once nothing is left.
 */
export interface KmsgDumpIter {
  getBuffer(size: number): Uint8Array | null;
}

/** A dump iterator over already formatted lines (each ending in '\n'). */
export class LinesDumpIter implements KmsgDumpIter {
  private end: number;
  private readonly lines: Uint8Array[];

  constructor(lines: readonly string[]) {
    const enc = new TextEncoder();
    this.lines = lines.map((l) => enc.encode(l));
    this.end = this.lines.length;
  }

  getBuffer(size: number): Uint8Array | null {
    if (this.end <= 0 || size <= 0) return null;
    // find_first_fitting_seq(): drop the oldest lines until the rest fits in size - 1.
    let first = this.end;
    let len = 0;
    while (first > 0 && len + this.lines[first - 1]!.length <= size - 1) {
      first--;
      len += this.lines[first]!.length;
    }
    const out = new Uint8Array(len);
    let at = 0;
    for (let i = first; i < this.end; i++) {
      out.set(this.lines[i]!, at);
      at += this.lines[i]!.length;
    }
    this.end = first;
    return out;
  }
}

export interface DumpPart {
  part: number;
  /** Bytes handed to the backend (compressed size when compressed). */
  size: number;
  /** Bytes of log text (header line included) before compression. */
  textSize: number;
  compressed: boolean;
  /** Backend verdict: 0 stored (or held dirty), -ENOSPC refused. */
  ret: number;
  /** kmsg zone index that took it, when one did. */
  zone?: number;
}

export interface DumpResult {
  reason: number;
  oopscount: number;
  parts: DumpPart[];
}

export interface PstoreCoreOptions {
  /**
   * pstore.compress for writing: "deflate" (default), "none", or before 6.6
   * one of the crypto API's lz4, lz4hc (see compress.ts for what is writable).
   * 6.6+ knows only deflate and falls back to it for any other name.
   */
  compress?: CompressAlgorithm | 'none';
  /**
   * The algorithm compressed dmesg records were written with, for reading.
   * Unset: deflate, and when that fails identification by trial.
   */
  decompress?: CompressAlgorithm;
  /** pstore.kmsg_bytes. */
  kmsgBytes?: number;
  /** ktime_get_real(): the clock record times come from. */
  now?: () => Timespec;
  /** Deflate encoder: 'linux' (the kernel's bytes, default) or a raw deflate such as pakoDeflateRaw. */
  encoder?: DeflateEncoder;
}

export interface IterFilesOptions {
  /** Renders ftrace records' addresses as symbols. */
  symbols?: SymbolLookup;
  /**
   * The caller is done with each file's `data` before it asks for the next: `data` may then
   * be a view into buffers the next file reuses.
   */
  reuseBuffers?: boolean;
}

/** A file as pstorefs shows it after the backend's records are read. */
export interface PstoreFile {
  /** `dmesg-pstore_blk-0`, `pmsg-pstore_blk-0`, ... plus `.enc.z` if still compressed. */
  name: string;
  type: PstoreType;
  typeName: string;
  id: number;
  /** mtime: the record time, or the read time when the record has none. */
  time: Timespec;
  /** What reading the file gives (ftrace: rendered text). */
  data: Uint8Array;
  /** i_size: the record size (ftrace: the binary size, not the text). */
  size: number;
  /** Still compressed: decompression failed (the `.enc.z` case). */
  compressed: boolean;
  reason?: number;
  reasonName?: string;
  count?: number;
  /** Compressed size on disk, for dmesg records that were compressed. */
  storedSize?: number;
  /** The zone(s) the record came from. */
  zones: ZoneDesc[];
  /** Why the record is as it is (e.g. the inflate error of an `.enc.z`). */
  notes: string[];
  /** dmesg records stored compressed: the algorithm that decoded it (or, for an `.enc.z`, failed). */
  algorithm?: CompressAlgorithm;
  /** How `algorithm` was chosen: given by the caller, the default deflate, or by trial. */
  algorithmSource?: AlgorithmSource;
  /** An `.enc.z` read with no algorithm given: why each other algorithm did not decode it. */
  trials?: string[];
}

const encoder = new TextEncoder();
/** A new record's buf: empty (a zero-length array cannot be written to, so one serves all). */
const NO_BYTES = new Uint8Array(0);

function systemNow(): Timespec {
  const ms = BigInt(Date.now());
  return { sec: ms / 1000n, nsec: (ms % 1000n) * 1_000_000n };
}

export class PstoreCore {
  readonly zone: ZoneContext;
  readonly compress: CompressAlgorithm | 'none';
  readonly decompress: CompressAlgorithm | undefined;
  readonly kmsgBytes: number;
  readonly encoder: DeflateEncoder;
  /** The per-boot dump counter of platform.c ("Oops#<oopscount>"). */
  oopscount = 0;
  /** The global ftrace sequence number that stands in for time. */
  ftraceSequence = 0n;
  private readonly now: () => Timespec;
  /** 6.6+ big_oops_buf: kvzalloc()ed once, its bytes past each dump kept from the last ones. */
  private bigOopsBuf: Uint8Array | undefined;

  constructor(zone: ZoneContext, options: PstoreCoreOptions = {}) {
    this.zone = zone;
    this.compress = options.compress ?? 'deflate';
    this.decompress = options.decompress;
    this.kmsgBytes = options.kmsgBytes ?? DEFAULT_KMSG_BYTES;
    this.encoder = options.encoder ?? 'linux';
    this.now = options.now ?? systemNow;
  }

  get backendName(): string {
    return this.zone.info.name;
  }

  private newRecord(type: PstoreType, time: Timespec = this.now()): PstoreRecord {
    return { type, id: 0, time, count: 0, reason: 0, part: 0, compressed: false, buf: NO_BYTES };
  }

  /**
   * pstore_dump(): called by kmsg_dump() for every reason up to max_reason
   * (the caller filters). Writes Part1, Part2, ... until kmsg_bytes of
   * output; pstore/zone keeps only Part1 and refuses the rest.
   */
  dump(reason: number, iter: KmsgDumpIter): DumpResult {
    const bufsize = this.zone.bufsize;
    const era = this.zone.profile.compression;
    const compressing = this.compress !== 'none';
    // 6.6+ (zlib) has deflate only and falls back to it for any other name.
    const algorithm: CompressAlgorithm = this.compress === 'none' || era === 'zlib' ? 'deflate' : this.compress;
    const why = kmsgDumpReasonStr(reason);
    this.oopscount++;
    const result: DumpResult = { reason, oopscount: this.oopscount, parts: [] };
    let total = 0;
    let part = 1;
    while (total < this.kmsgBytes) {
      const record = this.newRecord(PstoreType.DMESG);
      record.count = this.oopscount;
      record.reason = reason;
      record.part = part;
      const dstSize = compressing ? compressInputSize(bufsize, era, algorithm) : bufsize;
      const header = encoder.encode(`${why}#${this.oopscount} Part${part}\n`);
      const text = iter.getBuffer(dstSize - header.length);
      if (!text) break;
      const chunk = new Uint8Array(header.length + text.length);
      chunk.set(header);
      chunk.set(text, header.length);
      let payload: Uint8Array = chunk;
      if (compressing) {
        const zipped = pstoreCompressWith(algorithm, chunk, bufsize, era, this.encoder);
        if (zipped && zipped.length > 0) {
          record.compressed = true;
          payload = zipped;
        } else if (era === 'zlib') {
          // 6.6+: record.size = bufsize, a copy of big_oops_buf's first bufsize bytes (header and
          // the older lines, then whatever the buffer holds past this dump).
          payload = this.bigOopsPrefix(chunk, dstSize, bufsize);
        } else {
          // <= 6.5 copy_kmsg_to_buffer(): the header and the newest bytes.
          payload = chunk.length > bufsize ? concat(header, chunk.subarray(chunk.length - (bufsize - header.length))) : chunk;
        }
      }
      record.buf = payload;
      const zoneBefore = this.zone.kmsgWriteCnt;
      const ret = this.zone.write(record);
      const p: DumpPart = { part, size: payload.length, textSize: chunk.length, compressed: record.compressed, ret };
      if (ret !== -ENOSPC && part === 1 && this.zone.kmsgMaxCnt) p.zone = this.zone.lastKmsgZone ?? zoneBefore;
      result.parts.push(p);
      // The zone layer counts what it was handed, as platform.c does.
      total += payload.length;
      part++;
    }
    return result;
  }

  /**
   * 6.6+ pstore_dump() when compression fails: the dump was built in big_oops_buf (header, the
   * lines, and the NUL kmsg_dump_get_buffer() ends them with) and its first bufsize bytes are
   * stored, however short the dump: past it are zeros on the first dump of a boot, else what
   * longer earlier dumps left there.
   */
  private bigOopsPrefix(chunk: Uint8Array, dstSize: number, bufsize: number): Uint8Array {
    const big = (this.bigOopsBuf ??= new Uint8Array(Math.max(dstSize, bufsize)));
    big.set(chunk.subarray(0, big.length));
    if (chunk.length < big.length) big[chunk.length] = 0;
    return big.slice(0, bufsize);
  }

  /** write_pmsg(): one write(2) to /dev/pmsg0 is one record. */
  writePmsg(data: Uint8Array): number {
    const record = this.newRecord(PstoreType.PMSG);
    record.buf = data;
    return this.zone.write(record);
  }

  /** pstore_console_write(): one console write is one record. */
  writeConsole(data: Uint8Array): number {
    if (!data.length) return 0;
    const record = this.newRecord(PstoreType.CONSOLE);
    record.buf = data;
    return this.zone.write(record);
  }

  /** pstore_ftrace_call(): one traced call on `cpu`. */
  writeFtrace(ip: bigint, parentIp: bigint, cpu: number): number {
    const record = this.newRecord(PstoreType.FTRACE);
    record.buf = encodeFtraceRecord({ ip, parentIp, ts: ftraceTs(this.ftraceSequence++, cpu) }, undefined, 0, this.zone.abi);
    record.cpu = cpu;
    return this.zone.write(record);
  }

  /**
   * pstore_get_backend_records() + pstore_mkfile(): every record the backend
   * returns, decompressed where possible. Throws RecoveryFailedError when the
   * zone layer's recovery fails, because then the kernel shows nothing.
   */
  readFiles(options: { symbols?: SymbolLookup } = {}): PstoreFile[] {
    return [...this.iterFiles(options)];
  }

  /**
   * The same files one at a time: a caller that writes each out before
   * asking for the next holds one record in memory, not the whole region.
   * With `reuseBuffers`, a file's `data` may be a view into buffers the next
   * file reuses (valid until the generator is resumed): a large recovery then
   * allocates almost nothing per record.
   */
  *iterFiles(options: IterFilesOptions = {}): Generator<PstoreFile> {
    this.zone.open();
    const seen = new Set<string>();
    // The record read and the inflate output, each one buffer for all records.
    const scratch = new ScratchBuffer();
    const inflater = new RawInflater();
    try {
      for (;;) {
        // No time yet: a record that brings none is dated by the clock below, when it is listed.
        const record = this.newRecord(PstoreType.DMESG, { sec: 0n, nsec: 0n });
        const size = this.zone.read(record, scratch);
        if (size < 0 && !this.zone.recovered) throw new RecoveryFailedError(size, this.zone.log.filter((l) => l.level === 'err').map((l) => l.text));
        if (size <= 0) break;
        const notes: string[] = [];
        let storedSize: number | undefined;
        let decoded: Pick<PstoreFile, 'algorithm' | 'algorithmSource' | 'trials'> = {};
        if (record.compressed) {
          storedSize = record.buf.length;
          const res = decompressRecord(record.buf, this.zone.bufsize, this.zone.profile.compression, this.decompress, inflater);
          if (res.ok) {
            record.buf = res.data;
            record.borrowed = inflater.holds(res.data);
            record.compressed = false;
            decoded = { algorithm: res.algorithm, algorithmSource: res.source };
          } else {
            notes.push(res.algorithm === 'deflate' ? `zlib_inflate() failed: ${res.error}` : `crypto_comp_decompress() failed: ${res.error}`);
            decoded = { algorithm: res.algorithm, algorithmSource: this.decompress ? 'given' : 'default' };
            if (res.trials.length) decoded.trials = res.trials;
          }
        }
        // Unless the caller writes each file out before the next, every file owns its bytes.
        if (!options.reuseBuffers && record.borrowed) record.buf = record.buf.slice();
        const typeName = PSTORE_TYPE_NAMES[record.type];
        const name = `${typeName}-${this.backendName}-${record.id}${record.compressed ? '.enc.z' : ''}`;
        // pstore_mkfile() refuses a second file with the same type and id.
        const key = `${record.type}/${record.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const file: PstoreFile = {
          name,
          type: record.type,
          typeName,
          id: record.id,
          time: record.time.sec !== 0n ? record.time : this.now(),
          data: record.type === PstoreType.FTRACE ? encoder.encode(renderFtraceLog(record.buf, options.symbols, this.zone.abi)) : record.buf,
          size: record.buf.length,
          compressed: record.compressed,
          zones: this.zonesOf(record),
          notes,
        };
        if (record.type === PstoreType.DMESG) {
          file.reason = record.reason;
          file.reasonName = kmsgDumpReasonStr(record.reason);
          file.count = record.count;
          if (storedSize !== undefined) file.storedSize = storedSize;
          Object.assign(file, decoded);
        }
        yield file;
      }
    } finally {
      inflater.close();
    }
  }

  private zonesOf(record: PstoreRecord): ZoneDesc[] {
    const l = this.zone.layout;
    switch (record.type) {
      case PstoreType.DMESG:
        return l.kmsg[record.id] ? [l.kmsg[record.id]!] : [];
      case PstoreType.PMSG:
        return l.pmsg ? [l.pmsg] : [];
      case PstoreType.CONSOLE:
        return l.console ? [l.console] : [];
      case PstoreType.FTRACE:
        return l.ftrace;
      default:
        return [];
    }
  }

  /** pstore_unlink(): erase the record behind a pstorefs file name. */
  eraseFile(file: Pick<PstoreFile, 'type' | 'id' | 'count'>): number {
    const r = this.zone.recovery();
    if (r) return r;
    return this.zone.erase({ type: file.type, id: file.id, count: file.count ?? 0 });
  }
}

/** Recovery failed: the kernel shows no records at all for this image. */
export class RecoveryFailedError extends Error {
  constructor(
    readonly errno: number,
    readonly kernelLines: string[],
  ) {
    super(`pstore/zone recovery failed (${errnoName(errno)}): ${kernelLines.join('; ') || 'recover failed'}`);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export { KmsgDumpReason };
