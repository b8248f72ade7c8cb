/**
 * A zstd frame writer for crypto/zstd.c's records (one frame per record).
 * Node 20 has no zstd encoder, and the maintained npm ones are native
 * addons or WebAssembly with an asynchronous start, neither of which fits a
 * synchronous pstore_dump() in a single-file bundle; so this writes the
 * format (RFC 8878) itself, in its simplest complete form: greedy matches
 * over a 4-byte hash, raw literals, and the sequences coded with the
 * predefined FSE distributions. Frames decode with any zstd decoder; they
 * are not libzstd's level-3 bytes (which also Huffman-code the literals).
 */

const ZSTD_MAGIC_BYTES = [0x28, 0xb5, 0x2f, 0xfd] as const;
/** Block_Maximum_Size: 128 KiB. */
const BLOCK_MAX = 128 * 1024;
const BLOCK_RAW = 0;
const BLOCK_COMPRESSED = 2;
const MIN_MATCH = 4;
const HASH_BITS = 15;
const HASH_MULTIPLIER = 0x9e3779b1;
/** Offsets are stored as offset + 3 (1..3 are the repeat-offset codes, unused here). */
const REPEAT_CODES = 3;
/** Literals_Length codes 0..15 are the length itself; then baseline and extra bits. */
const LL_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
const LL_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
/** Match_Length codes 0..31 are length 3..34; then baseline and extra bits. */
const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
  35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_BITS = [...new Array<number>(32).fill(0), 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
/** The predefined distributions (RFC 8878 §3.1.1.3.2.2): -1 is "less than 1". */
const LL_DEFAULT = { accuracyLog: 6, norm: [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1] };
const ML_DEFAULT = {
  accuracyLog: 6,
  norm: [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1],
};
const OF_DEFAULT = { accuracyLog: 5, norm: [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1] };

interface FseCoder {
  accuracyLog: number;
  /** For each symbol, the state to be in before a decoder moves to state t: encode[symbol][t]. */
  encode: Int16Array[];
  nbBits: Uint8Array;
  baseline: Uint16Array;
  /** A state of each symbol, to start the (backward) encoding with. */
  first: Int16Array;
}

function highBit(x: number): number {
  return 31 - Math.clz32(x);
}

/** The FSE decoding table of a distribution (RFC 8878 §4.1.1), turned around for encoding. */
function fseCoder(dist: { accuracyLog: number; norm: number[] }): FseCoder {
  const size = 1 << dist.accuracyLog;
  const symbolOf = new Int16Array(size);
  let high = size - 1;
  const next: number[] = [];
  dist.norm.forEach((p, s) => {
    if (p === -1) {
      symbolOf[high--] = s;
      next[s] = 1;
    } else next[s] = p;
  });
  const step = (size >> 1) + (size >> 3) + 3;
  let pos = 0;
  dist.norm.forEach((p, s) => {
    for (let i = 0; i < p; i++) {
      symbolOf[pos] = s;
      do pos = (pos + step) & (size - 1);
      while (pos > high);
    }
  });
  const nbBits = new Uint8Array(size);
  const baseline = new Uint16Array(size);
  const encode = dist.norm.map(() => new Int16Array(size).fill(-1));
  const first = new Int16Array(dist.norm.length).fill(-1);
  for (let u = 0; u < size; u++) {
    const s = symbolOf[u]!;
    const n = next[s]++;
    nbBits[u] = dist.accuracyLog - highBit(n);
    baseline[u] = (n << nbBits[u]!) - size;
    for (let t = baseline[u]!; t < baseline[u]! + (1 << nbBits[u]!); t++) encode[s]![t] = u;
    if (first[s] === -1) first[s] = u;
  }
  return { accuracyLog: dist.accuracyLog, encode, nbBits, baseline, first };
}

let coders: { ll: FseCoder; ml: FseCoder; of: FseCoder } | undefined;

/** Bits written forward, LSB first; the decoder reads them back from the end. */
class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  add(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
  /** The end mark (a 1 bit) and the padding to the byte. */
  finish(): number[] {
    this.add(1, 1);
    if (this.n) this.bytes.push(this.acc);
    return this.bytes;
  }
}

function code(value: number, base: readonly number[]): number {
  let c = base.length - 1;
  while (base[c]! > value) c--;
  return c;
}

interface Sequence {
  litLength: number;
  matchLength: number;
  offset: number;
}

function findSequences(src: Uint8Array): { sequences: Sequence[]; literals: number[] } {
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const sequences: Sequence[] = [];
  const literals: number[] = [];
  let anchor = 0;
  let ip = 0;
  const hash = (at: number): number => Math.imul(src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24), HASH_MULTIPLIER) >>> (32 - HASH_BITS);
  while (ip + MIN_MATCH <= src.length) {
    const h = hash(ip);
    const cand = table[h]!;
    table[h] = ip;
    if (cand < 0 || src[cand] !== src[ip] || src[cand + 1] !== src[ip + 1] || src[cand + 2] !== src[ip + 2] || src[cand + 3] !== src[ip + 3]) {
      ip++;
      continue;
    }
    let len = MIN_MATCH;
    while (ip + len < src.length && src[cand + len] === src[ip + len]) len++;
    for (let i = anchor; i < ip; i++) literals.push(src[i]!);
    sequences.push({ litLength: ip - anchor, matchLength: len, offset: ip - cand });
    ip += len;
    anchor = ip;
  }
  for (let i = anchor; i < src.length; i++) literals.push(src[i]!);
  return { sequences, literals };
}

