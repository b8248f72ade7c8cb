/**
 * GUID Partition Table codec for 512-byte-sector disks (UEFI spec §5.3; Linux
 * block/partitions/efi.c for what a kernel accepts).
 *
 * On disk: LBA 0 protective MBR; LBA 1 primary header; LBA 2.. primary entry array; the backup
 * entry array ends just before the last LBA, which holds the backup header. All integers are
 * little-endian; GUIDs are "mixed-endian" (first three fields little-endian, last two as bytes).
 *
 * Decoding mirrors `find_valid_gpt()`:
 *  1. unless `forceGpt` (the `gpt` kernel parameter), LBA 0 must be a protective or hybrid MBR;
 *  2. the primary header at LBA 1 is checked (`is_gpt_valid`), and if good, the alternate at
 *     the primary's `alternate_lba`;
 *  3. only with `forceGpt` is the last LBA tried for an alternate header, and only with
 *     `forceGpt` can a bad primary be replaced by a good alternate: without it Linux finds no
 *     GPT at all ("If the Primary GPT header is not valid, the Alternate GPT header is not
 *     checked unless the 'gpt' kernel command line option is passed");
 *  4. both good: `compare_gpts()` warnings; one good: "Alternate GPT is invalid, using primary
 *     GPT." / "Primary GPT is invalid, using alternate GPT.";
 *  5. entries: the first min(num_partition_entries, 255) slots; slot i is partition i+1; a
 *     slot is skipped when its type GUID is zero or its first/last LBA is past the last LBA
 *     of the disk (`is_pte_valid`, silently in Linux; we add a warning).
 *  Names are kept as UTF-16 text; `label` is Linux's 7-bit `volname` used by PARTLABEL=.
 */
import { hex, hexDigits } from '../../../lib/hex.js';
import { SECTOR_SIZE } from '../../../lib/units.js';
import { crc32 } from './crc32.js';
import { GuidError, PartitionLayoutError } from './errors.js';
import { classifyProtectiveMbr, encodeProtectiveMbr, DISK_MAX_PARTS, type PmbrKind } from './mbr.js';
import {
  readSectors,
  runAsync,
  runSync,
  type ReadSector,
  type ReadSectorAsync,
  type SectorReads,
  type SectorWrite,
} from './sectors.js';

/** Byte offsets of `gpt_header` (92 bytes; the rest of the sector is reserved, zero). */
export const GPT_HEADER = {
  signature: 0, // u64 "EFI PART"
  revision: 8, // u32 0x00010000
  headerSize: 12, // u32 92
  headerCrc32: 16, // u32, computed with this field zero over headerSize bytes
  reserved1: 20, // u32 0
  myLba: 24, // u64
  alternateLba: 32, // u64
  firstUsableLba: 40, // u64
  lastUsableLba: 48, // u64
  diskGuid: 56, // 16 bytes
  partitionEntryLba: 72, // u64
  numPartitionEntries: 80, // u32
  sizeofPartitionEntry: 84, // u32 128
  partitionEntryArrayCrc32: 88, // u32
  size: 92,
} as const;

/** Byte offsets of `gpt_entry` (128 bytes). */
export const GPT_ENTRY = {
  typeGuid: 0, // partition_type_guid
  uniqueGuid: 16, // unique_partition_guid (PARTUUID)
  startingLba: 32, // u64
  endingLba: 40, // u64, inclusive
  attributes: 48, // u64
  name: 56, // 36 UTF-16LE code units
  size: 128,
} as const;

export const GPT_NAME_UNITS = 36;
/** "EFI PART" read as a little-endian u64 (GPT_HEADER_SIGNATURE). */
export const GPT_HEADER_SIGNATURE = 0x5452415020494645n;
export const GPT_REVISION_1_0 = 0x00010000;
export const GPT_PRIMARY_PARTITION_TABLE_LBA = 1;
/** Entries sgdisk, sfdisk and parted write by default (a 16 KiB array, 32 sectors). */
export const GPT_DEFAULT_ENTRY_COUNT = 128;
/** efi.c caps the entry array at KMALLOC_MAX_SIZE; 4 MiB with 4 KiB pages (x86-64, arm64). */
export const GPT_KMALLOC_MAX_SIZE = 4 * 1024 * 1024;
export const NULL_GUID = '00000000-0000-0000-0000-000000000000';

