/**
 * GUID Partition Table on-disk format for 512-byte-sector disks (UEFI spec §5.3; Linux
 * include/linux/efi.h, block/partitions/efi.h): header and entry layout, GUID and name text,
 * the header and entry codecs. Reading a disk's GPT as Linux does is gpt-decode.ts, writing a
 * fresh one gpt-encode.ts.
 *
 * On disk: LBA 0 protective MBR; LBA 1 primary header; LBA 2.. primary entry array; the backup
 * entry array ends just before the last LBA, which holds the backup header. All integers are
 * little-endian; GUIDs are "mixed-endian" (first three fields little-endian, last two as bytes).
 * Names are kept as UTF-16 text; `label` is Linux's 7-bit `volname` used by PARTLABEL=.
 */
import { SECTOR_SIZE } from '../../../lib/units.js';
import { crc32 } from './crc32.js';
import { GuidError, PartitionLayoutError } from './errors.js';

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

/** Two lower-case hex digits per byte value (a table: a card's partition scan renders 1000 GUIDs). */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 on-disk bytes → lower-case GUID text (Linux `efi_guid_to_str`, `%pUl`). */
export function guidFromBytes(bytes: Uint8Array, at = 0): string {
  const h = (i: number): string => HEX_BYTE[bytes[at + i]!]!;
  return `${h(3) + h(2) + h(1) + h(0)}-${h(5) + h(4)}-${h(7) + h(6)}-${h(8) + h(9)}-${h(10) + h(11) + h(12) + h(13) + h(14) + h(15)}`;
}

/** Whether the 16 bytes at `at` are the null GUID (an unused partition entry). */
export function isNullGuidAt(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 16; i++) if (bytes[at + i] !== 0) return false;
  return true;
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
// Layouts (what encodeGpt writes and decodeGpt reports)

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
