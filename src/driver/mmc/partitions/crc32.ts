/**
 * CRC-32 as UEFI and Linux `efi_crc32()` use it: the reflected IEEE 802.3 polynomial
 * 0xEDB88320, seeded with ~0 and inverted at the end (`crc32(~0, buf, len) ^ ~0`).
 * Check value: CRC32("123456789") = 0xCBF43926.
 */

import * as zlib from 'node:zlib';

const POLYNOMIAL = 0xedb88320;

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The table-driven CRC, for a Node without zlib.crc32 (before 20.15) and as the tests' reference. */
export function crc32Table(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * zlib's crc32 is this CRC (same polynomial, seed and final inversion, chained the same way),
 * native: a card's partition scan checks 64 KiB of entry arrays, slow in JavaScript that has not
 * warmed up yet.
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Continues a CRC over `bytes` (pass the previous return value as `crc` to chain). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return nativeCrc32 ? nativeCrc32(bytes, crc) : crc32Table(bytes, crc);
}
