/** Shared setup: sessions over copies of a blank card (test/helpers/blank-card.ts). */
import type { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, openBoard, type AttachOptions, type BoardSession, type OpenBoardOptions } from '../../src/driver/board/index.js';

export { blankCard } from '../helpers/blank-card.js';

export function session(
  backing: MemoryBacking,
  blkdev: string,
  o: Partial<OpenBoardOptions> = {},
  a: Partial<AttachOptions> = {},
): BoardSession {
  const s = openBoard({ image: backing, seed: 3, ...o });
  attachPstore(s, { blkdev, params: { kmsgSize: 64 }, ...a });
  return s;
}

export const dec = new TextDecoder();