/** Literals_Section_Header of a Raw_Literals_Block. */
function rawLiteralsHeader(size: number): number[] {
  if (size < 32) return [size << 3];
  if (size < 4096) return [(1 << 2) | ((size & 0xf) << 4), size >> 4];
  return [(3 << 2) | ((size & 0xf) << 4), (size >> 4) & 0xff, size >> 12];
}

function sequencesHeader(n: number): number[] {
  if (n < 128) return [n];
  if (n < 0x7f00) return [(n >> 8) + 128, n & 0xff];
  return [0xff, (n - 0x7f00) & 0xff, (n - 0x7f00) >> 8];
}

/** One compressed block's content: raw literals, then the FSE-coded sequences. */
function compressedBlock(src: Uint8Array): number[] {
  coders ??= { ll: fseCoder(LL_DEFAULT), ml: fseCoder(ML_DEFAULT), of: fseCoder(OF_DEFAULT) };
  const { ll, ml, of } = coders;
  const { sequences, literals } = findSequences(src);
  const out = [...rawLiteralsHeader(literals.length), ...literals, ...sequencesHeader(sequences.length)];
  if (!sequences.length) return out;
  // Symbol_Compression_Modes: Predefined_Mode for all three.
  out.push(0);
  const codes = sequences.map((q) => {
    const offValue = q.offset + REPEAT_CODES;
    return { q, llc: code(q.litLength, LL_BASE), mlc: code(q.matchLength, ML_BASE), ofc: highBit(offValue), offValue };
  });
  const bits = new BitWriter();
  const extra = (c: (typeof codes)[number]): void => {
    bits.add(c.q.litLength - LL_BASE[c.llc]!, LL_BITS[c.llc]!);
    bits.add(c.q.matchLength - ML_BASE[c.mlc]!, ML_BITS[c.mlc]!);
    bits.add(c.offValue - (1 << c.ofc), c.ofc);
  };
  const last = codes[codes.length - 1]!;
  let sLL = ll.first[last.llc]!;
  let sML = ml.first[last.mlc]!;
  let sOF = of.first[last.ofc]!;
  extra(last);
  // Backwards: the state that decodes sequence n is the one whose range holds sequence n+1's.
  const step = (coder: FseCoder, symbol: number, nextState: number): number => {
    const u = coder.encode[symbol]![nextState]!;
    bits.add(nextState - coder.baseline[u]!, coder.nbBits[u]!);
    return u;
  };
  for (let n = codes.length - 2; n >= 0; n--) {
    const c = codes[n]!;
    sOF = step(of, c.ofc, sOF);
    sML = step(ml, c.mlc, sML);
    sLL = step(ll, c.llc, sLL);
    extra(c);
  }
  bits.add(sML, ml.accuracyLog);
  bits.add(sOF, of.accuracyLog);
  bits.add(sLL, ll.accuracyLog);
  for (const b of bits.finish()) out.push(b);
  return out;
}

function blockHeader(last: boolean, type: number, size: number): number[] {
  const h = (last ? 1 : 0) | (type << 1) | (size << 3);
  return [h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff];
}

/** One single-segment frame with the content size, no checksum; null when longer than `outLimit`. */
export function zstdCompressFrame(input: Uint8Array, outLimit: number): Uint8Array | null {
  if (!input.length) return null;
  const out: number[] = [...ZSTD_MAGIC_BYTES];
  // Frame_Header_Descriptor: Single_Segment, and a 1-, 2- or 4-byte Frame_Content_Size.
  const SINGLE_SEGMENT = 0x20;
  if (input.length < 256) out.push(SINGLE_SEGMENT, input.length);
  else if (input.length < 65536 + 256) out.push(SINGLE_SEGMENT | (1 << 6), (input.length - 256) & 0xff, (input.length - 256) >> 8);
  else out.push(SINGLE_SEGMENT | (2 << 6), input.length & 0xff, (input.length >> 8) & 0xff, (input.length >> 16) & 0xff, input.length >>> 24);
  for (let at = 0; at < input.length; at += BLOCK_MAX) {
    const chunk = input.subarray(at, Math.min(input.length, at + BLOCK_MAX));
    const isLast = at + BLOCK_MAX >= input.length;
    const body = compressedBlock(chunk);
    if (body.length < chunk.length) out.push(...blockHeader(isLast, BLOCK_COMPRESSED, body.length), ...body);
    else out.push(...blockHeader(isLast, BLOCK_RAW, chunk.length), ...chunk);
    if (out.length > outLimit) return null;
  }
  return out.length <= outLimit ? Uint8Array.from(out) : null;
}
