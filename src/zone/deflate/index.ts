/**
 * Raw deflate (RFC 1951) encoder that reproduces, byte for byte, the Linux
 * kernel's lib/zlib_deflate as called by pstore:
 *
 *   - Linux 6.6+ fs/pstore/platform.c: zlib_deflateInit2(level 6, Z_DEFLATED,
 *     -MAX_WBITS, DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY), then a single
 *     zlib_deflate(Z_FINISH) into a buffer of the record size; the result is
 *     used only when that call returns Z_STREAM_END.
 *   - Linux <= 6.5 crypto/deflate.c: same zlib, windowBits 11 (raw); note that
 *     file asks for memLevel MAX_MEM_LEVEL, which is 8 in the kernel.
 *
 * The kernel's zlib is a zlib 1.1.x port; its output differs from zlib 1.2.x
 * (node:zlib, pako) mainly because it always runs the early block-split
 * heuristic (see trees.ts).
 */
import { BitWriter } from './bit-writer.js';
import {
  DEFAULT_LEVEL,
  DEFAULT_MEM_LEVEL,
  MAX_MEM_LEVEL,
  MAX_WINDOW_BITS,
  MIN_MEM_LEVEL,
  MIN_WINDOW_BITS,
} from './constants.js';
import { Lz77Encoder } from './lz77.js';
import { BlockEncoder } from './trees.js';

export interface KernelDeflateOptions {
  /** 0..9, default 6 (Z_DEFAULT_COMPRESSION). */
  level?: number;
  /** Raw window size log2, 9..15 (the kernel rejects 8), default 15. */
  windowBits?: number;
  /** 1..8 (the kernel's MAX_MEM_LEVEL is 8), default 8. */
  memLevel?: number;
}

interface ResolvedOptions {
  level: number;
  windowBits: number;
  memLevel: number;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`kernelDeflateRaw: ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Apply defaults and reject what zlib_deflateInit2() would reject with Z_STREAM_ERROR. */
function resolveOptions(options: KernelDeflateOptions): ResolvedOptions {
  return {
    level: checkRange('level', options.level ?? DEFAULT_LEVEL, 0, 9),
    windowBits: checkRange('windowBits', options.windowBits ?? MAX_WINDOW_BITS, MIN_WINDOW_BITS, MAX_WINDOW_BITS),
    memLevel: checkRange('memLevel', options.memLevel ?? DEFAULT_MEM_LEVEL, MIN_MEM_LEVEL, MAX_MEM_LEVEL),
  };
}

/**
 * Encode and return the whole stream, or null as soon as the output reaches
 * `abortAtBytes` bytes (such a stream cannot be accepted anyway).
 */
function encode(input: Uint8Array, options: ResolvedOptions, abortAtBytes: number): Uint8Array | null {
  const writer = new BitWriter(Math.min(Math.max(1024, (input.length >> 1) + 64), abortAtBytes + 16));
  const symbolBufferSize = 1 << (options.memLevel + 6); // zlib lit_bufsize
  const blocks = new BlockEncoder(writer, options.level, symbolBufferSize);
  const lz77 = new Lz77Encoder(input, options, blocks, () => writer.byteLength >= abortAtBytes);
  if (!lz77.compress()) return null;
  return writer.toUint8Array();
}

/**
 * The raw deflate stream the kernel's zlib produces for `input` when the
 * output buffer is unlimited.
 */
export function kernelDeflateRawStream(input: Uint8Array, options: KernelDeflateOptions = {}): Uint8Array {
  const stream = encode(input, resolveOptions(options), Number.POSITIVE_INFINITY);
  if (stream === null) throw new Error('kernelDeflateRawStream: unexpected abort');
  return stream;
}

/**
 * Returns the raw deflate stream, or null when it would not fit in outLimit
 * bytes (the kernel's Z_FINISH did not reach Z_STREAM_END).
 *
 * Like the kernel, a stream that fills the buffer exactly does NOT fit:
 * zlib's FLUSH_BLOCK returns finish_started as soon as avail_out reaches 0,
 * so zlib_deflate() returns Z_OK instead of Z_STREAM_END. A stream is
 * returned only when stream.length < outLimit.
 */
export function kernelDeflateRaw(
  input: Uint8Array,
  outLimit: number,
  options: KernelDeflateOptions = {},
): Uint8Array | null {
  const resolved = resolveOptions(options);
  if (!(outLimit > 0)) return null; // avail_out == 0: Z_BUF_ERROR
  return encode(input, resolved, outLimit);
}

export { CONFIGURATION_TABLE } from './lz77.js';
export type { LevelConfig } from './lz77.js';
