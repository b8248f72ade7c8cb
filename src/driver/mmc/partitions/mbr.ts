/**
 * MBR ("msdos") partition tables: the boot sector, its four 16-byte entries, extended boot
 * records (EBRs) for logical partitions, and the protective MBR that fronts a GPT.
 *
 * Decoding follows Linux block/partitions/msdos.c (`msdos_partition`, `parse_extended`):
 *  - 0x55AA must end the sector; every boot indicator must be 0x00 or 0x80, otherwise this is
 *    not a partition table (Linux may still accept a bare FAT boot sector; we report "none");
 *  - any entry of type 0xEE means "GPT disk, not ours" (efi.c handles it);
 *  - primaries keep their slot number 1..4 even when earlier slots are empty;
 *  - an extended partition (0x05, 0x0F, 0x85) is itself registered with a size of 2 sectors
 *    ("leave room for LILO") and no PARTUUID; its logical partitions are numbered 5, 6, ...
 *    in chain order; the walk stops after 100 links without a data partition or at 256
 *    partitions (DISK_MAX_PARTS); entries 3 and 4 of an EBR must lie inside the link;
 *  - PARTUUID is `SSSSSSSS-PP`: the NT disk signature at 0x1B8 and the partition number, as
 *    lower-case zero-filled hex (`set_info`). MBR partitions have no label.
 * BSD/Solaris/Minix/UnixWare sub-partitions (msdos.c's second pass) are not modelled.
 */
import { SECTOR_SIZE } from '../../../lib/units.js';
import { PartitionLayoutError } from './errors.js';
import { runAsync, runSync, type ReadSector, type ReadSectorAsync, type SectorReads, type SectorWrite } from './sectors.js';

/** Byte offsets inside the 512-byte MBR / EBR sector. */
export const MBR = {
  bootCode: 0x000, // 440 bytes
  diskSignature: 0x1b8, // u32 LE, "NT disk signature"
  reserved: 0x1bc, // u16
  partitionTable: 0x1be, // 4 × MBR_ENTRY.size
  signature: 0x1fe, // u16 LE = 0xAA55
  size: SECTOR_SIZE,
} as const;

/** Byte offsets inside one 16-byte partition entry (`struct msdos_partition`). */
export const MBR_ENTRY = {
  bootIndicator: 0, // 0x00 or 0x80
  startChs: 1, // head, sector|cyl-high, cyl-low
  type: 4, // sys_ind
  endChs: 5,
  startLba: 8, // u32 LE
  sectors: 12, // u32 LE
  size: 16,
} as const;

export const MSDOS_MBR_SIGNATURE = 0xaa55;
export const MBR_TYPE = {
  empty: 0x00,
  dosExtended: 0x05,
  win98Extended: 0x0f,
  linuxExtended: 0x85,
  linux: 0x83,
  linuxRaid: 0xfd,
  efiGpt: 0xee, // EFI_PMBR_OSTYPE_EFI_GPT
} as const;

/** msdos.c `parse_extended`: links followed without finding a data partition. */
export const EXTENDED_LOOP_LIMIT = 100;
/** block/partitions/core.c: `state->limit = DISK_MAX_PARTS`. */
export const DISK_MAX_PARTS = 256;

export interface MbrEntry {
  bootIndicator: number;
  type: number;
  startChs: [number, number, number];
  endChs: [number, number, number];
  startLba: number;
  sectors: number;
}

export interface MbrSector {
  signature: number;
  diskSignature: number;
  entries: [MbrEntry, MbrEntry, MbrEntry, MbrEntry];
}

export function isExtendedType(type: number): boolean {
  return type === MBR_TYPE.dosExtended || type === MBR_TYPE.win98Extended || type === MBR_TYPE.linuxExtended;
}

export function decodeMbrEntry(sector: Uint8Array, index: number): MbrEntry {
  const at = MBR.partitionTable + index * MBR_ENTRY.size;
  const v = new DataView(sector.buffer, sector.byteOffset + at, MBR_ENTRY.size);
  const chs = (o: number): [number, number, number] => [v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2)];
  return {
    bootIndicator: v.getUint8(MBR_ENTRY.bootIndicator),
    type: v.getUint8(MBR_ENTRY.type),
    startChs: chs(MBR_ENTRY.startChs),
    endChs: chs(MBR_ENTRY.endChs),
    startLba: v.getUint32(MBR_ENTRY.startLba, true),
    sectors: v.getUint32(MBR_ENTRY.sectors, true),
  };
}

