/**
 * Layout inference, the dmesg zones: kmsg_size from the spacing of the zones
 * with a signature, or, with one zone written, from that zone's own record
 * and zero fill (each dump rewrites the whole zone).
 */
import { hex } from '../../lib/hex.js';
import { KMSG_PAYLOAD_OFFSET, PSZ_BUFFER, PSZ_KMSG_HEADER } from '../codec.js';
import { ZONE_ALIGN, alignDown, alignUp, gcd, worst, type Inference } from './inference.js';
import type { ReadAt, SignatureHit } from './signatures.js';

/** The kernel's default kmsg_size (CONFIG_PSTORE_BLK_KMSG_SIZE), 64 KiB. */
const DEFAULT_KMSG_ZONE = 65536;
/** struct pstore_kmsg_header's size: datalen counts it, a dmesg zone holds at least it. */
const KMSG_HEADER_BYTES = PSZ_KMSG_HEADER.size;
/** Bytes per read when looking for the end of a zero fill. */
const ZERO_SCAN_STEP = 65536;

/** kmsg_size from two or more dmesg zones: the greatest common divisor of their distances. */
export function inferKmsgSpacing(kmsgHits: readonly SignatureHit[], problems: string[]): Inference<number | undefined> {
  if (kmsgHits.length < 2) return { value: undefined, confidence: 'exact', how: '' };
  let spacing = 0;
  for (const h of kmsgHits) spacing = gcd(spacing, h.off - kmsgHits[0]!.off);
  const need = Math.max(...kmsgHits.map((h) => h.datalen)) + PSZ_BUFFER.size;
  let confidence: Inference['confidence'] = 'exact';
  if (spacing < need) {
    problems.push(`dmesg zones ${spacing} bytes apart cannot hold a datalen of ${need - PSZ_BUFFER.size}`);
    confidence = 'ambiguous';
  } else if (spacing % ZONE_ALIGN !== 0) {
    confidence = 'ambiguous';
    problems.push(`dmesg zone spacing ${spacing} is not a multiple of 4096`);
  }
  return { value: spacing, confidence, how: `spacing of ${kmsgHits.length} dmesg zones with a signature` };
}

function firstNonZero(read: ReadAt, from: number, to: number): number {
  const buf = new Uint8Array(ZERO_SCAN_STEP);
  for (let pos = from; pos < to; pos += ZERO_SCAN_STEP) {
    const n = read(buf.subarray(0, Math.min(ZERO_SCAN_STEP, to - pos)), pos);
    if (n <= 0) return pos;
    for (let i = 0; i < n; i++) if (buf[i] !== 0) return pos + i;
  }
  return to;
}

/**
 * kmsg_size from the one dmesg zone written (`zone`, in an area from
 * `kmsgStart`): a record that fills it exactly, else where its zero fill
 * ends, else the kernel default if it fits, else the least that holds it.
 */
export function inferOneKmsgZoneSize(zone: SignatureHit, kmsgStart: number, regionSize: number, read: ReadAt): Inference {
  const need = alignUp(Math.max(zone.datalen, KMSG_HEADER_BYTES) + PSZ_BUFFER.size);
  const payloadEnd = zone.off + KMSG_PAYLOAD_OFFSET + Math.max(0, zone.datalen - KMSG_HEADER_BYTES);
  const zeroFillEnd = firstNonZero(read, Math.min(payloadEnd, regionSize), regionSize);
  const upper = Math.min(alignDown(zeroFillEnd - zone.off), regionSize - kmsgStart);
  const full = zone.datalen + PSZ_BUFFER.size;
  if (zone.datalen > KMSG_HEADER_BYTES && full % ZONE_ALIGN === 0 && full <= regionSize - kmsgStart) {
    return { value: full, confidence: 'likely', how: `one dmesg zone; its record fills exactly ${full} bytes (a record stored uncompressed fills its zone)` };
  }
  if (zeroFillEnd < regionSize && (zeroFillEnd - zone.off) % ZONE_ALIGN === 0 && zeroFillEnd - zone.off >= need) {
    return { value: zeroFillEnd - zone.off, confidence: 'likely', how: `one dmesg zone; its zero fill ends at ${hex(zeroFillEnd)}, where the next zone's data starts` };
  }
  if (DEFAULT_KMSG_ZONE >= need && DEFAULT_KMSG_ZONE <= upper) {
    return { value: DEFAULT_KMSG_ZONE, confidence: 'likely', how: `one dmesg zone, between ${need} and ${upper} bytes: taken as the kernel default 64 KiB` };
  }
  return { value: Math.max(need, Math.min(upper, need)), confidence: 'ambiguous', how: `one dmesg zone, between ${need} and ${Math.max(need, upper)} bytes` };
}

/**
 * kmsg_size in bytes, checked against where the dmesg zones must start
 * (`kmsgStart`, right after the last ftrace zone).
 */
export function inferKmsgSize(
  kmsgHits: readonly SignatureHit[],
  spacing: Inference<number | undefined>,
  kmsgStart: number,
  regionSize: number,
  read: ReadAt,
  problems: string[],
): Inference {
  const first = kmsgHits[0];
  if (!first) {
    const left = regionSize - kmsgStart;
    return left >= ZONE_ALIGN
      ? { value: 0, confidence: 'ambiguous', how: `no dmesg signature: taken as off (the ${left} bytes after the other zones may be never-written dmesg zones)` }
      : { value: 0, confidence: 'exact', how: 'no room left for dmesg zones' };
  }
  const found: Inference =
    spacing.value === undefined ? inferOneKmsgZoneSize(first, kmsgStart, regionSize, read) : { value: spacing.value, confidence: spacing.confidence, how: spacing.how };
  const size = found.value;
  let { confidence, how } = found;
  if ((first.off - kmsgStart) % size !== 0 || first.off < kmsgStart) {
    problems.push(`dmesg zones would start at 0x${kmsgStart.toString(16)} but one has a signature at ${hex(first.off)}`);
    confidence = 'ambiguous';
  } else if (first.off > kmsgStart) {
    confidence = worst(confidence, 'likely');
    how += `; dmesg zones before ${hex(first.off)} never written`;
  }
  return { value: size, confidence, how };
}
