/**
 * pstore/zone's recovery of the dmesg zones (fs/pstore/zone.c): the headers
 * first, which fix the write position and the dump counters, then the data,
 * after moving any dump written before recovery to the position found.
 */
import { PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, decodeKmsgHeader, decodePszBuffer, zoneSignature } from './codec.js';
import { EIO, ENOMSG, errnoName } from '../lib/errno.js';
import type { PszContext } from './psz-context.js';
import type { PstoreZone } from './psz-zone.js';
import { KmsgDumpReason } from './types.js';
import { noteKmsgHeader } from './zone-arch.js';
import { FlushMode, zoneWrite } from './zone-write.js';

/** How many kept kmsg headers share one buffer when deferring. */
const HEADERS_PER_SLAB = 256;

/** psz_move_zone(): a pre-recovery dump moves to the position found on disk. */
function moveZone(ctx: PszContext, old: PstoreZone, target: PstoreZone): number {
  const data = old.full().subarray(PSZ_BUFFER.size);
  const ret = zoneWrite(ctx, target, FlushMode.ALL, data, old.datalen, 0);
  if (ret) {
    target.datalen = 0;
    target.dirty = false;
    return ret;
  }
  old.datalen = 0;
  return 0;
}

/** psz_kmsg_recover_meta(): headers only, picks the write position and counters. */
export function kmsgRecoverMeta(ctx: PszContext): number {
  // The default (or given) layout's size; the 40-byte one also covers i386's 28.
  const len = PSZ_BUFFER.size + ctx.abi.kmsgHeader.size;
  const buf = new Uint8Array(len);
  // Deferring: the headers kept for the data phase, packed into slabs (not one small buffer
  // per zone), and one device read for all zones.
  let slab = new Uint8Array(0);
  let used = 0;
  const devRead = (dst: Uint8Array, pos: number): number => ctx.info.read(dst, pos);
  let bestSec = 0n;
  for (let i = 0; i < ctx.kpszs.length; i++) {
    const zone = ctx.kpszs[i]!;
    const d = zone.desc;
    const rcnt = ctx.info.read(buf, d.off);
    if (rcnt === -ENOMSG) {
      ctx.pr('debug', `${zone.name} with id ${i} may be broken, skip`);
      ctx.verdict(zone, 'broken', `${zone.name} with id ${i} may be broken, skip`);
      continue;
    } else if (rcnt !== len) {
      ctx.pr('err', `read ${zone.name} with id ${i} failed`);
      ctx.verdict(zone, 'read-failed', `read ${zone.name} with id ${i} failed (${errnoName(rcnt)})`);
      return rcnt < 0 ? rcnt : -EIO;
    }
    const hdr = decodePszBuffer(buf);
    if (hdr.sig !== zoneSignature(d.type)) {
      ctx.pr('debug', `no valid data in kmsg dump zone ${i}`);
      ctx.verdict(zone, 'no-valid-data', `no valid data in kmsg dump zone ${i}`, hdr);
      continue;
    }
    // size_t < int comparison: a negative datalen converts to a huge value.
    if (zone.bufferSize < (hdr.datalen >>> 0)) {
      const m = `found overtop zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}`;
      ctx.pr('info', m);
      ctx.verdict(zone, 'overtop', m, hdr);
      continue;
    }
    noteKmsgHeader(ctx, buf);
    const kh = decodeKmsgHeader(buf, PSZ_BUFFER.size, ctx.abi);
    if (kh.magic !== PSTORE_KMSG_HEADER_MAGIC) {
      const m = `found invalid zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}`;
      ctx.pr('info', m);
      ctx.verdict(zone, 'invalid', m, hdr);
      continue;
    }
    // The newest zone's successor is the oldest or unused one: writes go round.
    if (kh.tvSec >= bestSec) {
      bestSec = kh.tvSec;
      ctx.kmsgWriteCnt = (i + 1) % ctx.kpszs.length;
      if (bestSec > ctx.kmsgNewestSec) ctx.kmsgNewestSec = bestSec;
    }
    if (kh.reason === KmsgDumpReason.OOPS) ctx.oopsCounter = Math.max(ctx.oopsCounter, kh.counter);
    else if (kh.reason === KmsgDumpReason.PANIC) ctx.panicCounter = Math.max(ctx.panicCounter, kh.counter);
    if (!hdr.datalen) {
      const m = `found erased zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}, datalen ${hdr.datalen}`;
      ctx.pr('debug', m);
      ctx.verdict(zone, 'erased', m, hdr);
      continue;
    }
    if (!ctx.onPanic) zone.shouldRecover = true;
    // The headers just read are all the data phase would load when deferring.
    if (zone.shouldRecover && ctx.deferKmsgData) {
      if (used + len > slab.length) {
        slab = new Uint8Array(len * HEADERS_PER_SLAB);
        used = 0;
      }
      const part = slab.subarray(used, used + len);
      used += len;
      part.set(buf);
      zone.setPartial(part, devRead);
    }
    const m = `found nice zone: ${zone.name}: id ${i}, off ${d.off}, size ${zone.bufferSize}, datalen ${hdr.datalen}`;
    ctx.pr('debug', m);
    ctx.verdict(zone, 'ok', m, hdr);
  }
  return 0;
}

/** psz_kmsg_recover_data(): moves pre-recovery dumps, then reads whole zones. */
export function kmsgRecoverData(ctx: PszContext): number {
  for (let i = 0; i < ctx.kpszs.length; i++) {
    const zone = ctx.kpszs[i]!;
    if (zone.dirty) {
      const wcnt = ctx.kmsgWriteCnt;
      const ret = moveZone(ctx, zone, ctx.kpszs[wcnt]!);
      if (ret) {
        ctx.pr('err', `move zone from ${i} to ${wcnt} failed`);
        return ret;
      }
      ctx.kmsgWriteCnt = (wcnt + 1) % ctx.kpszs.length;
    }
    if (!zone.shouldRecover) continue;
    // Deferring (the image readers): the meta phase kept the headers and the rest is read on
    // demand; a plain file or block device serves any span, so nothing differs but the I/O.
    if (ctx.deferKmsgData && zone.partial) continue;
    // The kernel reads the whole zone, buffer_size + sizeof(struct psz_buffer), at the zone
    // offset: a device whose read refuses that span (mmcpstore's 256 KiB buffer for a zone
    // starting mid-sector) fails the whole recovery here, with no line of zone.c's own.
    const whole = new Uint8Array(zone.desc.size);
    const rcnt = ctx.info.read(whole, zone.desc.off);
    if (rcnt !== whole.length) {
      ctx.verdict(zone, 'read-failed', `read ${zone.name} with id ${i} failed (${errnoName(rcnt)}: ${whole.length} bytes at ${zone.desc.off})`);
      return rcnt < 0 ? rcnt : -EIO;
    }
    zone.buffer = whole;
  }
  return 0;
}
