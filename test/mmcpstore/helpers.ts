/** Shared setup: a mkimage'd card in memory, and sessions over copies of it. */
import { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, mkimage, openBoard, type AttachOptions, type BoardSession, type OpenBoardOptions } from '../../src/driver/board/index.js';

export const CARD_SIZE = 16 << 20;
export const PSTORE_SIZE = 1 << 20;

let cached: { image: Uint8Array; blkdev: string } | undefined;

/** A blank 16 MiB card with the default GPT (pstore = p6, 1 MiB), made once through the stack. */
export function blankCard(): { image: Uint8Array; blkdev: string } {
  if (!cached) {
    const b = new MemoryBacking(CARD_SIZE);
    const r = mkimage({ image: b, size: CARD_SIZE, pstoreSize: PSTORE_SIZE, seed: 1 });
    cached = { image: b.read(0, CARD_SIZE), blkdev: r.blkdev };
  }
  return { image: cached.image.slice(), blkdev: cached.blkdev };
}

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
