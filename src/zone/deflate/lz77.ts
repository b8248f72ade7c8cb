/**
 * The LZ77 half of the kernel's zlib (lib/zlib_deflate/deflate.c, zlib 1.1.x
 * lineage): sliding window, hash chains, longest_match, and the three
 * compression loops (stored / fast / lazy "slow") picked by the level.
 *
 * The window is emulated exactly as the kernel keeps it (2 * wSize bytes,
 * upper half slid down when full), because match choice depends on those
 * details: which candidates are still reachable after a slide, how far the
 * chain walk goes, and even the bytes just past the end of the input that
 * longest_match() may compare before clamping a match to the lookahead.
 *
 * One representation differs, with identical results: the kernel stores
 * window indexes in head[]/prev[] and rewrites both tables on every slide
 * (index m becomes m - wSize, or NIL when m < wSize + 1). Here the tables hold
 * absolute input positions and `slideBase` (the absolute position of window
 * index 0) is subtracted when reading; an entry whose window index would be
 * <= 0 reads as NIL, which is exactly what the kernel's rewrite produces.
 * That saves rewriting a 32768-entry table every 1.8 KB with windowBits 11.
 */
import { BlockEncoder } from './trees.js';
import * as limits from './constants.js';

// Copied into module-local constants on purpose: some loaders (tsx) turn
// imported bindings into getter calls, which are costly inside the match loop.
const { MAX_MATCH, MIN_LOOKAHEAD, MIN_MATCH } = limits;

/** Hash chain terminator; window index 0 is therefore never matched. */
const NIL = 0;
/** Lazy matching drops 3-byte matches farther away than this: they rarely pay. */
const TOO_FAR = 4096;

export type CompressFunction = 'stored' | 'fast' | 'slow';

/** One row of the kernel's configuration_table. */
export interface LevelConfig {
  /** Search only a quarter of the chain once the previous match is this long. */
  readonly goodLength: number;
  /** slow: do not look for a better match after one this long. fast: do not hash-insert the strings inside a match longer than this. */
  readonly maxLazy: number;
  /** Stop searching once a match this long is found. */
  readonly niceLength: number;
  /** Maximum number of hash-chain candidates examined. */
  readonly maxChain: number;
  readonly compress: CompressFunction;
}

/** The kernel's configuration_table, indexed by level 0..9. */
export const CONFIGURATION_TABLE: readonly LevelConfig[] = [
  { goodLength: 0, maxLazy: 0, niceLength: 0, maxChain: 0, compress: 'stored' },
  { goodLength: 4, maxLazy: 4, niceLength: 8, maxChain: 4, compress: 'fast' },
  { goodLength: 4, maxLazy: 5, niceLength: 16, maxChain: 8, compress: 'fast' },
  { goodLength: 4, maxLazy: 6, niceLength: 32, maxChain: 32, compress: 'fast' },
  { goodLength: 4, maxLazy: 4, niceLength: 16, maxChain: 16, compress: 'slow' },
  { goodLength: 8, maxLazy: 16, niceLength: 32, maxChain: 32, compress: 'slow' },
  { goodLength: 8, maxLazy: 16, niceLength: 128, maxChain: 128, compress: 'slow' },
  { goodLength: 8, maxLazy: 32, niceLength: 128, maxChain: 256, compress: 'slow' },
  { goodLength: 32, maxLazy: 128, niceLength: 258, maxChain: 1024, compress: 'slow' },
  { goodLength: 32, maxLazy: 258, niceLength: 258, maxChain: 4096, compress: 'slow' },
];

/** Largest stored block (16-bit LEN field). */
const MAX_STORED_BLOCK = 0xffff;
/** A stored block header costs up to 5 bytes of the pending buffer. */
const STORED_HEADER_BYTES = 5;

export interface Lz77Params {
  readonly level: number;
  readonly windowBits: number;
  readonly memLevel: number;
}

/**
 * Compresses one whole input in a single Z_FINISH pass, writing blocks through
 * a BlockEncoder. `shouldAbort` is polled after every block flush (where the
 * kernel checks avail_out) so hopeless encodings can stop early.
 */
