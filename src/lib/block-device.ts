/**
 * The size of a block device. stat(2) says 0 for one and Node has no ioctl(BLKGETSIZE64), so the
 * size comes from sysfs, as lsblk reads it: /sys/dev/block/MAJ:MIN/size counts 512-byte sectors
 * whatever the logical block size. Without sysfs (a container without /sys, another system) the
 * end is found by positional reads: doubling, then a binary search for the last readable sector.
 * One source for every layer that opens an image (zone/file-region.ts, device/backing.ts, reader/).
 */
import * as fs from 'node:fs';
import { SECTOR_SIZE } from './units.js';

/** Where sysfs is mounted; tests point it at a directory of their own. */
export const SYSFS_ROOT = '/sys';

/** Linux's dev_t as glibc encodes it (gnu_dev_major/gnu_dev_minor), from `st.rdev`. */
export function devMajorMinor(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

/** Bytes sysfs gives for the device `rdev`, or null when it has no readable answer. */
export function sysfsBlockSize(rdev: number, sysfsRoot = SYSFS_ROOT): number | null {
  const { major, minor } = devMajorMinor(rdev);
  let text: string;
  try {
    text = fs.readFileSync(`${sysfsRoot}/dev/block/${major}:${minor}/size`, 'utf8');
  } catch {
    return null;
  }
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const bytes = Number(t) * SECTOR_SIZE;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** True when the byte just before `sectors` sectors can be read. */
function readable(fd: number, sectors: number, probe: Uint8Array): boolean {
  try {
    return fs.readSync(fd, probe, 0, 1, sectors * SECTOR_SIZE - 1) === 1;
  } catch {
    return false; // EINVAL/EIO past the end on some devices
  }
}

/** The device's size found by reading: the last readable sector, in whole sectors. */
export function probeSizeByReading(fd: number): number {
  const probe = new Uint8Array(1);
  if (!readable(fd, 1, probe)) return 0;
  let hi = 2;
  while (readable(fd, hi, probe)) hi *= 2;
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (readable(fd, mid, probe)) lo = mid;
    else hi = mid;
  }
  return lo * SECTOR_SIZE;
}

/** Size in bytes of the block device open on `fd` (whose stat is `st`). */
export function blockDeviceSize(fd: number, st: Pick<fs.Stats, 'rdev'>, sysfsRoot = SYSFS_ROOT): number {
  return sysfsBlockSize(st.rdev, sysfsRoot) ?? probeSizeByReading(fd);
}

/** What an image file or block device holds, in bytes: st.size for a file, the device's size for a block device. */
export function fdByteSize(fd: number, st: fs.Stats = fs.fstatSync(fd), sysfsRoot = SYSFS_ROOT): number {
  return st.isBlockDevice() ? blockDeviceSize(fd, st, sysfsRoot) : st.size;
}
