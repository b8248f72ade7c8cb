/**
 * psz_recovery() (fs/pstore/zone.c): what a previous boot left, read once
 * before the first record is listed. The dmesg zones are zone-recover-kmsg.ts;
 * here the ring zones (pmsg, console, ftrace), whose old contents become each
 * zone's oldbuf, and the order that makes any failure fail it all.
 */
import { PSZ_BUFFER, decodePszBuffer, zoneSignature } from './codec.js';
import { EINVAL, EIO, errnoName } from '../lib/errno.js';
import type { PszContext } from './psz-context.js';
import type { PstoreZone } from './psz-zone.js';
import { kmsgRecoverData, kmsgRecoverMeta } from './zone-recover-kmsg.js';
import { noteFtraceZones } from './zone-arch.js';
import { flushDirtyZone } from './zone-write.js';

/** psz_recover_zone(): a ring zone's previous contents become its oldbuf. */
function recoverZone(ctx: PszContext, zone: PstoreZone | undefined): number {
  if (!zone || zone.oldbuf) return 0;
  if (ctx.onPanic) {
    // Save data as much as possible.
    flushDirtyZone(ctx, zone);
    return 0;
  }
  const tmp = new Uint8Array(PSZ_BUFFER.size);
  let rcnt = ctx.info.read(tmp, zone.desc.off);
  if (rcnt !== tmp.length) {
    ctx.pr('debug', `read zone ${zone.name} failed`);
    ctx.verdict(zone, 'read-failed', `read zone ${zone.name} failed (${errnoName(rcnt)})`);
    return rcnt < 0 ? rcnt : -EIO;
  }
  const hdr = decodePszBuffer(tmp);
  if (hdr.sig !== zoneSignature(zone.desc.type)) {
    ctx.pr('debug', `no valid data in zone ${zone.name}`);
    ctx.verdict(zone, 'no-valid-data', `no valid data in zone ${zone.name}`, hdr);
    return 0;
  }
  if (zone.bufferSize < hdr.datalen >>> 0 || zone.bufferSize < hdr.start >>> 0) {
    const m = `found overtop zone: ${zone.name}: off ${zone.desc.off}, size ${zone.bufferSize}`;
    ctx.pr('info', m);
    ctx.verdict(zone, 'overtop', m, hdr);
    return 0;
  }
  if (!hdr.datalen) {
    const m = `found erased zone: ${zone.name}: off ${zone.desc.off}, size ${zone.bufferSize}, datalen 0`;
    ctx.pr('debug', m);
    ctx.verdict(zone, 'erased', m, hdr);
    return 0;
  }
  const len = hdr.datalen;
  const start = hdr.start;
  const dataOff = zone.desc.off + PSZ_BUFFER.size;
  const oldbuf = new Uint8Array(PSZ_BUFFER.size + len);
  oldbuf.set(tmp);
  // The older part first: data[start, datalen), then data[0, start).
  // start > datalen makes the first length negative; rw_verify_area()
  // refuses a negative count with -EINVAL and the whole recovery fails.
  rcnt = len - start < 0 ? -EINVAL : ctx.info.read(oldbuf.subarray(PSZ_BUFFER.size, PSZ_BUFFER.size + len - start), dataOff + start);
  if (rcnt !== len - start) {
    ctx.pr('err', `read zone ${zone.name} failed`);
    ctx.verdict(zone, 'read-failed', `read zone ${zone.name} failed (${errnoName(rcnt)}; start ${start} > datalen ${len})`, hdr);
    return rcnt < 0 ? rcnt : -EIO;
  }
  rcnt = ctx.info.read(oldbuf.subarray(PSZ_BUFFER.size + len - start, PSZ_BUFFER.size + len), dataOff);
  if (rcnt !== start) {
    ctx.pr('err', `read zone ${zone.name} failed`);
    ctx.verdict(zone, 'read-failed', `read zone ${zone.name} failed (${errnoName(rcnt)})`, hdr);
    return rcnt < 0 ? rcnt : -EIO;
  }
  const m = `found nice zone: ${zone.name}: off ${zone.desc.off}, size ${zone.bufferSize}, datalen ${len}`;
  ctx.pr('debug', m);
  ctx.verdict(zone, 'ok', m, hdr);
  zone.oldbuf = oldbuf;
  flushDirtyZone(ctx, zone);
  return 0;
}

/**
 * psz_recovery(): runs once, on the first read. Any failure fails all of it
 * (no records at all) and it is tried again on the next read.
 */
export function recovery(ctx: PszContext): number {
  if (ctx.recovered) return 0;
  let ret = 0;
  const steps: (() => number)[] = [
    () => {
      if (!ctx.kpszs.length) return 0;
      const r = kmsgRecoverMeta(ctx) || kmsgRecoverData(ctx);
      if (r) ctx.pr('debug', 'psz_recover_kmsg failed');
      return r;
    },
    () => recoverZone(ctx, ctx.ppsz),
    () => recoverZone(ctx, ctx.cpsz),
    () => {
      for (const z of ctx.fpszs) {
        const r = recoverZone(ctx, z);
        if (r) return r;
      }
      noteFtraceZones(ctx);
      return 0;
    },
  ];
  for (const step of steps) {
    ret = step();
    if (ret) break;
  }
  if (ret) {
    ctx.pr('err', 'recover failed');
    for (const z of [ctx.ppsz, ctx.cpsz, ...ctx.fpszs, ...ctx.kpszs]) {
      if (z && !ctx.verdicts.has(z.desc)) ctx.verdict(z, 'not-read', 'not examined: recovery stopped earlier');
    }
  } else {
    ctx.pr('debug', 'recover end!');
    ctx.recovered = true;
  }
  return ret;
}
