/**
 * Partial inflate: decode a raw deflate stream up to the point where it is
 * truncated or damaged, keeping everything decoded before that point.
 *
 * pako's Inflate is fed 256 input bytes at a time; output is collected as it
 * is produced, and the bytes decoded since the last hand-over are taken from
 * its output buffer when it stops on an error. Feeding stops as soon as
 * `limit` bytes came out (deflate expands at most 1032:1, so at most ~264 KiB
 * beyond the limit are ever decoded, then cut): the decompression-bomb guard.
 */
import pako from 'pako';

export interface PartialInflate {
  data: Uint8Array;
  /** The stream reached its end (Z_STREAM_END). */
  complete: boolean;
  /** Input bytes consumed. */
  consumed: number;
  /** Why decoding stopped early: truncated, an error message, or the limit. */
  stopped: string | null;
}

const SLICE = 256;

interface Strm {
  output: Uint8Array | null;
  next_out: number;
  total_in: number;
}

/** Inflate raw deflate (window 15) up to `limit` bytes of output. */
export function partialInflate(payload: Uint8Array, limit: number): PartialInflate {
  const inf = new pako.Inflate({ raw: true, windowBits: 15, chunkSize: 16384 });
  const chunks: Uint8Array[] = [];
  let total = 0;
  let lastOut: Uint8Array | null = null;
  let lastLen = 0;
  const strm = (inf as unknown as { strm: Strm }).strm;
  const ended = (): boolean => (inf as unknown as { ended: boolean }).ended;
  inf.onData = (chunk: Uint8Array) => {
    // `chunk` is output[0, next_out) of the current buffer; keep only what is new.
    const from = strm.output === lastOut ? lastLen : 0;
    const fresh = chunk.slice(from);
    chunks.push(fresh);
    total += fresh.length;
    lastOut = strm.output;
    lastLen = chunk.length;
  };
  inf.onEnd = (status: number) => {
    inf.err = status;
    inf.msg = (strm as unknown as { msg?: string }).msg ?? '';
  };
  let complete = false;
  for (let at = 0; at < payload.length && !ended() && total < limit; at += SLICE) {
    inf.push(payload.subarray(at, Math.min(payload.length, at + SLICE)), false);
  }
  complete = ended() && inf.err === 0;
  if (inf.err && strm.output) {
    const from = strm.output === lastOut ? lastLen : 0;
    if (strm.next_out > from) {
      chunks.push(strm.output.slice(from, strm.next_out));
      total += strm.next_out - from;
    }
  } else if (!ended() && strm.output && strm.next_out) {
    const from = strm.output === lastOut ? lastLen : 0;
    if (strm.next_out > from) {
      chunks.push(strm.output.slice(from, strm.next_out));
      total += strm.next_out - from;
    }
  }
  const data = new Uint8Array(Math.min(total, limit));
  let o = 0;
  for (const c of chunks) {
    if (o >= data.length) break;
    const part = c.subarray(0, data.length - o);
    data.set(part, o);
    o += part.length;
  }
  let stopped: string | null = null;
  if (inf.err) stopped = `corrupt deflate data after ${strm.total_in} of ${payload.length} bytes (${inf.msg || `error ${inf.err}`})`;
  else if (total >= limit && !complete) stopped = `output limit of ${limit} bytes reached`;
  else if (total > limit) stopped = `output limit of ${limit} bytes reached`;
  else if (!complete) stopped = `deflate stream truncated after ${payload.length} bytes`;
  return { data, complete: complete && total <= limit, consumed: strm.total_in, stopped };
}
