/**
 * pstore/zone (fs/pstore/zone.c): zones held in RAM and flushed to a
 * pstore_zone_info device; recovery of what a previous boot left; the read
 * iterator pstorefs uses; kmsg, ring (pmsg/console/ftrace) writes; erase.
 *
 * One ZoneContext is one registration (the kernel's global psz_context), so a
 * process can hold several images at once. Names follow zone.c. The parts,
 * after zone.c's sections: registration and zone allocation (psz-context.ts,
 * psz-zone.ts), writing and flushing (zone-write.ts), recovery of the dmesg
 * zones (zone-recover-kmsg.ts) and of the others (zone-recover.ts), reading
 * (zone-read.ts) and erasing (zone-erase.ts).
 */
import type { Arch } from './codec.js';
import type { ZoneDesc } from './layout.js';
import { PszContext, type PstoreRecord } from './psz-context.js';
import { pstoreErase } from './zone-erase.js';
import { pstoreOpen, pstoreRead } from './zone-read.js';
import { recovery } from './zone-recover.js';
import type { ScratchBuffer } from './scratch.js';
import { dirtyZones, flushAllDirtyZones, pstoreWrite } from './zone-write.js';

export { ZoneRegisterError, type PstoreRecord, type ZoneContextOptions, type ZoneLogLine, type ZoneStatus, type ZoneVerdict } from './psz-context.js';
export { FlushMode } from './zone-write.js';

/** The pstore_zone_info callbacks' other side: what pstore (platform.ts) and pstore/blk call. */
export class ZoneContext extends PszContext {
  /** The ABI whose struct layouts are in use (given, or detected by recovery). */
  get arch(): Arch {
    return this.abi.arch;
  }

  /**
   * psz_flush_all_dirty_zones(): the psz_cleaner work. Returns true when
   * something is still dirty (the kernel re-queues itself after 1000 ms).
   */
  flushAllDirtyZones(): boolean {
    return flushAllDirtyZones(this);
  }

  /** Zones whose RAM copy has not reached the device. */
  dirtyZones(): ZoneDesc[] {
    return dirtyZones(this);
  }

  /** psz_pstore_write(). */
  write(record: PstoreRecord): number {
    return pstoreWrite(this, record);
  }

  /**
   * psz_recovery(): runs once, on the first read. Any failure fails all of it
   * (no records at all) and it is tried again on the next read.
   */
  recovery(): number {
    return recovery(this);
  }

  /** psz_pstore_open(): restart the iterator. */
  open(): void {
    pstoreOpen(this);
  }

  /**
   * psz_pstore_read(): the next record, or a size <= 0 when there is none
   * (or recovery failed: then the negative errno). With `scratch`, a dmesg
   * record read on demand (deferKmsgData) may be a view into it.
   */
  read(record: PstoreRecord, scratch?: ScratchBuffer): number {
    return pstoreRead(this, record, scratch);
  }

  /** psz_pstore_erase(): what unlinking a pstorefs file does. */
  erase(record: Pick<PstoreRecord, 'type' | 'id' | 'count'>): number {
    return pstoreErase(this, record);
  }

  /** unregister_pstore_zone(): flush what is pending before letting go. */
  unregister(): void {
    flushAllDirtyZones(this);
    this.cleanerPending = false;
  }
}
