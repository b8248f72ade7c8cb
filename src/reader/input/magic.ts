/**
 * Compressed images told by their first bytes, not by their names: a `dump.img.gz` renamed
 * `dump.img` (or piped in) is still read. The magics are the formats' own: RFC 1952 (gzip),
 * the .xz file format 1.x (header magic), RFC 8878 (zstd frame magic 0xFD2FB528, little-endian).
 */
export type Compression = 'gzip' | 'xz' | 'zstd';

const MAGICS: readonly (readonly [Compression, readonly number[]])[] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Bytes that decide: the longest magic. */
export const MAGIC_BYTES = Math.max(...MAGICS.map(([, m]) => m.length));

/** The compression whose magic `head` starts with, or null for anything else (a raw image). */
export function compressionOf(head: Uint8Array): Compression | null {
  for (const [name, magic] of MAGICS) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return name;
  }
  return null;
}
