/**
 * How a card image file is laid out, without booting anything: the sizes of the hardware
 * partitions QEMU's emmc device keeps in front of the user area, and the file size for a
 * user area. Light on purpose: the commands probe files with it before loading the board.
 */
import type { ImageLayoutKind } from './types.js';

/** boot0 and boot1 in QEMU's layout (its emmc device's default boot-partition-size). */
export const QEMU_BOOT_SIZE = 1 << 20;
/** RPMB in QEMU's layout. */
export const QEMU_RPMB_SIZE = 128 << 10;

/** Bytes of an image file whose user area is `size` bytes. */
export function imageFileSize(size: number, layout: ImageLayoutKind = 'user-area'): number {
  return layout === 'qemu' ? size + 2 * QEMU_BOOT_SIZE + QEMU_RPMB_SIZE : size;
}