export function encodeMbrEntry(entry: MbrEntry, sector: Uint8Array, index: number): void {
  const at = MBR.partitionTable + index * MBR_ENTRY.size;
  const v = new DataView(sector.buffer, sector.byteOffset + at, MBR_ENTRY.size);
  v.setUint8(MBR_ENTRY.bootIndicator, entry.bootIndicator);
  entry.startChs.forEach((b, i) => v.setUint8(MBR_ENTRY.startChs + i, b));
  v.setUint8(MBR_ENTRY.type, entry.type);
  entry.endChs.forEach((b, i) => v.setUint8(MBR_ENTRY.endChs + i, b));
  v.setUint32(MBR_ENTRY.startLba, entry.startLba, true);
  v.setUint32(MBR_ENTRY.sectors, entry.sectors, true);
}

export function decodeMbrSector(sector: Uint8Array): MbrSector {
  const v = new DataView(sector.buffer, sector.byteOffset, MBR.size);
  return {
    signature: v.getUint16(MBR.signature, true),
    diskSignature: v.getUint32(MBR.diskSignature, true),
    entries: [0, 1, 2, 3].map((i) => decodeMbrEntry(sector, i)) as MbrSector['entries'],
  };
}

/** Encodes a boot sector / EBR with zeroed boot code. */
export function encodeMbrSector(mbr: Omit<MbrSector, 'signature'>): Uint8Array {
  const sector = new Uint8Array(MBR.size);
  const v = new DataView(sector.buffer);
  v.setUint32(MBR.diskSignature, mbr.diskSignature >>> 0, true);
  mbr.entries.forEach((e, i) => encodeMbrEntry(e, sector, i));
  v.setUint16(MBR.signature, MSDOS_MBR_SIGNATURE, true);
  return sector;
}

export const EMPTY_MBR_ENTRY: MbrEntry = Object.freeze({
  bootIndicator: 0,
  type: 0,
  startChs: [0, 0, 0],
  endChs: [0, 0, 0],
  startLba: 0,
  sectors: 0,
}) as MbrEntry;

/** CHS of an LBA in the 255-head, 63-sector geometry; 0xFE 0xFF 0xFF past cylinder 1023. */
export function lbaToChs(lba: number): [number, number, number] {
  const heads = 255;
  const perTrack = 63;
  const cylinder = Math.floor(lba / (heads * perTrack));
  if (cylinder > 1023) return [0xfe, 0xff, 0xff];
  const head = Math.floor(lba / perTrack) % heads;
  const sector = (lba % perTrack) + 1;
  return [head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff];
}

