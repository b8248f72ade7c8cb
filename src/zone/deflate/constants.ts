/**
 * Constants shared by the LZ77 stage and the Huffman/block stage of the
 * kernel-compatible deflate encoder. Values follow RFC 1951 and the limits of
 * the Linux kernel's zlib port (lib/zlib_deflate, include/linux/zconf.h).
 */

/** Shortest match deflate can express. */
export const MIN_MATCH = 3;
/** Longest match deflate can express. */
export const MAX_MATCH = 258;
/**
 * Lookahead the LZ77 stage keeps (except at end of input): one full match plus
 * MIN_MATCH bytes to hash the string that follows it, plus one.
 */
export const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;

/** Number of literal byte values. */
export const LITERALS = 256;
/** Number of length codes, not counting END_BLOCK. */
export const LENGTH_CODES = 29;
/** Literal/length alphabet size including END_BLOCK (286). */
export const L_CODES = LITERALS + 1 + LENGTH_CODES;
/** Distance alphabet size. */
export const D_CODES = 30;
/** Code-length alphabet size. */
export const BL_CODES = 19;
/** Longest Huffman code deflate allows. */
export const MAX_BITS = 15;

/** Kernel limits checked by zlib_deflateInit2(). */
export const MIN_WINDOW_BITS = 9;
export const MAX_WINDOW_BITS = 15;
export const MIN_MEM_LEVEL = 1;
/** include/linux/zconf.h: the kernel builds zlib with MAX_MEM_LEVEL 8. */
export const MAX_MEM_LEVEL = 8;
export const DEFAULT_MEM_LEVEL = 8;
/** Z_DEFAULT_COMPRESSION maps to level 6. */
export const DEFAULT_LEVEL = 6;
