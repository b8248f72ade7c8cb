/**
 * psz_pstore_erase() (fs/pstore/zone.c): what unlinking a pstorefs file does
 * to its zone.
 */
import { PSZ_BUFFER, decodeKmsgHeader } from './codec.js';
import { EINVAL } from '../lib/errno.js';
import type { PszContext, PstoreRecord } from './psz-context.js';
import type { PstoreZone } from './psz-zone.js';
import { PstoreType } from './types.js';
import { FlushMode, flushDirtyZone, zoneWrite } from './zone-write.js';

/** psz_pstore_erase(). */
export function pstoreErase(ctx: PszContext, record: Pick<PstoreRecord, 'type' | 'id' | 'count'>): number {
  switch (record.type) {
    case PstoreType.DMESG: {
      if (record.id >= ctx.kpszs.length) return -EINVAL;
      const zone = ctx.kpszs[record.id]!;
      if (!zone.ok()) return 0;
      // The zone was rewritten since the record was read: nothing to erase.
      if (record.count !== decodeKmsgHeader(zone.buffer, PSZ_BUFFER.size, ctx.abi).counter) return 0;
      const size = zone.datalen + PSZ_BUFFER.size;
      zone.datalen = 0;
      if (ctx.info.erase) return ctx.info.erase(size, zone.desc.off);
      return zoneWrite(ctx, zone, FlushMode.META, null, 0, 0);
    }
    case PstoreType.PMSG:
      return recordErase(ctx, ctx.ppsz);
    case PstoreType.CONSOLE:
      return recordErase(ctx, ctx.cpsz);
    case PstoreType.FTRACE:
      if (record.id >= ctx.fpszs.length) return -EINVAL;
      return recordErase(ctx, ctx.fpszs[record.id]);
    default:
      return -EINVAL;
  }
}

/** psz_record_erase(). */
function recordErase(ctx: PszContext, zone: PstoreZone | undefined): number {
  if (!zone?.oldOk()) return 0;
  zone.oldbuf = null;
  // New data this boot already supersedes the old: no need to write 0.
  if (!zone.ok()) return zoneWrite(ctx, zone, FlushMode.META, null, 0, 0);
  flushDirtyZone(ctx, zone);
  return 0;
}
