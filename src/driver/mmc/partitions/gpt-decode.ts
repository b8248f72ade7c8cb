/**
 * Reading a GPT as Linux does (block/partitions/efi.c).
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
 */
import { hex, hexDigits } from '../../../lib/hex.js';
import { SECTOR_SIZE } from '../../../lib/units.js';
import { crc32 } from './crc32.js';
import {
  GPT_ENTRY,
  GPT_HEADER,
  GPT_HEADER_SIGNATURE,
  GPT_KMALLOC_MAX_SIZE,
  GPT_PRIMARY_PARTITION_TABLE_LBA,
  isNullGuidAt,
  decodeGptEntry,
  decodeGptHeader,
  gptHeaderCrc,
  type GptHeader,
  type GptLayout,
  type GptPartitionSpec,
} from './gpt.js';
import { classifyProtectiveMbr, DISK_MAX_PARTS, type PmbrKind } from './mbr.js';
import { readSectors, runAsync, runSync, type ReadSector, type ReadSectorAsync, type SectorReads } from './sectors.js';

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
    // An unused entry (null type GUID) is skipped before it is decoded: most of the 128 are.
    if (isNullGuidAt(chosen.entries, i * GPT_ENTRY.size + GPT_ENTRY.typeGuid)) continue;
    const e = decodeGptEntry(chosen.entries, i);
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