/** The MBR form of PARTUUID: `%08x-%02x` of the disk signature and partition number. */
export function mbrPartUuid(diskSignature: number, partitionNumber: number): string {
  return `${(diskSignature >>> 0).toString(16).padStart(8, '0')}-${partitionNumber.toString(16).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Protective MBR (efi.c is_pmbr_valid)

export type PmbrKind = 'protective' | 'hybrid' | 'invalid';

/**
 * efi.c `is_pmbr_valid`: 0xAA55 and one entry of type 0xEE starting at LBA 1 make a
 * protective MBR; any other non-empty entry beside it makes it hybrid. A size other than
 * the disk's is only a debug message in Linux (images dd'ed to a larger disk).
 */
export function classifyProtectiveMbr(sector: Uint8Array): PmbrKind {
  const mbr = decodeMbrSector(sector);
  if (mbr.signature !== MSDOS_MBR_SIGNATURE) return 'invalid';
  const gptEntry = mbr.entries.findIndex((e) => e.type === MBR_TYPE.efiGpt && e.startLba === 1);
  if (gptEntry < 0) return 'invalid';
  return mbr.entries.some((e) => e.type !== MBR_TYPE.efiGpt && e.type !== MBR_TYPE.empty) ? 'hybrid' : 'protective';
}

/** The protective MBR a GPT disk carries at LBA 0: one 0xEE entry from LBA 1 to the end. */
export function encodeProtectiveMbr(diskSectors: number, diskSignature = 0): Uint8Array {
  const last = Math.min(diskSectors - 1, 0xffffffff);
  return encodeMbrSector({
    diskSignature,
    entries: [
      {
        bootIndicator: 0,
        type: MBR_TYPE.efiGpt,
        startChs: lbaToChs(1),
        endChs: lbaToChs(last),
        startLba: 1,
        sectors: Math.min(diskSectors - 1, 0xffffffff),
      },
      EMPTY_MBR_ENTRY,
      EMPTY_MBR_ENTRY,
      EMPTY_MBR_ENTRY,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Decode

export type MbrPartitionKind = 'primary' | 'extended' | 'logical';

export interface MbrPartition {
  /** Linux partition number: slot 1..4 for primaries, 5.. for logical partitions. */
  number: number;
  kind: MbrPartitionKind;
  type: number;
  bootable: boolean;
  firstLba: number;
  /** As Linux registers it: an extended container is 2 sectors (or less if it is smaller). */
  sectors: number;
  /** `SSSSSSSS-PP`; empty for an extended container (Linux sets no info for it). */
  partUuid: string;
  /** LBA of the EBR that described a logical partition. */
  ebrLba?: number;
}

export type MbrWarningCode = 'ebr-beyond-eod' | 'ebr-no-signature' | 'extended-loop' | 'partition-limit';

export interface MbrWarning {
  code: MbrWarningCode;
  message: string;
}

export type MbrDecodeResult =
  | { status: 'mbr'; diskSignature: number; partitions: MbrPartition[]; warnings: MbrWarning[] }
  | { status: 'not-mbr'; reason: 'no-signature' | 'bad-boot-indicator' | 'gpt-protective'; message: string };

/** Generator form of {@link decodeMbr}: yields the LBAs it reads (LBA 0, then each EBR). */
export function* mbrReads(diskSectors: number): SectorReads<MbrDecodeResult> {
  const sector0 = yield 0;
  const mbr = decodeMbrSector(sector0);
  if (mbr.signature !== MSDOS_MBR_SIGNATURE) {
    return {
      status: 'not-mbr',
      reason: 'no-signature',
      message: `no 0x55AA signature at offset 0x1FE (found 0x${mbr.signature.toString(16).padStart(4, '0')})`,
    };
  }
  const badBoot = mbr.entries.findIndex((e) => e.bootIndicator !== 0 && e.bootIndicator !== 0x80);
  if (badBoot >= 0) {
    return {
      status: 'not-mbr',
      reason: 'bad-boot-indicator',
      message: `entry ${badBoot + 1} has boot indicator 0x${mbr.entries[badBoot].bootIndicator.toString(16)} (only 0x00 and 0x80 are valid): not a partition table`,
    };
  }
  if (mbr.entries.some((e) => e.type === MBR_TYPE.efiGpt)) {
    return { status: 'not-mbr', reason: 'gpt-protective', message: 'an entry of type 0xEE marks a GPT disk; msdos ignores it' };
  }

  const partitions: MbrPartition[] = [];
  const warnings: MbrWarning[] = [];
  const state = { next: 5 };
  for (let slot = 1; slot <= 4; slot++) {
    const e = mbr.entries[slot - 1];
    if (!e.sectors) continue;
    if (isExtendedType(e.type)) {
      partitions.push({
        number: slot,
        kind: 'extended',
        type: e.type,
        bootable: e.bootIndicator === 0x80,
        firstLba: e.startLba,
        sectors: Math.min(e.sectors, 2),
        partUuid: '',
      });
      yield* parseExtended(e.startLba, e.sectors, mbr.diskSignature, diskSectors, state, partitions, warnings);
      continue;
    }
    partitions.push({
      number: slot,
      kind: 'primary',
      type: e.type,
      bootable: e.bootIndicator === 0x80,
      firstLba: e.startLba,
      sectors: e.sectors,
      partUuid: mbrPartUuid(mbr.diskSignature, slot),
    });
  }
  partitions.sort((a, b) => a.number - b.number);
  return { status: 'mbr', diskSignature: mbr.diskSignature, partitions, warnings };
}

function* parseExtended(
  firstSector: number,
  firstSize: number,
  diskSignature: number,
  diskSectors: number,
  state: { next: number },
  partitions: MbrPartition[],
  warnings: MbrWarning[],
): SectorReads<void> {
  let thisSector = firstSector;
  let thisSize = firstSize;
  let loops = 0;
  for (;;) {
    if (++loops > EXTENDED_LOOP_LIMIT) {
      warnings.push({
        code: 'extended-loop',
        message: `stopped after ${EXTENDED_LOOP_LIMIT} EBR links without a data partition (last at LBA ${thisSector})`,
      });
      return;
    }
    if (state.next === DISK_MAX_PARTS) {
      warnings.push({ code: 'partition-limit', message: `stopped at ${DISK_MAX_PARTS} partitions (DISK_MAX_PARTS)` });
      return;
    }
    if (thisSector >= diskSectors) {
      // read_part_sector() fails and flags access_beyond_eod; core.c then warns
      // "partition table partially beyond EOD" and keeps what was found.
      warnings.push({
        code: 'ebr-beyond-eod',
        message: `partition table partially beyond EOD: EBR at LBA ${thisSector} is past the last sector ${diskSectors - 1}`,
      });
      return;
    }
    const ebr = decodeMbrSector(yield thisSector);
    if (ebr.signature !== MSDOS_MBR_SIGNATURE) {
      warnings.push({
        code: 'ebr-no-signature',
        message: `EBR at LBA ${thisSector} has no 0x55AA signature (found 0x${ebr.signature.toString(16).padStart(4, '0')}); logical chain ends`,
      });
      return;
    }
    for (let i = 0; i < 4; i++) {
      const e = ebr.entries[i];
      if (!e.sectors || isExtendedType(e.type)) continue;
      const offs = e.startLba;
      const size = e.sectors;
      const next = thisSector + offs;
      // "Check the 3rd and 4th entries - these sometimes contain random garbage"
      if (i >= 2 && (offs + size > thisSize || next < firstSector || next + size > firstSector + firstSize)) continue;
      partitions.push({
        number: state.next,
        kind: 'logical',
        type: e.type,
        bootable: e.bootIndicator === 0x80,
        firstLba: next,
        sectors: size,
        partUuid: mbrPartUuid(diskSignature, state.next),
        ebrLba: thisSector,
      });
      loops = 0;
      if (++state.next === DISK_MAX_PARTS) {
        warnings.push({ code: 'partition-limit', message: `stopped at ${DISK_MAX_PARTS} partitions (DISK_MAX_PARTS)` });
        return;
      }
    }
    const link = ebr.entries.find((e) => e.sectors && isExtendedType(e.type));
    if (!link) return;
    thisSector = firstSector + link.startLba;
    thisSize = link.sectors;
  }
}

export function decodeMbr(readSector: ReadSector, diskSectors: number): MbrDecodeResult {
  return runSync(mbrReads(diskSectors), readSector);
}

export function decodeMbrAsync(readSector: ReadSectorAsync, diskSectors: number): Promise<MbrDecodeResult> {
  return runAsync(mbrReads(diskSectors), readSector);
}

// ---------------------------------------------------------------------------------------------
// Encode (simple layouts: up to four primaries, at most one extended with logical partitions)

export interface MbrLogicalSpec {
  type: number;
  firstLba: number;
  sectors: number;
  bootable?: boolean;
  /**
   * Where this partition's EBR goes. Default: the extended partition's first sector for the
   * first logical partition, the sector after the previous logical partition otherwise.
   */
  ebrLba?: number;
}

export interface MbrPrimarySpec {
  /** 1..4; default: the next free slot in order. */
  slot?: number;
  type: number;
  firstLba: number;
  sectors: number;
  bootable?: boolean;
  /** Only for an extended type (0x05, 0x0F, 0x85). */
  logical?: MbrLogicalSpec[];
}

export interface MbrLayout {
  diskSignature: number;
  partitions: MbrPrimarySpec[];
}

function entryFor(type: number, absFirst: number, relStart: number, sectors: number, bootable = false): MbrEntry {
  return {
    bootIndicator: bootable ? 0x80 : 0,
    type,
    startChs: lbaToChs(absFirst),
    endChs: lbaToChs(absFirst + sectors - 1),
    startLba: relStart,
    sectors,
  };
}

function checkU32(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new PartitionLayoutError(`${what} is ${value}; an MBR entry holds a 32-bit sector number`, { what, value });
  }
}

/** Encodes an MBR layout into sector writes: LBA 0 and one EBR per logical partition. */
export function encodeMbr(layout: MbrLayout, diskSectors: number): SectorWrite[] {
  checkU32('disk signature', layout.diskSignature);
  if (layout.partitions.length > 4) {
    throw new PartitionLayoutError(`an MBR holds 4 primary entries; the layout has ${layout.partitions.length}`, { count: layout.partitions.length });
  }
  const entries: MbrEntry[] = [EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY];
  const used = new Set<number>();
  const writes: SectorWrite[] = [];
  const extents: { what: string; first: number; last: number }[] = [];
  let nextSlot = 1;
  let extendedSeen = false;
  for (const p of layout.partitions) {
    while (p.slot === undefined && used.has(nextSlot)) nextSlot++;
    const slot = p.slot ?? nextSlot;
    if (!Number.isInteger(slot) || slot < 1 || slot > 4 || used.has(slot)) {
      throw new PartitionLayoutError(`MBR slot ${slot} is invalid or used twice (slots are 1..4)`, { slot });
    }
    used.add(slot);
    checkU32(`partition ${slot} first LBA`, p.firstLba);
    checkU32(`partition ${slot} sector count`, p.sectors);
    if (p.firstLba < 1 || p.sectors < 1 || p.firstLba + p.sectors > diskSectors) {
      throw new PartitionLayoutError(
        `partition ${slot} spans LBA ${p.firstLba}..${p.firstLba + p.sectors - 1}, outside sectors 1..${diskSectors - 1} of the disk`,
        { slot, firstLba: p.firstLba, sectors: p.sectors, diskSectors },
      );
    }
    if (p.type === MBR_TYPE.empty || p.type === MBR_TYPE.efiGpt) {
      throw new PartitionLayoutError(`partition ${slot} has type 0x${p.type.toString(16)}, which an MBR layout cannot use`, { slot, type: p.type });
    }
    entries[slot - 1] = entryFor(p.type, p.firstLba, p.firstLba, p.sectors, p.bootable);
    extents.push({ what: `partition ${slot}`, first: p.firstLba, last: p.firstLba + p.sectors - 1 });
    if (isExtendedType(p.type)) {
      if (extendedSeen) throw new PartitionLayoutError('only one extended partition is supported', { slot });
      extendedSeen = true;
      writes.push(...encodeLogicalChain(p, slot));
    } else if (p.logical?.length) {
      throw new PartitionLayoutError(`partition ${slot} has logical partitions but type 0x${p.type.toString(16)} is not extended`, { slot, type: p.type });
    }
  }
  const primaries = extents.filter((_, i) => !isExtendedType(layout.partitions[i].type));
  assertNoOverlap(primaries);
  writes.unshift({ lba: 0, bytes: encodeMbrSector({ diskSignature: layout.diskSignature, entries: entries as MbrSector['entries'] }) });
  return writes;
}

function assertNoOverlap(extents: { what: string; first: number; last: number }[]): void {
  const sorted = [...extents].sort((a, b) => a.first - b.first);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].first <= sorted[i - 1].last) {
      throw new PartitionLayoutError(
        `${sorted[i].what} (LBA ${sorted[i].first}..${sorted[i].last}) overlaps ${sorted[i - 1].what} (LBA ${sorted[i - 1].first}..${sorted[i - 1].last})`,
        { a: sorted[i - 1], b: sorted[i] },
      );
    }
  }
}

function encodeLogicalChain(ext: MbrPrimarySpec, slot: number): SectorWrite[] {
  const logical = ext.logical ?? [];
  const extFirst = ext.firstLba;
  const extLast = ext.firstLba + ext.sectors - 1;
  const ebrs: number[] = [];
  let previousEnd = extFirst - 1;
  logical.forEach((l, i) => {
    const ebr = l.ebrLba ?? (i === 0 ? extFirst : previousEnd + 1);
    if (i === 0 && ebr !== extFirst) {
      throw new PartitionLayoutError(`the first EBR must be at the extended partition's start LBA ${extFirst}, not ${ebr}`, { slot, ebrLba: ebr });
    }
    if (ebr <= previousEnd || ebr < extFirst || l.firstLba <= ebr || l.sectors < 1 || l.firstLba + l.sectors - 1 > extLast) {
      throw new PartitionLayoutError(
        `logical partition ${5 + i} (EBR at LBA ${ebr}, data LBA ${l.firstLba}..${l.firstLba + l.sectors - 1}) must follow its EBR and the previous logical partition inside extended partition ${slot} (LBA ${extFirst}..${extLast})`,
        { slot, index: i, ebrLba: ebr, firstLba: l.firstLba, sectors: l.sectors },
      );
    }
    ebrs.push(ebr);
    previousEnd = l.firstLba + l.sectors - 1;
  });
  if (logical.length === 0) {
    // An empty chain: a terminating EBR with no entries so the table stays well formed.
    return [{ lba: extFirst, bytes: encodeMbrSector({ diskSignature: 0, entries: [EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] }) }];
  }
  return logical.map((l, i) => {
    const ebr = ebrs[i];
    const data = entryFor(l.type, l.firstLba, l.firstLba - ebr, l.sectors, l.bootable);
    let link = EMPTY_MBR_ENTRY;
    if (i + 1 < logical.length) {
      const nextEbr = ebrs[i + 1];
      const nextEnd = logical[i + 1].firstLba + logical[i + 1].sectors - 1;
      link = entryFor(MBR_TYPE.dosExtended, nextEbr, nextEbr - extFirst, nextEnd - nextEbr + 1);
    }
    return { lba: ebr, bytes: encodeMbrSector({ diskSignature: 0, entries: [data, link, EMPTY_MBR_ENTRY, EMPTY_MBR_ENTRY] }) };
  });
}
