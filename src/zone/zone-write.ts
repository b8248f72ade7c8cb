/**
 * pstore/zone's writing half (fs/pstore/zone.c): psz_zone_write() and the
 * dirty-zone flusher, kmsg dumps round-robin over the dmesg zones, and the
 * ring writes of pmsg, console and ftrace.
 */
import { PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, encodeKmsgHeader } from './codec.js';
import { EBUSY, EINVAL, ENOMSG, ENOSPC } from '../lib/errno.js';
import type { ZoneDesc } from './layout.js';
import type { PszContext, PstoreRecord } from './psz-context.js';
import type { PstoreZone } from './psz-zone.js';
import { KmsgDumpReason, PstoreType } from './types.js';

/** enum psz_flush_mode. */
export const FlushMode = { NONE: 0, PART: 1, META: 2, ALL: 3 } as const;
export type FlushMode = (typeof FlushMode)[keyof typeof FlushMode];

/** psz_zone_write(). */
export function zoneWrite(ctx: PszContext, zone: PstoreZone, mode: FlushMode, buf: Uint8Array | null, len: number, off: number): number {
  if (off > zone.bufferSize) return -EINVAL;
  let wlen = Math.min(len, zone.bufferSize - off);
  const ram = zone.full();
  if (buf && wlen) {
    ram.set(buf.subarray(0, wlen), PSZ_BUFFER.size + off);
    zone.datalen = wlen + off;
  }
  let wcnt = 0;
  const dirty = (): number => {
    // No need to mark dirty if going to try the next zone.
    if (wcnt === -ENOMSG) return -ENOMSG;
    zone.dirty = true;
    // Flush dirty zones nicely, later.
    if (wcnt === -EBUSY && !ctx.onPanic) ctx.cleanerPending = true;
    return -EBUSY;
  };
  // Avoid damaging old records: nothing reaches the device before recovery.
  if (!ctx.onPanic && !ctx.recovered) return dirty();
  const writeop = ctx.onPanic ? ctx.info.panicWrite?.bind(ctx.info) : ctx.info.write.bind(ctx.info);
  if (!writeop) return dirty();
  switch (mode) {
    case FlushMode.NONE:
      if (buf && wlen) return dirty();
      return 0;
    case FlushMode.PART:
    case FlushMode.META:
      // PART writes the data, then falls through to the header that describes it.
      if (mode === FlushMode.PART) {
        wcnt = writeop(ram.subarray(PSZ_BUFFER.size + off, PSZ_BUFFER.size + off + wlen), zone.desc.off + PSZ_BUFFER.size + off);
        if (wcnt !== wlen) return dirty();
      }
      wlen = PSZ_BUFFER.size;
      wcnt = writeop(ram.subarray(0, wlen), zone.desc.off);
      if (wcnt !== wlen) return dirty();
      break;
    case FlushMode.ALL:
      wlen = zone.bufferSize + PSZ_BUFFER.size;
      wcnt = writeop(ram.subarray(0, wlen), zone.desc.off);
      if (wcnt !== wlen) return dirty();
      break;
  }
  return 0;
}

/** psz_flush_dirty_zone(). */
export function flushDirtyZone(ctx: PszContext, zone: PstoreZone): number {
  if (!ctx.recovered) return -EBUSY;
  if (!zone.dirty) return 0;
  zone.dirty = false;
  const ret = zoneWrite(ctx, zone, FlushMode.ALL, null, 0, 0);
  if (ret) zone.dirty = true;
  return ret;
}

function flushDirtyZones(ctx: PszContext, zones: PstoreZone[]): number {
  for (const z of zones) {
    const ret = flushDirtyZone(ctx, z);
    if (ret) return ret;
  }
  return 0;
}

/**
 * psz_flush_all_dirty_zones(): the psz_cleaner work. Returns true when
 * something is still dirty (the kernel re-queues itself after 1000 ms).
 */
export function flushAllDirtyZones(ctx: PszContext): boolean {
  ctx.cleanerPending = false;
  let ret = 0;
  if (ctx.ppsz) ret |= flushDirtyZone(ctx, ctx.ppsz);
  if (ctx.cpsz) ret |= flushDirtyZone(ctx, ctx.cpsz);
  if (ctx.kpszs.length) ret |= flushDirtyZones(ctx, ctx.kpszs);
  if (ctx.fpszs.length) ret |= flushDirtyZones(ctx, ctx.fpszs);
  if (ret) ctx.cleanerPending = true;
  return ret !== 0;
}

/** Zones whose RAM copy has not reached the device. */
export function dirtyZones(ctx: PszContext): ZoneDesc[] {
  return [ctx.ppsz, ctx.cpsz, ...ctx.kpszs, ...ctx.fpszs].filter((z): z is PstoreZone => !!z && z.dirty).map((z) => z.desc);
}

