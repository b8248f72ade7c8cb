/**
 * The fixed tables of the kernel's zlib trees (lib/zlib_deflate/deftree.c):
 * extra bits per code, the length and distance code maps, and the fixed
 * Huffman code of RFC 1951 3.2.6; plus canonical code assignment, which the
 * dynamic trees (huffman-tree.ts) use too.
 */
import * as limits from './constants.js';

// Copied into module-local constants on purpose: some loaders (tsx) turn
// imported bindings into getter calls, which are costly in per-symbol code.
const { D_CODES, LENGTH_CODES, L_CODES, MAX_BITS, MAX_MATCH, MIN_MATCH } = limits;

export const EXTRA_LENGTH_BITS = Uint8Array.of(
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
);
export const EXTRA_DIST_BITS = Uint8Array.of(
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
);
export const EXTRA_BL_BITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7);
/** Order in which code-length code lengths are sent (most probable first). */
export const BL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Reverse the low `length` bits of `code` (Huffman codes are sent MSB first). */
export function reverseBits(code: number, length: number): number {
  let result = 0;
  for (let i = 0; i < length; i++) {
    result = (result << 1) | (code & 1);
    code >>>= 1;
  }
  return result;
}

/**
 * Assign canonical codes (bit-reversed, ready to send LSB first) to every
 * symbol 0..maxCode with a non-zero length.
 */
export function generateCodes(codes: Uint16Array, lengths: Uint16Array, maxCode: number, blCount: Uint16Array): void {
  const nextCode = new Uint16Array(MAX_BITS + 1);
  let code = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = ((code + blCount[bits - 1]) << 1) & 0xffff;
    nextCode[bits] = code;
  }
  for (let n = 0; n <= maxCode; n++) {
    const len = lengths[n];
    if (len === 0) continue;
    codes[n] = reverseBits(nextCode[len]++, len);
  }
}

// ---------------------------------------------------------------------------
// Fixed tables, computed once, on the first encoder (zlib tr_static_init from _tr_init):
// readers never compress and should not pay for them at start-up.

/** Length code (0..28) for each match length minus MIN_MATCH (0..255). */
export const LENGTH_CODE = new Uint8Array(MAX_MATCH - MIN_MATCH + 1);
/** First (length - MIN_MATCH) of each length code. */
export const BASE_LENGTH = new Int32Array(LENGTH_CODES);
/**
 * Distance code for distance-1: entries 0..255 for distances 1..256, entries
 * 256..511 for the top bits (distance-1 >> 7) of longer distances.
 */
export const DIST_CODE = new Uint8Array(512);
/** First (distance - 1) of each distance code. */
export const BASE_DIST = new Int32Array(D_CODES);
/** The fixed literal/length code of RFC 1951 3.2.6 (288 entries for a complete tree). */
export const STATIC_LTREE_LEN = new Uint16Array(L_CODES + 2);
export const STATIC_LTREE_CODE = new Uint16Array(L_CODES + 2);
/** The fixed distance code: every code is 5 bits. */
export const STATIC_DTREE_LEN = new Uint16Array(D_CODES);
export const STATIC_DTREE_CODE = new Uint16Array(D_CODES);

let staticTablesReady = false;

export function initStaticTables(): void {
  if (staticTablesReady) return;
  staticTablesReady = true;
  let length = 0;
  let code = 0;
  for (code = 0; code < LENGTH_CODES - 1; code++) {
    BASE_LENGTH[code] = length;
    for (let n = 0; n < 1 << EXTRA_LENGTH_BITS[code]; n++) LENGTH_CODE[length++] = code;
  }
  // Length 258 could be code 284 with all extra bits set, but code 285 is shorter.
  LENGTH_CODE[length - 1] = code;

  let dist = 0;
  for (code = 0; code < 16; code++) {
    BASE_DIST[code] = dist;
    for (let n = 0; n < 1 << EXTRA_DIST_BITS[code]; n++) DIST_CODE[dist++] = code;
  }
  dist >>= 7; // from here on distances are counted in units of 128
  for (; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7;
    for (let n = 0; n < 1 << (EXTRA_DIST_BITS[code] - 7); n++) DIST_CODE[256 + dist++] = code;
  }

  const blCount = new Uint16Array(MAX_BITS + 1);
  let n = 0;
  while (n <= 143) { STATIC_LTREE_LEN[n++] = 8; blCount[8]++; }
  while (n <= 255) { STATIC_LTREE_LEN[n++] = 9; blCount[9]++; }
  while (n <= 279) { STATIC_LTREE_LEN[n++] = 7; blCount[7]++; }
  while (n <= 287) { STATIC_LTREE_LEN[n++] = 8; blCount[8]++; }
  generateCodes(STATIC_LTREE_CODE, STATIC_LTREE_LEN, L_CODES + 1, blCount);

  for (let d = 0; d < D_CODES; d++) {
    STATIC_DTREE_LEN[d] = 5;
    STATIC_DTREE_CODE[d] = reverseBits(d, 5);
  }
}

/** Distance code of a (distance - 1). */
export function distanceCode(distMinusOne: number): number {
  return distMinusOne < 256 ? DIST_CODE[distMinusOne] : DIST_CODE[256 + (distMinusOne >>> 7)];
}

