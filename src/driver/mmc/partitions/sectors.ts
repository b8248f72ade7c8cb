/**
 * Sector-level plumbing shared by the partition codecs.
 *
 * The codecs are pure: they never open files. Decoders are written once as generators that
 * yield the LBA they need next and receive that sector's 512 bytes back; `runSync` and
 * `runAsync` drive them from a synchronous or an asynchronous sector reader, so the same
 * parsing code serves tests (an in-memory image) and the emulated eMMC block layer (requests
 * through the SDHCI model). Encoders return the sector writes to perform.
 */
import { SECTOR_SIZE } from '../../../lib/units.js';

/** Logical block size of eMMC user areas (Linux `queue_logical_block_size`). */

/** Reads one 512-byte sector by LBA. Callers only ask for LBAs inside the disk. */
export type ReadSector = (lba: number) => Uint8Array;
export type ReadSectorAsync = (lba: number) => Uint8Array | Promise<Uint8Array>;

/** One write to perform: `bytes.length` is a positive multiple of 512, starting at `lba`. */
export interface SectorWrite {
  lba: number;
  bytes: Uint8Array;
}

/** A decoder: yields the LBA it wants, receives that sector, returns its result. */
export type SectorReads<T> = Generator<number, T, Uint8Array>;

function checkSector(lba: number, bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length < SECTOR_SIZE) {
    throw new RangeError(
      `sector reader returned ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes} for LBA ${lba}; expected ${SECTOR_SIZE} bytes`,
    );
  }
  return bytes.length === SECTOR_SIZE ? bytes : bytes.subarray(0, SECTOR_SIZE);
}

export function runSync<T>(reads: SectorReads<T>, readSector: ReadSector): T {
  let step = reads.next();
  while (!step.done) {
    const lba = step.value;
    step = reads.next(checkSector(lba, readSector(lba)));
  }
  return step.value;
}

export async function runAsync<T>(reads: SectorReads<T>, readSector: ReadSectorAsync): Promise<T> {
  let step = reads.next();
  while (!step.done) {
    const lba = step.value;
    step = reads.next(checkSector(lba, await readSector(lba)));
  }
  return step.value;
}

/** Reads `count` consecutive sectors into one buffer. */
export function* readSectors(lba: number, count: number): SectorReads<Uint8Array> {
  const out = new Uint8Array(count * SECTOR_SIZE);
  for (let i = 0; i < count; i++) out.set(yield lba + i, i * SECTOR_SIZE);
  return out;
}

/** Sectors in one page of the block device's page cache (4 KiB folios). */
export const PAGE_SECTORS = 8;

/**
 * A sector reader through the block device's page cache, as block/partitions' read_part_sector()
 * goes: the first access to a sector reads the whole 4 KiB page holding it (read_mapping_folio,
 * one request of PAGE_SECTORS sectors, fewer at the end of the disk), later ones hit the cache.
 */
export function pageCachedReader(readSectors: (lba: number, count: number) => Uint8Array, diskSectors: number): ReadSector {
  const pages = new Map<number, Uint8Array>();
  return (lba) => {
    const index = Math.floor(lba / PAGE_SECTORS);
    let page = pages.get(index);
    if (!page) {
      const first = index * PAGE_SECTORS;
      page = readSectors(first, Math.min(PAGE_SECTORS, diskSectors - first));
      pages.set(index, page);
    }
    const at = (lba - index * PAGE_SECTORS) * SECTOR_SIZE;
    return page.subarray(at, at + SECTOR_SIZE);
  };
}

/** A sector reader over an in-memory disk image (tests, tools). */
export function imageReader(image: Uint8Array): ReadSector {
  return (lba) => {
    const at = lba * SECTOR_SIZE;
    if (!Number.isInteger(lba) || lba < 0 || at + SECTOR_SIZE > image.length) {
      throw new RangeError(`LBA ${lba} is outside the ${image.length / SECTOR_SIZE}-sector image`);
    }
    return image.subarray(at, at + SECTOR_SIZE);
  };
}

/** Applies sector writes to an in-memory image, in order. */
export function applySectorWrites(image: Uint8Array, writes: readonly SectorWrite[]): Uint8Array {
  for (const w of writes) {
    const at = w.lba * SECTOR_SIZE;
    if (w.bytes.length % SECTOR_SIZE !== 0 || at + w.bytes.length > image.length) {
      throw new RangeError(
        `write of ${w.bytes.length} bytes at LBA ${w.lba} does not fit a ${image.length}-byte image in whole sectors`,
      );
    }
    image.set(w.bytes, at);
  }
  return image;
}
