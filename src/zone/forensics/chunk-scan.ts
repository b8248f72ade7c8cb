/**
 * One pass over a chunk for every zone signature at once. The four signatures
 * (`0x43474244 ^ type`, little-endian) differ only in their first byte: they
 * share their last three ("BGC"), so one search for those three bytes finds
 * every candidate, and the byte before says which kind it is. Searching once
 * per kind read each chunk four times (docs/performance.md, "detect"). The
 * search itself, and the all-zero test of a chunk, are tail-finder.ts's.
 */
import { zoneSignature } from '../codec.js';
import { PstoreType, type ZoneKind } from '../types.js';
import { NO_MATCH_ZERO, plainTailFinder, tailFinder, type TailFinder } from './tail-finder.js';

/** The pstore type each zone kind's signature is made from. */
export const KIND_TYPE: Record<ZoneKind, PstoreType> = {
  kmsg: PstoreType.DMESG,
  pmsg: PstoreType.PMSG,
  console: PstoreType.CONSOLE,
  ftrace: PstoreType.FTRACE,
};
const SIG_BYTES = 4;

function sigBytes(kind: ZoneKind): Buffer {
  const b = Buffer.alloc(SIG_BYTES);
  b.writeUInt32LE(zoneSignature(KIND_TYPE[kind]));
  return b;
}

const SIGS = (Object.keys(KIND_TYPE) as ZoneKind[]).map((k) => [k, sigBytes(k)] as const);
/** The bytes every signature shares: all but its first. */
const SHARED_TAIL = SIGS[0]![1].subarray(1);
for (const [, sig] of SIGS) if (!sig.subarray(1).equals(SHARED_TAIL)) throw new Error('zone signatures no longer share their last three bytes');
/** First byte of a signature → its kind. */
const KIND_BY_FIRST_BYTE = new Map<number, ZoneKind>(SIGS.map(([k, sig]) => [sig[0]!, k]));

export type SignatureVisitor = (kind: ZoneKind, i: number) => boolean;

/**
 * Visits the signatures whose tail `finder` finds in its buf[0, len), starting before `end`;
 * returns true when buf[0, len) is all zero (then nothing was visited).
 */
function visitSignatures(finder: TailFinder, len: number, end: number, visit: SignatureVisitor): boolean {
  const buf = finder.buf;
  let t = finder.find(0, len);
  if (t === NO_MATCH_ZERO) return true;
  while (t >= 0 && t - 1 < end) {
    // A tail at 0 has its first byte in the previous chunk, which found it (chunks overlap by 3).
    const kind = t > 0 ? KIND_BY_FIRST_BYTE.get(buf[t - 1]!) : undefined;
    if (kind !== undefined && !visit(kind, t - 1)) return false;
    // Two signatures cannot overlap ("BGC" has no border), so the next tail starts after this one.
    t = finder.find(t + SHARED_TAIL.length, len);
  }
  return false;
}

/**
 * Calls `visit(kind, i)` for every zone signature starting at an index
 * `i < end` of `data`, in increasing order of `i` (a signature may run past
 * `end`, up to the end of `data`). Returns early when `visit` returns false.
 */
export function forEachSignature(data: Uint8Array, end: number, visit: SignatureVisitor): void {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  visitSignatures(plainTailFinder(SHARED_TAIL, buf), buf.length, end, visit);
}

/**
 * A scan's chunk buffer and its search: read a chunk into `buf`, then `scan` it. One pass
 * finds the signatures and tells an all-zero chunk (tail-finder.ts).
 */
export class ChunkScanner {
  private readonly finder: TailFinder;

  constructor(capacity: number, opts: { simd?: boolean } = {}) {
    this.finder = opts.simd === false ? plainTailFinder(SHARED_TAIL, Buffer.alloc(capacity)) : tailFinder(SHARED_TAIL, capacity);
  }

  /** Where a chunk is read to. */
  get buf(): Buffer {
    return this.finder.buf;
  }

  /**
   * forEachSignature() over buf[0, len); returns true when buf[0, len) is all zero (nothing is
   * visited then). A visitor returning false ends the scan of the chunk.
   */
  scan(len: number, end: number, visit: SignatureVisitor): boolean {
    return visitSignatures(this.finder, len, end, visit);
  }
}
