/**
 * Huffman coding and block emission of the kernel's zlib (lib/zlib_deflate/
 * deftree.c, zlib 1.1.x lineage).
 *
 * The LZ77 stage records literals and (distance, length) pairs here; when a
 * block ends, this module builds the dynamic trees and picks the cheapest of a
 * stored, a fixed-Huffman or a dynamic-Huffman block exactly the way the
 * kernel does, so the emitted bits are identical. Everything that influences
 * output (heap tie-breaking by subtree depth, the bit-length overflow repair,
 * the forced second code of a one-symbol tree, the size estimates used to
 * choose the block type and the early block-split heuristic) is reproduced.
 */
import { BitWriter } from './bit-writer.js';
import * as limits from './constants.js';

// Copied into module-local constants on purpose: some loaders (tsx) turn
// imported bindings into getter calls, which are costly in per-symbol code.
const { BL_CODES, D_CODES, LENGTH_CODES, LITERALS, L_CODES, MAX_BITS, MAX_MATCH, MIN_MATCH } = limits;

/** Code-length codes are limited to 7 bits (RFC 1951 3.2.7: 3-bit fields). */
const MAX_BL_BITS = 7;
const END_BLOCK = 256;
/** Code-length symbols: repeat previous length 3..6 times, zeros 3..10 and 11..138 times. */
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

/** Block types, as sent in the 2-bit BTYPE field. */
const STORED_BLOCK = 0;
const STATIC_TREES = 1;
const DYN_TREES = 2;

/** Heap large enough for the literal tree's leaves and internal nodes. */
const HEAP_SIZE = 2 * L_CODES + 1;
/** Index of the least frequent node in the heap (heap[0] is unused). */
const SMALLEST = 1;

/** Levels above this one run the "stop the block early" heuristic in tally(). */
const BLOCK_SPLIT_MIN_LEVEL = 2;
/** The heuristic is evaluated every time this many symbols have been recorded. */
const BLOCK_SPLIT_CHECK_MASK = 0xfff;

const EXTRA_LENGTH_BITS = Uint8Array.of(
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
);
const EXTRA_DIST_BITS = Uint8Array.of(
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
);
const EXTRA_BL_BITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7);
/** Order in which code-length code lengths are sent (most probable first). */
const BL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Reverse the low `length` bits of `code` (Huffman codes are sent MSB first). */
function reverseBits(code: number, length: number): number {
  let result = 0;
  for (let i = 0; i < length; i++) {
    result = (result << 1) | (code & 1);
    code >>>= 1;
  }
  return result;
}

/**
 * Assign canonical codes (bit-reversed, ready to send LSB first) to every
 * symbol 0..maxCode with a non-zero length.
 */
function generateCodes(codes: Uint16Array, lengths: Uint16Array, maxCode: number, blCount: Uint16Array): void {
  const nextCode = new Uint16Array(MAX_BITS + 1);
  let code = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = ((code + blCount[bits - 1]) << 1) & 0xffff;
    nextCode[bits] = code;
  }
  for (let n = 0; n <= maxCode; n++) {
    const len = lengths[n];
    if (len === 0) continue;
    codes[n] = reverseBits(nextCode[len]++, len);
  }
}

// ---------------------------------------------------------------------------
// Fixed tables, computed once, on the first encoder (zlib tr_static_init from _tr_init):
// readers never compress and should not pay for them at start-up.

/** Length code (0..28) for each match length minus MIN_MATCH (0..255). */
const LENGTH_CODE = new Uint8Array(MAX_MATCH - MIN_MATCH + 1);
/** First (length - MIN_MATCH) of each length code. */
const BASE_LENGTH = new Int32Array(LENGTH_CODES);
/**
 * Distance code for distance-1: entries 0..255 for distances 1..256, entries
 * 256..511 for the top bits (distance-1 >> 7) of longer distances.
 */
const DIST_CODE = new Uint8Array(512);
/** First (distance - 1) of each distance code. */
const BASE_DIST = new Int32Array(D_CODES);
/** The fixed literal/length code of RFC 1951 3.2.6 (288 entries for a complete tree). */
const STATIC_LTREE_LEN = new Uint16Array(L_CODES + 2);
const STATIC_LTREE_CODE = new Uint16Array(L_CODES + 2);
/** The fixed distance code: every code is 5 bits. */
const STATIC_DTREE_LEN = new Uint16Array(D_CODES);
const STATIC_DTREE_CODE = new Uint16Array(D_CODES);