export class Lz77Encoder {
  private readonly wSize: number;
  private readonly wMask: number;
  /** Matches are limited to wSize - MIN_LOOKAHEAD so the window can slide safely. */
  private readonly maxDist: number;
  private readonly windowSize: number;
  private readonly window: Uint8Array;
  /** prev[pos & wMask]: previous absolute position with the same hash. */
  private readonly prev: Int32Array;
  /** head[hash]: most recent absolute position with that hash (0 = none). */
  private readonly head: Int32Array;
  /** Absolute input position of window index 0 (a multiple of wSize). */
  private slideBase = 0;
  private readonly hashMask: number;
  /** Shift so that after MIN_MATCH updates the oldest byte has left the hash. */
  private readonly hashShift: number;
  private readonly config: LevelConfig;
  /** zlib pending_buf_size (4 bytes per symbol slot); limits stored blocks. */
  private readonly pendingBufferSize: number;

  private insH = 0;
  /** Window offset where the current block's input starts; negative once slid out. */
  private blockStart = 0;
  private strstart = 0;
  private lookahead = 0;
  private matchStart = 0;
  private matchLength = MIN_MATCH - 1;
  private prevLength = MIN_MATCH - 1;
  private prevMatch = 0;
  private matchAvailable = false;
  /** zlib keeps hash_head across loop iterations; so do we. */
  private hashHead = NIL;

  private inputPos = 0;

  constructor(
    private readonly input: Uint8Array,
    params: Lz77Params,
    private readonly blocks: BlockEncoder,
    private readonly shouldAbort: () => boolean,
  ) {
    this.wSize = 1 << params.windowBits;
    this.wMask = this.wSize - 1;
    this.maxDist = this.wSize - MIN_LOOKAHEAD;
    this.windowSize = 2 * this.wSize;
    // Bytes past the input stay zero, as in a freshly zeroed kernel workspace.
    this.window = new Uint8Array(this.windowSize);
    this.prev = new Int32Array(this.wSize);
    const hashBits = params.memLevel + 7;
    this.head = new Int32Array(1 << hashBits);
    this.hashMask = (1 << hashBits) - 1;
    this.hashShift = Math.floor((hashBits + MIN_MATCH - 1) / MIN_MATCH);
    this.config = CONFIGURATION_TABLE[params.level];
    this.pendingBufferSize = (1 << (params.memLevel + 6)) * 4;
  }

  /** Run the whole input through; returns false if shouldAbort() stopped it. */
  compress(): boolean {
    switch (this.config.compress) {
      case 'stored':
        return this.deflateStored();
      case 'fast':
        return this.deflateFast();
      case 'slow':
        return this.deflateSlow();
    }
  }

  /**
   * Insert the string at window index `pos` into the hash chains; returns the
   * previous chain head as a window index, or NIL.
   */
  private insertString(pos: number): number {
    this.insH = ((this.insH << this.hashShift) ^ this.window[pos + MIN_MATCH - 1]) & this.hashMask;
    const head = this.head[this.insH];
    this.prev[pos & this.wMask] = head;
    this.head[this.insH] = pos + this.slideBase;
    const index = head - this.slideBase;
    return index > 0 ? index : NIL;
  }

  /** Start the rolling hash from the two bytes at `pos`. */
  private resetHash(pos: number): void {
    this.insH = ((this.window[pos] << this.hashShift) ^ this.window[pos + 1]) & this.hashMask;
  }

  /**
   * Refill the window when lookahead is short, sliding the upper half down
   * first if strstart has moved too far (zlib fill_window).
   */
  private fillWindow(): void {
    const wSize = this.wSize;
    do {
      let more = this.windowSize - this.lookahead - this.strstart;

      if (this.strstart >= wSize + this.maxDist) {
        this.window.copyWithin(0, wSize, 2 * wSize);
        this.matchStart -= wSize;
        this.strstart -= wSize;
        this.blockStart -= wSize;
        // Rebase the hash tables: entries now at window index <= 0 read as NIL.
        this.slideBase += wSize;
        more += wSize;
      }
      if (this.inputPos >= this.input.length) return;

      const n = Math.min(more, this.input.length - this.inputPos);
      this.window.set(this.input.subarray(this.inputPos, this.inputPos + n), this.strstart + this.lookahead);
      this.inputPos += n;
      this.lookahead += n;

      if (this.lookahead >= MIN_MATCH) this.resetHash(this.strstart);
    } while (this.lookahead < MIN_LOOKAHEAD && this.inputPos < this.input.length);
  }

