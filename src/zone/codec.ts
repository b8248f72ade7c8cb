/**
 * Every on-disk structure of pstore/zone, encode and decode side by side.
 * This is the only module that knows byte offsets; everything else asks it.
 *
 * Layouts depend on the ABI of the kernel that wrote them (ARCH_ABIS): the
 * default is little-endian LP64 (x86_64, arm64), the kernels that write
 * pstore/blk images in practice; arm (32-bit, u64 aligned to 8) and i386
 * (u64 aligned to 4) follow from the same C structs. Sources:
 * fs/pstore/zone.c (struct psz_buffer, struct psz_kmsg_header),
 * include/linux/pstore.h (struct pstore_ftrace_record), docs/format.md.
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

/** The kernel ABIs whose pstore/zone layouts this module knows. */
export const ARCHES = ['x86_64', 'arm64', 'arm', 'i386'] as const;
export type Arch = (typeof ARCHES)[number];

export interface KmsgHeaderLayout {
  magic: number;
  tvSec: number;
  tvNsec: number;
  /** sizeof(long): tv_nsec is a long. */
  tvNsecSize: 4 | 8;
  compressed: number;
  counter: number;
  reason: number;
  /** sizeof(struct psz_kmsg_header), where the payload starts. */
  size: number;
}

export interface FtraceRecordLayout {
  ip: number;
  parentIp: number;
  ts: number;
  /** sizeof(unsigned long): ip and parent_ip. */
  wordSize: 4 | 8;
  size: number;
}

/** One ABI's layouts of the structs pstore/zone stores. */
export interface ArchAbi {
  readonly arch: Arch;
  readonly kmsgHeader: KmsgHeaderLayout;
  readonly ftraceRecord: FtraceRecordLayout;
}

const LP64_KMSG: KmsgHeaderLayout = { ...PSZ_KMSG_HEADER, tvNsecSize: 8 };
const LP64_FTRACE: FtraceRecordLayout = { ...PSTORE_FTRACE_RECORD, wordSize: 8 };
/** ILP32 ftrace record: two 4-byte longs, then the u64 (at 8 under either alignment). */
const ILP32_FTRACE: FtraceRecordLayout = { ip: 0, parentIp: 4, ts: 8, wordSize: 4, size: 16 };

/**
 * The layouts per ABI, from the C rules: timespec64 is { s64 tv_sec; long
 * tv_nsec; }. arm (EABI) aligns s64 to 8, so the kmsg header keeps the LP64
 * offsets (tv_nsec 4 bytes, then padding) and its 40-byte size; i386 aligns
 * s64 to 4, so nothing pads and the header is 28 bytes.
 */
export const ARCH_ABIS: Readonly<Record<Arch, ArchAbi>> = {
  x86_64: { arch: 'x86_64', kmsgHeader: LP64_KMSG, ftraceRecord: LP64_FTRACE },
  arm64: { arch: 'arm64', kmsgHeader: LP64_KMSG, ftraceRecord: LP64_FTRACE },
  arm: { arch: 'arm', kmsgHeader: { ...LP64_KMSG, tvNsecSize: 4 }, ftraceRecord: ILP32_FTRACE },
  i386: {
    arch: 'i386',
    kmsgHeader: { magic: 0, tvSec: 4, tvNsec: 12, tvNsecSize: 4, compressed: 16, counter: 20, reason: 24, size: 28 },
    ftraceRecord: ILP32_FTRACE,
  },
};

/** Without --arch and without evidence on disk: the 64-bit layout. */
export const DEFAULT_ABI: ArchAbi = ARCH_ABIS.x86_64;

export function isArch(name: string): name is Arch {
  return (ARCHES as readonly string[]).includes(name);
}

/** Zone offset of a kmsg record's payload under `abi`: psz_buffer + the kmsg header. */
export function kmsgPayloadOffset(abi: ArchAbi = DEFAULT_ABI): number {
  return PSZ_BUFFER.size + abi.kmsgHeader.size;
}
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
export function decodeKmsgHeader(bytes: Uint8Array, at: number = PSZ_BUFFER.size, abi: ArchAbi = DEFAULT_ABI): PszKmsgHeader {
  const v = view(bytes);
  const l = abi.kmsgHeader;
  return {
    magic: v.getUint32(at + l.magic, true),
    tvSec: v.getBigInt64(at + l.tvSec, true),
    tvNsec: l.tvNsecSize === 8 ? v.getBigInt64(at + l.tvNsec, true) : BigInt(v.getInt32(at + l.tvNsec, true)),
    // C reads a bool byte as true when non-zero.
    compressed: v.getUint8(at + l.compressed) !== 0,
    counter: v.getUint32(at + l.counter, true),
    reason: v.getUint32(at + l.reason, true),
  };
}

/** Encode into a zero-filled header (padding stays zero, as kzalloc leaves it). */
export function encodeKmsgHeader(h: PszKmsgHeader, into?: Uint8Array, at = 0, abi: ArchAbi = DEFAULT_ABI): Uint8Array {
  const l = abi.kmsgHeader;
  const out = into ?? new Uint8Array(l.size);
  const v = view(out);
  v.setUint32(at + l.magic, h.magic >>> 0, true);
  v.setBigInt64(at + l.tvSec, h.tvSec, true);
  if (l.tvNsecSize === 8) v.setBigInt64(at + l.tvNsec, h.tvNsec, true);
  else v.setInt32(at + l.tvNsec, Number(BigInt.asIntN(32, h.tvNsec)), true);
  v.setUint8(at + l.compressed, h.compressed ? 1 : 0);
  v.setUint32(at + l.counter, h.counter >>> 0, true);
  v.setUint32(at + l.reason, h.reason >>> 0, true);
  return out;
}

export function decodeFtraceRecord(bytes: Uint8Array, at = 0, abi: ArchAbi = DEFAULT_ABI): PstoreFtraceRecord {
  const v = view(bytes);
  const l = abi.ftraceRecord;
  const word = (off: number): bigint => (l.wordSize === 8 ? v.getBigUint64(at + off, true) : BigInt(v.getUint32(at + off, true)));
  return { ip: word(l.ip), parentIp: word(l.parentIp), ts: v.getBigUint64(at + l.ts, true) };
}

/** Encode one record; on a 32-bit ABI ip and parent_ip keep their low 32 bits (unsigned long). */
export function encodeFtraceRecord(r: PstoreFtraceRecord, into?: Uint8Array, at = 0, abi: ArchAbi = DEFAULT_ABI): Uint8Array {
  const l = abi.ftraceRecord;
  const out = into ?? new Uint8Array(l.size);
  const v = view(out);
  const word = (off: number, x: bigint): void => {
    if (l.wordSize === 8) v.setBigUint64(at + off, x, true);
    else v.setUint32(at + off, Number(BigInt.asUintN(32, x)), true);
  };
  word(l.ip, r.ip);
  word(l.parentIp, r.parentIp);
  v.setBigUint64(at + l.ts, r.ts, true);
  return out;
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
