/**
 * Every on-disk structure of pstore/zone, encode and decode side by side.
 * This is the only module that knows byte offsets; everything else asks it.
 *
 * Layouts are those of little-endian LP64 kernels (x86_64, arm64), the ones
 * that write pstore/blk images in practice. Sources: fs/pstore/zone.c
 * (struct psz_buffer, struct psz_kmsg_header), include/linux/pstore.h
 * (struct pstore_ftrace_record), docs/format.md.
 */

/** PSZ_SIG ("DBGC" when stored little-endian); each zone stores PSZ_SIG ^ type. */
export const PSZ_SIG = 0x43474244;
/** PSTORE_KMSG_HEADER_MAGIC: "just a random number" in zone.c. */
export const PSTORE_KMSG_HEADER_MAGIC = 0x4dfc3ae5;

/** struct psz_buffer: three 4-byte members, no padding. */
export const PSZ_BUFFER = { sig: 0, datalen: 4, start: 8, size: 12 } as const;

/**
 * struct psz_kmsg_header on LP64: `struct timespec64` aligns to 8, so the
 * compiler pads after `magic`, after `compressed` and at the end. The kernel
 * uses sizeof (40), not offsetof(data) (36), for the payload position.
 */
export const PSZ_KMSG_HEADER = {
  magic: 0,
  /* 4..7 padding */
  tvSec: 8,
  tvNsec: 16,
  compressed: 24,
  /* 25..27 padding */
  counter: 28,
  reason: 32,
  /* 36..39 tail padding */
  size: 40,
} as const;

/** Zone offset of a kmsg record's payload: header (12) + kmsg header (40). */
export const KMSG_PAYLOAD_OFFSET = PSZ_BUFFER.size + PSZ_KMSG_HEADER.size;

/** struct pstore_ftrace_record on 64-bit kernels. */
export const PSTORE_FTRACE_RECORD = { ip: 0, parentIp: 8, ts: 16, size: 24 } as const;
/** PSTORE_FTRACE_BITS: the low bits of `ts` carry the CPU number. */
export const PSTORE_FTRACE_BITS = 8;

export interface PszBuffer {
  sig: number;
  /** Signed as the kernel's atomic_t; negative values are what a reader must survive. */
  datalen: number;
  start: number;
}

export interface PszKmsgHeader {
  magic: number;
  tvSec: bigint;
  tvNsec: bigint;
  compressed: boolean;
  counter: number;
  reason: number;
}

export interface PstoreFtraceRecord {
  ip: bigint;
  parentIp: bigint;
  ts: bigint;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The signature a zone of `type` carries. */
export function zoneSignature(type: number): number {
  return (PSZ_SIG ^ type) >>> 0;
}

export function decodePszBuffer(bytes: Uint8Array, at = 0): PszBuffer {
  const v = view(bytes);
  return {
    sig: v.getUint32(at + PSZ_BUFFER.sig, true),
    datalen: v.getInt32(at + PSZ_BUFFER.datalen, true),
    start: v.getInt32(at + PSZ_BUFFER.start, true),
  };
}

export function encodePszBuffer(h: PszBuffer, into: Uint8Array = new Uint8Array(PSZ_BUFFER.size), at = 0): Uint8Array {
  const v = view(into);
  v.setUint32(at + PSZ_BUFFER.sig, h.sig >>> 0, true);
  v.setInt32(at + PSZ_BUFFER.datalen, h.datalen | 0, true);
  v.setInt32(at + PSZ_BUFFER.start, h.start | 0, true);
  return into;
}

/** Decode the kmsg header that starts `at` (normally zone offset 12). */
export function decodeKmsgHeader(bytes: Uint8Array, at: number = PSZ_BUFFER.size): PszKmsgHeader {
  const v = view(bytes);
  return {
    magic: v.getUint32(at + PSZ_KMSG_HEADER.magic, true),
    tvSec: v.getBigInt64(at + PSZ_KMSG_HEADER.tvSec, true),
    tvNsec: v.getBigInt64(at + PSZ_KMSG_HEADER.tvNsec, true),
    // C reads a bool byte as true when non-zero.
    compressed: v.getUint8(at + PSZ_KMSG_HEADER.compressed) !== 0,
    counter: v.getUint32(at + PSZ_KMSG_HEADER.counter, true),
    reason: v.getUint32(at + PSZ_KMSG_HEADER.reason, true),
  };
}

/** Encode into a zero-filled header (padding stays zero, as kzalloc leaves it). */
export function encodeKmsgHeader(h: PszKmsgHeader, into: Uint8Array = new Uint8Array(PSZ_KMSG_HEADER.size), at = 0): Uint8Array {
  const v = view(into);
  v.setUint32(at + PSZ_KMSG_HEADER.magic, h.magic >>> 0, true);
  v.setBigInt64(at + PSZ_KMSG_HEADER.tvSec, h.tvSec, true);
  v.setBigInt64(at + PSZ_KMSG_HEADER.tvNsec, h.tvNsec, true);
  v.setUint8(at + PSZ_KMSG_HEADER.compressed, h.compressed ? 1 : 0);
  v.setUint32(at + PSZ_KMSG_HEADER.counter, h.counter >>> 0, true);
  v.setUint32(at + PSZ_KMSG_HEADER.reason, h.reason >>> 0, true);
  return into;
}

export function decodeFtraceRecord(bytes: Uint8Array, at = 0): PstoreFtraceRecord {
  const v = view(bytes);
  return {
    ip: v.getBigUint64(at + PSTORE_FTRACE_RECORD.ip, true),
    parentIp: v.getBigUint64(at + PSTORE_FTRACE_RECORD.parentIp, true),
    ts: v.getBigUint64(at + PSTORE_FTRACE_RECORD.ts, true),
  };
}

export function encodeFtraceRecord(r: PstoreFtraceRecord, into: Uint8Array = new Uint8Array(PSTORE_FTRACE_RECORD.size), at = 0): Uint8Array {
  const v = view(into);
  v.setBigUint64(at + PSTORE_FTRACE_RECORD.ip, r.ip, true);
  v.setBigUint64(at + PSTORE_FTRACE_RECORD.parentIp, r.parentIp, true);
  v.setBigUint64(at + PSTORE_FTRACE_RECORD.ts, r.ts, true);
  return into;
}

/** pstore_ftrace_read_timestamp(): the sequence number above the CPU bits. */
export function ftraceTimestamp(r: PstoreFtraceRecord): bigint {
  return r.ts >> BigInt(PSTORE_FTRACE_BITS);
}

/** pstore_ftrace_decode_cpu(). */
export function ftraceCpu(r: PstoreFtraceRecord): number {
  return Number(r.ts & BigInt((1 << PSTORE_FTRACE_BITS) - 1));
}

/** pstore_ftrace_encode_cpu() + the sequence. */
export function ftraceTs(sequence: bigint, cpu: number): bigint {
  return (sequence << BigInt(PSTORE_FTRACE_BITS)) | BigInt(cpu & ((1 << PSTORE_FTRACE_BITS) - 1));
}