  /**
   * Longest match for the string at strstart along the chain from curMatch,
   * better than prevLength; sets matchStart. Like the kernel, compares may run
   * past the end of the input into stale window bytes before the result is
   * clamped to the lookahead.
   */
  private longestMatch(curMatch: number): number {
    const window = this.window;
    const prev = this.prev;
    const wMask = this.wMask;
    const base = this.slideBase;
    const scan = this.strstart;
    let chainLength = this.config.maxChain;
    let bestLen = this.prevLength;
    let niceMatch = this.config.niceLength;
    const limit = this.strstart > this.maxDist ? this.strstart - this.maxDist : NIL;

    let scanEnd1 = window[scan + bestLen - 1];
    let scanEnd = window[scan + bestLen];

    if (this.prevLength >= this.config.goodLength) chainLength >>= 2;
    // Do not look beyond the end of the input: keeps the result deterministic.
    if (niceMatch > this.lookahead) niceMatch = this.lookahead;

    const scan0 = window[scan];
    const scan1 = window[scan + 1];
    do {
      const match = curMatch;
      // Cheap rejections first: the match must beat bestLen at its end and
      // agree on the first two bytes (the third is implied by the equal hash).
      if (
        window[match + bestLen] !== scanEnd ||
        window[match + bestLen - 1] !== scanEnd1 ||
        window[match] !== scan0 ||
        window[match + 1] !== scan1
      ) {
        continue;
      }
      let len = MIN_MATCH;
      while (len < MAX_MATCH && window[scan + len] === window[match + len]) len++;

      if (len > bestLen) {
        this.matchStart = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = window[scan + bestLen - 1];
        scanEnd = window[scan + bestLen];
      }
      // Stale (slid-out) entries give indexes <= 0 and end the walk like NIL.
    } while ((curMatch = prev[curMatch & wMask] - base) > limit && --chainLength !== 0);

    return bestLen <= this.lookahead ? bestLen : this.lookahead;
  }

  /**
   * End the current block (FLUSH_BLOCK_ONLY). Returns true if the caller must
   * stop because the output can no longer fit.
   */
  private flushBlock(last: boolean): boolean {
    this.blocks.flushBlock(this.window, this.blockStart, this.strstart - this.blockStart, last);
    this.blockStart = this.strstart;
    return this.shouldAbort();
  }

  /** Level 0: copy input into stored blocks. */
  private deflateStored(): boolean {
    let maxBlockSize = MAX_STORED_BLOCK;
    if (maxBlockSize > this.pendingBufferSize - STORED_HEADER_BYTES) {
      maxBlockSize = this.pendingBufferSize - STORED_HEADER_BYTES;
    }
    for (;;) {
      if (this.lookahead <= 1) {
        this.fillWindow();
        if (this.lookahead === 0) break;
      }
      this.strstart += this.lookahead;
      this.lookahead = 0;

      // Emit a block when it reaches the maximum size.
      const maxStart = this.blockStart + maxBlockSize;
      if (this.strstart >= maxStart) {
        this.lookahead = this.strstart - maxStart;
        this.strstart = maxStart;
        if (this.flushBlock(false)) return false;
      }
      // Flush before the window slides, or the block's bytes would be lost.
      if (this.strstart - this.blockStart >= this.maxDist) {
        if (this.flushBlock(false)) return false;
      }
    }
    return !this.flushBlock(true);
  }

