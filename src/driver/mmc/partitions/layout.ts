/**
 * A realistic default GPT layout for an emulated eMMC card, Android/embedded style, with the
 * pstore partition deliberately not first (so `blkdev` resolution and dev_t numbering are
 * exercised): bootloader, env, misc, boot_a, boot_b, pstore, rootfs (the rest).
 *
 * Every partition starts on a 1 MiB boundary (what sgdisk/sfdisk/parted do) and every size is
 * a multiple of 4096 bytes (pstore/blk wants a 4 KiB-multiple device). rootfs ends on the last
 * 1 MiB boundary before the backup GPT. GUIDs come from the seeded PRNG (src/lib/prng.ts, whose
 * string seeds are hashed with FNV-1a), so the same options always give the same bytes.
 *
 * Profiles: 'standard' (bootloader 4 MiB, env 1, misc 1, boot_a/boot_b 32 MiB each) and
 * 'compact' (1 MiB each) for small test images; 'auto' (default) picks standard when it leaves
 * rootfs at least 1 MiB, else compact.
 */
import { MiB, SECTOR_SIZE } from '../../../lib/units.js';
import { Prng } from '../../../lib/prng.js';
import { PartitionLayoutError } from './errors.js';
import { GPT_DEFAULT_ENTRY_COUNT, GPT_NAME_UNITS, GPT_TYPE, type GptLayout, type GptPartitionSpec } from './gpt.js';
import { gptEntrySectors, gptUsableRange } from './gpt-encode.js';

export const LAYOUT_ALIGN_BYTES = MiB;
/** pstore/blk needs a total size that is a multiple of 4096. */
export const PSTORE_SIZE_ALIGN = 4096;
/** rootfs must get at least this much. */
export const MIN_ROOTFS_BYTES = MiB;

export type LayoutProfile = 'standard' | 'compact';

interface FixedPartition {
  name: string;
  typeGuid: string;
  bytes: Record<LayoutProfile, number>;
}

/** The partitions before pstore, in order. */
export const FIXED_PARTITIONS: readonly FixedPartition[] = [
  { name: 'bootloader', typeGuid: GPT_TYPE.androidBootloader, bytes: { standard: 4 * MiB, compact: MiB } },
  { name: 'env', typeGuid: GPT_TYPE.linuxReserved, bytes: { standard: MiB, compact: MiB } },
  { name: 'misc', typeGuid: GPT_TYPE.androidMisc, bytes: { standard: MiB, compact: MiB } },
  { name: 'boot_a', typeGuid: GPT_TYPE.androidBoot, bytes: { standard: 32 * MiB, compact: MiB } },
  { name: 'boot_b', typeGuid: GPT_TYPE.androidBoot, bytes: { standard: 32 * MiB, compact: MiB } },
];
export const PSTORE_TYPE_GUID = GPT_TYPE.linuxReserved;
export const ROOTFS = { name: 'rootfs', typeGuid: GPT_TYPE.linuxFilesystem } as const;

export interface CardLayoutOptions {
  /** Card user-area capacity in bytes (a multiple of 512). */
  diskBytes: number;
  /** pstore partition size in bytes (a positive multiple of 4096). */
  pstoreBytes: number;
  /** GPT name of the pstore partition (PARTLABEL=). */
  label?: string;
  /** Seed for the disk and partition GUIDs. */
  seed?: number | string;
  profile?: LayoutProfile | 'auto';
}

export interface CardLayout {
  diskSectors: number;
  profile: LayoutProfile;
  /** Partition number of pstore (6: mmcblkNp6). */
  pstoreNumber: number;
  layout: Required<GptLayout> & { partitions: Required<GptPartitionSpec>[] };
}

/** A version-4, RFC 4122-variant GUID from the PRNG, lower case. */
export function randomGuid(prng: Prng): string {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 4; i++) v.setUint32(i * 4, prng.nextUint32());
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const alignUp = (lba: number, to: number) => Math.ceil(lba / to) * to;
const alignDown = (lba: number, to: number) => Math.floor(lba / to) * to;