let staticTablesReady = false;

function initStaticTables(): void {
  if (staticTablesReady) return;
  staticTablesReady = true;
  let length = 0;
  let code = 0;
  for (code = 0; code < LENGTH_CODES - 1; code++) {
    BASE_LENGTH[code] = length;
    for (let n = 0; n < 1 << EXTRA_LENGTH_BITS[code]; n++) LENGTH_CODE[length++] = code;
  }
  // Length 258 could be code 284 with all extra bits set, but code 285 is shorter.
  LENGTH_CODE[length - 1] = code;

  let dist = 0;
  for (code = 0; code < 16; code++) {
    BASE_DIST[code] = dist;
    for (let n = 0; n < 1 << EXTRA_DIST_BITS[code]; n++) DIST_CODE[dist++] = code;
  }
  dist >>= 7; // from here on distances are counted in units of 128
  for (; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7;
    for (let n = 0; n < 1 << (EXTRA_DIST_BITS[code] - 7); n++) DIST_CODE[256 + dist++] = code;
  }

  const blCount = new Uint16Array(MAX_BITS + 1);
  let n = 0;
  while (n <= 143) { STATIC_LTREE_LEN[n++] = 8; blCount[8]++; }
  while (n <= 255) { STATIC_LTREE_LEN[n++] = 9; blCount[9]++; }
  while (n <= 279) { STATIC_LTREE_LEN[n++] = 7; blCount[7]++; }
  while (n <= 287) { STATIC_LTREE_LEN[n++] = 8; blCount[8]++; }
  generateCodes(STATIC_LTREE_CODE, STATIC_LTREE_LEN, L_CODES + 1, blCount);

  for (let d = 0; d < D_CODES; d++) {
    STATIC_DTREE_LEN[d] = 5;
    STATIC_DTREE_CODE[d] = reverseBits(d, 5);
  }
}

/** Distance code of a (distance - 1). */
function distanceCode(distMinusOne: number): number {
  return distMinusOne < 256 ? DIST_CODE[distMinusOne] : DIST_CODE[256 + (distMinusOne >>> 7)];
}

/** What differs between the literal, distance and code-length trees. */
interface TreeDescription {
  /** Lengths of the matching fixed code, used to price a fixed block; null for the code-length tree. */
  readonly staticLengths: Uint16Array | null;
  readonly extraBits: Uint8Array;
  /** First symbol that has extra bits listed in extraBits. */
  readonly extraBase: number;
  /** Number of leaf symbols. */
  readonly elements: number;
  readonly maxLength: number;
}

const LITERAL_DESCRIPTION: TreeDescription = {
  staticLengths: STATIC_LTREE_LEN,
  extraBits: EXTRA_LENGTH_BITS,
  extraBase: LITERALS + 1,
  elements: L_CODES,
  maxLength: MAX_BITS,
};
const DISTANCE_DESCRIPTION: TreeDescription = {
  staticLengths: STATIC_DTREE_LEN,
  extraBits: EXTRA_DIST_BITS,
  extraBase: 0,
  elements: D_CODES,
  maxLength: MAX_BITS,
};
const BIT_LENGTH_DESCRIPTION: TreeDescription = {
  staticLengths: null,
  extraBits: EXTRA_BL_BITS,
  extraBase: 0,
  elements: BL_CODES,
  maxLength: MAX_BL_BITS,
};

/** One dynamic Huffman tree: leaves first, then the internal nodes built over them. */
class HuffmanTree {
  /** Symbol / node frequencies (16-bit, like zlib's ush). */
  readonly freq: Uint16Array;
  /** Parent node of each node while building. */
  readonly parent: Uint16Array;
  /** Code length of each symbol. */
  readonly len: Uint16Array;
  /** Bit-reversed code of each symbol. */
  readonly code: Uint16Array;
  /** Largest symbol with a non-zero frequency (after build). */
  maxCode = 0;