  /** Levels 1..3: greedy matching, no lazy evaluation. */
  private deflateFast(): boolean {
    const blocks = this.blocks;
    for (;;) {
      if (this.lookahead < MIN_LOOKAHEAD) {
        this.fillWindow();
        if (this.lookahead === 0) break;
      }

      if (this.lookahead >= MIN_MATCH) this.hashHead = this.insertString(this.strstart);

      if (this.hashHead !== NIL && this.strstart - this.hashHead <= this.maxDist) {
        this.matchLength = this.longestMatch(this.hashHead);
      }

      let mustFlush: boolean;
      if (this.matchLength >= MIN_MATCH) {
        mustFlush = blocks.tallyMatch(
          this.strstart - this.matchStart,
          this.matchLength,
          this.strstart - this.blockStart,
        );
        this.lookahead -= this.matchLength;

        // Hash the strings inside the match only for short matches (speed).
        if (this.matchLength <= this.config.maxLazy && this.lookahead >= MIN_MATCH) {
          this.matchLength--; // the string at strstart is already hashed
          do {
            this.strstart++;
            this.hashHead = this.insertString(this.strstart);
          } while (--this.matchLength !== 0);
          this.strstart++;
        } else {
          this.strstart += this.matchLength;
          this.matchLength = 0;
          this.resetHash(this.strstart);
        }
      } else {
        mustFlush = blocks.tallyLiteral(this.window[this.strstart], this.strstart - this.blockStart);
        this.lookahead--;
        this.strstart++;
      }
      if (mustFlush && this.flushBlock(false)) return false;
    }
    return !this.flushBlock(true);
  }

  /**
   * Levels 4..9: lazy matching. A match found at one position is kept only if
   * the next position does not yield a longer one.
   */
  private deflateSlow(): boolean {
    const blocks = this.blocks;
    const config = this.config;
    for (;;) {
      if (this.lookahead < MIN_LOOKAHEAD) {
        this.fillWindow();
        if (this.lookahead === 0) break;
      }

      if (this.lookahead >= MIN_MATCH) this.hashHead = this.insertString(this.strstart);

      this.prevLength = this.matchLength;
      this.prevMatch = this.matchStart;
      this.matchLength = MIN_MATCH - 1;

      if (
        this.hashHead !== NIL &&
        this.prevLength < config.maxLazy &&
        this.strstart - this.hashHead <= this.maxDist
      ) {
        this.matchLength = this.longestMatch(this.hashHead);
        // A far 3-byte match costs more than three literals; drop it.
        if (this.matchLength === MIN_MATCH && this.strstart - this.matchStart > TOO_FAR) {
          this.matchLength = MIN_MATCH - 1;
        }
      }

      if (this.prevLength >= MIN_MATCH && this.matchLength <= this.prevLength) {
        // The previous position's match wins: emit it.
        const maxInsert = this.strstart + this.lookahead - MIN_MATCH;
        const mustFlush = blocks.tallyMatch(
          this.strstart - 1 - this.prevMatch,
          this.prevLength,
          this.strstart - this.blockStart,
        );
        // Hash every string inside the match (strstart-1 and strstart already
        // are), except the last ones when the input is about to end.
        this.lookahead -= this.prevLength - 1;
        this.prevLength -= 2;
        do {
          if (++this.strstart <= maxInsert) this.hashHead = this.insertString(this.strstart);
        } while (--this.prevLength !== 0);
        this.matchAvailable = false;
        this.matchLength = MIN_MATCH - 1;
        this.strstart++;
        if (mustFlush && this.flushBlock(false)) return false;
      } else if (this.matchAvailable) {
        // No better match than a literal for the previous byte, or the
        // current match is longer: emit the previous byte as a literal.
        const mustFlush = blocks.tallyLiteral(this.window[this.strstart - 1], this.strstart - this.blockStart);
        if (mustFlush && this.flushBlock(false)) return false;
        this.strstart++;
        this.lookahead--;
      } else {
        // Nothing to compare with yet; decide at the next position.
        this.matchAvailable = true;
        this.strstart++;
        this.lookahead--;
      }
    }
    if (this.matchAvailable) {
      blocks.tallyLiteral(this.window[this.strstart - 1], this.strstart - this.blockStart);
      this.matchAvailable = false;
    }
    return !this.flushBlock(true);
  }
}
