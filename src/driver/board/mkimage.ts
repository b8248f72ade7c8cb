/**
 * mkimage: a blank card image with the default GPT layout (pstore partition zero-filled),
 * written through the emulated stack — block-layer writes, i.e. CMD25 over the registers.
 * A path is built in a temporary file beside it and renamed over it once whole and synced: a
 * failure (a full disk, a signal) leaves the target as it was, never half a card.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { registerCleanup } from '../../lib/exit-cleanup.js';
import { hostIoCheck, hostIoErrorOf } from '../../lib/host-io.js';
import type { BlockBacking } from '../../device/backing.js';
import { defaultCardLayout, encodeGpt, type CardLayout } from '../mmc/partitions/index.js';
import { closeBoard } from './run.js';
import { openBoard } from './session.js';
import { imageFileSize } from './image-file.js';
import type { ImageLayoutKind } from './types.js';

export interface MkimageOptions {
  /** a file path (replaced whole, through a temporary file beside it), or a backing of the right size (tests) */
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

/** The temporary file mkimage builds `image` in: beside it (same file system: rename is atomic), hidden. */
export function mkimageTempPath(image: string): string {
  return nodePath.join(nodePath.dirname(image), `.${nodePath.basename(image)}.mkimage-${process.pid}.tmp`);
}

export function mkimage(o: MkimageOptions): MkimageResult {
  const card = defaultCardLayout({ diskBytes: o.size, pstoreBytes: o.pstoreSize, label: o.label, seed: o.seed });
  const fileSize = imageFileSize(o.size, o.layout);
  if (typeof o.image !== 'string') {
    if (o.image.size !== fileSize) throw new RangeError(`backing is ${o.image.size} bytes, the image needs ${fileSize}`);
    return { card, blkdev: `/dev/mmcblk0p${card.pstoreNumber}`, fileSize, sectorsWritten: writeCard(o, card, o.image) };
  }
  const image = o.image;
  const tmp = mkimageTempPath(image);
  const removeTmp = (): void => fs.rmSync(tmp, { force: true });
  const unregister = registerCleanup(removeTmp);
  try {
    try {
      hostIoCheck('create', tmp);
      fs.writeFileSync(tmp, new Uint8Array(0));
      fs.truncateSync(tmp, fileSize);
    } catch (e) {
      throw hostIoErrorOf(e, 'create', tmp) ?? e;
    }
    const sectorsWritten = writeCard(o, card, tmp);
    try {
      hostIoCheck('rename', image);
      fs.renameSync(tmp, image);
    } catch (e) {
      throw hostIoErrorOf(e, 'rename', image) ?? e;
    }
    return { card, blkdev: `/dev/mmcblk0p${card.pstoreNumber}`, fileSize, sectorsWritten };
  } catch (e) {
    removeTmp();
    throw e;
  } finally {
    unregister();
  }
}

/** The GPT through the emulated stack onto `image`; a host I/O error under the card is thrown. */
function writeCard(o: MkimageOptions, card: CardLayout, image: string | BlockBacking): number {
  const writes = encodeGpt(card.layout, card.diskSectors);
  let backing: BlockBacking | undefined = typeof image === 'string' ? undefined : image;
  const openImage = o.openImage && ((p: string, ro: boolean) => (backing = o.openImage!(p, ro)));
  let sectorsWritten = 0;
  try {
    const session = openBoard({ image, layout: o.layout, bootLogLines: 0, openImage });
    try {
      const user = session.stack.device(`mmcblk${session.stack.host.index}`)!;
      for (const w of writes) {
        user.writeSectors(w.lba, w.bytes);
        sectorsWritten += w.bytes.length / SECTOR_SIZE;
      }
    } finally {
      closeBoard(session); // flushes: fsync of the image
    }
  } catch (e) {
    throw backing?.hostError ?? e; // what the card made of a host error is not the story
  } finally {
    if (typeof image === 'string') backing?.close();
  }
  // the card turned it into its ERROR bit: the file is not a card
  if (backing?.hostError) throw backing.hostError;
  return sectorsWritten;
}
