/**
 * pstore/zone's read iterator (fs/pstore/zone.c): what pstorefs lists, one
 * record per call: dmesg zones first, then the ftrace zones combined into one
 * record, then pmsg and console.
 */
import { PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, decodeKmsgHeader, decodePszBuffer, kmsgPayloadOffset } from './codec.js';
import { ENOMEM, ENOMSG } from '../lib/errno.js';
import { combineFtraceLog } from './ftrace.js';
import type { PszContext, PstoreRecord } from './psz-context.js';
import type { PstoreZone } from './psz-zone.js';
import { kmsgDumpReasonStr } from './types.js';
import { recovery } from './zone-recover.js';
import type { ScratchBuffer } from './scratch.js';

/** psz_pstore_open(): restart the iterator. */
export function pstoreOpen(ctx: PszContext): void {
  ctx.kmsgReadCnt = 0;
  ctx.pmsgReadCnt = 0;
  ctx.consoleReadCnt = 0;
  ctx.ftraceReadCnt = 0;
}

function readNextZone(ctx: PszContext): PstoreZone | null {
  while (ctx.kmsgReadCnt < ctx.kpszs.length) {
    const zone = ctx.kpszs[ctx.kmsgReadCnt++]!;
    if (zone.ok()) return zone;
  }
  // ftrace zones are all visited; psz_ftrace_read() combines them.
  if (ctx.ftraceReadCnt < ctx.fpszs.length) return ctx.fpszs[ctx.ftraceReadCnt++]!;
  if (ctx.pmsgReadCnt === 0) {
    ctx.pmsgReadCnt++;
    if (ctx.ppsz?.oldOk()) return ctx.ppsz;
  }
  if (ctx.consoleReadCnt === 0) {
    ctx.consoleReadCnt++;
    if (ctx.cpsz?.oldOk()) return ctx.cpsz;
  }
  return null;
}

/** psz_kmsg_read(): uncompressed records get the "<Reason>: Total N times" line. */
function kmsgRead(ctx: PszContext, zone: PstoreZone, record: PstoreRecord, scratch?: ScratchBuffer): number {
  let size = zone.datalen;
  const headerSize = ctx.abi.kmsgHeader.size;
  const payloadOffset = kmsgPayloadOffset(ctx.abi);
  const kh = decodeKmsgHeader(zone.buffer, PSZ_BUFFER.size, ctx.abi);
  if (kh.magic !== PSTORE_KMSG_HEADER_MAGIC) {
    zone.datalen = 0;
    zone.dirty = false;
    return -ENOMSG;
  }
  record.compressed = kh.compressed;
  record.time = { sec: kh.tvSec, nsec: kh.tvNsec };
  record.reason = kh.reason;
  record.count = kh.counter;
  size -= headerSize;
  if (size < 0) {
    // The kernel does not guard this (it overruns or fails to allocate);
    // report the allocation failure that ends pstorefs' listing.
    ctx.pr('err', `dmesg zone ${record.id}: datalen ${size + headerSize} is shorter than the kmsg header`);
    return -ENOMEM;
  }
  const payloadLen = Math.min(size, zone.bufferSize - headerSize);
  // "%d": the u32 counter prints signed.
  const head = record.compressed ? null : new TextEncoder().encode(`${kmsgDumpReasonStr(record.reason)}: Total ${record.count | 0} times\n`);
  if (scratch && zone.partial) {
    // The image readers: the record's bytes go straight into the reused buffer (the caller
    // copies what must outlive the next record), and the zone keeps only its headers.
    const hlen = head?.length ?? 0;
    const out = scratch.take(hlen + payloadLen);
    const got = zone.copyOut(out.subarray(hlen), payloadOffset);
    if (got) return kmsgReadFailed(ctx, zone, record, got);
    if (head) out.set(head);
    record.buf = out;
    record.borrowed = true;
    return out.length;
  }
  const loaded = zone.load(payloadOffset + payloadLen);
  if (loaded) return kmsgReadFailed(ctx, zone, record, loaded);
  // trim() below drops a partial zone's hold on these bytes: the record can keep them uncopied.
  const owned = zone.partial;
  const payload = zone.buffer.subarray(payloadOffset, payloadOffset + payloadLen);
  if (head) {
    const out = new Uint8Array(head.length + payload.length);
    out.set(head);
    out.set(payload, head.length);
    record.buf = out;
  } else {
    record.buf = owned ? payload : payload.slice();
  }
  // The record now owns its bytes; erase needs only the headers.
  zone.trim(payloadOffset);
  return record.buf.length;
}

/** A deferred zone's data could not be read: only with deferKmsgData (the kernel would have failed this at recovery). */
function kmsgReadFailed(ctx: PszContext, zone: PstoreZone, record: PstoreRecord, errno: number): number {
  ctx.pr('err', `read ${zone.name} with id ${record.id} failed`);
  return errno;
}

/** psz_record_read(): a ring zone's old contents; with a scratch (a streaming reader) a view of them. */
function recordRead(zone: PstoreZone, record: PstoreRecord, scratch?: ScratchBuffer): number {
  if (!zone.oldbuf) return -ENOMSG;
  const end = PSZ_BUFFER.size + decodePszBuffer(zone.oldbuf).datalen;
  if (scratch) {
    record.buf = zone.oldbuf.subarray(PSZ_BUFFER.size, end);
    record.borrowed = true;
  } else {
    record.buf = zone.oldbuf.slice(PSZ_BUFFER.size, end);
  }
  return record.buf.length;
}

function ftraceRead(ctx: PszContext, zone: PstoreZone, record: PstoreRecord): number {
  if (zone.oldOk() && ctx.configPstoreFtrace) {
    const old = zone.oldbuf!;
    record.buf = combineFtraceLog(record.buf, old.subarray(PSZ_BUFFER.size, PSZ_BUFFER.size + decodePszBuffer(old).datalen), ctx.abi);
  }
  // Then read the next ftrace zone into the same record.
  if (ctx.ftraceReadCnt < ctx.fpszs.length) return -ENOMSG;
  record.id = 0;
  return record.buf.length ? record.buf.length : -ENOMSG;
}

/**
 * psz_pstore_read(): the next record, or a size <= 0 when there is none
 * (or recovery failed: then the negative errno). With `scratch`, the
 * record's buf may be a view (record.borrowed) into it or into the zone's
 * oldbuf, valid until the next read.
 */
export function pstoreRead(ctx: PszContext, record: PstoreRecord, scratch?: ScratchBuffer): number {
  const ret = recovery(ctx);
  if (ret) return ret;
  for (;;) {
    const zone = readNextZone(ctx);
    if (!zone) return 0;
    record.type = zone.desc.type;
    let r: number;
    switch (zone.desc.kind) {
      case 'kmsg':
        record.id = ctx.kmsgReadCnt - 1;
        r = kmsgRead(ctx, zone, record, scratch);
        break;
      case 'ftrace':
        r = ftraceRead(ctx, zone, record);
        break;
      default:
        r = recordRead(zone, record, scratch);
    }
    if (r === -ENOMSG) continue;
    return r;
  }
}
