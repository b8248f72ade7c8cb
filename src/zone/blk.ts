/**
 * pstore/blk (fs/pstore/blk.c): module parameters become a pstore_zone_info,
 * and a block device is attached with generic file I/O
 * (psblk_generic_blk_read/write), the best_effort path. Drivers with a real
 * panic writer (mmcpstore) register their own PstoreDeviceInfo instead.
 */
import { EBUSY, EINVAL } from '../lib/errno.js';
import { KiB } from '../lib/units.js';
import { checkDeviceOps, type PstoreDeviceInfo, type PstoreZoneInfo } from './device-info.js';
import type { BlockRegion } from './file-region.js';
import { PSTORE_FLAGS_ALL, zoneSizesFromParams, type BlkParams } from './params.js';
import { ZoneContext, ZoneRegisterError, type ZoneContextOptions } from './zone.js';

/** KBUILD_MODNAME of blk.c: the backend name in every record file name. */
export const PSTORE_BLK_NAME = 'pstore_blk';

/** What register_pstore_device() is given besides the device: the zone context's options, passed on whole. */
export type RegisterOptions = ZoneContextOptions;

export interface Registration {
  zone: ZoneContext;
  /** The pstore/blk lines printed on the way (e.g. "kmsg_size must align to 4096"). */
  notes: string[];
  /** What the parameters read back as in /sys/module/pstore_blk/parameters (KiB). */
  effective: BlkParams;
}

/** register_pstore_device(): verify_size() per front end, then register_pstore_zone(). */
export function registerPstoreDevice(dev: PstoreDeviceInfo, params: BlkParams, options: RegisterOptions = {}): Registration {
  const problems = checkDeviceOps(dev);
  if (problems.length) throw new ZoneRegisterError(problems.join('; '));
  const sizes = zoneSizesFromParams(params, dev.flags || PSTORE_FLAGS_ALL);
  const info: PstoreZoneInfo = {
    name: PSTORE_BLK_NAME,
    totalSize: dev.totalSize,
    kmsgSize: sizes.kmsgSize,
    pmsgSize: sizes.pmsgSize,
    consoleSize: sizes.consoleSize,
    ftraceSize: sizes.ftraceSize,
    maxReason: params.maxReason,
    read: dev.read.bind(dev),
    write: dev.write.bind(dev),
  };
  if (dev.panicWrite) info.panicWrite = dev.panicWrite.bind(dev);
  if (dev.erase) info.erase = dev.erase.bind(dev);
  const zone = new ZoneContext(info, options);
  const effective: BlkParams = {
    ...params,
    kmsgSize: sizes.kmsgSize / KiB,
    pmsgSize: sizes.pmsgSize / KiB,
    consoleSize: sizes.consoleSize / KiB,
    ftraceSize: sizes.ftraceSize / KiB,
  };
  return { zone, notes: sizes.notes.map((n) => `pstore_blk: ${n}`), effective };
}

export interface GenericBlkOptions {
  /**
   * Returns true while the caller runs in interrupt context or with
   * interrupts off: the generic writer then refuses with -EBUSY and the zone
   * stays dirty for the flusher, as blk.c does.
   */
  atomicContext?: () => boolean;
  /** Offer the normal writer as panic writer too (a tool writing offline, not a kernel). */
  panicWriter?: boolean;
}

/** psblk_generic_blk_read/write over a region: what best_effort attaches. */
export function genericBlkDevice(region: BlockRegion, options: GenericBlkOptions = {}): PstoreDeviceInfo {
  const dev: PstoreDeviceInfo = {
    flags: 0,
    totalSize: region.size,
    read: (buf, pos) => (pos < 0 ? -EINVAL : region.readAt(buf, pos)),
    write: (buf, pos) => {
      if (options.atomicContext?.()) return -EBUSY;
      return pos < 0 ? -EINVAL : region.writeAt(buf, pos);
    },
  };
  if (options.panicWriter) dev.panicWrite = (buf, pos) => (pos < 0 ? -EINVAL : region.writeAt(buf, pos));
  return dev;
}
