/**
 * CRC-32 as UEFI and Linux `efi_crc32()` use it: the reflected IEEE 802.3 polynomial
 * 0xEDB88320, seeded with ~0 and inverted at the end (`crc32(~0, buf, len) ^ ~0`).
 * Check value: CRC32("123456789") = 0xCBF43926.
 */

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

/** Continues a CRC over `bytes` (pass the previous return value as `crc` to chain). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
