/**
 * One pass over a chunk for every zone signature at once. The four signatures
 * (`0x43474244 ^ type`, little-endian) differ only in their first byte: they
 * share their last three ("BGC"), so one search for those three bytes finds
 * every candidate, and the byte before says which kind it is. Searching once
 * per kind read each chunk four times (docs/performance.md, "detect").
 */
import { zoneSignature } from '../codec.js';
import { PstoreType, type ZoneKind } from '../types.js';

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

/**
 * Calls `visit(kind, i)` for every zone signature starting at an index
 * `i < end` of `data`, in increasing order of `i` (a signature may run past
 * `end`, up to the end of `data`). Returns early when `visit` returns false.
 */
export function forEachSignature(data: Uint8Array, end: number, visit: (kind: ZoneKind, i: number) => boolean): void {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let t = buf.indexOf(SHARED_TAIL, 1);
  while (t >= 0 && t - 1 < end) {
    const kind = KIND_BY_FIRST_BYTE.get(buf[t - 1]!);
    if (kind !== undefined && !visit(kind, t - 1)) return;
    // Two signatures cannot overlap ("BGC" has no border), so the next tail starts after this one.
    t = buf.indexOf(SHARED_TAIL, t + SHARED_TAIL.length);
  }
}
