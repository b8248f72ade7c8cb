/**
 * Is this image file a whole card, and where is its pstore partition? Reads the partition table
 * straight from the file (user area at 0, or after QEMU's boot0|boot1|RPMB), boots nothing, and
 * loads no more than the partition-table parser: every read asks this before deciding to load
 * the emulated board (card-source.ts).
 */
import * as fs from 'node:fs';
import { imageFileSize } from '../driver/board/image-file.js';
import type { ImageLayoutKind } from '../driver/board/types.js';
import { MSDOS_MBR_SIGNATURE, pageCachedReader, scanPartitions, type ScanResult } from '../driver/mmc/partitions/index.js';
import { fdByteSize } from '../lib/block-device.js';
import { SECTOR_SIZE } from '../lib/units.js';
import { DataError, UsageError } from './errors.js';

/** A GPT needs its protective MBR, header and 32 sectors of entries. */
const GPT_MIN_SECTORS = 34;
/** The 0xAA55 signature ends sector 0 (little-endian). */
const MBR_SIGNATURE_OFFSET = 510;

/** Where the card's user area sits in the file, and its partition table (read straight from the file, no boot). */
export interface CardProbe {
  layout: ImageLayoutKind;
  /** byte offset of the user area in the file */
  userOffset: number;
  userSize: number;
  scan: ScanResult;
  /** partition number of the one labelled "pstore", if any */
  pstoreNumber: number | null;
}

function readAt(fd: number, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return buf;
}

/**
 * Does the file look like a whole card (a GPT or MBR partition table at the start of the user
 * area, in either layout)? Reads a few sectors; null for anything else (a raw pstore region).
 */
export function probeCard(path: string): CardProbe | null {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    const size = st.isFile() || st.isBlockDevice() ? fdByteSize(fd, st) : 0;
    const qemuOffset = imageFileSize(0, 'qemu');
    const candidates: [ImageLayoutKind, number][] = [['user-area', 0]];
    if (size > qemuOffset) candidates.push(['qemu', qemuOffset]);
    for (const [layout, userOffset] of candidates) {
      const userSize = size - userOffset;
      if (userSize < GPT_MIN_SECTORS * SECTOR_SIZE || userSize % SECTOR_SIZE !== 0) continue;
      const lba0 = readAt(fd, userOffset, SECTOR_SIZE);
      // The protective MBR of a GPT carries it too: no signature, no partition table.
      if ((lba0[MBR_SIGNATURE_OFFSET]! | (lba0[MBR_SIGNATURE_OFFSET + 1]! << 8)) !== MSDOS_MBR_SIGNATURE) continue;
      const sectors = userSize / SECTOR_SIZE;
      const scan = scanPartitions(pageCachedReader((lba, n) => readAt(fd, userOffset + lba * SECTOR_SIZE, n * SECTOR_SIZE), sectors), sectors);
      if (scan.scheme === 'none' || scan.partitions.length === 0) continue;
      const p = scan.partitions.find((q) => q.label === 'pstore');
      return { layout, userOffset, userSize, scan, pstoreNumber: p ? p.number : null };
    }
    return null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** What the probe needs of a read's options (ImageOptions fits). */
export interface CardRequest {
  image: string;
  /** the file to open, when not `image` (a temporary copy) */
  file?: string;
  blkdev?: string;
  offset?: number;
  size?: number;
  /** a probe this read already made (cardProbeOnce): reused while the request is the same */
  cardProbe?: KeptCardProbe;
}

/** A probe and the request it answered. */
export interface KeptCardProbe {
  probe: CardProbe;
  key: string;
}

/** Everything cardProbeFor's answer depends on, apart from the file's bytes. */
function requestKey(opts: CardRequest, params: { offset?: number; size?: number }): string {
  return JSON.stringify([opts.image, opts.file, opts.blkdev, opts.offset, opts.size, params.offset, params.size]);
}

/** The card probe to keep with the options of a read (null when it goes on as a plain region). */
export function keepCardProbe(opts: CardRequest, params: { offset?: number; size?: number }): KeptCardProbe | null {
  const probe = cardProbeFor(opts, params);
  return probe ? { probe, key: requestKey(opts, params) } : null;
}

/**
 * cardProbeFor, reusing the probe kept with `opts` when it answered this same request: a read of
 * a card asks several times (which opener, does a region apply, the session) and each would
 * read and check the partition table again.
 */
export function cardProbeOnce(opts: CardRequest, params: { offset?: number; size?: number }): CardProbe | null {
  const kept = opts.cardProbe;
  if (kept && kept.key === requestKey(opts, params)) return kept.probe;
  return cardProbeFor(opts, params);
}

/** True when the options ask for a plain region (an explicit --offset/--size, or mmcpstore.sector_* without --blkdev). */
function explicitRegion(opts: CardRequest, params: { offset?: number; size?: number }): boolean {
  return opts.offset !== undefined || opts.size !== undefined || params.offset !== undefined || params.size !== undefined;
}

/**
 * The card a read goes through, or null for a raw pstore region: --blkdev names a partition of a
 * card image, and without it a card whose partition table has one labelled "pstore" is read
 * through that partition (unless --offset/--size ask for a plain region).
 */
export function cardProbeFor(opts: CardRequest, params: { offset?: number; size?: number }): CardProbe | null {
  if (opts.blkdev !== undefined) {
    if (opts.offset !== undefined || opts.size !== undefined) {
      throw new UsageError('--blkdev names a partition of a card image; --offset/--size cannot be combined with it (use mmcpstore.sector_offset/sector_count in --params for a window of the partition)', { option: 'blkdev' });
    }
    const probe = probeCard(opts.file ?? opts.image);
    if (!probe) throw new DataError(`--blkdev: '${opts.image}' is not a card image (no GPT or MBR partition table at the start of the user area)`, { option: 'blkdev' });
    return probe;
  }
  if (explicitRegion(opts, params)) return null;
  const probe = probeCard(opts.file ?? opts.image);
  return probe && probe.pstoreNumber !== null ? probe : null;
}
