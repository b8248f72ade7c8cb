/**
 * pstore ftrace records: merging the per-CPU zones into one record
 * (pstore_ftrace_combine_log(), fs/pstore/ftrace.c) and the text pstorefs
 * shows for it (pstore_ftrace_seq_show(), fs/pstore/inode.c).
 */
import { hex, hexDigits } from '../lib/hex.js';
import { type ArchAbi, DEFAULT_ABI, decodeFtraceRecord, ftraceCpu, ftraceTimestamp } from './codec.js';

/**
 * Merge two logs by timestamp. Each loses its leading `size % record size`
 * bytes first (a partial record left by a ring wrap); ties take the source
 * record. The record is 24 bytes on 64-bit kernels, 16 on 32-bit ones.
 */
export function combineFtraceLog(dest: Uint8Array, src: Uint8Array, abi: ArchAbi = DEFAULT_ABI): Uint8Array {
  const RECORD = abi.ftraceRecord.size;
  const destOff = dest.length % RECORD;
  const srcOff = src.length % RECORD;
  const d = dest.subarray(destOff);
  const s = src.subarray(srcOff);
  const out = new Uint8Array(d.length + s.length);
  let di = 0;
  let si = 0;
  let o = 0;
  while (di < d.length && si < s.length) {
    if (ftraceTimestamp(decodeFtraceRecord(d, di, abi)) < ftraceTimestamp(decodeFtraceRecord(s, si, abi))) {
      out.set(d.subarray(di, di + RECORD), o);
      di += RECORD;
    } else {
      out.set(s.subarray(si, si + RECORD), o);
      si += RECORD;
    }
    o += RECORD;
  }
  out.set(d.subarray(di), o);
  o += d.length - di;
  out.set(s.subarray(si), o);
  return out;
}

/** Resolves an address to `name+0x1c/0x80`, or undefined when unknown. */
export type SymbolLookup = (addr: bigint) => string | undefined;

/**
 * One line per record, as `cat ftrace-pstore_blk-0` prints it:
 * `CPU:%d ts:%llu %08lx  %08lx  %ps <- %pS`. Without symbols %ps/%pS fall
 * back to the address in hex, as the kernel does for unknown addresses.
 */
export function renderFtraceLog(log: Uint8Array, lookup?: SymbolLookup, abi: ArchAbi = DEFAULT_ABI): string {
  const RECORD = abi.ftraceRecord.size;
  const lines: string[] = [];
  for (let at = 0; at + RECORD <= log.length; at += RECORD) {
    const r = decodeFtraceRecord(log, at, abi);
    const ip = lookup?.(r.ip)?.replace(/\+.*$/, '') ?? hex(r.ip);
    const parent = lookup?.(r.parentIp) ?? hex(r.parentIp);
    lines.push(`CPU:${ftraceCpu(r)} ts:${ftraceTimestamp(r)} ${hexDigits(r.ip, 8)}  ${hexDigits(r.parentIp, 8)}  ${ip} <- ${parent}\n`);
  }
  return lines.join('');
}
