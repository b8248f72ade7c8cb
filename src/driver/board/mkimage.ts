/**
 * mkimage: a blank card image with the default GPT layout (pstore partition zero-filled),
 * written through the emulated stack — block-layer writes, i.e. CMD25 over the registers.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import * as fs from 'node:fs';
import type { BlockBacking } from '../../device/backing.js';
import { defaultCardLayout, encodeGpt, type CardLayout } from '../mmc/partitions/index.js';
import { closeBoard } from './run.js';
import { openBoard } from './session.js';
import { imageFileSize } from './image-file.js';
import type { ImageLayoutKind } from './types.js';

export interface MkimageOptions {
  /** a file path (created or truncated), or a backing of the right size (tests) */
  image: string | BlockBacking;
  /** user-area bytes */
  size: number;
  pstoreSize: number;
  label?: string;
  seed?: number | string;
  layout?: ImageLayoutKind;
  /** for a path: FileBacking.open (see OpenBoardOptions.openImage) */
  openImage?: (path: string, readOnly: boolean) => BlockBacking;
}

export interface MkimageResult {
  card: CardLayout;
  /** pstore_blk.blkdev for it, e.g. /dev/mmcblk0p6 */
  blkdev: string;
  /** bytes of the image file */
  fileSize: number;
  /** sectors written through the stack */
  sectorsWritten: number;
}

export function mkimage(o: MkimageOptions): MkimageResult {
  const card = defaultCardLayout({ diskBytes: o.size, pstoreBytes: o.pstoreSize, label: o.label, seed: o.seed });
  const writes = encodeGpt(card.layout, card.diskSectors);
  const fileSize = imageFileSize(o.size, o.layout);
  if (typeof o.image === 'string') {
    fs.writeFileSync(o.image, new Uint8Array(0));
    fs.truncateSync(o.image, fileSize);
  } else if (o.image.size !== fileSize) {
    throw new RangeError(`backing is ${o.image.size} bytes, the image needs ${fileSize}`);
  }
  const session = openBoard({ image: o.image, layout: o.layout, bootLogLines: 0, openImage: o.openImage });
  let sectorsWritten = 0;
  try {
    const user = session.stack.device(`mmcblk${session.stack.host.index}`)!;
    for (const w of writes) {
      user.writeSectors(w.lba, w.bytes);
      sectorsWritten += w.bytes.length / SECTOR_SIZE;
    }
  } finally {
    closeBoard(session);
  }
  return { card, blkdev: `/dev/mmcblk0p${card.pstoreNumber}`, fileSize, sectorsWritten };
}
