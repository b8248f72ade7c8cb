/**
 * What a CMD6 SWITCH does besides storing its EXT_CSD byte (./ext-csd-switch.ts says which bytes
 * and values are allowed): one entry per byte that triggers something in the card. Each returns
 * the busy it adds to the switch (ns) — 0 when nothing had to be programmed, so a card without a
 * cache switches exactly as it always has.
 */

import {
  EXT_CSD,
  EXT_CSD_CACHE_CTRL_EN,
  EXT_CSD_FLUSH_CACHE_FLUSH,
  EXT_CSD_POWER_OFF_LONG,
  EXT_CSD_POWER_OFF_SHORT,
  EXT_CSD_SLEEP_NOTIFICATION,
} from '../../hw/ext-csd.js';
import type { Tracer } from '../trace.js';
import type { TaskQueue } from './task-queue.js';
import type { WriteProtection } from './write-protect.js';

/** The card as a switch effect sees it. */
export interface SwitchEffectContext {
  readonly extCsd: Uint8Array;
  readonly tracer: Tracer;
  readonly writeProtection: WriteProtection;
  readonly queue: TaskQueue;
  flushCache(why: string): number;
}

type Effect = (card: SwitchEffectContext, value: number) => number;

/** Notifications after which the card must keep its data across the coming power-off. */
const NOTIFICATIONS_THAT_FLUSH: readonly number[] = [EXT_CSD_POWER_OFF_SHORT, EXT_CSD_POWER_OFF_LONG, EXT_CSD_SLEEP_NOTIFICATION];

const EFFECTS: ReadonlyMap<number, Effect> = new Map<number, Effect>([
  // FLUSH_CACHE bit 0 (mmc_flush_cache): everything cached is programmed; busy on DAT0 meanwhile
  [EXT_CSD.FLUSH_CACHE, (card, value) => (value & EXT_CSD_FLUSH_CACHE_FLUSH ? card.flushCache('flush') : 0)],
  // turning the cache off commits what it holds first (JEDEC: the device flushes it)
  [EXT_CSD.CACHE_CTRL, (card, value) => (value & EXT_CSD_CACHE_CTRL_EN ? 0 : card.flushCache('cache off'))],
  // a power-off (or sleep) notification: the card prepares for power loss and commits its cache
  [EXT_CSD.POWER_OFF_NOTIFICATION, (card, value) => (NOTIFICATIONS_THAT_FLUSH.includes(value) ? card.flushCache('power-off notification') : 0)],
  [
    EXT_CSD.BOOT_WP,
    (card) => {
      card.writeProtection.applyBootWp(card.extCsd);
      return 0;
    },
  ],
  // entering or leaving command queueing starts from an empty queue (the switch requires one)
  [
    EXT_CSD.CMDQ_MODE_EN,
    (card) => {
      card.queue.clear();
      return 0;
    },
  ],
]);

export function switchEffect(card: SwitchEffectContext, index: number, value: number): number {
  return EFFECTS.get(index)?.(card, value) ?? 0;
}
