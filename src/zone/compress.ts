/**
 * Compression of dmesg records as the pstore core does it
 * (fs/pstore/platform.c), for both kernel eras, with every size the kernel
 * derives from bufsize named here.
 *
 * Deflate output must not depend on the Node version, so compression never
 * uses node:zlib: the default encoder reproduces the kernel's own
 * lib/zlib_deflate byte for byte (./deflate), and pako (zlib 1.2, in
 * pako-deflate.ts, loaded only by who asks for it) remains as an independent
 * encoder whose streams the kernel reads just as well.
 * Inflate is deterministic by definition and uses node:zlib with an output
 * cap, which is also the decompression-bomb guard.
 */
import { inflateRawSync } from 'node:zlib';
import { type CompressAlgorithm, cryptoZbufsize } from './compressors/algorithms.js';
import { lz4CompressDefault } from './compressors/lz4-block.js';
import { lzo1xCompress } from './compressors/lzo1x-compress.js';
import { zstdCompressFrame } from './compressors/zstd-compress.js';
import { kernelDeflateRaw } from './deflate/index.js';
import type { CompressionEra } from './kernel-profile.js';

/** Z_DEFAULT_COMPRESSION in zlib is level 6. */
export const COMPR_LEVEL = 6;
/** DEF_MEM_LEVEL / MAX_MEM_LEVEL of the kernel's zconf.h. */
export const MEM_LEVEL = 8;
/** 6.6+: -MAX_WBITS (raw deflate, 32 KiB window). */
export const ZLIB_WINDOW_BITS = 15;
/** <= 6.5: crypto/deflate.c DEFLATE_DEF_WINBITS (raw deflate, 2 KiB window). */
export const CRYPTO_WINDOW_BITS = 11;
/** 6.6+: DMESG_COMP_PERCENT, the expected compression ratio used to size the input. */
export const DMESG_COMP_PERCENT = 60;
/** 6.6+: decompress_record() allows three times bufsize of output. */
export const ZLIB_INFLATE_FACTOR = 3;

/**
 * Size of big_oops_buf: how much log text (with header) is offered to
 * compression. <= 6.5 it is zbufsize_<alg>(bufsize) (compressors/algorithms.ts).
 */
export function compressInputSize(bufsize: number, era: CompressionEra, algorithm: CompressAlgorithm = 'deflate'): number {
  return era === 'zlib' ? Math.floor((bufsize * 100) / DMESG_COMP_PERCENT) : cryptoZbufsize(algorithm, bufsize);
}

/** The largest output decompress_record() accepts for a deflate record. */
export function inflateLimit(bufsize: number, era: CompressionEra): number {
  return era === 'zlib' ? ZLIB_INFLATE_FACTOR * bufsize : compressInputSize(bufsize, era);
}

export function windowBits(era: CompressionEra): number {
  return era === 'zlib' ? ZLIB_WINDOW_BITS : CRYPTO_WINDOW_BITS;
}

export type RawDeflate = (input: Uint8Array, outLimit: number, windowBits: number) => Uint8Array | null;

/**
 * The kernel's encoder: its Z_FINISH with avail_out = bufsize only reaches
 * Z_STREAM_END when the stream is shorter than bufsize (null otherwise).
 */
export const linuxDeflateRaw: RawDeflate = (input, outLimit, wbits) =>
  kernelDeflateRaw(input, outLimit, { level: COMPR_LEVEL, windowBits: wbits, memLevel: MEM_LEVEL });

/** 'linux' (the kernel's bytes), or another raw deflate such as pakoDeflateRaw (pako-deflate.ts). */
export type DeflateEncoder = 'linux' | RawDeflate;

/**
 * pstore_compress(): the whole input in one Z_FINISH call with avail_out =
 * bufsize; anything but Z_STREAM_END means "store uncompressed" (null).
 */
export function pstoreCompress(input: Uint8Array, bufsize: number, era: CompressionEra, encoder: DeflateEncoder = 'linux'): Uint8Array | null {
  return (encoder === 'linux' ? linuxDeflateRaw : encoder)(input, bufsize, windowBits(era));
}

/** The algorithms this module can write; 842 and the rest are read only. */
export const WRITABLE_ALGORITHMS: readonly CompressAlgorithm[] = ['deflate', 'lz4', 'lz4hc', 'lzo', 'zstd'];

export class UnsupportedCompressorError extends Error {}

/**
 * crypto_comp_compress() with dlen = bufsize for any pstore algorithm
 * (crypto/<alg>.c): null when the output does not fit, which pstore answers
 * by storing the text uncompressed. lz4hc is written as lz4 blocks (the
 * format is the same, the kernel's HC search finds longer matches).
 * crypto/lzo.c does not bound the output (lzo1x_1_compress() has no dlen);
 * a block longer than bufsize is stored uncompressed here instead.
 * zstd: one frame, or null when it does not fit (ZSTD_compressCCtx()'s
 * dstCapacity error).
 */
export function pstoreCompressWith(
  algorithm: CompressAlgorithm,
  input: Uint8Array,
  bufsize: number,
  era: CompressionEra,
  encoder: DeflateEncoder = 'linux',
): Uint8Array | null {
  switch (algorithm) {
    case 'deflate':
      return pstoreCompress(input, bufsize, era, encoder);
    case 'lz4':
    case 'lz4hc':
      return lz4CompressDefault(input, bufsize);
    case 'lzo':
      return lzo1xCompress(input, bufsize);
    case 'zstd':
      return zstdCompressFrame(input, bufsize);
    default:
      throw new UnsupportedCompressorError(`writing ${algorithm}-compressed records is not supported (${WRITABLE_ALGORITHMS.join(', ')} are)`);
  }
}

/** node:zlib's smallest output chunk (Z_MIN_CHUNK). */
const INFLATE_CHUNK_MIN = 64;
/** Largest single output chunk; bigger records are concatenated from such chunks. */
export const INFLATE_CHUNK_MAX = 8 << 20;

export type InflateResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

/** Why a record whose output passes `limit` stays compressed. */
export function overLimitError(limit: number): string {
  return `inflates past the ${limit}-byte limit (Z_BUF_ERROR)`;
}

/**
 * decompress_record(): inflate until end of stream within `limit` bytes of
 * output. A truncated stream, bad data or more output than the limit all
 * fail, as Z_STREAM_END is then never reached; the record stays compressed.
 */
export function pstoreDecompress(payload: Uint8Array, limit: number): InflateResult {
  try {
    // One output chunk big enough for any record within the limit: node:zlib otherwise inflates
    // into 16 KiB chunks and concatenates them (a tenth of a 64 MiB recovery). One byte over the
    // limit still fits, so maxOutputLength keeps rejecting exactly what the kernel rejects.
    const maxOutputLength = Math.max(1, limit);
    const chunkSize = Math.max(INFLATE_CHUNK_MIN, Math.min(maxOutputLength + 1, INFLATE_CHUNK_MAX));
    const data = inflateRawSync(payload, { windowBits: ZLIB_WINDOW_BITS, maxOutputLength, chunkSize });
    return { ok: true, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof RangeError || err.code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, error: overLimitError(limit) };
    }
    return { ok: false, error: err.message || String(err) };
  }
}
