/**
 * The LZ4 block format (lib/lz4, crypto/lz4.c and crypto/lz4hc.c store one raw
 * block, no frame). Decoding follows LZ4_decompress_safe(): the block must end
 * with a literal-only sequence exactly at the end of the input, every match
 * must point into what was already written, and output stops at `limit`.
 * Written here from the block format description because the format is a
 * page long and the bound on output (the decompression-bomb guard) has to be
 * ours; encoding uses lz4js's compressBlock (the reference greedy encoder).
 */
import lz4js from 'lz4js';

/** The minimum match length (MINMATCH). */
const MIN_MATCH = 4;
/** A 4-bit length field of 15 continues in the following bytes. */
const RUN_MASK = 15;
const EXTEND_STOP = 255;

export type BlockResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

/** Reads the 255-continued length extension at `at`; -1 when the input ends first. */
function readLength(src: Uint8Array, at: { pos: number }): number {
  let len = 0;
  for (;;) {
    if (at.pos >= src.length) return -1;
    const b = src[at.pos++]!;
    len += b;
    if (b !== EXTEND_STOP) return len;
  }
}

/** LZ4_decompress_safe(src, dst, srcSize, limit). */
export function lz4DecompressSafe(src: Uint8Array, limit: number): BlockResult {
  if (!src.length) return { ok: false, error: 'empty LZ4 block' };
  const out = new Uint8Array(limit);
  const at = { pos: 0 };
  let op = 0;
  for (;;) {
    const token = src[at.pos++]!;
    let litLen = token >> 4;
    if (litLen === RUN_MASK) {
      const ext = readLength(src, at);
      if (ext < 0) return { ok: false, error: 'LZ4 literal length runs past the input' };
      litLen += ext;
    }
    if (at.pos + litLen > src.length) return { ok: false, error: 'LZ4 literals run past the input' };
    if (op + litLen > limit) return { ok: false, error: `decompresses past the ${limit}-byte limit` };
    out.set(src.subarray(at.pos, at.pos + litLen), op);
    at.pos += litLen;
    op += litLen;
    // The last sequence has literals only and ends the input exactly.
    if (at.pos === src.length) break;
    if (at.pos + 2 > src.length) return { ok: false, error: 'LZ4 match offset runs past the input' };
    const offset = src[at.pos]! | (src[at.pos + 1]! << 8);
    at.pos += 2;
    if (offset === 0 || offset > op) return { ok: false, error: `LZ4 match offset ${offset} points before the output` };
    let matchLen = token & RUN_MASK;
    if (matchLen === RUN_MASK) {
      const ext = readLength(src, at);
      if (ext < 0) return { ok: false, error: 'LZ4 match length runs past the input' };
      matchLen += ext;
    }
    matchLen += MIN_MATCH;
    if (op + matchLen > limit) return { ok: false, error: `decompresses past the ${limit}-byte limit` };
    // Byte by byte: a match may overlap what it writes (offset < length repeats).
    for (let i = 0; i < matchLen; i++, op++) out[op] = out[op - offset]!;
    if (at.pos >= src.length) return { ok: false, error: 'LZ4 block ends with a match, not with literals' };
  }
  return { ok: true, data: out.slice(0, op) };
}

/**
 * LZ4_compress_default(src, dst, slen, dlen): one block, or null when it does
 * not fit in `outLimit` bytes (the kernel then returns 0 and pstore stores the
 * text uncompressed).
 */
export function lz4CompressDefault(input: Uint8Array, outLimit: number): Uint8Array | null {
  if (!input.length) return null;
  const dst = new Uint8Array(lz4js.compressBound(input.length));
  const hashTable = new Uint32Array(1 << 16);
  const n = lz4js.compressBlock(input, dst, 0, input.length, hashTable);
  // lz4js returns 0 for input it stores uncompressed; the kernel's block then is one literal run.
  const block = n > 0 ? dst.subarray(0, n) : literalBlock(input);
  return block.length <= outLimit ? block.slice() : null;
}

/** A block of literals only: what an incompressible input encodes to. */
function literalBlock(input: Uint8Array): Uint8Array {
  const ext: number[] = [];
  if (input.length >= RUN_MASK) {
    let rest = input.length - RUN_MASK;
    while (rest >= EXTEND_STOP) {
      ext.push(EXTEND_STOP);
      rest -= EXTEND_STOP;
    }
    ext.push(rest);
  }
  const out = new Uint8Array(1 + ext.length + input.length);
  out[0] = Math.min(input.length, RUN_MASK) << 4;
  out.set(ext, 1);
  out.set(input, 1 + ext.length);
  return out;
}
