/**
 * The compressors pstore could use before 6.6 (crypto API, fs/pstore/platform.c
 * of 4.19 .. 6.5) and the buffer sizes the kernel derives from bufsize for each
 * (zbufsize_*): big_oops_buf, the log text offered to compression, and with it
 * the largest output decompress_record() accepts.
 */

/** pstore.compress values; 'deflate' is also the only one of 6.6+ (zlib). */
export const COMPRESS_ALGORITHMS = ['deflate', 'lz4', 'lz4hc', 'lzo', 'zstd', '842'] as const;
export type CompressAlgorithm = (typeof COMPRESS_ALGORITHMS)[number];

export function isCompressAlgorithm(name: string): name is CompressAlgorithm {
  return (COMPRESS_ALGORITHMS as readonly string[]).includes(name);
}

/** lzo1x_worst_compress(): x + x/16 + 64 + 3. */
export function lzo1xWorstCompress(size: number): number {
  return size + Math.floor(size / 16) + 64 + 3;
}

/** LZ4_COMPRESSBOUND(): isize + isize/255 + 16. */
export function lz4CompressBound(size: number): number {
  return size + Math.floor(size / 255) + 16;
}

/** ZSTD_COMPRESSBOUND() of zstd 1.4+ (zstd_compress_bound(), the one platform.c calls). */
const ZSTD_BLOCKSIZE_MAX = 128 * 1024;
export function zstdCompressBound(size: number): number {
  const margin = size < ZSTD_BLOCKSIZE_MAX ? (ZSTD_BLOCKSIZE_MAX - size) >> 11 : 0;
  return size + (size >> 8) + margin;
}

/** <= 6.5 zbufsize_deflate(): the expected compression ratio per buffer size. */
export function cryptoDeflateRatio(bufsize: number): number {
  if (bufsize >= 1000 && bufsize <= 2000) return 56;
  if (bufsize >= 2001 && bufsize <= 3000) return 54;
  if (bufsize >= 3001 && bufsize <= 3999) return 52;
  if (bufsize >= 4000 && bufsize <= 10000) return 45;
  return 60;
}

/** zbufsize_<alg>(bufsize) of the crypto-API era: big_oops_buf_sz. */
export function cryptoZbufsize(algorithm: CompressAlgorithm, bufsize: number): number {
  switch (algorithm) {
    case 'deflate':
      return Math.floor((bufsize * 100) / cryptoDeflateRatio(bufsize));
    case 'lzo':
      return lzo1xWorstCompress(bufsize);
    case 'lz4':
    case 'lz4hc':
      return lz4CompressBound(bufsize);
    case 'zstd':
      return zstdCompressBound(bufsize);
    case '842':
      // zbufsize_842(): the buffer itself.
      return bufsize;
  }
}