  constructor(nodes: number, readonly description: TreeDescription) {
    this.freq = new Uint16Array(nodes);
    this.parent = new Uint16Array(nodes);
    this.len = new Uint16Array(nodes);
    this.code = new Uint16Array(nodes);
  }
}

/**
 * Collects the symbols of the current block and writes finished blocks.
 * Mirrors the tree half of zlib's deflate_state.
 */
export class BlockEncoder {
  private readonly literalTree = new HuffmanTree(HEAP_SIZE, LITERAL_DESCRIPTION);
  private readonly distanceTree = new HuffmanTree(2 * D_CODES + 1, DISTANCE_DESCRIPTION);
  private readonly bitLengthTree = new HuffmanTree(2 * BL_CODES + 1, BIT_LENGTH_DESCRIPTION);

  private readonly heap = new Int32Array(HEAP_SIZE);
  private heapLength = 0;
  private heapMax = 0;
  /** Subtree depth, the tie breaker between equal frequencies (8-bit like zlib's uch). */
  private readonly depth = new Uint8Array(HEAP_SIZE);
  private readonly blCount = new Uint16Array(MAX_BITS + 1);

  /** Symbol buffer: distance (0 for a literal) and literal byte or length - MIN_MATCH. */
  private readonly distances: Uint16Array;
  private readonly literalsOrLengths: Uint8Array;
  /** Number of symbols in the current block (zlib last_lit). */
  private symbolCount = 0;
  private matchCount = 0;
  /** Block size in bits with the dynamic trees / with the fixed trees. */
  private optimalBits = 0;
  private staticBits = 0;

  /**
   * @param writer destination of the bit stream
   * @param level compression level; level 0 forces stored blocks and levels
   *   above 2 enable the early block-split heuristic
   * @param symbolBufferSize zlib lit_bufsize, 1 << (memLevel + 6); a block is
   *   closed when it holds symbolBufferSize - 1 symbols
   */
  constructor(
    private readonly writer: BitWriter,
    private readonly level: number,
    private readonly symbolBufferSize: number,
  ) {
    initStaticTables();
    this.distances = new Uint16Array(symbolBufferSize);
    this.literalsOrLengths = new Uint8Array(symbolBufferSize);
    this.initBlock();
  }

  /**
   * Record a literal byte. `bytesInBlock` is how much input the current block
   * covers so far (strstart - block_start), used by the block-split heuristic.
   * Returns true when the caller must end the block now.
   */
  tallyLiteral(byte: number, bytesInBlock: number): boolean {
    this.distances[this.symbolCount] = 0;
    this.literalsOrLengths[this.symbolCount++] = byte;
    this.literalTree.freq[byte]++;
    return this.blockShouldEnd(bytesInBlock);
  }

  /** Record a match of `length` bytes at `distance`; same contract as tallyLiteral. */
  tallyMatch(distance: number, length: number, bytesInBlock: number): boolean {
    const lengthIndex = length - MIN_MATCH;
    this.distances[this.symbolCount] = distance;
    this.literalsOrLengths[this.symbolCount++] = lengthIndex;
    this.matchCount++;
    this.literalTree.freq[LENGTH_CODE[lengthIndex] + LITERALS + 1]++;
    this.distanceTree.freq[distanceCode(distance - 1)]++;
    return this.blockShouldEnd(bytesInBlock);
  }

  /**
   * The kernel's zlib_tr_tally always runs zlib's "is it profitable to stop
   * the block here" guess every 4096 symbols (zlib 1.2.x only compiles it with
   * TRUNCATE_BLOCK): it ends the block when fewer than half the symbols are
   * matches and a rough size bound is below half the input. Independently, the
   * block ends when the symbol buffer is one short of full.
   */
  private blockShouldEnd(bytesInBlock: number): boolean {
    if ((this.symbolCount & BLOCK_SPLIT_CHECK_MASK) === 0 && this.level > BLOCK_SPLIT_MIN_LEVEL) {
      // Upper bound: 8 bits per symbol plus 5 + extra bits per distance.
      let outBits = this.symbolCount * 8;
      const distFreq = this.distanceTree.freq;
      for (let code = 0; code < D_CODES; code++) outBits += distFreq[code] * (5 + EXTRA_DIST_BITS[code]);
      const outBytes = Math.floor(outBits / 8);
      if (this.matchCount < Math.floor(this.symbolCount / 2) && outBytes < Math.floor(bytesInBlock / 2)) {
        return true;
      }
    }
    return this.symbolCount === this.symbolBufferSize - 1;
  }

