/**
 * An LZO1X encoder for crypto/lzo.c's raw blocks, written from the bitstream
 * description (Documentation/staging/lzo.rst) because no maintained npm
 * package encodes LZO1X without a native build. Greedy, with a hash of the
 * next 4 bytes; it uses the state-independent match forms only (M3: up to
 * 16 KiB back, M4: up to 48 KiB) and the literal forms, so every stream it
 * writes is one that lzo1x_decompress_safe() and liblzo2 decode. The bytes
 * differ from lzo1x_1_compress(), which also uses the short M1/M2 forms.
 */

/** Matches shorter than this are left as literals. */
const MIN_MATCH = 4;
const HASH_BITS = 14;
/** Knuth's multiplicative hash constant (2654435761), as LZ4 and LZO use. */
const HASH_MULTIPLIER = 0x9e3779b1;
/** M3: 0 0 1 L L L L L, distance 1..16384. */
const M3_MARKER = 0x20;
const M3_MAX_OFFSET = 0x4000;
const M3_LEN_BITS = 31;
/** M4: 0 0 0 1 H L L L, distance 16385..49151. */
const M4_MARKER = 0x10;
const M4_MAX_OFFSET = 0xbfff;
const M4_LEN_BITS = 7;
/** A first byte above 17 is a literal run of (byte - 17), up to 238. */
const FIRST_LITERAL_BIAS = 17;
const FIRST_LITERAL_MAX = 255 - FIRST_LITERAL_BIAS;
/** Literal run of 4..18 in one byte (length - 3); longer ones are extended. */
const LITERAL_SHORT_MAX = 18;
const LITERAL_BIAS = 3;
/** The end-of-stream marker: an M4 of length 3 at distance 16384. */
const EOS = [0x11, 0x00, 0x00] as const;

class Output {
  bytes: number[] = [];
  push(...b: number[]): void {
    for (const x of b) this.bytes.push(x & 0xff);
  }
  /** A length past a field's maximum: 255 per zero byte, then the rest (1..255). */
  extension(value: number): void {
    const zeros = Math.floor((value - 1) / 255);
    for (let i = 0; i < zeros; i++) this.bytes.push(0);
    this.bytes.push(value - zeros * 255);
  }
}

function hash4(src: Uint8Array, at: number): number {
  const v = src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24);
  return Math.imul(v, HASH_MULTIPLIER) >>> (32 - HASH_BITS);
}

/** Literals of 4 or more after a match with S = 0 (or at the start, past 238). */
function longLiterals(out: Output, n: number): void {
  if (n <= LITERAL_SHORT_MAX) out.push(n - LITERAL_BIAS);
  else {
    out.push(0);
    out.extension(n - LITERAL_BIAS - 15);
  }
}

/** The match instruction; its S bits carry the 0..3 literals that follow. */
function match(out: Output, length: number, distance: number, trailing: number): void {
  const s = trailing <= 3 ? trailing : 0;
  if (distance <= M3_MAX_OFFSET) {
    if (length - 2 <= M3_LEN_BITS) out.push(M3_MARKER | (length - 2));
    else {
      out.push(M3_MARKER);
      out.extension(length - 2 - M3_LEN_BITS);
    }
    const d = ((distance - 1) << 2) | s;
    out.push(d, d >> 8);
  } else {
    const rel = distance - M3_MAX_OFFSET;
    const high = (rel >> 14) << 3;
    if (length - 2 <= M4_LEN_BITS) out.push(M4_MARKER | high | (length - 2));
    else {
      out.push(M4_MARKER | high);
      out.extension(length - 2 - M4_LEN_BITS);
    }
    const d = ((rel & 0x3fff) << 2) | s;
    out.push(d, d >> 8);
  }
}

/** One raw LZO1X block of `input`, or null when longer than `outLimit`. */
export function lzo1xCompress(input: Uint8Array, outLimit: number): Uint8Array | null {
  // pstore never compresses nothing; a lone end marker would read as lzo-rle's version byte.
  if (!input.length) return null;
  const out = new Output();
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const seqs: { literalStart: number; literalEnd: number; length: number; distance: number }[] = [];
  let anchor = 0;
  let ip = 0;
  while (ip + MIN_MATCH <= input.length) {
    const h = hash4(input, ip);
    const cand = table[h]!;
    table[h] = ip;
    const distance = ip - cand;
    if (cand < 0 || distance > M4_MAX_OFFSET || input[cand] !== input[ip] || input[cand + 1] !== input[ip + 1] || input[cand + 2] !== input[ip + 2] || input[cand + 3] !== input[ip + 3]) {
      ip++;
      continue;
    }
    let length = MIN_MATCH;
    while (ip + length < input.length && input[cand + length] === input[ip + length]) length++;
    seqs.push({ literalStart: anchor, literalEnd: ip, length, distance });
    ip += length;
    anchor = ip;
  }
  const tailLiterals = input.length - anchor;
  for (let i = 0; i < seqs.length; i++) {
    const q = seqs[i]!;
    const lits = q.literalEnd - q.literalStart;
    if (i === 0) {
      if (lits > 0 && lits <= FIRST_LITERAL_MAX) out.push(FIRST_LITERAL_BIAS + lits);
      else if (lits > 0) longLiterals(out, lits);
      out.push(...input.subarray(q.literalStart, q.literalEnd));
    } else if (lits > 3) {
      longLiterals(out, lits);
      out.push(...input.subarray(q.literalStart, q.literalEnd));
    } else {
      // 0..3: carried by the previous match's S bits.
      out.push(...input.subarray(q.literalStart, q.literalEnd));
    }
    const next = seqs[i + 1];
    match(out, q.length, q.distance, next ? next.literalEnd - next.literalStart : tailLiterals);
  }
  if (!seqs.length) {
    if (tailLiterals > 0 && tailLiterals <= FIRST_LITERAL_MAX) out.push(FIRST_LITERAL_BIAS + tailLiterals);
    else if (tailLiterals > 0) longLiterals(out, tailLiterals);
  } else if (tailLiterals > 3) longLiterals(out, tailLiterals);
  out.push(...input.subarray(anchor));
  out.push(...EOS);
  return out.bytes.length <= outLimit ? Uint8Array.from(out.bytes) : null;
}
