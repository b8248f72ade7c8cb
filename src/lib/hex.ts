/** Hex formatting as the kernel and the tool print it. */

/** `0x1f`, or zero-padded to `width` digits: `hex(0x1f, 4)` → `0x001f`. Negative 32-bit values print unsigned. */
export function hex(n: number | bigint, width = 0): string {
  const v = typeof n === 'bigint' ? n : n < 0 ? n >>> 0 : n;
  return `0x${v.toString(16).padStart(width, '0')}`;
}

/** The digits alone, zero-padded: `hexDigits(0x1f, 8)` → `0000001f`. */
export function hexDigits(n: number | bigint, width = 0): string {
  const v = typeof n === 'bigint' ? n : n < 0 ? n >>> 0 : n;
  return v.toString(16).padStart(width, '0');
}
