/** Sizes every layer counts in. */

/** A logical block: the kernel's SECTOR_SIZE (1 << SECTOR_SHIFT), the eMMC's 512-byte block. */
export const SECTOR_SIZE = 512;
export const SECTOR_SHIFT = 9;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
