/**
 * Layout auto-detection: infer pstore/blk's kmsg_size, pmsg_size,
 * console_size, ftrace_size and the CPU count from the zone signatures
 * (`0x43474244 ^ type`) and headers found in a region.
 *
 * What the kernel leaves to go by (fs/pstore/zone.c):
 * - zones are contiguous from offset 0: pmsg, console, ftrace × nr_cpu_ids,
 *   then kmsg zones; every front-end size is a multiple of 4096 after
 *   pstore/blk's verify_size(), so pmsg/console zones start on 4096
 *   boundaries; ftrace zones are `ftrace_size / nr_cpu_ids` bytes each and
 *   can start anywhere, and the kmsg zones follow the last ftrace zone
 *   directly (not at ftrace_size: the division's remainder is skipped), so
 *   they too can start anywhere when ftrace_size is not a multiple of the
 *   CPU count;
 * - a zone never written has no signature at all, so unwritten zones are
 *   only bounded by the positions of their written neighbours;
 * - a wrapped ring zone (pmsg, console, ftrace) has `datalen == buffer_size`
 *   (exact size); an ftrace record carries its CPU in the low 8 bits of `ts`
 *   and CPU c's records live in ftrace zone c;
 * - kmsg zones are filled round-robin from zone 0, and each dump rewrites the
 *   whole zone zero-filled after the payload.
 *
 * Every inferred parameter says how it was found and how sure that is:
 * `exact` (fixed by signatures alone), `likely` (one assumption, named), or
 * `ambiguous` (several layouts fit; the reason is given). Nothing here loads a
 * whole region: the scan reads fixed-size chunks and skips all-zero ones.
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
import { SZ_128M, DEFAULT_KERNEL, type KernelProfile } from '../kernel-profile.js';
import { computeLayout, zonesInDiskOrder, ZoneLayoutError, type ZoneLayout } from '../layout.js';
import { PstoreType, type ZoneKind } from '../types.js';

export type Confidence = 'exact' | 'likely' | 'ambiguous';
export type ReadAt = (buf: Uint8Array, pos: number) => number;

/** Bytes read per step of a scan (and the most a scan holds at once). */
export const SCAN_CHUNK = 1024 * 1024;
/** A scan stops collecting signatures beyond this many (bounded memory). */
export const MAX_HITS = 100_000;
const ALIGN = 4096;
const SIG_ALIGN = 512;

const KIND_TYPE: Record<ZoneKind, PstoreType> = {
  kmsg: PstoreType.DMESG,
  pmsg: PstoreType.PMSG,
  console: PstoreType.CONSOLE,
  ftrace: PstoreType.FTRACE,
};
const KINDS: ZoneKind[] = ['pmsg', 'console', 'ftrace', 'kmsg'];

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

export interface ScanStats {
  bytes: number;
  /** Chunks skipped because they were all zero (holes of a sparse file read as zeros). */
  zeroChunks: number;
  chunks: number;
  truncated: boolean;
}

function sigBytes(kind: ZoneKind): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(zoneSignature(KIND_TYPE[kind]));
  return b;
}
const SIGS = KINDS.map((k) => [k, sigBytes(k)] as const);

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

function isZero(buf: Uint8Array, zero: Uint8Array): boolean {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).equals(zero.length === buf.length ? zero : zero.subarray(0, buf.length));
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
  opts: { chunk?: number; maxHits?: number; extents?: readonly (readonly [number, number])[] } = {},
): { hits: SignatureHit[]; stats: ScanStats } {
  const chunk = opts.chunk ?? SCAN_CHUNK;
  const maxHits = opts.maxHits ?? MAX_HITS;
  const zero = new Uint8Array(chunk + 3);
  const buf = Buffer.alloc(chunk + 3);
  const stats: ScanStats = { bytes: size, zeroChunks: 0, chunks: 0, truncated: false };
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
    const data = view.subarray(0, got);
    if (isZero(data, zero)) {
      stats.zeroChunks++;
      continue;
    }
    for (const [kind, sig] of SIGS) {
      let i = data.indexOf(sig);
      while (i >= 0 && i < chunk) {
        const off = pos + i;
        if (kind === 'ftrace' || kind === 'kmsg' || off % SIG_ALIGN === 0) {
          const h = readHit(read, kind, off, limit);
          if (h) {
            if (hits.length >= maxHits) {
              stats.truncated = true;
              break;
            }
            hits.push(h);
          }
        }
        i = data.indexOf(sig, i + 1);
      }
    }
  }
  hits.sort((a, b) => a.off - b.off);
  return { hits, stats };
}

