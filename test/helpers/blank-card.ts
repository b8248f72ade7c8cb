/**
 * Blank cards: an eMMC card image as `mmcpstore mkimage --size 16M --pstore-size 1M` makes it (the
 * default GPT, pstore = p6), written through the emulated stack once per shape and copied for
 * each test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryBacking } from '../../src/device/backing.js';
import { mkimage, type MkimageResult } from '../../src/driver/board/index.js';
import { MiB } from '../../src/lib/units.js';

/** The card's user area and pstore partition a test gets unless it asks for others. */
export const CARD_SIZE = 16 * MiB;
export const PSTORE_SIZE = MiB;
/** The seed `mmcpstore mkimage` uses when given none (GUIDs follow from it). */
const MKIMAGE_SEED = 1;

export interface BlankCardOptions {
  size?: number;
  pstoreSize?: number;
  seed?: number;
}

export interface BlankCard {
  /** the whole card: a fresh copy per call */
  image: Uint8Array;
  /** pstore_blk.blkdev for it, e.g. /dev/mmcblk0p6 */
  blkdev: string;
  card: MkimageResult['card'];
}

const made = new Map<string, BlankCard>();

export function blankCard(o: BlankCardOptions = {}): BlankCard {
  const size = o.size ?? CARD_SIZE;
  const pstoreSize = o.pstoreSize ?? PSTORE_SIZE;
  const seed = o.seed ?? MKIMAGE_SEED;
  const key = `${size}/${pstoreSize}/${seed}`;
  let card = made.get(key);
  if (!card) {
    const backing = new MemoryBacking(size);
    const r = mkimage({ image: backing, size, pstoreSize, seed });
    card = { image: backing.read(0, size), blkdev: r.blkdev, card: r.card };
    made.set(key, card);
  }
  return { ...card, image: card.image.slice() };
}

/** A blank card written to `dir/name`; returns its path. */
export function blankCardFile(dir: string, name = 'disk.img', o: BlankCardOptions = {}): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, blankCard(o).image);
  return file;
}