  /**
   * End the current block (zlib_tr_flush_block) and write it as a stored,
   * fixed or dynamic block, whichever the kernel would choose.
   *
   * @param window buffer holding the block's input, for a stored block
   * @param blockStart offset of the block's input in `window`, or a negative
   *   value when that input has already slid out of the window (then a stored
   *   block is impossible, as in the kernel)
   * @param storedLength number of input bytes the block covers
   * @param last whether this is the final block (BFINAL)
   */
  flushBlock(window: Uint8Array, blockStart: number, storedLength: number, last: boolean): void {
    const finalBit = last ? 1 : 0;
    let optimalBytes: number;
    let staticBytes: number;
    let maxBlIndex = 0;

    if (this.level > 0) {
      this.buildTree(this.literalTree);
      this.buildTree(this.distanceTree);
      maxBlIndex = this.buildBitLengthTree();
      // +3 for the block header, +7 to round up to whole bytes.
      optimalBytes = Math.floor((this.optimalBits + 3 + 7) / 8);
      staticBytes = Math.floor((this.staticBits + 3 + 7) / 8);
      if (staticBytes <= optimalBytes) optimalBytes = staticBytes;
    } else {
      optimalBytes = staticBytes = storedLength + 5; // force a stored block
    }

    // +4: the LEN and NLEN words of a stored block.
    if (storedLength + 4 <= optimalBytes && blockStart >= 0) {
      this.writeStoredBlock(window, blockStart, storedLength, last);
    } else if (staticBytes === optimalBytes) {
      this.writer.writeBits((STATIC_TREES << 1) + finalBit, 3);
      this.compressBlock(STATIC_LTREE_CODE, STATIC_LTREE_LEN, STATIC_DTREE_CODE, STATIC_DTREE_LEN);
    } else {
      this.writer.writeBits((DYN_TREES << 1) + finalBit, 3);
      this.sendAllTrees(this.literalTree.maxCode + 1, this.distanceTree.maxCode + 1, maxBlIndex + 1);
      this.compressBlock(
        this.literalTree.code,
        this.literalTree.len,
        this.distanceTree.code,
        this.distanceTree.len,
      );
    }
    this.initBlock();
    if (last) this.writer.alignToByte();
  }

  /** A stored block: header bits, byte alignment, LEN, NLEN, raw bytes. */
  private writeStoredBlock(window: Uint8Array, start: number, length: number, last: boolean): void {
    this.writer.writeBits((STORED_BLOCK << 1) + (last ? 1 : 0), 3);
    this.writer.alignToByte();
    this.writer.writeUint16LE(length & 0xffff);
    this.writer.writeUint16LE(~length & 0xffff);
    this.writer.writeBytes(window, start, length);
  }

  private initBlock(): void {
    this.literalTree.freq.fill(0, 0, L_CODES);
    this.distanceTree.freq.fill(0, 0, D_CODES);
    this.bitLengthTree.freq.fill(0, 0, BL_CODES);
    this.literalTree.freq[END_BLOCK] = 1;
    this.optimalBits = 0;
    this.staticBits = 0;
    this.symbolCount = 0;
    this.matchCount = 0;
  }

  /** Heap order: lower frequency first, shallower subtree first on ties. */
  private smaller(freq: Uint16Array, n: number, m: number): boolean {
    return freq[n] < freq[m] || (freq[n] === freq[m] && this.depth[n] <= this.depth[m]);
  }

