/**
 * Batched image I/O for the card's block data stream (CMD17/18/24/25 moved block by block, as PIO
 * does): read-ahead and write-behind, scoped to one data phase. Only *when* the image is read or
 * written changes, never what the host sees: the card takes them only while nothing traces and no
 * armed fault can fire on a block (card.ts batchIo), and a phase's pending writes reach the image
 * before the phase ends, before a fault is armed and before the board closes. A power loss can
 * only come from an armed fault, so "power-loss:N leaves N blocks" is untouched.
 *
 * - read-ahead: the first block the phase reads brings up to READ_AHEAD_MAX of the blocks it will
 *   send in one positional read; the next blocks come from there. The image cannot change under
 *   a read phase (the card is the only writer and is sending).
 * - write-behind: received blocks are staged in order and written with one positional write when
 *   the stage is full, a block does not continue it, or the phase ends.
 */

import type { BlockBacking } from '../backing.js';
import { KiB } from '../../lib/units.js';

/** Largest read-ahead window (bytes): a 128 KiB request's blocks in one read, a long one in a few. */
export const READ_AHEAD_MAX = 512 * KiB;
/** Largest write-behind stage (bytes) before it is written out. */
export const WRITE_BEHIND_MAX = 256 << 10;

export class StreamIo {
  private ahead: Uint8Array | undefined;
  private aheadAt = 0;
  private stage: Uint8Array | undefined;
  private stageAt = 0;
  private staged = 0;

  constructor(private readonly p: BlockBacking) {}

  /**
   * The block [offset, offset+blockLen) from the read-ahead window, filling the window with up to
   * `blocks` blocks first if needed. undefined if fewer than two blocks are wanted or the image
   * read fails: the caller then reads the block alone (and reports any error at it).
   */
  read(offset: number, blockLen: number, blocks: number): Uint8Array | undefined {
    const a = this.ahead;
    if (a && offset >= this.aheadAt && offset + blockLen <= this.aheadAt + a.length) {
      return a.subarray(offset - this.aheadAt, offset - this.aheadAt + blockLen);
    }
    const n = Math.min(blocks, Math.floor(READ_AHEAD_MAX / blockLen));
    if (n < 2) return undefined;
    try {
      this.ahead = this.p.read(offset, n * blockLen);
    } catch {
      this.ahead = undefined;
      return undefined;
    }
    this.aheadAt = offset;
    return this.ahead.subarray(0, blockLen);
  }

  /** Stage a received block for `offset` (written out when the stage fills or the phase ends). */
  write(offset: number, block: Uint8Array): void {
    if (this.staged > 0 && (offset !== this.stageAt + this.staged || this.staged + block.length > WRITE_BEHIND_MAX)) this.flush();
    if (this.staged === 0) {
      this.stage ??= new Uint8Array(Math.max(WRITE_BEHIND_MAX, block.length));
      this.stageAt = offset;
    }
    this.stage!.set(block, this.staged);
    this.staged += block.length;
  }

  /** Write the staged blocks out (throws what the backing throws; the stage is dropped either way). */
  flush(): void {
    if (this.staged === 0) return;
    const n = this.staged;
    this.staged = 0;
    this.p.write(this.stageAt, this.stage!.subarray(0, n));
  }

  /** Bytes staged and not yet written. */
  get pending(): number {
    return this.staged;
  }
}
