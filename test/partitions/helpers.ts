/** Small image builders shared by the partition tests. */
import {
  applySectorWrites,
  crc32,
  decodeGptHeader,
  encodeGpt,
  GPT_ENTRY,
  GPT_HEADER,
  gptHeaderCrc,
  imageReader,
  MBR_TYPE,
  type GptLayout,
  type MbrLayout,
  type ReadSector,
  type SectorWrite,
} from '../../src/driver/mmc/partitions/index.js';
import { SECTOR_SIZE } from '../../src/lib/units.js';

export function blankImage(sectors: number): Uint8Array {
  return new Uint8Array(sectors * SECTOR_SIZE);
}

export function imageFrom(sectors: number, writes: SectorWrite[]): Uint8Array {
  return applySectorWrites(blankImage(sectors), writes);
}

export function gptImage(layout: GptLayout, sectors: number): Uint8Array {
  return imageFrom(sectors, encodeGpt(layout, sectors));
}

/** A reader that also records which LBAs were read. */
export function tracingReader(image: Uint8Array): { read: ReadSector; lbas: number[] } {
  const lbas: number[] = [];
  const inner = imageReader(image);
  return { lbas, read: (lba) => (lbas.push(lba), inner(lba)) };
}

export function headerView(image: Uint8Array, lba: number): DataView {
  return new DataView(image.buffer, image.byteOffset + lba * SECTOR_SIZE, SECTOR_SIZE);
}

/** Recomputes a header's CRC after a test changed one of its fields. */
export function resealHeader(image: Uint8Array, lba: number): void {
  const sector = image.subarray(lba * SECTOR_SIZE, (lba + 1) * SECTOR_SIZE);
  const size = new DataView(sector.buffer, sector.byteOffset).getUint32(GPT_HEADER.headerSize, true);
  headerView(image, lba).setUint32(GPT_HEADER.headerCrc32, gptHeaderCrc(sector, size), true);
}

/**
 * Edits entry `slot` (0-based) in both entry arrays through `edit`, then fixes both entry CRCs
 * and header CRCs, so only the edited content is "wrong".
 */
export function editEntry(image: Uint8Array, slot: number, edit: (entry: DataView) => void): void {
  const lastLba = image.length / SECTOR_SIZE - 1;
  for (const headerLba of [1, lastLba]) {
    const h = decodeGptHeader(image.subarray(headerLba * SECTOR_SIZE, (headerLba + 1) * SECTOR_SIZE));
    const at = h.partitionEntryLba * SECTOR_SIZE;
    const entries = image.subarray(at, at + h.numPartitionEntries * GPT_ENTRY.size);
    edit(new DataView(entries.buffer, entries.byteOffset + slot * GPT_ENTRY.size, GPT_ENTRY.size));
    headerView(image, headerLba).setUint32(GPT_HEADER.partitionEntryArrayCrc32, crc32(entries), true);
    resealHeader(image, headerLba);
  }
}

export const MIB = 1024 * 1024;

/** A sparse disk: unwritten sectors read as zeros, so huge disks cost nothing. */
export function sparseDisk(writes: SectorWrite[]): { read: ReadSector; sector: (lba: number) => Uint8Array } {
  const sectors = new Map<number, Uint8Array>();
  for (const w of writes) {
    for (let i = 0; i < w.bytes.length / SECTOR_SIZE; i++) sectors.set(w.lba + i, w.bytes.slice(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE));
  }
  const sector = (lba: number) => {
    let s = sectors.get(lba);
    if (!s) sectors.set(lba, (s = new Uint8Array(SECTOR_SIZE)));
    return s;
  };
  return { read: sector, sector };
}

/** An MBR with a primary, an extended partition holding three logical partitions, and a primary. */
export const withLogical: MbrLayout = {
  diskSignature: 0x1a2b3c4d,
  partitions: [
    { type: MBR_TYPE.linux, firstLba: 2048, sectors: 8192, bootable: true },
    {
      type: MBR_TYPE.dosExtended,
      firstLba: 10240,
      sectors: 40960,
      logical: [
        { type: MBR_TYPE.linux, firstLba: 12288, sectors: 2048 },
        { type: MBR_TYPE.linux, firstLba: 16384, sectors: 512, ebrLba: 14336 },
        { type: MBR_TYPE.linux, firstLba: 20480, sectors: 30720, ebrLba: 18432 },
      ],
    },
    { type: MBR_TYPE.linux, firstLba: 51200, sectors: 8192 },
  ],
};
