/**
 * pstore/blk's module parameters (fs/pstore/blk.c) and their defaults: what every layer that
 * names a default (the CLI's option table included) reads, without the command-line parser.
 */
import { KmsgDumpReason } from './types.js';

/** CONFIG_PSTORE_BLK_* defaults of a mainline defconfig: only kmsg is built in. */
export const BLK_DEFAULTS = {
  blkdev: '',
  kmsgSize: 64,
  pmsgSize: -1,
  consoleSize: -1,
  ftraceSize: -1,
  maxReason: KmsgDumpReason.OOPS,
  bestEffort: false,
} as const;

/** blkdev is a char[80]: at most 79 characters. */
export const BLKDEV_MAX = 79;

export interface BlkParams {
  blkdev: string;
  /** KiB; <= 0 disables the front end, as the kernel's check_size() does. */
  kmsgSize: number;
  pmsgSize: number;
  consoleSize: number;
  ftraceSize: number;
  maxReason: number;
  bestEffort: boolean;
}
