/**
 * mmcpstore's own reading of pstore/blk's `blkdev` (spec §1.2): base device name and partition
 * number, and which forms the built-in and the module paths accept.
 */
import { MMC_PSTORE_DEVICE_NAME_SIZE } from './constants.js';
import { ENAMETOOLONG } from '../../lib/errno.js';

const stripDev = (s: string): string => (s.startsWith('/dev/') ? s.slice(5) : s);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Base device: strip `/dev/`; the first `p` with a digit on both sides splits base from
 * partition, otherwise the whole string is the base. More than 31 characters → -ENAMETOOLONG.
 */
export function parseBaseName(blkdev: string): string | number {
  const s = stripDev(blkdev);
  const i = s.indexOf('p');
  const base = i > 0 && isDigit(s[i - 1]) && isDigit(s[i + 1]) ? s.slice(0, i) : s;
  if (base.length > MMC_PSTORE_DEVICE_NAME_SIZE - 1) return -ENAMETOOLONG;
  return base;
}

/** Partition number: trailing digits preceded by `p` preceded by a digit; else -1 ("no partition"). */
export function parsePartno(blkdev: string): number {
  const s = stripDev(blkdev);
  let j = s.length;
  while (j > 0 && isDigit(s[j - 1])) j--;
  if (j === s.length) return -1;
  if (s[j - 1] === 'p' && isDigit(s[j - 2])) return Number(s.slice(j));
  return -1;
}

/** The disk name block.c gives the user area of host `index`. */
export const mmcDiskName = (hostIndex: number): string => `mmcblk${hostIndex}`;
