/** Writing a fresh GPT: layout defaults, the usable LBA range, and the sector writes. */
import { SECTOR_SIZE } from '../../../lib/units.js';
import { crc32 } from './crc32.js';
import { GuidError, PartitionLayoutError } from './errors.js';
import {
  GPT_DEFAULT_ENTRY_COUNT,
  GPT_ENTRY,
  GPT_KMALLOC_MAX_SIZE,
  NULL_GUID,
  encodeGptEntry,
  encodeGptHeader,
  isGuid,
  type GptLayout,
  type GptPartitionSpec,
} from './gpt.js';
import { encodeProtectiveMbr } from './mbr.js';
import type { SectorWrite } from './sectors.js';

/** Fills defaults: entryCount 128, numbers by position, attributes 0n; sorts by number. */
export function normalizeGptLayout(layout: GptLayout): Required<GptLayout> & { partitions: Required<GptPartitionSpec>[] } {
  return {
    diskGuid: layout.diskGuid.toLowerCase(),
    entryCount: layout.entryCount ?? GPT_DEFAULT_ENTRY_COUNT,
    partitions: layout.partitions
      .map((p, i) => ({
        number: p.number ?? i + 1,
        typeGuid: p.typeGuid.toLowerCase(),
        uniqueGuid: p.uniqueGuid.toLowerCase(),
        name: p.name,
        firstLba: p.firstLba,
        lastLba: p.lastLba,
        attributes: p.attributes ?? 0n,
      }))
      .sort((a, b) => a.number - b.number),
  };
}

/** Sectors one copy of the entry array takes. */
export function gptEntrySectors(entryCount: number): number {
  return Math.ceil((entryCount * GPT_ENTRY.size) / SECTOR_SIZE);
}

/** First and last usable LBA of a disk with `entryCount` entries per copy. */
export function gptUsableRange(diskSectors: number, entryCount = GPT_DEFAULT_ENTRY_COUNT): { firstUsableLba: number; lastUsableLba: number } {
  const n = gptEntrySectors(entryCount);
  return { firstUsableLba: 2 + n, lastUsableLba: diskSectors - 2 - n };
}

/**
 * Encodes a layout as the sector writes of a fresh GPT: protective MBR (LBA 0), primary header
 * (LBA 1), primary entries (LBA 2..), backup entries, backup header (last LBA). Throws
 * PartitionLayoutError naming the first problem (overlap, outside the usable area, bad GUID or name).
 */
export function encodeGpt(layout: GptLayout, diskSectors: number): SectorWrite[] {
  const l = normalizeGptLayout(layout);
  if (!Number.isInteger(l.entryCount) || l.entryCount < 1 || l.entryCount * GPT_ENTRY.size > GPT_KMALLOC_MAX_SIZE) {
    throw new PartitionLayoutError(`entry count ${l.entryCount} is not in 1..${GPT_KMALLOC_MAX_SIZE / GPT_ENTRY.size}`, { entryCount: l.entryCount });
  }
  const n = gptEntrySectors(l.entryCount);
  const { firstUsableLba, lastUsableLba } = gptUsableRange(diskSectors, l.entryCount);
  if (!Number.isInteger(diskSectors) || lastUsableLba < firstUsableLba) {
    throw new PartitionLayoutError(`a disk of ${diskSectors} sectors is too small for a GPT with ${l.entryCount} entries`, { diskSectors, entryCount: l.entryCount });
  }
  if (!isGuid(l.diskGuid)) throw new GuidError(l.diskGuid);

  const entries = new Uint8Array(n * SECTOR_SIZE);
  const seen = new Set<number>();
  for (const p of l.partitions) {
    const what = `partition ${p.number} (${JSON.stringify(p.name)})`;
    if (!Number.isInteger(p.number) || p.number < 1 || p.number > l.entryCount || seen.has(p.number)) {
      throw new PartitionLayoutError(`${what}: number ${p.number} is not a free slot in 1..${l.entryCount}`, { number: p.number });
    }
    seen.add(p.number);
    if (!isGuid(p.typeGuid) || p.typeGuid === NULL_GUID) {
      throw new PartitionLayoutError(`${what}: type GUID ${JSON.stringify(p.typeGuid)} is not a non-zero GUID`, { number: p.number, typeGuid: p.typeGuid });
    }
    if (!isGuid(p.uniqueGuid)) throw new GuidError(p.uniqueGuid);
    if (!Number.isInteger(p.firstLba) || !Number.isInteger(p.lastLba) || p.firstLba > p.lastLba) {
      throw new PartitionLayoutError(`${what}: LBA ${p.firstLba}..${p.lastLba} is not a non-empty range`, { number: p.number, firstLba: p.firstLba, lastLba: p.lastLba });
    }
    if (p.firstLba < firstUsableLba || p.lastLba > lastUsableLba) {
      throw new PartitionLayoutError(`${what}: LBA ${p.firstLba}..${p.lastLba} is outside the usable LBAs ${firstUsableLba}..${lastUsableLba}`, {
        number: p.number,
        firstLba: p.firstLba,
        lastLba: p.lastLba,
        firstUsableLba,
        lastUsableLba,
      });
    }
    if (p.attributes < 0n || p.attributes > 0xffffffffffffffffn) {
      throw new PartitionLayoutError(`${what}: attributes ${p.attributes} do not fit 64 bits`, { number: p.number });
    }
    encodeGptEntry(p, entries, p.number - 1);
  }
  const byStart = [...l.partitions].sort((a, b) => a.firstLba - b.firstLba);
  for (let i = 1; i < byStart.length; i++) {
    const [a, b] = [byStart[i - 1], byStart[i]];
    if (b.firstLba <= a.lastLba) {
      throw new PartitionLayoutError(`partition ${b.number} (LBA ${b.firstLba}..${b.lastLba}) overlaps partition ${a.number} (LBA ${a.firstLba}..${a.lastLba})`, {
        a: a.number,
        b: b.number,
      });
    }
  }

  const lastLba = diskSectors - 1;
  const entriesCrc = crc32(entries.subarray(0, l.entryCount * GPT_ENTRY.size));
  const common = {
    firstUsableLba,
    lastUsableLba,
    diskGuid: l.diskGuid,
    numPartitionEntries: l.entryCount,
    sizeofPartitionEntry: GPT_ENTRY.size,
    partitionEntryArrayCrc32: entriesCrc,
  };
  const backupEntriesLba = lastLba - n;
  return [
    { lba: 0, bytes: encodeProtectiveMbr(diskSectors) },
    { lba: 1, bytes: encodeGptHeader({ ...common, myLba: 1, alternateLba: lastLba, partitionEntryLba: 2 }) },
    { lba: 2, bytes: entries },
    { lba: backupEntriesLba, bytes: entries.slice() },
    { lba: lastLba, bytes: encodeGptHeader({ ...common, myLba: lastLba, alternateLba: 1, partitionEntryLba: backupEntriesLba }) },
  ];
}
