/**
 * Block emission of the kernel's zlib (lib/zlib_deflate/deftree.c, zlib 1.1.x
 * lineage).
 *
 * The LZ77 stage records literals and (distance, length) pairs here; when a
 * block ends, this module has the dynamic trees built (huffman-tree.ts) and
 * picks the cheapest of a stored, a fixed-Huffman or a dynamic-Huffman block
 * exactly the way the kernel does, so the emitted bits are identical.
 * Everything that influences output (heap tie-breaking by subtree depth, the
 * bit-length overflow repair, the forced second code of a one-symbol tree, the
 * size estimates used to choose the block type and the early block-split
 * heuristic) is reproduced. The fixed tables are static-tables.ts.
 */
import { BitWriter } from './bit-writer.js';
import * as limits from './constants.js';
import { BIT_LENGTH_DESCRIPTION, DISTANCE_DESCRIPTION, HEAP_SIZE, HuffmanTree, LITERAL_DESCRIPTION, TreeBuilder } from './huffman-tree.js';
import * as tables from './static-tables.js';

// Copied into module-local constants on purpose: some loaders (tsx) turn
// imported bindings into getter calls, which are costly in per-symbol code.
// The tables are filled in place by initStaticTables(), so the copies stay current.
const { BL_CODES, D_CODES, LITERALS, L_CODES, MIN_MATCH } = limits;
const { BASE_DIST, BASE_LENGTH, BL_ORDER, EXTRA_DIST_BITS, EXTRA_LENGTH_BITS, LENGTH_CODE, STATIC_DTREE_CODE, STATIC_DTREE_LEN, STATIC_LTREE_CODE, STATIC_LTREE_LEN, distanceCode, initStaticTables } = tables;

const END_BLOCK = 256;
/** Code-length symbols: repeat previous length 3..6 times, zeros 3..10 and 11..138 times. */
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

/** Block types, as sent in the 2-bit BTYPE field. */
const STORED_BLOCK = 0;
const STATIC_TREES = 1;
const DYN_TREES = 2;

/** Levels above this one run the "stop the block early" heuristic in tally(). */
const BLOCK_SPLIT_MIN_LEVEL = 2;
/** The heuristic is evaluated every time this many symbols have been recorded. */
const BLOCK_SPLIT_CHECK_MASK = 0xfff;


/**
 * Collects the symbols of the current block and writes finished blocks.
 * Mirrors the tree half of zlib's deflate_state.
 */
export class BlockEncoder {
  private readonly literalTree = new HuffmanTree(HEAP_SIZE, LITERAL_DESCRIPTION);
  private readonly distanceTree = new HuffmanTree(2 * D_CODES + 1, DISTANCE_DESCRIPTION);
  private readonly bitLengthTree = new HuffmanTree(2 * BL_CODES + 1, BIT_LENGTH_DESCRIPTION);

  /** Builds the trees and prices the block (optimalBits, staticBits). */
  private readonly trees = new TreeBuilder();

  /** Symbol buffer: distance (0 for a literal) and literal byte or length - MIN_MATCH. */
  private readonly distances: Uint16Array;
  private readonly literalsOrLengths: Uint8Array;
  /** Number of symbols in the current block (zlib last_lit). */
  private symbolCount = 0;
  private matchCount = 0;

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
      this.trees.build(this.literalTree);
      this.trees.build(this.distanceTree);
      maxBlIndex = this.buildBitLengthTree();
      // +3 for the block header, +7 to round up to whole bytes.
      optimalBytes = Math.floor((this.trees.optimalBits + 3 + 7) / 8);
      staticBytes = Math.floor((this.trees.staticBits + 3 + 7) / 8);
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
    this.trees.optimalBits = 0;
    this.trees.staticBits = 0;
    this.symbolCount = 0;
    this.matchCount = 0;
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
    this.trees.build(this.bitLengthTree);

    let maxBlIndex: number;
    for (maxBlIndex = BL_CODES - 1; maxBlIndex >= 3; maxBlIndex--) {
      if (this.bitLengthTree.len[BL_ORDER[maxBlIndex]] !== 0) break;
    }
    // 3 bits per code-length code length, plus HLIT (5), HDIST (5), HCLEN (4).
    this.trees.optimalBits += 3 * (maxBlIndex + 1) + 5 + 5 + 4;
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
