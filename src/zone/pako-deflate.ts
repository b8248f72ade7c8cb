/**
 * pako (zlib 1.2) as a second deflate encoder, apart from compress.ts so that
 * readers, which never compress, do not load it: PstoreCore({ encoder: pakoDeflateRaw }).
 */
import pako from 'pako';
import { COMPR_LEVEL, MEM_LEVEL, type RawDeflate } from './compress.js';

/**
 * pako with the kernel's parameters; null when the stream would not fit:
 * as with the kernel, a stream that exactly fills avail_out does not count.
 */
export const pakoDeflateRaw: RawDeflate = (input, outLimit, wbits) => {
  const out = pako.deflateRaw(input, { level: COMPR_LEVEL, windowBits: wbits, memLevel: MEM_LEVEL });
  return out.length < outLimit ? out : null;
};