/** Well-known partition type GUIDs (lower case, as Linux prints them). */
export const GPT_TYPE = {
  linuxFilesystem: '0fc63daf-8483-4772-8e79-3d69d8477de4', // sgdisk 8300
  linuxReserved: '8da63339-0007-60c0-c436-083ac8230908', // sgdisk 8301
  linuxRaid: 'a19d880f-05fc-4d3b-a006-743f0f84911e', // PARTITION_LINUX_RAID_GUID
  androidBootloader: '2568845d-2332-4675-bc39-8fa5a4748d15', // sgdisk a000
  androidBoot: '49a4d17f-93a3-45c1-a0de-f50b2ebe2599', // sgdisk a002
  androidMisc: 'ef32a33b-a409-486c-9141-9ffb711f6266', // sgdisk a004
  efiSystem: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', // sgdisk ef00
} as const;

// ---------------------------------------------------------------------------------------------
// GUIDs

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

/** GUID text → 16 on-disk bytes (first three groups little-endian, last two big-endian). */
export function guidToBytes(text: string): Uint8Array {
  if (!GUID_RE.test(text)) throw new GuidError(text);
  const hex = text.replace(/-/g, '');
  const raw = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const out = new Uint8Array(16);
  out.set([raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6]], 0);
  out.set(raw.subarray(8), 8);
  return out;
}

/** 16 on-disk bytes → lower-case GUID text (Linux `efi_guid_to_str`, `%pUl`). */
export function guidFromBytes(bytes: Uint8Array, at = 0): string {
  const b = bytes.subarray(at, at + 16);
  const h = (...idx: number[]) => idx.map((i) => b[i].toString(16).padStart(2, '0')).join('');
  return `${h(3, 2, 1, 0)}-${h(5, 4)}-${h(7, 6)}-${h(8, 9)}-${h(10, 11, 12, 13, 14, 15)}`;
}

// ---------------------------------------------------------------------------------------------
// Names

/** Partition name → 72 bytes of UTF-16LE, NUL-padded. */
export function encodeGptName(name: string): Uint8Array {
  if (name.length > GPT_NAME_UNITS || name.includes('\0')) {
    throw new PartitionLayoutError(
      `partition name ${JSON.stringify(name)} has ${name.length} UTF-16 code units${name.includes('\0') ? ' and a NUL' : ''}; at most ${GPT_NAME_UNITS}, no NUL`,
      { name },
    );
  }
  const out = new Uint8Array(GPT_NAME_UNITS * 2);
  const v = new DataView(out.buffer);
  for (let i = 0; i < name.length; i++) v.setUint16(i * 2, name.charCodeAt(i), true);
  return out;
}

/** 72 bytes of UTF-16LE → text up to the first NUL unit. */
export function decodeGptName(bytes: Uint8Array): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, GPT_NAME_UNITS * 2);
  const units: number[] = [];
  for (let i = 0; i < GPT_NAME_UNITS; i++) {
    const u = v.getUint16(i * 2, true);
    if (u === 0) break;
    units.push(u);
  }
  return String.fromCharCode(...units);
}

/**
 * Linux's `volname` for a GPT name (efi.c `utf16_le_to_7bit`): each unit masked to 7 bits,
 * non-printable characters become '!', and the C string ends at the first zero.
 * This is what `PARTLABEL=` compares against.
 */
