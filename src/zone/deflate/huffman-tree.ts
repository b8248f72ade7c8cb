/**
 * The dynamic Huffman trees of the kernel's zlib (lib/zlib_deflate/deftree.c
 * build_tree, gen_bitlen, gen_codes): a tree per alphabet, and the builder
 * that makes one from its frequencies, with zlib's heap tie-breaking by
 * subtree depth and its bit-length overflow repair, and prices the block
 * with it.
 */
import * as limits from './constants.js';
import { EXTRA_BL_BITS, EXTRA_DIST_BITS, EXTRA_LENGTH_BITS, STATIC_DTREE_LEN, STATIC_LTREE_LEN, generateCodes } from './static-tables.js';

// Module-local on purpose (see static-tables.ts): imported bindings can cost a getter call each.
const { BL_CODES, D_CODES, LITERALS, L_CODES, MAX_BITS } = limits;

/** Code-length codes are limited to 7 bits (RFC 1951 3.2.7: 3-bit fields). */
const MAX_BL_BITS = 7;
/** Heap large enough for the literal tree's leaves and internal nodes. */
export const HEAP_SIZE = 2 * L_CODES + 1;
/** Index of the least frequent node in the heap (heap[0] is unused). */
const SMALLEST = 1;

/** What differs between the literal, distance and code-length trees. */
export interface TreeDescription {
  /** Lengths of the matching fixed code, used to price a fixed block; null for the code-length tree. */
  readonly staticLengths: Uint16Array | null;
  readonly extraBits: Uint8Array;
  /** First symbol that has extra bits listed in extraBits. */
  readonly extraBase: number;
  /** Number of leaf symbols. */
  readonly elements: number;
  readonly maxLength: number;
}

export const LITERAL_DESCRIPTION: TreeDescription = {
  staticLengths: STATIC_LTREE_LEN,
  extraBits: EXTRA_LENGTH_BITS,
  extraBase: LITERALS + 1,
  elements: L_CODES,
  maxLength: MAX_BITS,
};
export const DISTANCE_DESCRIPTION: TreeDescription = {
  staticLengths: STATIC_DTREE_LEN,
  extraBits: EXTRA_DIST_BITS,
  extraBase: 0,
  elements: D_CODES,
  maxLength: MAX_BITS,
};
export const BIT_LENGTH_DESCRIPTION: TreeDescription = {
  staticLengths: null,
  extraBits: EXTRA_BL_BITS,
  extraBase: 0,
  elements: BL_CODES,
  maxLength: MAX_BL_BITS,
};

/** One dynamic Huffman tree: leaves first, then the internal nodes built over them. */
export class HuffmanTree {
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
 * Builds trees and adds the block's cost with each (and with the matching
 * fixed tree) to optimalBits / staticBits. Mirrors the heap half of zlib's
 * deflate_state.
 */
export class TreeBuilder {
  private readonly heap = new Int32Array(HEAP_SIZE);
  private heapLength = 0;
  private heapMax = 0;
  /** Subtree depth, the tie breaker between equal frequencies (8-bit like zlib's uch). */
  private readonly depth = new Uint8Array(HEAP_SIZE);
  private readonly blCount = new Uint16Array(MAX_BITS + 1);
  /** Block size in bits with the dynamic trees / with the fixed trees. */
  optimalBits = 0;
  staticBits = 0;

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
  build(tree: HuffmanTree): void {
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
}
