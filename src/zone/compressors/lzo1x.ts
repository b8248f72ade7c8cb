/**
 * LZO1X decompression as lib/lzo/lzo1x_decompress_safe.c does it, for
 * crypto/lzo.c's raw LZO1X-1 blocks (the kernel's bitstream is described in
 * Documentation/staging/lzo.rst). No maintained npm package decodes LZO1X in
 * plain JavaScript with an output bound (the ones there are native bindings
 * or a WebAssembly FFmpeg), so this is written from that description; the
 * bound is the decompression-bomb guard, and the stream must end with the
 * end-of-stream marker exactly at the end of the input.
 */
import type { BlockResult } from './lz4-block.js';

/** Largest distance of a 3-byte match after a literal run (M2_MAX_OFFSET). */
const M2_MAX_OFFSET = 0x0800;
/** Base distance of the 16..48 KiB matches; distance 16384 itself marks the end. */
const M3_BASE = 0x4000;
/** First-byte values above this start with a literal run of (byte - 17). */
const FIRST_LITERAL_BIAS = 17;
/** lzo-rle's bitstream-version byte (only crypto "lzo-rle" writes it). */
const BITSTREAM_VERSION_MARK = 17;
/** Zero bytes allowed in one length extension (MAX_255_COUNT for a 32-bit size_t). */
const MAX_255_COUNT = Math.floor(0xffffffff / 255) - 2;

class LzoError extends Error {}

/** lzo1x_decompress_safe(in, in_len, out, &out_len) with out_len = limit. */
export function lzo1xDecompressSafe(src: Uint8Array, limit: number): BlockResult {
  try {
    return { ok: true, data: decode(src, limit) };
  } catch (e) {
    if (e instanceof LzoError) return { ok: false, error: e.message };
    throw e;
  }
}

function decode(src: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let ip = 0;
  let op = 0;
  const needIp = (n: number): void => {
    if (ip + n > src.length) throw new LzoError('LZO input overrun (LZO_E_INPUT_OVERRUN)');
  };
  const needOp = (n: number): void => {
    if (op + n > limit) throw new LzoError(`decompresses past the ${limit}-byte limit (LZO_E_OUTPUT_OVERRUN)`);
  };
  const copyLiterals = (n: number): void => {
    needIp(n);
    needOp(n);
    out.set(src.subarray(ip, ip + n), op);
    ip += n;
    op += n;
  };
  /** A run of zero bytes then one non-zero byte: 255 per zero, plus that byte. */
  const zeroRun = (): number => {
    const first = ip;
    for (;;) {
      needIp(1);
      if (src[ip] !== 0) break;
      ip++;
    }
    const zeros = ip - first;
    if (zeros > MAX_255_COUNT) throw new LzoError('LZO length extension too long (LZO_E_ERROR)');
    return zeros * 255 + src[ip++]!;
  };

  needIp(1);
  // state: literals the previous instruction copied (0..3, or 4 for a long run).
  let state = 0;
  let next = 0;
  let skipToMatchNext = false;
  if (src[0] === BITSTREAM_VERSION_MARK) throw new LzoError('LZO-RLE bitstream (crypto "lzo-rle"), not plain LZO1X');
  if (src[0]! > FIRST_LITERAL_BIAS) {
    const t = src[ip++]! - FIRST_LITERAL_BIAS;
    if (t < 4) {
      next = t;
      skipToMatchNext = true;
    } else {
      copyLiterals(t);
      state = 4;
    }
  }
  for (;;) {
    if (skipToMatchNext) {
      skipToMatchNext = false;
      state = next;
      copyLiterals(next);
      continue;
    }
    needIp(1);
    let t = src[ip++]!;
    let distance: number;
    if (t < 16) {
      if (state === 0) {
        // A literal run of 4 or more.
        if (t === 0) t = 15 + zeroRun();
        copyLiterals(t + 3);
        state = 4;
        continue;
      }
      needIp(1);
      next = t & 3;
      if (state !== 4) {
        // 2 bytes within 1 KiB, after 1..3 literals.
        distance = 1 + (t >> 2) + (src[ip++]! << 2);
        t = 2;
      } else {
        // 3 bytes at 2..3 KiB, after a long literal run.
        distance = 1 + M2_MAX_OFFSET + (t >> 2) + (src[ip++]! << 2);
        t = 3;
      }
    } else if (t >= 64) {
      needIp(1);
      next = t & 3;
      distance = 1 + ((t >> 2) & 7) + (src[ip++]! << 3);
      t = (t >> 5) - 1 + 2;
    } else if (t >= 32) {
      t = (t & 31) + 2;
      if (t === 2) t += 31 + zeroRun();
      needIp(2);
      const le16 = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      distance = 1 + (le16 >> 2);
      next = le16 & 3;
    } else {
      const far = (t & 8) << 11;
      t = (t & 7) + 2;
      if (t === 2) t += 7 + zeroRun();
      needIp(2);
      const le16 = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      next = le16 & 3;
      distance = far + (le16 >> 2);
      if (distance === 0) {
        // End of stream: only the marker 0x11 0x00 0x00, and only at the input's end.
        if (t !== 3) throw new LzoError('LZO end marker with a length (LZO_E_ERROR)');
        if (ip < src.length) throw new LzoError(`LZO stream ends ${src.length - ip} bytes before the input (LZO_E_INPUT_NOT_CONSUMED)`);
        return out.slice(0, op);
      }
      distance += M3_BASE;
    }
    if (distance > op) throw new LzoError(`LZO match distance ${distance} points before the output (LZO_E_LOOKBEHIND_OVERRUN)`);
    needOp(t);
    for (let i = 0; i < t; i++, op++) out[op] = out[op - distance]!;
    skipToMatchNext = true;
  }
}
