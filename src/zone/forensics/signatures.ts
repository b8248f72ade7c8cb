/**
 * The signature scan behind layout detection: every zone signature
 * (`0x43474244 ^ type`) in a region, with what its header says. Nothing here
 * loads a whole region: the scan reads fixed-size chunks and skips all-zero
 * ones. What the signatures imply is inferred in detect.ts.
 */
import {
  KMSG_PAYLOAD_OFFSET,
  PSTORE_KMSG_HEADER_MAGIC,
  PSZ_BUFFER,
  PSTORE_FTRACE_RECORD,
  decodeFtraceRecord,
  decodeKmsgHeader,
  decodePszBuffer,
  ftraceCpu,
  zoneSignature,
} from '../codec.js';
import { SZ_128M } from '../kernel-profile.js';
import { ChunkScanner, KIND_TYPE } from './chunk-scan.js';
import { MiB, SECTOR_SIZE } from '../../lib/units.js';
import type { ZoneKind } from '../types.js';

export type ReadAt = (buf: Uint8Array, pos: number) => number;

/** Bytes read per step of a scan (and the most a scan holds at once). */
export const SCAN_CHUNK = MiB;
/** A scan stops collecting signatures beyond this many (bounded memory). */
export const MAX_HITS = 100_000;
/** pmsg/console/kmsg zones start on sector boundaries (kmsg_size is a SECTOR_SIZE multiple). */
const SIG_ALIGN = SECTOR_SIZE;


/** A zone signature found on disk, with what its header says. */
export interface SignatureHit {
  kind: ZoneKind;
  /** Byte offset (from the start of what was scanned). */
  off: number;
  datalen: number;
  start: number;
  /** Ring zones: datalen != start, so the ring wrapped and datalen is the buffer size. */
  wrapped: boolean;
  /** kmsg: the kmsg header magic is intact. */
  magicOk?: boolean;
  /** kmsg: the record time (seconds) and reason. */
  tvSec?: number;
  /** ftrace: the CPU its records carry. */
  cpu?: number;
}

/** Which chunks of a scan were all zero: chunk i is [i * chunk, min((i + 1) * chunk, size)). */
export interface ZeroChunks {
  chunk: number;
  size: number;
  /** 1 for a chunk known to be all zero (read, or a hole). */
  zero: Uint8Array;
}

/**
 * `read`, except that a range inside a chunk the scan found all zero is answered with zeros
 * without reading it again (the layout checks read a zone header at every zone start, most of
 * them never written).
 */
export function readKnowingZeros(read: ReadAt, z: ZeroChunks): ReadAt {
  return (buf, pos) => {
    const i = Math.floor(pos / z.chunk);
    if (pos < 0 || !z.zero[i] || pos + buf.length > Math.min((i + 1) * z.chunk, z.size)) return read(buf, pos);
    buf.fill(0);
    return buf.length;
  };
}

export interface ScanStats {
  bytes: number;
  /** Chunks skipped because they were all zero (holes of a sparse file read as zeros). */
  zeroChunks: number;
  chunks: number;
  truncated: boolean;
}

function readExact(read: ReadAt, len: number, pos: number): Uint8Array | null {
  const buf = new Uint8Array(len);
  return read(buf, pos) === len ? buf : null;
}

/** Header of a signature at `off`, or null when it cannot be a zone header. */
export function readHit(read: ReadAt, kind: ZoneKind, off: number, limit: number): SignatureHit | null {
  const head = readExact(read, PSZ_BUFFER.size + 40, off) ?? readExact(read, PSZ_BUFFER.size, off);
  if (!head) return null;
  const b = decodePszBuffer(head);
  if (b.sig !== zoneSignature(KIND_TYPE[kind])) return null;
  // Plausibility: a header larger than the whole region is noise.
  if (b.datalen < 0 || b.start < 0 || b.datalen > limit || b.start > limit) return null;
  const hit: SignatureHit = { kind, off, datalen: b.datalen, start: b.start, wrapped: kind !== 'kmsg' && b.datalen !== b.start };
  if (kind === 'kmsg' && head.length >= KMSG_PAYLOAD_OFFSET) {
    const kh = decodeKmsgHeader(head);
    hit.magicOk = kh.magic === PSTORE_KMSG_HEADER_MAGIC;
    hit.tvSec = Number(kh.tvSec);
  }
  // kmsg zones follow the ftrace zones directly, so they can start anywhere; off a
  // 512-byte boundary only an intact kmsg header (8 more bytes of magic) counts.
  if (kind === 'kmsg' && off % SIG_ALIGN !== 0 && !hit.magicOk) return null;
  if (kind === 'ftrace' && b.datalen >= PSTORE_FTRACE_RECORD.size) {
    // Records sit at data offsets congruent to `start` (mod 24) on the current lap.
    let at = hit.wrapped ? b.start % PSTORE_FTRACE_RECORD.size : 0;
    if (hit.wrapped && at + PSTORE_FTRACE_RECORD.size > b.start) at = -1;
    if (at >= 0) {
      const rec = readExact(read, PSTORE_FTRACE_RECORD.size, off + PSZ_BUFFER.size + at);
      if (rec) hit.cpu = ftraceCpu(decodeFtraceRecord(rec));
    }
  }
  return hit;
}