  /** Sift heap[k] down until both children are not smaller. */
  private siftDown(freq: Uint16Array, k: number): void {
    const heap = this.heap;
    const v = heap[k];
    let j = k << 1;
    while (j <= this.heapLength) {
      if (j < this.heapLength && this.smaller(freq, heap[j + 1], heap[j])) j++;
      if (this.smaller(freq, v, heap[j])) break;
      heap[k] = heap[j];
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  /**
   * Build a Huffman tree from the frequencies, limit code lengths, assign
   * codes, and add the block's cost with this tree (and with the fixed tree)
   * to optimalBits / staticBits.
   */
  private buildTree(tree: HuffmanTree): void {
    const { freq, parent, len } = tree;
    const { elements, staticLengths } = tree.description;
    const heap = this.heap;
    const depth = this.depth;
    let maxCode = -1;

    this.heapLength = 0;
    this.heapMax = HEAP_SIZE;
    for (let n = 0; n < elements; n++) {
      if (freq[n] !== 0) {
        heap[++this.heapLength] = maxCode = n;
        depth[n] = 0;
      } else {
        len[n] = 0;
      }
    }

    // The format needs at least one distance code and every code at least one
    // bit, so force two symbols; their cost is cancelled out of the estimates.
    while (this.heapLength < 2) {
      const node = maxCode < 2 ? ++maxCode : 0;
      heap[++this.heapLength] = node;
      freq[node] = 1;
      depth[node] = 0;
      this.optimalBits--;
      if (staticLengths) this.staticBits -= staticLengths[node];
    }
    tree.maxCode = maxCode;

    for (let n = this.heapLength >> 1; n >= 1; n--) this.siftDown(freq, n);

    // Repeatedly merge the two least frequent nodes under a new internal node.
    let node = elements;
    do {
      const n = heap[SMALLEST];
      heap[SMALLEST] = heap[this.heapLength--];
      this.siftDown(freq, SMALLEST);
      const m = heap[SMALLEST];

      // Keep the merged nodes sorted by frequency at the top of the heap array.
      heap[--this.heapMax] = n;
      heap[--this.heapMax] = m;

      freq[node] = freq[n] + freq[m];
      depth[node] = Math.max(depth[n], depth[m]) + 1;
      parent[n] = parent[m] = node;

      heap[SMALLEST] = node++;
      this.siftDown(freq, SMALLEST);
    } while (this.heapLength >= 2);

    heap[--this.heapMax] = heap[SMALLEST];

    this.generateBitLengths(tree);
    generateCodes(tree.code, len, maxCode, this.blCount);
  }

  /**
   * Code lengths from the tree shape, capped at the description's maximum
   * using zlib's repair (move leaves down until the Kraft sum is exact again),
   * then reassigned to symbols in order of increasing frequency.
   */
  private generateBitLengths(tree: HuffmanTree): void {
    const { freq, parent, len, maxCode } = tree;
    const { staticLengths, extraBits, extraBase, maxLength } = tree.description;
    const heap = this.heap;
    const blCount = this.blCount;
    let overflow = 0;

    blCount.fill(0);
    len[heap[this.heapMax]] = 0; // the root

    for (let h = this.heapMax + 1; h < HEAP_SIZE; h++) {
      const n = heap[h];
      let bits = len[parent[n]] + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      len[n] = bits;
      if (n > maxCode) continue; // internal node

      blCount[bits]++;
      const xbits = n >= extraBase ? extraBits[n - extraBase] : 0;
      const f = freq[n];
      this.optimalBits += f * (bits + xbits);
      if (staticLengths) this.staticBits += f * (staticLengths[n] + xbits);
    }
    if (overflow === 0) return;

    do {
      let bits = maxLength - 1;
      while (blCount[bits] === 0) bits--;
      blCount[bits]--; // move one leaf down the tree
      blCount[bits + 1] += 2; // and an overflowing leaf next to it
      blCount[maxLength]--;
      overflow -= 2;
    } while (overflow > 0);

    let h = HEAP_SIZE;
    for (let bits = maxLength; bits !== 0; bits--) {
      let n = blCount[bits];
      while (n !== 0) {
        const m = heap[--h];
        if (m > maxCode) continue;
        if (len[m] !== bits) {
          this.optimalBits += (bits - len[m]) * freq[m];
          len[m] = bits;
        }
        n--;
      }
    }
  }

  /**
   * Walk the code lengths of a tree as they will be run-length coded and
   * count the code-length symbols (zlib scan_tree), or send them (send_tree).
   */
  private walkTree(tree: HuffmanTree, maxCode: number, send: boolean): void {
    const len = tree.len;
    const blTree = this.bitLengthTree;
    /** Sentinel after the last code so the final run always ends. */
    const GUARD = 0xffff;
    let prevLen = -1;
    let nextLen = len[0];
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextLen === 0) {
      maxCount = 138;
      minCount = 3;
    }

    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = n + 1 <= maxCode ? len[n + 1] : GUARD;
      if (++count < maxCount && curLen === nextLen) continue;

      if (count < minCount) {
        if (send) {
          do this.sendCode(blTree, curLen); while (--count !== 0);
        } else {
          blTree.freq[curLen] += count;
        }
      } else if (curLen !== 0) {
        if (curLen !== prevLen) {
          if (send) {
            this.sendCode(blTree, curLen);
            count--;
          } else {
            blTree.freq[curLen]++;
          }
        }
        if (send) {
          this.sendCode(blTree, REP_3_6);
          this.writer.writeBits(count - 3, 2);
        } else {
          blTree.freq[REP_3_6]++;
        }
      } else if (count <= 10) {
        if (send) {
          this.sendCode(blTree, REPZ_3_10);
          this.writer.writeBits(count - 3, 3);
        } else {
          blTree.freq[REPZ_3_10]++;
        }
      } else if (send) {
        this.sendCode(blTree, REPZ_11_138);
        this.writer.writeBits(count - 11, 7);
      } else {
        blTree.freq[REPZ_11_138]++;
      }

      count = 0;
      prevLen = curLen;
      if (nextLen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curLen === nextLen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  /**
   * Build the code-length tree for the two block trees; returns the index in
   * BL_ORDER of the last code-length code to send (at least 3, i.e. 4 codes).
   */
  private buildBitLengthTree(): number {
    this.walkTree(this.literalTree, this.literalTree.maxCode, false);
    this.walkTree(this.distanceTree, this.distanceTree.maxCode, false);
    this.buildTree(this.bitLengthTree);

    let maxBlIndex: number;
    for (maxBlIndex = BL_CODES - 1; maxBlIndex >= 3; maxBlIndex--) {
      if (this.bitLengthTree.len[BL_ORDER[maxBlIndex]] !== 0) break;
    }
    // 3 bits per code-length code length, plus HLIT (5), HDIST (5), HCLEN (4).
    this.optimalBits += 3 * (maxBlIndex + 1) + 5 + 5 + 4;
    return maxBlIndex;
  }

  /** The dynamic block header: counts, code-length code, both trees. */
  private sendAllTrees(literalCodes: number, distanceCodes: number, bitLengthCodes: number): void {
    const w = this.writer;
    w.writeBits(literalCodes - 257, 5);
    w.writeBits(distanceCodes - 1, 5);
    w.writeBits(bitLengthCodes - 4, 4);
    for (let rank = 0; rank < bitLengthCodes; rank++) {
      w.writeBits(this.bitLengthTree.len[BL_ORDER[rank]], 3);
    }
    this.walkTree(this.literalTree, literalCodes - 1, true);
    this.walkTree(this.distanceTree, distanceCodes - 1, true);
  }

  private sendCode(tree: HuffmanTree, symbol: number): void {
    this.writer.writeBits(tree.code[symbol], tree.len[symbol]);
  }

  /** Emit the block's symbols with the given codes, then END_BLOCK. */
  private compressBlock(
    lCodes: Uint16Array,
    lLens: Uint16Array,
    dCodes: Uint16Array,
    dLens: Uint16Array,
  ): void {
    const w = this.writer;
    for (let i = 0; i < this.symbolCount; i++) {
      const dist = this.distances[i];
      const lc = this.literalsOrLengths[i];
      if (dist === 0) {
        w.writeBits(lCodes[lc], lLens[lc]);
        continue;
      }
      let code = LENGTH_CODE[lc];
      w.writeBits(lCodes[code + LITERALS + 1], lLens[code + LITERALS + 1]);
      let extra = EXTRA_LENGTH_BITS[code];
      if (extra !== 0) w.writeBits(lc - BASE_LENGTH[code], extra);

      const distMinusOne = dist - 1;
      code = distanceCode(distMinusOne);
      w.writeBits(dCodes[code], dLens[code]);
      extra = EXTRA_DIST_BITS[code];
      if (extra !== 0) w.writeBits(distMinusOne - BASE_DIST[code], extra);
    }
    w.writeBits(lCodes[END_BLOCK], lLens[END_BLOCK]);
  }
}
