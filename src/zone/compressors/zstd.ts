/**
 * zstd frames as crypto/zstd.c stores them (one frame, no dictionary).
 * Node 20 has no zstd in node:zlib, so decoding uses fzstd (a maintained
 * pure-JavaScript decoder, synchronous like the rest of the reader), fed as a
 * stream so that output past the kernel's limit stops it block by block
 * rather than after a decompression bomb has been inflated.
 */
import { Decompress } from 'fzstd';
import type { BlockResult } from './lz4-block.js';

/** ZSTD_MAGICNUMBER, little-endian at the frame start. */
export const ZSTD_MAGIC = 0xfd2fb528;
/** ZSTD_WINDOWLOG_LIMIT_DEFAULT: larger windows are refused by the kernel's decoder too. */
const WINDOW_LOG_LIMIT = 27;
const WINDOW_LOG_ABSOLUTE_MIN = 10;
/** Frame_Header_Descriptor bytes: dictionary-ID field sizes and content-size field sizes. */
const DICT_ID_SIZES = [0, 1, 2, 4] as const;
const FCS_SIZES = [0, 2, 4, 8] as const;
/** A 2-byte Frame_Content_Size is stored minus 256. */
const FCS_2BYTE_BIAS = 256;

export function hasZstdMagic(payload: Uint8Array): boolean {
  return payload.length >= 4 && new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true) === ZSTD_MAGIC;
}

interface FrameHeader {
  /** Frame_Content_Size, when the frame states it. */
  contentSize?: number;
  windowLog?: number;
}

/** The frame header fields that bound the output, or a reason to refuse the frame. */
function frameHeader(payload: Uint8Array): FrameHeader | string {
  if (payload.length < 6) return 'zstd frame header truncated';
  const fhd = payload[4]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  let at = 5;
  const header: FrameHeader = {};
  if (!singleSegment) {
    const wd = payload[at++]!;
    header.windowLog = WINDOW_LOG_ABSOLUTE_MIN + (wd >> 3);
    if (header.windowLog > WINDOW_LOG_LIMIT) return `zstd window 2^${header.windowLog} is over the decoder's 2^${WINDOW_LOG_LIMIT} limit`;
  }
  at += DICT_ID_SIZES[fhd & 3]!;
  const fcsSize = fcsFlag === 0 ? singleSegment : FCS_SIZES[fcsFlag]!;
  if (at + fcsSize > payload.length) return 'zstd frame header truncated';
  if (fcsSize) {
    let v = 0;
    for (let i = fcsSize - 1; i >= 0; i--) v = v * 256 + payload[at + i]!;
    header.contentSize = fcsSize === 2 ? v + FCS_2BYTE_BIAS : v;
  }
  return header;
}

/** zstd_decompress_dctx() into a `limit`-byte buffer. */
export function zstdDecompress(payload: Uint8Array, limit: number): BlockResult {
  if (!hasZstdMagic(payload)) return { ok: false, error: 'no zstd frame magic' };
  const header = frameHeader(payload);
  if (typeof header === 'string') return { ok: false, error: header };
  if (header.contentSize !== undefined && header.contentSize > limit) {
    return { ok: false, error: `frame content size ${header.contentSize} is past the ${limit}-byte limit` };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    if (total > limit) {
      over = true;
      throw new RangeError('over limit');
    }
    chunks.push(chunk.slice());
  });
  try {
    stream.push(payload, true);
  } catch (e) {
    if (over) return { ok: false, error: `decompresses past the ${limit}-byte limit` };
    return { ok: false, error: `zstd: ${(e as Error).message}` };
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { ok: true, data };
}
