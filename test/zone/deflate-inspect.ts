/**
 * Test helper: a small, independent raw-deflate decoder (RFC 1951) that also
 * reports the stream's structure (block types, BFINAL flags, largest match
 * distance), which node:zlib does not expose.
 */

export type BlockType = 'stored' | 'fixed' | 'dynamic';

export interface DeflateInspection {
  output: Uint8Array;
  blocks: { type: BlockType; final: boolean }[];
  /** Largest back-reference distance used (0 if none). */
  maxDistance: number;
  /** Number of bytes of the stream consumed (including the final partial byte). */
  consumedBytes: number;
}

interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

function buildHuffman(lengths: ArrayLike<number>): Huffman {
  const count = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len] + count[len];
  const symbol = new Uint16Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) if (lengths[i] !== 0) symbol[offsets[lengths[i]]++] = i;
  return { count, symbol };
}

export function inspectDeflate(stream: Uint8Array): DeflateInspection {
  let pos = 0;
  let bitBuf = 0;
  let bitCnt = 0;
  const bits = (n: number): number => {
    while (bitCnt < n) {
      if (pos >= stream.length) throw new Error('inspectDeflate: stream truncated');
      bitBuf |= stream[pos++] << bitCnt;
      bitCnt += 8;
    }
    const v = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCnt -= n;
    return v;
  };
  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      code |= bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new Error('inspectDeflate: bad code');
  };

  const out: number[] = [];
  const blocks: { type: BlockType; final: boolean }[] = [];
  let maxDistance = 0;
  let final = false;
  while (!final) {
    final = bits(1) === 1;
    const type = bits(2);
    if (type === 0) {
      bitBuf = 0;
      bitCnt = 0; // skip to byte boundary
      if (pos + 4 > stream.length) throw new Error('inspectDeflate: stored header truncated');
      const len = stream[pos] | (stream[pos + 1] << 8);
      const nlen = stream[pos + 2] | (stream[pos + 3] << 8);
      if ((len ^ 0xffff) !== nlen) throw new Error('inspectDeflate: stored length check failed');
      pos += 4;
      if (pos + len > stream.length) throw new Error('inspectDeflate: stored data truncated');
      for (let i = 0; i < len; i++) out.push(stream[pos + i]);
      pos += len;
      blocks.push({ type: 'stored', final });
      continue;
    }
    let lit: Huffman;
    let dist: Huffman;
    if (type === 1) {
      const l = new Uint8Array(288);
      l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
      lit = buildHuffman(l);
      dist = buildHuffman(new Uint8Array(30).fill(5));
      blocks.push({ type: 'fixed', final });
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      const codeLengths = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) codeLengths[CODE_LENGTH_ORDER[i]] = bits(3);
      const clh = buildHuffman(codeLengths);
      const lengths = new Uint8Array(nlen + ndist);
      for (let i = 0; i < nlen + ndist; ) {
        const sym = decode(clh);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let repeat: number;
        let value = 0;
        if (sym === 16) {
          if (i === 0) throw new Error('inspectDeflate: repeat with no previous length');
          value = lengths[i - 1];
          repeat = 3 + bits(2);
        } else if (sym === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (i + repeat > nlen + ndist) throw new Error('inspectDeflate: too many lengths');
        while (repeat--) lengths[i++] = value;
      }
      lit = buildHuffman(lengths.subarray(0, nlen));
      dist = buildHuffman(lengths.subarray(nlen));
      blocks.push({ type: 'dynamic', final });
    } else {
      throw new Error('inspectDeflate: invalid block type 3');
    }
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        out.push(sym);
      } else if (sym === 256) {
        break;
      } else {
        const li = sym - 257;
        if (li >= 29) throw new Error('inspectDeflate: bad length symbol');
        const length = LENGTH_BASE[li] + bits(LENGTH_EXTRA[li]);
        const di = decode(dist);
        if (di >= 30) throw new Error('inspectDeflate: bad distance symbol');
        const distance = DIST_BASE[di] + bits(DIST_EXTRA[di]);
        if (distance > out.length) throw new Error('inspectDeflate: distance too far back');
        if (distance > maxDistance) maxDistance = distance;
        for (let i = 0; i < length; i++) out.push(out[out.length - distance]);
      }
    }
  }
  return { output: Uint8Array.from(out), blocks, maxDistance, consumedBytes: pos };
}