export function linuxVolname(nameBytes: Uint8Array): string {
  const v = new DataView(nameBytes.buffer, nameBytes.byteOffset, GPT_NAME_UNITS * 2);
  let out = '';
  for (let i = 0; i < GPT_NAME_UNITS; i++) {
    const c = v.getUint16(i * 2, true) & 0x7f;
    if (c === 0) break;
    out += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '!';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Header and entry codecs

export interface GptHeader {
  signature: bigint;
  revision: number;
  headerSize: number;
  headerCrc32: number;
  myLba: number;
  alternateLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  partitionEntryLba: number;
  numPartitionEntries: number;
  sizeofPartitionEntry: number;
  partitionEntryArrayCrc32: number;
}

/** u64 → number; values past 2^53 stay "huge" (still compare greater than any real LBA). */
function u64(v: DataView, at: number): number {
  return Number(v.getBigUint64(at, true));
}

export function decodeGptHeader(sector: Uint8Array): GptHeader {
  const v = new DataView(sector.buffer, sector.byteOffset, SECTOR_SIZE);
  return {
    signature: v.getBigUint64(GPT_HEADER.signature, true),
    revision: v.getUint32(GPT_HEADER.revision, true),
    headerSize: v.getUint32(GPT_HEADER.headerSize, true),
    headerCrc32: v.getUint32(GPT_HEADER.headerCrc32, true),
    myLba: u64(v, GPT_HEADER.myLba),
    alternateLba: u64(v, GPT_HEADER.alternateLba),
    firstUsableLba: u64(v, GPT_HEADER.firstUsableLba),
    lastUsableLba: u64(v, GPT_HEADER.lastUsableLba),
    diskGuid: guidFromBytes(sector, GPT_HEADER.diskGuid),
    partitionEntryLba: u64(v, GPT_HEADER.partitionEntryLba),
    numPartitionEntries: v.getUint32(GPT_HEADER.numPartitionEntries, true),
    sizeofPartitionEntry: v.getUint32(GPT_HEADER.sizeofPartitionEntry, true),
    partitionEntryArrayCrc32: v.getUint32(GPT_HEADER.partitionEntryArrayCrc32, true),
  };
}

/** Header CRC as efi.c computes it: over `headerSize` bytes with the CRC field zeroed. */
export function gptHeaderCrc(sector: Uint8Array, headerSize: number): number {
  const copy = sector.slice(0, headerSize);
  new DataView(copy.buffer).setUint32(GPT_HEADER.headerCrc32, 0, true);
  return crc32(copy);
}

/** Encodes a 512-byte header sector; `headerCrc32` is computed (the field's value is ignored). */
export function encodeGptHeader(h: Omit<GptHeader, 'headerCrc32' | 'signature' | 'revision' | 'headerSize'>): Uint8Array {
  const sector = new Uint8Array(SECTOR_SIZE);
  const v = new DataView(sector.buffer);
  v.setBigUint64(GPT_HEADER.signature, GPT_HEADER_SIGNATURE, true);
  v.setUint32(GPT_HEADER.revision, GPT_REVISION_1_0, true);
  v.setUint32(GPT_HEADER.headerSize, GPT_HEADER.size, true);
  v.setBigUint64(GPT_HEADER.myLba, BigInt(h.myLba), true);
  v.setBigUint64(GPT_HEADER.alternateLba, BigInt(h.alternateLba), true);
  v.setBigUint64(GPT_HEADER.firstUsableLba, BigInt(h.firstUsableLba), true);
  v.setBigUint64(GPT_HEADER.lastUsableLba, BigInt(h.lastUsableLba), true);
  sector.set(guidToBytes(h.diskGuid), GPT_HEADER.diskGuid);
  v.setBigUint64(GPT_HEADER.partitionEntryLba, BigInt(h.partitionEntryLba), true);
  v.setUint32(GPT_HEADER.numPartitionEntries, h.numPartitionEntries, true);
  v.setUint32(GPT_HEADER.sizeofPartitionEntry, h.sizeofPartitionEntry, true);
  v.setUint32(GPT_HEADER.partitionEntryArrayCrc32, h.partitionEntryArrayCrc32, true);
  v.setUint32(GPT_HEADER.headerCrc32, gptHeaderCrc(sector, GPT_HEADER.size), true);
  return sector;
}

/** One partition entry as on disk (all 128 bytes accounted for). */
export interface GptEntry {
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  lastLba: number;
  attributes: bigint;
  name: string;
  /** Linux's 7-bit rendering of the name (PARTLABEL=). */
  label: string;
}

export function decodeGptEntry(array: Uint8Array, index: number): GptEntry {
  const at = index * GPT_ENTRY.size;
  const e = array.subarray(at, at + GPT_ENTRY.size);
  const v = new DataView(e.buffer, e.byteOffset, GPT_ENTRY.size);
  const nameBytes = e.subarray(GPT_ENTRY.name, GPT_ENTRY.name + GPT_NAME_UNITS * 2);
  return {
    typeGuid: guidFromBytes(e, GPT_ENTRY.typeGuid),
    uniqueGuid: guidFromBytes(e, GPT_ENTRY.uniqueGuid),
    firstLba: u64(v, GPT_ENTRY.startingLba),
    lastLba: u64(v, GPT_ENTRY.endingLba),
    attributes: v.getBigUint64(GPT_ENTRY.attributes, true),
    name: decodeGptName(nameBytes),
    label: linuxVolname(nameBytes),
  };
}

export function encodeGptEntry(p: Omit<GptEntry, 'label'>, array: Uint8Array, index: number): void {
  const at = index * GPT_ENTRY.size;
  const v = new DataView(array.buffer, array.byteOffset + at, GPT_ENTRY.size);
  array.set(guidToBytes(p.typeGuid), at + GPT_ENTRY.typeGuid);
  array.set(guidToBytes(p.uniqueGuid), at + GPT_ENTRY.uniqueGuid);
  v.setBigUint64(GPT_ENTRY.startingLba, BigInt(p.firstLba), true);
  v.setBigUint64(GPT_ENTRY.endingLba, BigInt(p.lastLba), true);
  v.setBigUint64(GPT_ENTRY.attributes, p.attributes, true);
  array.set(encodeGptName(p.name), at + GPT_ENTRY.name);
}

// ---------------------------------------------------------------------------------------------
// Validation (efi.c is_gpt_valid)

/** One verdict per check of `is_gpt_valid`, in the kernel's order. */
export type GptVerdict =
  | 'valid'
  | 'unreadable' // header LBA past the end of the disk (read_lba fails)
  | 'bad-signature'
  | 'header-too-large'
  | 'header-too-small'
  | 'bad-header-crc'
  | 'bad-my-lba'
  | 'bad-first-usable'
  | 'bad-last-usable'
  | 'bad-usable-range'
  | 'bad-entry-size'
  | 'table-too-large'
  | 'entries-unreadable' // no entries, or the array runs past the end of the disk
  | 'bad-entries-crc';

export interface GptHeaderCheck {
  lba: number;
  verdict: GptVerdict;
  /** Linux's debug message for the verdict ("GUID Partition Table Header CRC is wrong: ..."). */
  message: string;
  header?: GptHeader;
}

interface CheckedTable extends GptHeaderCheck {
  entries?: Uint8Array;
}


/** Generator form of `is_gpt_valid(state, lba)`. */
export function* gptHeaderReads(lba: number, lastLba: number): SectorReads<CheckedTable> {
  const fail = (verdict: GptVerdict, message: string, header?: GptHeader): CheckedTable => ({ lba, verdict, message, header });
  if (lba > lastLba) return fail('unreadable', `GPT header LBA ${lba} is past the last LBA ${lastLba}`);
  const sector = yield lba;
  const h = decodeGptHeader(sector);
  if (h.signature !== GPT_HEADER_SIGNATURE) {
    return fail('bad-signature', `GUID Partition Table Header signature is wrong: ${BigInt.asIntN(64, h.signature)} != ${GPT_HEADER_SIGNATURE}`, h);
  }
  if (h.headerSize > SECTOR_SIZE) {
    return fail('header-too-large', `GUID Partition Table Header size is too large: ${h.headerSize} > ${SECTOR_SIZE}`, h);
  }
  if (h.headerSize < GPT_HEADER.size) {
    return fail('header-too-small', `GUID Partition Table Header size is too small: ${h.headerSize} < ${GPT_HEADER.size}`, h);
  }
  const crc = gptHeaderCrc(sector, h.headerSize);
  if (crc !== h.headerCrc32) {
    return fail('bad-header-crc', `GUID Partition Table Header CRC is wrong: ${hexDigits(crc)} != ${hexDigits(h.headerCrc32)}`, h);
  }
  if (h.myLba !== lba) return fail('bad-my-lba', `GPT my_lba incorrect: ${h.myLba} != ${lba}`, h);
  if (h.firstUsableLba > lastLba) {
    return fail('bad-first-usable', `GPT: first_usable_lba incorrect: ${h.firstUsableLba} > ${lastLba}`, h);
  }
  if (h.lastUsableLba > lastLba) {
    return fail('bad-last-usable', `GPT: last_usable_lba incorrect: ${h.lastUsableLba} > ${lastLba}`, h);
  }
  if (h.lastUsableLba < h.firstUsableLba) {
    return fail('bad-usable-range', `GPT: last_usable_lba incorrect: ${h.lastUsableLba} > ${h.firstUsableLba}`, h);
  }
  if (h.sizeofPartitionEntry !== GPT_ENTRY.size) return fail('bad-entry-size', 'GUID Partition Entry Size check failed.', h);
  const ptSize = h.numPartitionEntries * h.sizeofPartitionEntry;
  if (ptSize > GPT_KMALLOC_MAX_SIZE) {
    return fail('table-too-large', `GUID Partition Table is too large: ${ptSize} > ${GPT_KMALLOC_MAX_SIZE} bytes`, h);
  }
  const sectors = Math.ceil(ptSize / SECTOR_SIZE);
  if (ptSize === 0 || h.partitionEntryLba > lastLba || h.partitionEntryLba + sectors - 1 > lastLba) {
    return fail(
      'entries-unreadable',
      ptSize === 0
        ? 'GPT header lists no partition entries'
        : `GPT entry array LBA ${h.partitionEntryLba}..${h.partitionEntryLba + sectors - 1} runs past the last LBA ${lastLba}`,
      h,
    );
  }
  const entries = (yield* readSectors(h.partitionEntryLba, sectors)).subarray(0, ptSize);
  if (crc32(entries) !== h.partitionEntryArrayCrc32) {
    return fail('bad-entries-crc', 'GUID Partition Entry Array CRC check failed.', h);
  }
  return { lba, verdict: 'valid', message: 'GUID Partition Table is valid!  Yea!', header: h, entries };
}

// ---------------------------------------------------------------------------------------------
// Decode (efi.c find_valid_gpt + efi_partition)

export interface GptPartitionSpec {
  /** Slot index + 1, as Linux numbers GPT partitions; default: position in the list + 1. */
  number?: number;
  typeGuid: string;
  uniqueGuid: string;
  name: string;
  firstLba: number;
  /** Inclusive. */
  lastLba: number;
  attributes?: bigint;
}

export interface GptLayout {
  diskGuid: string;
  /** Slots in the entry array; default 128. */
  entryCount?: number;
  partitions: GptPartitionSpec[];
}

/** A partition as Linux registers it from a GPT. */
export interface GptPartition {
  number: number;
  firstLba: number;
  lastLba: number;
  typeGuid: string;
  uniqueGuid: string;
  name: string;
  label: string;
  attributes: bigint;
}

export type GptWarningCode =
  | 'compare' // compare_gpts() found a discrepancy
  | 'alternate-invalid'
  | 'primary-invalid'
  | 'entry-beyond-disk' // is_pte_valid() skipped it
  | 'entry-reversed' // last LBA before first LBA (we skip it; see decodeGpt)
  | 'entry-outside-usable' // inside the disk but not the usable range: Linux keeps it
  | 'entry-over-limit'; // slot 256+ is never looked at (state->limit - 1)

export interface GptWarning {
  code: GptWarningCode;
  message: string;
  slot?: number;
}

export interface GptDecodeOptions {
  /** The `gpt` kernel command-line parameter: skip the pMBR test, try the last LBA too. */
  forceGpt?: boolean;
}

export interface GptDecodeResult {
  /** Whether Linux finds a usable GPT (efi_partition returns 1). */
  valid: boolean;
  /** LBA 0 as `is_pmbr_valid` sees it; 'skipped' under forceGpt. */
  pmbr: PmbrKind | 'skipped';
  primary?: GptHeaderCheck;
  alternate?: GptHeaderCheck;
  used?: 'primary' | 'alternate';
  /** The header in use. */
  header?: GptHeader;
  /** Partitions Linux registers, by number. */
  partitions: GptPartition[];
  /** Every non-empty entry of the table in use (what encodeGpt would need to rebuild it). */
  layout?: Required<GptLayout> & { partitions: Required<GptPartitionSpec>[] };
  warnings: GptWarning[];
}

/** Generator form of {@link decodeGpt}. */
export function* gptReads(diskSectors: number, options: GptDecodeOptions = {}): SectorReads<GptDecodeResult> {
  const lastLba = diskSectors - 1;
  const warnings: GptWarning[] = [];
  let pmbr: GptDecodeResult['pmbr'] = 'skipped';
  if (!options.forceGpt) {
    pmbr = diskSectors > 0 ? classifyProtectiveMbr(yield 0) : 'invalid';
    if (pmbr === 'invalid') return { valid: false, pmbr, partitions: [], warnings };
  }
  const primary = yield* gptHeaderReads(GPT_PRIMARY_PARTITION_TABLE_LBA, lastLba);
  let alternate: CheckedTable | undefined;
  if (primary.verdict === 'valid') alternate = yield* gptHeaderReads(primary.header!.alternateLba, lastLba);
  if (alternate?.verdict !== 'valid' && options.forceGpt) alternate = yield* gptHeaderReads(lastLba, lastLba);

  const good = (t?: CheckedTable): t is CheckedTable & { header: GptHeader; entries: Uint8Array } => t?.verdict === 'valid';
  const strip = (t?: CheckedTable): GptHeaderCheck | undefined => t && { lba: t.lba, verdict: t.verdict, message: t.message, ...(t.header ? { header: t.header } : {}) };
  const base = { pmbr, primary: strip(primary), ...(alternate ? { alternate: strip(alternate) } : {}) };
  if (!good(primary) && !good(alternate)) return { valid: false, ...base, partitions: [], warnings };

  if (good(primary) && good(alternate)) warnings.push(...compareGpts(primary.header, alternate.header, lastLba));
  let chosen: CheckedTable & { header: GptHeader; entries: Uint8Array };
  let used: 'primary' | 'alternate';
  if (good(primary)) {
    chosen = primary;
    used = 'primary';
    if (!good(alternate)) warnings.push({ code: 'alternate-invalid', message: 'Alternate GPT is invalid, using primary GPT.' });
  } else {
    chosen = alternate as typeof chosen;
    used = 'alternate';
    warnings.push({ code: 'primary-invalid', message: 'Primary GPT is invalid, using alternate GPT.' });
  }

  const h = chosen.header;
  const partitions: GptPartition[] = [];
  const specs: Required<GptPartitionSpec>[] = [];
  for (let i = 0; i < h.numPartitionEntries; i++) {
    const e = decodeGptEntry(chosen.entries, i);
    if (e.typeGuid === NULL_GUID) continue;
    const number = i + 1;
    specs.push({ number, typeGuid: e.typeGuid, uniqueGuid: e.uniqueGuid, name: e.name, firstLba: e.firstLba, lastLba: e.lastLba, attributes: e.attributes });
    if (i >= DISK_MAX_PARTS - 1) {
      warnings.push({ code: 'entry-over-limit', slot: number, message: `entry ${number} is ignored: Linux reads only the first ${DISK_MAX_PARTS - 1} entries` });
      continue;
    }
    if (e.firstLba > lastLba || e.lastLba > lastLba) {
      warnings.push({
        code: 'entry-beyond-disk',
        slot: number,
        message: `partition ${number} (LBA ${e.firstLba}..${e.lastLba}) lies past the last LBA ${lastLba}; skipped as efi.c is_pte_valid() does`,
      });
      continue;
    }
    if (e.lastLba < e.firstLba) {
      // Linux computes size = last - first + 1 in u64: 0 (last = first - 1) registers nothing,
      // anything smaller wraps to an absurd size. We register nothing in both cases.
      warnings.push({ code: 'entry-reversed', slot: number, message: `partition ${number} ends (LBA ${e.lastLba}) before it starts (LBA ${e.firstLba}); skipped` });
      continue;
    }
    if (e.firstLba < h.firstUsableLba || e.lastLba > h.lastUsableLba) {
      warnings.push({
        code: 'entry-outside-usable',
        slot: number,
        message: `partition ${number} (LBA ${e.firstLba}..${e.lastLba}) is outside the usable LBAs ${h.firstUsableLba}..${h.lastUsableLba}; Linux still registers it`,
      });
    }
    partitions.push({ number, firstLba: e.firstLba, lastLba: e.lastLba, typeGuid: e.typeGuid, uniqueGuid: e.uniqueGuid, name: e.name, label: e.label, attributes: e.attributes });
  }
  return {
    valid: true,
    ...base,
    used,
    header: h,
    partitions,
    layout: { diskGuid: h.diskGuid, entryCount: h.numPartitionEntries, partitions: specs },
    warnings,
  };
}

/** efi.c compare_gpts(): each discrepancy between two valid headers, in Linux's words. */
export function compareGpts(p: GptHeader, a: GptHeader, lastLba: number): GptWarning[] {
  const out: GptWarning[] = [];
  const w = (message: string) => out.push({ code: 'compare', message });
  if (p.myLba !== a.alternateLba) w(`GPT:Primary header LBA != Alt. header alternate_lba (${p.myLba} != ${a.alternateLba})`);
  if (p.alternateLba !== a.myLba) w(`GPT:Primary header alternate_lba != Alt. header my_lba (${p.alternateLba} != ${a.myLba})`);
  if (p.firstUsableLba !== a.firstUsableLba) w(`GPT:first_usable_lbas don't match. (${p.firstUsableLba} != ${a.firstUsableLba})`);
  if (p.lastUsableLba !== a.lastUsableLba) w(`GPT:last_usable_lbas don't match. (${p.lastUsableLba} != ${a.lastUsableLba})`);
  if (p.diskGuid !== a.diskGuid) w("GPT:disk_guids don't match.");
  if (p.numPartitionEntries !== a.numPartitionEntries) {
    w(`GPT:num_partition_entries don't match: ${hex(p.numPartitionEntries)} != ${hex(a.numPartitionEntries)}`);
  }
  if (p.sizeofPartitionEntry !== a.sizeofPartitionEntry) {
    w(`GPT:sizeof_partition_entry values don't match: ${hex(p.sizeofPartitionEntry)} != ${hex(a.sizeofPartitionEntry)}`);
  }
  if (p.partitionEntryArrayCrc32 !== a.partitionEntryArrayCrc32) {
    w(`GPT:partition_entry_array_crc32 values don't match: ${hex(p.partitionEntryArrayCrc32)} != ${hex(a.partitionEntryArrayCrc32)}`);
  }
  if (p.alternateLba !== lastLba) w(`GPT:Primary header thinks Alt. header is not at the end of the disk. (${p.alternateLba} != ${lastLba})`);
  if (a.myLba !== lastLba) w(`GPT:Alternate GPT header not at the end of the disk. (${a.myLba} != ${lastLba})`);
  if (out.length) w('GPT: Use GNU Parted to correct GPT errors.');
  return out;
}

export function decodeGpt(readSector: ReadSector, diskSectors: number, options?: GptDecodeOptions): GptDecodeResult {
  return runSync(gptReads(diskSectors, options), readSector);
}

export function decodeGptAsync(readSector: ReadSectorAsync, diskSectors: number, options?: GptDecodeOptions): Promise<GptDecodeResult> {
  return runAsync(gptReads(diskSectors, options), readSector);
}

// ---------------------------------------------------------------------------------------------
// Encode

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
