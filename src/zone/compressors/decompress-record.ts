/**
 * decompress_record() for every pstore compressor: with the algorithm given
 * (pstore.compress of the kernel that wrote the image) only that one is used,
 * as the kernel does; with none given, deflate first (the default, so a good
 * deflate record can never be read as anything else), then identification by
 * trial: zstd by its frame magic, lzo and lz4 by a decode that consumes
 * exactly the payload and yields the "<Reason>#<n> Part<m>" line that
 * pstore_dump() puts first. Each within that algorithm's zbufsize_* limit.
 */
import { inflateLimit, pstoreDecompress } from '../compress.js';
import type { RawInflater } from '../inflater.js';
import type { CompressionEra } from '../kernel-profile.js';
import { type CompressAlgorithm, cryptoZbufsize } from './algorithms.js';
import { type BlockResult, lz4DecompressSafe } from './lz4-block.js';
import { lzo1xDecompressSafe } from './lzo1x.js';
import { hasZstdMagic, zstdDecompress } from './zstd.js';

/** How the algorithm of a decoded record was chosen. */
export type AlgorithmSource = 'given' | 'default' | 'trial';

export type RecordDecodeResult =
  | { ok: true; data: Uint8Array; algorithm: CompressAlgorithm; source: AlgorithmSource }
  | {
      ok: false;
      /** Why the record stays compressed: the given (or default deflate) algorithm's error. */
      error: string;
      algorithm: CompressAlgorithm;
      /** With no algorithm given: why each other algorithm was ruled out. */
      trials: string[];
    };

/** pstore_dump()'s first line, "Panic#2 Part1\n": what every dump starts with. */
const DUMP_HEADER = /^[A-Z][a-z]+#-?\d+ Part\d+\n/;

/** The largest output decompress_record() accepts for `algorithm`. */
export function decompressLimit(algorithm: CompressAlgorithm, bufsize: number, era: CompressionEra): number {
  return algorithm === 'deflate' ? inflateLimit(bufsize, era) : cryptoZbufsize(algorithm, bufsize);
}

/**
 * One algorithm's decode, as crypto_comp_decompress() would do it. With `inflater`, deflate
 * output is a view into its buffer, valid until its next use.
 */
export function decompressWith(algorithm: CompressAlgorithm, payload: Uint8Array, limit: number, inflater?: RawInflater): BlockResult {
  switch (algorithm) {
    case 'deflate': {
      const r = inflater ? inflater.inflate(payload, limit) : pstoreDecompress(payload, limit);
      return r.ok ? r : { ok: false, error: r.error };
    }
    case 'lz4':
    case 'lz4hc':
      return lz4DecompressSafe(payload, limit);
    case 'lzo':
      return lzo1xDecompressSafe(payload, limit);
    case 'zstd':
      return zstdDecompress(payload, limit);
    case '842':
      return { ok: false, error: '842 is not decoded: no maintained 842 decoder exists for JavaScript' };
  }
}

/** The kernel's own words for a failed decode of the given algorithm. */
function failure(algorithm: CompressAlgorithm, error: string): string {
  return algorithm === 'deflate' ? error : `${algorithm}: ${error}`;
}

/** The order of the trial: the magic-carrying format first, then the strict end marker of LZO. */
const TRIAL_ORDER = ['zstd', 'lzo', 'lz4'] as const;

/** With `inflater`, a deflate record's data is a view into its buffer, valid until its next use. */
export function decompressRecord(payload: Uint8Array, bufsize: number, era: CompressionEra, given?: CompressAlgorithm, inflater?: RawInflater): RecordDecodeResult {
  const algorithm = given ?? 'deflate';
  const first = decompressWith(algorithm, payload, decompressLimit(algorithm, bufsize, era), inflater);
  if (first.ok) return { ok: true, data: first.data, algorithm, source: given ? 'given' : 'default' };
  const result: RecordDecodeResult = { ok: false, error: failure(algorithm, first.error), algorithm, trials: [] };
  if (given) return result;
  for (const alg of TRIAL_ORDER) {
    if (alg === 'zstd' && !hasZstdMagic(payload)) {
      result.trials.push('zstd: no frame magic');
      continue;
    }
    // lz4hc writes the same block format as lz4: a trial can only say "lz4".
    const r = decompressWith(alg, payload, cryptoZbufsize(alg, bufsize));
    if (!r.ok) {
      result.trials.push(`${alg}: ${r.error}`);
    } else if (!DUMP_HEADER.test(new TextDecoder('latin1').decode(r.data.subarray(0, 64)))) {
      result.trials.push(`${alg}: decodes, but not to a dump ("<Reason>#<n> Part<m>" first)`);
    } else {
      return { ok: true, data: r.data, algorithm: alg, source: 'trial' };
    }
  }
  return result;
}
