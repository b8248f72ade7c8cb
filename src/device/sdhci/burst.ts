/**
 * Burst: the timeline of a run of DMA blocks that the controller moves in one bulk call instead
 * of one clock task per block (controller.ts startBurst/settle). Pure arithmetic, so a burst
 * ending early (an MMIO access, a reset, an abort) can say exactly how far the per-block path
 * would have got at any virtual time.
 *
 * Block j (0-based) of the run completes — reaches the card (write) or memory (read) — at
 * `start + lead + j * period`:
 *   read:  start = arrival of the run's first block, lead = 0, period = one block on the bus;
 *   write: start = DMA fetch of the first block, lead = block on the bus + CRC status,
 *          period = lead + the card's per-block programming busy (the next fetch waits for it).
 */

import type { TaskHandle } from '../clock.js';

export interface BurstTimeline {
  readonly start: number;
  readonly lead: number;
  readonly period: number;
  /** blocks in the run (>= 2) */
  readonly blocks: number;
}

/** When block j of the run completes. */
export function blockDoneAt(b: BurstTimeline, j: number): number {
  return b.start + b.lead + j * b.period;
}

/** Blocks that have completed by virtual time `t` (inclusive). */
export function blocksDoneBy(b: BurstTimeline, t: number): number {
  if (t < b.start + b.lead) return 0;
  return Math.min(b.blocks, Math.floor((t - b.start - b.lead) / b.period) + 1);
}

/** Write runs: blocks whose DMA fetch has happened by `t` (one more than done while a block is on the bus). */
export function blocksFetchedBy(b: BurstTimeline, t: number): number {
  if (t < b.start) return 0;
  return Math.min(b.blocks, Math.floor((t - b.start) / b.period) + 1);
}

export interface Burst<X> extends BurstTimeline {
  readonly xfer: X;
  readonly epoch: number;
  readonly read: boolean;
  /** the clock task at the last block */
  task: TaskHandle;
}