/**
 * Every zone signature in [0, size): pmsg/console/kmsg on 512-byte
 * boundaries, ftrace anywhere. Reads SCAN_CHUNK bytes at a time (plus 3 of
 * overlap) and skips all-zero chunks without searching them. With `extents`
 * (the file's data extents, from SEEK_DATA/SEEK_HOLE), chunks that hold no
 * data are counted as zero without being read: reading a hole still costs
 * the kernel a zeroed page-cache page per 4 KiB.
 */
export function scanSignatures(
  read: ReadAt,
  size: number,
  opts: { chunk?: number; maxHits?: number; extents?: readonly (readonly [number, number])[]; simd?: boolean } = {},
): { hits: SignatureHit[]; stats: ScanStats; zeros: ZeroChunks } {
  const chunk = opts.chunk ?? SCAN_CHUNK;
  const maxHits = opts.maxHits ?? MAX_HITS;
  const scanner = new ChunkScanner(chunk + 3, { simd: opts.simd ?? true });
  const buf = scanner.buf;
  const stats: ScanStats = { bytes: size, zeroChunks: 0, chunks: 0, truncated: false };
  const zeros: ZeroChunks = { chunk, size, zero: new Uint8Array(Math.ceil(size / chunk)) };
  const hits: SignatureHit[] = [];
  const limit = Math.min(size, SZ_128M);
  const extents = opts.extents;
  let next = 0; // first extent that may still overlap a chunk
  for (let pos = 0; pos < size; pos += chunk) {
    if (extents) {
      // Holes read as zeros: count the chunks before the next data extent as zero, unread.
      while (next < extents.length && extents[next]![1] <= pos) next++;
      const data = next < extents.length ? extents[next]![0] : size;
      // A chunk is skipped only when its read, overlap included, ends before the data (or the file).
      const skip = data >= size ? Math.ceil((size - pos) / chunk) : Math.floor((data - pos - 3) / chunk);
      if (skip > 0) {
        zeros.zero.fill(1, pos / chunk, pos / chunk + skip);
        stats.chunks += skip;
        stats.zeroChunks += skip;
        pos += (skip - 1) * chunk;
        continue;
      }
    }
    const want = Math.min(chunk + 3, size - pos);
    const view = buf.subarray(0, want);
    const got = read(view, pos);
    if (got <= 0) break;
    stats.chunks++;
    // A header inside the chunk is taken from it, not read again.
    const chunkPos = pos;
    const fromChunk: ReadAt = (b, p) => {
      const at = p - chunkPos;
      if (at < 0 || at + b.length > got) return read(b, p);
      b.set(buf.subarray(at, at + b.length));
      return b.length;
    };
    // Past MAX_HITS the chunks are still counted and tested for zeros (the report's scan
    // statistics), and the search stops at their first candidate.
    const zero = scanner.scan(got, chunk, (kind, i) => {
      if (stats.truncated) return false;
      const off = pos + i;
      if (kind !== 'ftrace' && kind !== 'kmsg' && off % SIG_ALIGN !== 0) return true;
      const h = readHit(fromChunk, kind, off, limit);
      if (!h) return true;
      if (hits.length >= maxHits) {
        stats.truncated = true;
        return false;
      }
      hits.push(h);
      return true;
    });
    if (zero) {
      zeros.zero[pos / chunk] = 1;
      stats.zeroChunks++;
    }
  }
  hits.sort((a, b) => a.off - b.off);
  return { hits, stats, zeros };
}
