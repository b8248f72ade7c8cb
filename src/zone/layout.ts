/**
 * Zone layout of a pstore/zone region: register_pstore_zone()'s checks and
 * psz_alloc_zones() (fs/pstore/zone.c). Zones are contiguous from offset 0 in
 * the order pmsg, console, ftrace (one per CPU), kmsg.
 */
import { SECTOR_SIZE } from '../lib/units.js';
import { PSZ_BUFFER } from './codec.js';
import { SZ_128M, type KernelProfile, DEFAULT_KERNEL } from './kernel-profile.js';
import { PstoreType, type ZoneKind } from './types.js';

const TOTAL_ALIGN = 4096;

export interface ZoneSizeParams {
  /** Bytes of the device (partition) pstore/blk opened. */
  totalSize: number;
  kmsgSize: number;
  pmsgSize: number;
  consoleSize: number;
  ftraceSize: number;
  /** nr_cpu_ids of the kernel that writes: ftrace_size is split over it. */
  nrCpus: number;
}

export interface ZoneDesc {
  kind: ZoneKind;
  type: PstoreType;
  /** Index within its kind (kmsg zone number, ftrace CPU). */
  index: number;
  /** Byte offset from the start of the pstore region. */
  off: number;
  /** Zone size including the 12-byte psz_buffer header. */
  size: number;
  /** buffer_size: the data area. */
  bufferSize: number;
}

export interface ZoneLayout {
  /** total_size after the 128 MiB cap. */
  totalSize: number;
  /** The size the device reported, before any cap. */
  deviceSize: number;
  pmsg?: ZoneDesc;
  console?: ZoneDesc;
  ftrace: ZoneDesc[];
  kmsg: ZoneDesc[];
  /** Bytes no zone uses (kmsg remainder, ftrace rounding, beyond the cap). */
  unused: number;
  /** The kernel's warnings, e.g. "capping size to 128MiB". */
  notes: string[];
}

/**
 * A zone configuration register_pstore_zone() refuses; the message is the kernel's own. (Not
 * the partition-table or card-image layout errors elsewhere.)
 */
export class ZoneLayoutError extends Error {}

function zone(kind: ZoneKind, type: PstoreType, index: number, off: number, size: number): ZoneDesc {
  return { kind, type, index, off, size, bufferSize: size - PSZ_BUFFER.size };
}

/** register_pstore_zone() + psz_alloc_zones(), throwing the kernel's verdict. */
export function computeLayout(p: ZoneSizeParams, profile: KernelProfile = DEFAULT_KERNEL): ZoneLayout {
  const notes: string[] = [];
  let total = p.totalSize;
  if (!Number.isSafeInteger(total) || total < TOTAL_ALIGN) throw new ZoneLayoutError(`total_size must be >= ${TOTAL_ALIGN} (got ${total})`);
  if (profile.capTotalSize && total > SZ_128M) {
    notes.push('capping size to 128MiB');
    total = SZ_128M;
  }
  if (!p.kmsgSize && !p.pmsgSize && !p.consoleSize && !p.ftraceSize) throw new ZoneLayoutError('at least one record size must be non-zero');
  const check = (name: string, v: number, align: number): void => {
    if (v > 0 && v < align) throw new ZoneLayoutError(`${name} must be over ${align}`);
    if (v % align !== 0) throw new ZoneLayoutError(`${name} must be a multiple of ${align}`);
  };
  check('total_size', total, TOTAL_ALIGN);
  check('kmsg_size', p.kmsgSize, SECTOR_SIZE);
  check('pmsg_size', p.pmsgSize, SECTOR_SIZE);
  check('console_size', p.consoleSize, SECTOR_SIZE);
  check('ftrace_size', p.ftraceSize, SECTOR_SIZE);
  if (!Number.isInteger(p.nrCpus) || p.nrCpus < 1) throw new ZoneLayoutError(`the CPU count must be a positive integer (got ${p.nrCpus})`);

  let off = 0;
  const single = (kind: ZoneKind, type: PstoreType, size: number): ZoneDesc | undefined => {
    if (!size) return undefined;
    if (off + size > total) throw new ZoneLayoutError(`no room for ${kind === 'kmsg' ? 'dmesg' : kind} (0x${size.toString(16)}@0x${off.toString(16)} over 0x${total.toString(16)})`);
    const z = zone(kind, type, 0, off, size);
    off += size;
    return z;
  };
  const many = (kind: ZoneKind, type: PstoreType, areaSize: number, recordSize: number): ZoneDesc[] => {
    if (!areaSize || !recordSize) return [];
    const name = kind === 'kmsg' ? 'dmesg' : kind;
    if (off + areaSize > total) throw new ZoneLayoutError(`no room for zones ${name} (0x${areaSize.toString(16)}@0x${off.toString(16)} over 0x${total.toString(16)})`);
    const count = Math.floor(areaSize / recordSize);
    if (count === 0) throw new ZoneLayoutError(`zone ${name} total_size too small`);
    const zones: ZoneDesc[] = [];
    for (let i = 0; i < count; i++) {
      zones.push(zone(kind, type, i, off, recordSize));
      off += recordSize;
    }
    return zones;
  };

  const pmsg = single('pmsg', PstoreType.PMSG, p.pmsgSize);
  const consoleZone = single('console', PstoreType.CONSOLE, p.consoleSize);
  // ftrace_size / nr_cpu_ids per CPU; the remainder is lost (zone.c).
  const ftrace = many('ftrace', PstoreType.FTRACE, p.ftraceSize, Math.floor(p.ftraceSize / p.nrCpus));
  // The kmsg area subtracts ftrace_size itself, not the zones actually made.
  const kmsgArea = total - (p.pmsgSize + p.consoleSize + p.ftraceSize);
  const kmsg = p.kmsgSize ? many('kmsg', PstoreType.DMESG, kmsgArea, p.kmsgSize) : [];
  const layout: ZoneLayout = { totalSize: total, deviceSize: p.totalSize, ftrace, kmsg, unused: p.totalSize - off, notes };
  if (pmsg) layout.pmsg = pmsg;
  if (consoleZone) layout.console = consoleZone;
  return layout;
}

/** Every zone in disk order. */
export function zonesInDiskOrder(l: ZoneLayout): ZoneDesc[] {
  return [...(l.pmsg ? [l.pmsg] : []), ...(l.console ? [l.console] : []), ...l.ftrace, ...l.kmsg];
}