export interface ParamFinding {
  param: 'pmsg_size' | 'console_size' | 'ftrace_size' | 'cpus' | 'kmsg_size';
  /** Bytes for sizes (0 = off), a count for cpus; null when unknown or irrelevant. */
  value: number | null;
  confidence: Confidence;
  how: string;
}

export interface DetectedLayout {
  found: boolean;
  /** Region size the inference worked on (after the 128 MiB cap). */
  totalSize: number;
  /** KiB, as the module parameters take them; 0 means the front end is off. */
  params: { kmsgSize: number; pmsgSize: number; consoleSize: number; ftraceSize: number };
  /** nr_cpu_ids; null when there is no ftrace area (it does not matter then). */
  nrCpus: number | null;
  confidence: Confidence;
  findings: ParamFinding[];
  /** Problems: signatures the layout does not explain, refusals. */
  problems: string[];
  /** Counts of signatures by kind. */
  signatures: Record<ZoneKind, number>;
  /** One sentence. */
  summary: string;
}

const RANK: Record<Confidence, number> = { exact: 0, likely: 1, ambiguous: 2 };
function worst(a: Confidence, b: Confidence): Confidence {
  return RANK[a] >= RANK[b] ? a : b;
}
const up = (n: number, to = ALIGN): number => Math.ceil(n / to) * to;
function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function firstNonZero(read: ReadAt, from: number, to: number): number {
  const step = 65536;
  const buf = new Uint8Array(step);
  for (let pos = from; pos < to; pos += step) {
    const n = read(buf.subarray(0, Math.min(step, to - pos)), pos);
    if (n <= 0) return pos;
    for (let i = 0; i < n; i++) if (buf[i] !== 0) return pos + i;
  }
  return to;
}

function notFound(totalSize: number, signatures: Record<ZoneKind, number>, summary: string): DetectedLayout {
  return {
    found: false,
    totalSize,
    params: { kmsgSize: 0, pmsgSize: 0, consoleSize: 0, ftraceSize: 0 },
    nrCpus: null,
    confidence: 'ambiguous',
    findings: [],
    problems: [],
    signatures,
    summary,
  };
}

/**
 * Infers the layout of the region [0, size) from its signature hits (offsets
 * relative to the region). `read` is used for a few more bytes (zero fills).
 */
