/**
 * The storage contract of pstore/zone (include/linux/pstore_zone.h,
 * struct pstore_zone_info) and of pstore/blk (include/linux/pstore_blk.h,
 * struct pstore_device_info). Callbacks follow the kernel's convention:
 * they return the number of bytes moved, or a negative errno
 * (-ENOMSG "this zone is broken, try the next", -EBUSY "not now").
 * Offsets are bytes from the start of the pstore region.
 */
import { EINVAL } from '../lib/errno.js';

export interface PstoreDeviceOps {
  /** Bytes of the region pstore/blk uses (a partition, or a range of it). */
  totalSize: number;
  /** Fill all of `buf` from `pos`. */
  read(buf: Uint8Array, pos: number): number;
  /** Normal-context writer. */
  write(buf: Uint8Array, pos: number): number;
  /** Writer that works with interrupts off during a panic; absent in best_effort mode. */
  panicWrite?(buf: Uint8Array, pos: number): number;
  /** Optional explicit erase (mtdpstore); block devices rewrite the header instead. */
  erase?(size: number, pos: number): number;
}

/** struct pstore_device_info: the ops plus the front ends the device supports. */
export interface PstoreDeviceInfo extends PstoreDeviceOps {
  /** PSTORE_FLAGS_* the backend supports; 0 means all. */
  flags: number;
}

/** struct pstore_zone_info: what register_pstore_zone() receives. */
export interface PstoreZoneInfo extends PstoreDeviceOps {
  /** Backend name in record file names: "pstore_blk" for pstore/blk. */
  name: string;
  kmsgSize: number;
  pmsgSize: number;
  consoleSize: number;
  ftraceSize: number;
  maxReason: number;
}

/** Names the missing op, as blk.c's registration does ("no read handler for device"). */
export function checkDeviceOps(dev: Partial<PstoreDeviceOps> | undefined): string[] {
  if (!dev) return ['NULL device info'];
  const problems: string[] = [];
  if (!dev.totalSize) problems.push('zero sized device');
  if (typeof dev.read !== 'function') problems.push('no read handler for device');
  if (typeof dev.write !== 'function') problems.push('no write handler for device');
  return problems;
}

/** A region held in memory: tests and generated images. */
export class MemoryPstoreDevice implements PstoreDeviceInfo {
  flags = 0;
  readonly bytes: Uint8Array;
  /** Every write in order, for tests that check what reached the medium. */
  readonly writes: { pos: number; length: number; panic: boolean }[] = [];

  /** Present unless built as a best_effort-like device without a panic writer. */
  panicWrite?: (buf: Uint8Array, pos: number) => number;

  constructor(sizeOrBytes: number | Uint8Array, withPanicWrite = true) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes) : sizeOrBytes;
    if (withPanicWrite) this.panicWrite = (buf, pos) => this.store(buf, pos, true);
  }

  get totalSize(): number {
    return this.bytes.length;
  }

  read(buf: Uint8Array, pos: number): number {
    if (pos < 0 || pos > this.bytes.length) return -EINVAL;
    const n = Math.min(buf.length, this.bytes.length - pos);
    buf.set(this.bytes.subarray(pos, pos + n));
    return n;
  }

  write(buf: Uint8Array, pos: number): number {
    return this.store(buf, pos, false);
  }

  private store(buf: Uint8Array, pos: number, panic: boolean): number {
    if (pos < 0 || pos > this.bytes.length) return -EINVAL;
    const n = Math.min(buf.length, this.bytes.length - pos);
    this.bytes.set(buf.subarray(0, n), pos);
    this.writes.push({ pos, length: n, panic });
    return n;
  }
}