export function defaultCardLayout(options: CardLayoutOptions): CardLayout {
  const { diskBytes, pstoreBytes, label = 'pstore', seed = 'mmcpstore', profile = 'auto' } = options;
  if (!Number.isSafeInteger(diskBytes) || diskBytes <= 0 || diskBytes % SECTOR_SIZE !== 0) {
    throw new PartitionLayoutError(`disk size ${diskBytes} bytes is not a positive multiple of ${SECTOR_SIZE}`, { diskBytes });
  }
  if (!Number.isSafeInteger(pstoreBytes) || pstoreBytes <= 0 || pstoreBytes % PSTORE_SIZE_ALIGN !== 0) {
    throw new PartitionLayoutError(`pstore size ${pstoreBytes} bytes is not a positive multiple of ${PSTORE_SIZE_ALIGN}`, { pstoreBytes });
  }
  const names = [...FIXED_PARTITIONS.map((p) => p.name), ROOTFS.name];
  if (!label || label.length > GPT_NAME_UNITS || label.includes('\0') || names.includes(label)) {
    throw new PartitionLayoutError(
      `pstore label ${JSON.stringify(label)} must be 1..${GPT_NAME_UNITS} characters and differ from ${names.join(', ')}`,
      { label },
    );
  }
  const diskSectors = diskBytes / SECTOR_SIZE;
  const profiles: LayoutProfile[] = profile === 'auto' ? ['standard', 'compact'] : [profile];
  let shortest = Infinity;
  for (const p of profiles) {
    const planned = plan(p, diskSectors, pstoreBytes, label, seed);
    if ('layout' in planned) return planned;
    shortest = Math.min(shortest, planned.neededBytes);
  }
  throw new PartitionLayoutError(
    `a ${pstoreBytes}-byte pstore partition does not fit a ${diskBytes}-byte disk: the ${profiles.at(-1)} layout needs at least ${shortest} bytes`,
    { diskBytes, pstoreBytes, neededBytes: shortest, profile },
    'LAYOUT_NO_ROOM',
  );
}

function plan(
  profile: LayoutProfile,
  diskSectors: number,
  pstoreBytes: number,
  label: string,
  seed: number | string,
): CardLayout | { neededBytes: number } {
  const align = LAYOUT_ALIGN_BYTES / SECTOR_SIZE;
  const prng = new Prng(seed);
  const diskGuid = randomGuid(prng);
  const partitions: Required<GptPartitionSpec>[] = [];
  let cursor = align;
  const add = (name: string, typeGuid: string, sectors: number) => {
    partitions.push({ number: partitions.length + 1, typeGuid, uniqueGuid: randomGuid(prng), name, firstLba: cursor, lastLba: cursor + sectors - 1, attributes: 0n });
    cursor = alignUp(cursor + sectors, align);
  };
  for (const f of FIXED_PARTITIONS) add(f.name, f.typeGuid, f.bytes[profile] / SECTOR_SIZE);
  add(label, PSTORE_TYPE_GUID, pstoreBytes / SECTOR_SIZE);
  const pstoreNumber = partitions.length;

  const { lastUsableLba } = gptUsableRange(diskSectors, GPT_DEFAULT_ENTRY_COUNT);
  const rootfsLast = alignDown(lastUsableLba + 1, align) - 1;
  const minRootfs = MIN_ROOTFS_BYTES / SECTOR_SIZE;
  if (rootfsLast - cursor + 1 < minRootfs) {
    // Smallest disk: rootfs of minRootfs, then the backup entries and header.
    const neededSectors = cursor + minRootfs + gptEntrySectors(GPT_DEFAULT_ENTRY_COUNT) + 1;
    return { neededBytes: neededSectors * SECTOR_SIZE };
  }
  partitions.push({ number: partitions.length + 1, typeGuid: ROOTFS.typeGuid, uniqueGuid: randomGuid(prng), name: ROOTFS.name, firstLba: cursor, lastLba: rootfsLast, attributes: 0n });
  return { diskSectors, profile, pstoreNumber, layout: { diskGuid, entryCount: GPT_DEFAULT_ENTRY_COUNT, partitions } };
}