export function inferLayout(allHits: readonly SignatureHit[], size: number, read: ReadAt, profile: KernelProfile = DEFAULT_KERNEL): DetectedLayout {
  const T = profile.capTotalSize ? Math.min(size, SZ_128M) : size;
  const hits = allHits.filter((h) => h.off >= 0 && h.off < T);
  const signatures: Record<ZoneKind, number> = { pmsg: 0, console: 0, ftrace: 0, kmsg: 0 };
  for (const h of hits) signatures[h.kind]++;
  const ph = hits.find((h) => h.kind === 'pmsg' && h.off === 0);
  const ch = hits.find((h) => h.kind === 'console' && h.off % ALIGN === 0);
  const kh = hits.filter((h) => h.kind === 'kmsg' && (h.off % ALIGN === 0 || h.magicOk));
  const fh = hits.filter((h) => h.kind === 'ftrace' && (!ch || h.off > ch.off) && (!kh.length || h.off < kh[0]!.off));
  if (!ph && !ch && !kh.length && fh.filter((h) => h.cpu !== undefined).length < 2) {
    return notFound(T, signatures, hits.length ? 'signatures found, but none where a pstore/zone layout could start' : 'no pstore/zone signature found');
  }
  const findings: ParamFinding[] = [];
  const problems: string[] = [];
  const find = (param: ParamFinding['param'], value: number | null, confidence: Confidence, how: string): void => {
    findings.push({ param, value, confidence, how });
  };

  // ---- ftrace geometry from the CPU numbers in the records
  let A: number | undefined;
  let s: number | undefined;
  let sHow = '';
  const withCpu = fh.filter((h) => h.cpu !== undefined);
  if (withCpu.length >= 2) {
    const a = withCpu[0]!;
    const b = withCpu.find((h) => h.cpu !== a.cpu);
    if (b) {
      const span = (b.off - a.off) / (b.cpu! - a.cpu!);
      if (Number.isInteger(span) && span > PSZ_BUFFER.size) {
        s = span;
        A = a.off - a.cpu! * span;
        sHow = `CPU ${a.cpu} and CPU ${b.cpu} ftrace zones at 0x${a.off.toString(16)} and 0x${b.off.toString(16)}`;
        for (const h of withCpu) if (h.off !== A + h.cpu! * s) problems.push(`ftrace signature at 0x${h.off.toString(16)} (CPU ${h.cpu}) is not where zone ${h.cpu} would start`);
      }
    }
  }
  let pendingCpu: SignatureHit | undefined;
  if (s === undefined && fh.length) {
    const h = withCpu[0] ?? fh[0]!;
    const c = h.cpu ?? 0;
    if (h.wrapped) {
      s = h.datalen + PSZ_BUFFER.size;
      A = h.off - c * s;
      sHow = `ftrace ring of CPU ${c} wrapped, so its datalen is the buffer size`;
    } else if (c === 0) {
      A = h.off;
    } else pendingCpu = h;
  }

  // ---- kmsg spacing
  let K: number | undefined;
  let kHow = '';
  let kConf: Confidence = 'exact';
  if (kh.length >= 2) {
    let g = 0;
    for (const h of kh) g = gcd(g, h.off - kh[0]!.off);
    K = g;
    kHow = `spacing of ${kh.length} dmesg zones with a signature`;
    const need = Math.max(...kh.map((h) => h.datalen)) + PSZ_BUFFER.size;
    if (K < need) {
      problems.push(`dmesg zones ${K} bytes apart cannot hold a datalen of ${need - PSZ_BUFFER.size}`);
      kConf = 'ambiguous';
    } else if (K % ALIGN !== 0) {
      kConf = 'ambiguous';
      problems.push(`dmesg zone spacing ${K} is not a multiple of 4096`);
    }
  }

  // ---- pmsg and console
  let P: number;
  let pConf: Confidence = 'exact';
  let pHow: string;
  const firstOf = (...xs: (number | undefined)[]): number | undefined => {
    const v = xs.filter((x): x is number => x !== undefined && x > 0);
    return v.length ? Math.min(...v) : undefined;
  };
  if (ph) {
    if (ph.wrapped) {
      P = ph.datalen + PSZ_BUFFER.size;
      pHow = 'pmsg ring wrapped: its datalen is the buffer size';
    } else if (ch) {
      P = ch.off;
      pHow = `the console zone starts at 0x${ch.off.toString(16)}`;
    } else if (A !== undefined && A > 0) {
      P = A;
      pConf = 'likely';
      pHow = `the ftrace area starts at 0x${A.toString(16)} (assuming no never-written console zone in between)`;
    } else if (fh.length && fh[0]!.off > 0) {
      P = Math.floor(fh[0]!.off / ALIGN) * ALIGN;
      pConf = 'ambiguous';
      pHow = 'bounded by the first ftrace signature';
    } else if (kh.length) {
      P = kh[0]!.off;
      pConf = 'likely';
      pHow = `the first dmesg zone starts at 0x${P.toString(16)} (assuming no never-written console or ftrace zones in between)`;
    } else {
      P = Math.max(up(ph.datalen + PSZ_BUFFER.size), Math.floor(T / ALIGN) * ALIGN);
      pConf = 'ambiguous';
      pHow = 'only a pmsg zone has a signature; taken to fill the region';
    }
  } else if (ch) {
    P = ch.off;
    pHow = ch.off === 0 ? 'no pmsg zone: the console zone starts at offset 0' : `pmsg zone never written; its size is the console zone's offset 0x${ch.off.toString(16)}`;
  } else {
    const first = firstOf(A, fh[0]?.off, kh[0]?.off) ?? 0;
    const anchor = A !== undefined ? A : (kh[0]?.off ?? 0);
    if (anchor === 0 || (A === undefined && !fh.length && kh[0]?.off === 0)) {
      P = 0;
      pHow = 'no pmsg signature and the first zone starts at offset 0';
    } else {
      P = A !== undefined ? A : Math.floor(first / ALIGN) * ALIGN;
      pConf = 'ambiguous';
      pHow = `${P} bytes before the first signature hold none: a never-written pmsg or console zone (taken as pmsg), or wrong --offset`;
    }
  }
  let C = 0;
  let cConf: Confidence = 'exact';
  let cHow = 'no console signature';
  if (ch) {
    if (ch.wrapped) {
      C = ch.datalen + PSZ_BUFFER.size;
      cHow = 'console ring wrapped: its datalen is the buffer size';
    } else if (A !== undefined) {
      C = A - P;
      cHow = `the ftrace area starts at 0x${A.toString(16)}`;
    } else if (fh.length) {
      C = Math.floor(fh[0]!.off / ALIGN) * ALIGN - P;
      cConf = 'ambiguous';
      cHow = 'bounded by the first ftrace signature';
    } else if (kh.length) {
      C = kh[0]!.off - P;
      cConf = 'likely';
      cHow = `the first dmesg zone starts at 0x${kh[0]!.off.toString(16)} (assuming no never-written ftrace area in between)`;
    } else {
      C = Math.floor(T / ALIGN) * ALIGN - P;
      cConf = 'ambiguous';
      cHow = 'nothing after the console zone has a signature; taken to fill the region';
    }
  } else if (ph && ph.wrapped) {
    const next = firstOf(A, kh[0]?.off);
    if (next !== undefined && next > P && (A !== undefined || !kh.length || K === undefined || (next - P) % K !== 0)) {
      C = next - P;
      cConf = 'ambiguous';
      cHow = `${C} bytes between the pmsg zone and the next signature: taken as a never-written console zone`;
    }
  }
  const E = P + C;

  // ---- ftrace area and CPUs
  let F = 0;
  let fConf: Confidence = 'exact';
  let fHow = 'no ftrace signature';
  let n: number | null = null;
  let nConf: Confidence = 'exact';
  let nHow = 'no ftrace area';
  if (fh.length) {
    if (A === undefined) A = E;
    if (A !== E) {
      problems.push(`the ftrace area would start at 0x${A.toString(16)} but pmsg and console end at 0x${E.toString(16)}`);
      fConf = 'ambiguous';
    }
    if (s === undefined && pendingCpu) {
      const span = (pendingCpu.off - A) / pendingCpu.cpu!;
      if (Number.isInteger(span) && span > PSZ_BUFFER.size) {
        s = span;
        sHow = `CPU ${pendingCpu.cpu}'s zone at 0x${pendingCpu.off.toString(16)}, the area at 0x${A.toString(16)}`;
      }
    }
    const maxCpu = Math.max(0, ...withCpu.map((h) => h.cpu!));
    const need = Math.max(...fh.map((h) => h.datalen)) + PSZ_BUFFER.size;
    const B0 = kh[0]?.off;
    if (B0 !== undefined && B0 > A) {
      // The dmesg zones follow the last ftrace zone: B0 - A = CPUs × zone size.
      const span = B0 - A;
      if (s !== undefined) {
        n = Math.round(span / s);
        if (span % s !== 0 || n < 1) {
          problems.push(`${span} bytes from the ftrace area to the first dmesg zone are not a whole number of ${s}-byte ftrace zones`);
          nConf = 'ambiguous';
        } else nConf = n === maxCpu + 1 ? 'exact' : 'likely';
        nHow = `${span} bytes of ftrace zones before the first dmesg zone, ${s} bytes each (${sHow})${n > maxCpu + 1 ? `; CPUs ${maxCpu + 1}..${n - 1} never traced` : ''}`;
      } else {
        const fits: number[] = [];
        for (let m = maxCpu + 1; m <= Math.min(8192, span); m++) {
          if (span % m === 0 && span / m >= need && Math.floor(up(span) / m) === span / m) fits.push(m);
        }
        n = fits[0] ?? maxCpu + 1;
        s = Math.floor(span / n);
        nConf = fits.length === 1 ? 'likely' : 'ambiguous';
        nHow =
          fits.length === 1
            ? `only ${n} CPU${n === 1 ? '' : 's'} fit${n === 1 ? 's' : ''} ${span} bytes of ftrace zones holding ${need - PSZ_BUFFER.size} bytes`
            : `only CPU ${maxCpu}'s ftrace ring has records and it did not wrap: ${fits.length} CPU counts fit (taken as ${n})`;
      }
      F = up(span);
      fHow = `${n} ftrace zones of ${s} bytes end at the first dmesg zone 0x${B0.toString(16)}; ftrace_size is the 4096 multiple that divides into them`;
      if (Math.floor(F / n) !== s) {
        fConf = 'ambiguous';
        problems.push(`no ftrace_size (a multiple of 4096) gives ${n} zones of ${s} bytes`);
      }
    } else if (s !== undefined) {
      n = maxCpu + 1;
      F = up(n * s);
      fConf = 'ambiguous';
      nConf = 'ambiguous';
      fHow = 'no dmesg zone after it: sized from the CPU zones seen';
      nHow = `CPUs seen in the ftrace records (${sHow})`;
    } else {
      n = maxCpu + 1;
      F = up(need);
      fConf = 'ambiguous';
      nConf = 'ambiguous';
      fHow = 'one ftrace zone seen, nothing after it';
      nHow = 'one ftrace zone seen';
    }
  }

  // ---- kmsg zones: right after the last ftrace zone (ftrace_size's remainder is skipped)
  const B = fh.length && n !== null && s !== undefined && A !== undefined ? A + n * s : E + F;
  if (kh.length) {
    const k0 = kh[0]!;
    if (K === undefined) {
      const need = up(Math.max(k0.datalen, 40) + PSZ_BUFFER.size);
      const payloadEnd = k0.off + KMSG_PAYLOAD_OFFSET + Math.max(0, k0.datalen - 40);
      const zEnd = firstNonZero(read, Math.min(payloadEnd, T), T);
      const upper = Math.min(Math.floor((zEnd - k0.off) / ALIGN) * ALIGN, T - B);
      const full = k0.datalen + PSZ_BUFFER.size;
      if (k0.datalen > 40 && full % ALIGN === 0 && full <= T - B) {
        K = full;
        kConf = 'likely';
        kHow = `one dmesg zone; its record fills exactly ${full} bytes (a record stored uncompressed fills its zone)`;
      } else if (zEnd < T && (zEnd - k0.off) % ALIGN === 0 && zEnd - k0.off >= need) {
        K = zEnd - k0.off;
        kConf = 'likely';
        kHow = `one dmesg zone; its zero fill ends at 0x${zEnd.toString(16)}, where the next zone's data starts`;
      } else if (65536 >= need && 65536 <= upper) {
        K = 65536;
        kConf = 'likely';
        kHow = `one dmesg zone, between ${need} and ${upper} bytes: taken as the kernel default 64 KiB`;
      } else {
        K = Math.max(need, Math.min(upper, need));
        kConf = 'ambiguous';
        kHow = `one dmesg zone, between ${need} and ${Math.max(need, upper)} bytes`;
      }
    }
    if ((k0.off - B) % K !== 0 || k0.off < B) {
      problems.push(`dmesg zones would start at 0x${B.toString(16)} but one has a signature at 0x${k0.off.toString(16)}`);
      kConf = 'ambiguous';
    } else if (k0.off > B) {
      kConf = worst(kConf, 'likely');
      kHow += `; dmesg zones before 0x${k0.off.toString(16)} never written`;
    }
  } else {
    K = 0;
    kConf = T - B >= ALIGN ? 'ambiguous' : 'exact';
    kHow = T - B >= ALIGN ? `no dmesg signature: taken as off (the ${T - B} bytes after the other zones may be never-written dmesg zones)` : 'no room left for dmesg zones';
  }

  if (ph || ch || P) find('pmsg_size', P, pConf, pHow);
  else find('pmsg_size', 0, 'exact', 'no pmsg zone');
  find('console_size', C, cConf, cHow);
  find('ftrace_size', F, fConf, fHow);
  find('cpus', n, nConf, nHow);
  find('kmsg_size', K, kConf, kHow);

  // ---- check: the layout must be one the kernel accepts and must explain every signature
  let layout: ZoneLayout | undefined;
  try {
    layout = computeLayout({ totalSize: T, kmsgSize: K, pmsgSize: P, consoleSize: C, ftraceSize: F, nrCpus: n ?? 1 }, profile);
  } catch (e) {
    if (!(e instanceof ZoneLayoutError)) throw e;
    problems.push(`the kernel would refuse this layout: ${e.message}`);
  }
  if (layout) {
    const starts = new Map(zonesInDiskOrder(layout).map((z) => [z.off, z] as const));
    for (const h of hits) {
      const z = starts.get(h.off);
      if (!z || z.kind !== h.kind) {
        // Signatures inside ring data are common (logs about pstore); only aligned ones count.
        if (h.kind === 'ftrace' ? fh.includes(h) : h.off % ALIGN === 0) problems.push(`${h.kind} signature at 0x${h.off.toString(16)} is not a zone start of this layout`);
      } else if (h.datalen > z.bufferSize) problems.push(`${h.kind} zone at 0x${h.off.toString(16)}: datalen ${h.datalen} does not fit its ${z.bufferSize}-byte buffer`);
    }
  }
  let confidence: Confidence = findings.reduce<Confidence>((c, f) => worst(c, f.confidence), 'exact');
  if (problems.length) confidence = 'ambiguous';
  const params = { kmsgSize: K / 1024, pmsgSize: P / 1024, consoleSize: C / 1024, ftraceSize: F / 1024 };
  const parts = [`kmsg_size=${params.kmsgSize}`, `pmsg_size=${params.pmsgSize}`, `console_size=${params.consoleSize}`, `ftrace_size=${params.ftraceSize}`];
  if (n !== null) parts.push(`cpus=${n}`);
  return {
    found: true,
    totalSize: T,
    params,
    nrCpus: n,
    confidence,
    findings,
    problems,
    signatures,
    summary: `${parts.join(' ')} (${confidence})`,
  };
}

/** Scan and infer in one go, over a region read through `read`. */
export function detectLayout(read: ReadAt, size: number, profile: KernelProfile = DEFAULT_KERNEL): DetectedLayout & { stats: ScanStats } {
  const scanned = Math.min(size, profile.capTotalSize ? SZ_128M : size);
  const { hits, stats } = scanSignatures(read, scanned);
  return { ...inferLayout(hits, size, read, profile), stats };
}

/** `pstore_blk.kmsg_size=64 pstore_blk.pmsg_size=0 ...` for a detected layout. */
export function detectedParamString(d: DetectedLayout): string {
  return `pstore_blk.kmsg_size=${d.params.kmsgSize} pstore_blk.pmsg_size=${d.params.pmsgSize} pstore_blk.console_size=${d.params.consoleSize} pstore_blk.ftrace_size=${d.params.ftraceSize}`;
}