/** psz_write_kmsg_hdr(): the counters count per reason, across boots. */
function writeKmsgHdr(ctx: PszContext, zone: PstoreZone, record: PstoreRecord): void {
  let counter = 0;
  if (record.reason === KmsgDumpReason.OOPS) counter = ++ctx.oopsCounter;
  else if (record.reason === KmsgDumpReason.PANIC) counter = ++ctx.panicCounter;
  ctx.oopsCounter >>>= 0;
  ctx.panicCounter >>>= 0;
  encodeKmsgHeader(
    {
      magic: PSTORE_KMSG_HEADER_MAGIC,
      tvSec: record.time.sec,
      tvNsec: record.time.nsec,
      compressed: record.compressed,
      counter,
      reason: record.reason,
    },
    zone.buffer,
    PSZ_BUFFER.size,
    ctx.abi,
  );
}

/** psz_kmsg_write_record(): the next zone round-robin, skipping broken ones. */
function kmsgWriteRecord(ctx: PszContext, record: PstoreRecord): number {
  const n = ctx.kpszs.length;
  for (let i = 0; i < n; i++) {
    const zonenum = (ctx.kmsgWriteCnt + i) % n;
    const zone = ctx.kpszs[zonenum]!;
    // Avoid destroying old data: build the record in a fresh zeroed buffer.
    const saved = zone.full();
    zone.oldbuf = saved;
    zone.buffer = new Uint8Array(zone.desc.size);
    zone.buffer.set(saved.subarray(0, 4)); // sig
    ctx.pr('debug', `write ${zone.name} to zone id ${zonenum}`);
    writeKmsgHdr(ctx, zone, record);
    const headerSize = ctx.abi.kmsgHeader.size;
    const size = Math.min(record.buf.length, zone.bufferSize - headerSize);
    const ret = zoneWrite(ctx, zone, FlushMode.ALL, record.buf, size, headerSize);
    if (ret !== -ENOMSG) {
      ctx.lastKmsgZone = zonenum;
      ctx.kmsgWriteCnt = (zonenum + 1) % n;
      zone.oldbuf = null;
      return ret;
    }
    ctx.pr('debug', `zone ${zonenum} may be broken, try next dmesg zone`);
    zone.buffer = saved;
    zone.oldbuf = null;
  }
  return -EBUSY;
}

/** psz_kmsg_write(): only Part1 of a dump is kept. */
function kmsgWrite(ctx: PszContext, record: PstoreRecord): number {
  if (record.part !== 1) return -ENOSPC;
  if (!ctx.kpszs.length) return -ENOSPC;
  const ret = kmsgWriteRecord(ctx, record);
  if (!ret && ctx.onPanic) {
    ctx.pr('debug', 'try to flush other dirty zones');
    flushAllDirtyZones(ctx);
  }
  // Always 0: the record is held in the zone buffer either way.
  return 0;
}

/** psz_record_write(): append to a ring zone, wrapping at buffer_size. */
function recordWrite(ctx: PszContext, zone: PstoreZone | undefined, record: PstoreRecord): number {
  if (!zone) return -ENOSPC;
  let full = zone.datalen >= zone.bufferSize;
  let buf = record.buf;
  let cnt = buf.length;
  if (cnt > zone.bufferSize) {
    buf = buf.subarray(cnt - zone.bufferSize);
    cnt = zone.bufferSize;
  }
  let start = zone.start;
  const rem = zone.bufferSize - start;
  if (rem < cnt) {
    zoneWrite(ctx, zone, FlushMode.PART, buf, rem, start);
    buf = buf.subarray(rem);
    cnt -= rem;
    start = 0;
    full = true;
  }
  zone.start = cnt + start;
  zoneWrite(ctx, zone, FlushMode.PART, buf, cnt, start);
  // psz_zone_write() set datalen = start + cnt; once wrapped it is the whole buffer.
  if (full) {
    zone.datalen = zone.bufferSize;
    zoneWrite(ctx, zone, FlushMode.META, null, 0, 0);
  }
  return 0;
}

/** psz_pstore_write(). */
export function pstoreWrite(ctx: PszContext, record: PstoreRecord): number {
  if (record.type === PstoreType.DMESG && record.reason === KmsgDumpReason.PANIC) ctx.onPanic = true;
  // On panic only the dump itself is written (panic_write may print and wake the console).
  if (ctx.onPanic && record.type !== PstoreType.DMESG) return -EBUSY;
  switch (record.type) {
    case PstoreType.DMESG:
      return kmsgWrite(ctx, record);
    case PstoreType.CONSOLE:
      return recordWrite(ctx, ctx.cpsz, record);
    case PstoreType.PMSG:
      return recordWrite(ctx, ctx.ppsz, record);
    case PstoreType.FTRACE: {
      if (!ctx.fpszs.length) return -ENOSPC;
      return recordWrite(ctx, ctx.fpszs[record.cpu ?? 0], record);
    }
    default:
      return -EINVAL;
  }
}
