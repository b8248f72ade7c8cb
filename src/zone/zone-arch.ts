/**
 * Which ABI wrote a region, from the bytes recovery reads anyway (no extra
 * device reads): the kmsg headers tell i386 (28-byte header, tv_sec right
 * after the magic) from the 40-byte layout of LP64 and arm, whose padding
 * after the magic is zero; the newest ftrace record tells 16-byte (32-bit)
 * from 24-byte (64-bit) records by where the kernel addresses sit. arm and
 * the 64-bit kernels write identical kmsg zones; only ftrace separates them.
 */
import { ARCH_ABIS, PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, decodePszBuffer } from './codec.js';
import type { PszContext } from './psz-context.js';
import { KmsgDumpReason } from './types.js';

/** Kernel text and data sit in the upper half of the address space on every ABI here. */
const KERNEL_HALF = 0x80000000;
/** bool then padding to the next u32: one byte of 0/1 and three zero bytes. */
const BOOL_WORD_MAX = 1;
const NSEC_PER_SEC = 1_000_000_000;

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

/** What one kmsg zone's psz_buffer + header says: the i386 layout, the 40-byte one, or nothing. */
export function kmsgHeaderLayout(zone: Uint8Array): 'i386' | 'lp64' | undefined {
  const h = PSZ_BUFFER.size;
  if (zone.length < h + ARCH_ABIS.x86_64.kmsgHeader.size || u32(zone, h) !== PSTORE_KMSG_HEADER_MAGIC) return undefined;
  const plausible = (l: (typeof ARCH_ABIS)['i386']['kmsgHeader']): boolean =>
    u32(zone, h + l.compressed) <= BOOL_WORD_MAX && u32(zone, h + l.reason) < KmsgDumpReason.MAX;
  // LP64/arm: the 4 bytes after the magic are padding, zero as kzalloc left them.
  if (u32(zone, h + 4) === 0 && plausible(ARCH_ABIS.x86_64.kmsgHeader)) return 'lp64';
  // i386: tv_sec (s64 at 4) has a zero high half until 2106, tv_nsec is under a second;
  // a 64-bit header's tv_sec low half sits where i386 has that zero.
  const i386 = ARCH_ABIS.i386.kmsgHeader;
  if (u32(zone, h + i386.tvSec + 4) === 0 && u32(zone, h + i386.tvNsec) < NSEC_PER_SEC && plausible(i386)) return 'i386';
  return undefined;
}

/** What the newest record of a recovered ftrace log (oldest first) says about the record size. */
export function ftraceRecordBits(log: Uint8Array): 32 | 64 | undefined {
  const n = log.length;
  // 64-bit: the high halves of ip and parent_ip are kernel addresses.
  if (n >= ARCH_ABIS.x86_64.ftraceRecord.size) {
    const at = n - ARCH_ABIS.x86_64.ftraceRecord.size;
    if (u32(log, at + 4) >= KERNEL_HALF && u32(log, at + 12) >= KERNEL_HALF) return 64;
  }
  // 32-bit: ip and parent_ip are kernel addresses themselves.
  if (n >= ARCH_ABIS.i386.ftraceRecord.size) {
    const at = n - ARCH_ABIS.i386.ftraceRecord.size;
    if (u32(log, at) >= KERNEL_HALF && u32(log, at + 4) >= KERNEL_HALF) return 32;
  }
  return undefined;
}

/** Recovery read a kmsg zone's header: an i386 layout switches the context to it. */
export function noteKmsgHeader(ctx: PszContext, zone: Uint8Array): void {
  if (ctx.archGiven || ctx.abi.arch === 'i386') return;
  if (kmsgHeaderLayout(zone) === 'i386') {
    ctx.abi = ARCH_ABIS.i386;
    ctx.archEvidence = 'i386: a kmsg header has the 28-byte layout (tv_sec right after the magic)';
  }
}

/** After the ftrace zones' recovery: 16-byte records make it a 32-bit ABI (i386 if kmsg said so, else arm). */
export function noteFtraceZones(ctx: PszContext): void {
  if (ctx.archGiven) return;
  for (const zone of ctx.fpszs) {
    const old = zone.oldbuf;
    if (!old) continue;
    const log = old.subarray(PSZ_BUFFER.size, PSZ_BUFFER.size + decodePszBuffer(old).datalen);
    const bits = ftraceRecordBits(log);
    if (bits === 32 && ctx.abi.arch !== 'i386') {
      ctx.abi = ARCH_ABIS.arm;
      ctx.archEvidence = 'arm: 16-byte ftrace records with the 40-byte kmsg layout';
    } else if (bits === 32) {
      ctx.archEvidence = 'i386: 28-byte kmsg headers and 16-byte ftrace records';
    } else if (bits === 64 && ctx.abi.arch !== 'i386') {
      ctx.archEvidence = '64-bit: 24-byte ftrace records';
    }
    if (bits) return;
  }
}
