/**
 * The card's volatile write cache (JEDEC eMMC 5.1 §6.6.31; EXT_CSD CACHE_SIZE, CACHE_CTRL,
 * FLUSH_CACHE). With the cache on, a written block waits here until a flush, a power-off
 * notification, or eviction (oldest first, when the cache is full) programs it to the image; a
 * power loss drops it. This is what makes a missing flush before a power cut visible (hazard H9).
 * Blocks are whole 512-byte sectors keyed by partition and byte offset.
 */

import type { BlockBacking } from '../backing.js';

interface CachedBlock {
  readonly part: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

/** Partition offsets stay below 2^40 bytes, so (part, offset) packs into one safe integer key. */
const PART_KEY_SCALE = 2 ** 40;
const keyOf = (part: number, offset: number): number => part * PART_KEY_SCALE + offset;

export class VolatileCache {
  /** insertion order = age: Map iteration gives the oldest block first */
  private readonly blocks = new Map<number, CachedBlock>();

  /** `capacity` blocks at most (CACHE_SIZE in blocks). */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.blocks.size;
  }

  /** The cached copy of a block, if the newest data of that block is still in the cache. */
  read(part: number, offset: number): Uint8Array | undefined {
    return this.blocks.get(keyOf(part, offset))?.data;
  }

  /** True if any block of `part` in [offset, offset + len) is cached. */
  holdsAny(part: number, offset: number, len: number): boolean {
    for (const b of this.blocks.values()) if (b.part === part && b.offset + b.data.length > offset && b.offset < offset + len) return true;
    return false;
  }

  /**
   * Keep a copy of `data` as the newest version of the block; returns the blocks evicted to make
   * room (oldest first), which the caller programs to the image.
   */
  write(part: number, offset: number, data: Uint8Array): CachedBlock[] {
    const key = keyOf(part, offset);
    this.blocks.delete(key); // a rewrite makes the block the newest
    this.blocks.set(key, { part, offset, data: data.slice() });
    const evicted: CachedBlock[] = [];
    for (const [k, b] of this.blocks) {
      if (this.blocks.size <= this.capacity) break;
      this.blocks.delete(k);
      evicted.push(b);
    }
    return evicted;
  }

  /** Forget cached blocks of `part` in [offset, offset + len): newer data went straight to the image. */
  invalidate(part: number, offset: number, len: number): void {
    for (const [k, b] of this.blocks) if (b.part === part && b.offset >= offset && b.offset < offset + len) this.blocks.delete(k);
  }

  /** Everything in the cache, oldest first, and the cache empty (a flush). */
  drain(): CachedBlock[] {
    const all = [...this.blocks.values()];
    this.blocks.clear();
    return all;
  }

  /** Power lost: unflushed blocks never reach the image. Returns how many were dropped. */
  drop(): number {
    const n = this.blocks.size;
    this.blocks.clear();
    return n;
  }
}

/** Program cached blocks to their partitions (`partition` resolves a PARTITION_ACCESS value). */
export function programBlocks(blocks: readonly CachedBlock[], partition: (part: number) => BlockBacking | undefined): void {
  for (const b of blocks) partition(b.part)?.write(b.offset, b.data);
}
