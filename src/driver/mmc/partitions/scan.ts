/**
 * Partition scan of one disk, in the order Linux's check_partition() tries table formats
 * (block/partitions/core.c: efi_partition before msdos_partition), followed by what
 * blk_add_partition() does with each result.
 *
 * - GPT wins when efi.c accepts it. A disk whose protective MBR is present but whose GPT is
 *   not acceptable has no partitions at all: msdos.c refuses any table with a 0xEE entry.
 * - Otherwise an MBR, otherwise none.
 * - Entries past the end of the disk: GPT entries were already dropped by efi.c
 *   (`is_pte_valid`); for MBR, a partition starting at or past the end is skipped
 *   ("p%d start %llu is beyond EOD, truncated") and one running past the end is cut to
 *   the end ("p%d size %llu extends beyond EOD, truncated") — eMMC has no
 *   unlock_native_capacity, hence "truncated". Zero-sized partitions are not registered.
 * - Overlaps: Linux registers overlapping partitions without a word (only the BLKPG ioctl
 *   checks `partition_overlaps`). We always warn; with `overlaps: 'reject'` the
 *   higher-numbered partition of each overlapping pair is dropped instead of registered.
 */
import { gptReads, type GptDecodeOptions, type GptDecodeResult, type GptPartition, type GptWarningCode } from './gpt-decode.js';
import { mbrReads, type MbrDecodeResult, type MbrPartition, type MbrWarningCode } from './mbr.js';
import { runAsync, runSync, type ReadSector, type ReadSectorAsync, type SectorReads } from './sectors.js';

export type PartitionScheme = 'gpt' | 'mbr';

/** A partition as the block layer registers it. */
export interface ScannedPartition {
  scheme: PartitionScheme;
  /** Linux partition number (GPT: slot + 1; MBR: 1..4 primary, 5.. logical). */
  number: number;
  firstLba: number;
  /** Sectors registered (after any truncation at the end of the disk). */
  sectors: number;
  /** PARTUUID: lower-case GPT unique GUID, or MBR `SSSSSSSS-PP`; '' when Linux has none. */
  partUuid: string;
  /** PARTLABEL: the GPT name in Linux's 7-bit form; '' for MBR. */
  label: string;
  gpt?: GptPartition;
  mbr?: MbrPartition;
}

export type ScanWarningCode = GptWarningCode | MbrWarningCode | 'beyond-eod' | 'truncated' | 'overlap' | 'overlap-rejected';

export interface ScanWarning {
  code: ScanWarningCode;
  message: string;
  partition?: number;
}

export interface ScanResult {
  scheme: PartitionScheme | 'none';
  /** Why no table was found (scheme 'none'). */
  reason?: string;
  partitions: ScannedPartition[];
  warnings: ScanWarning[];
  gpt: GptDecodeResult;
  mbr?: MbrDecodeResult;
}

export interface ScanOptions extends GptDecodeOptions {
  /** 'keep' (Linux) or 'reject' the higher-numbered partition of an overlapping pair. */
  overlaps?: 'keep' | 'reject';
  /** Disk name used in messages, as the kernel prints it (default "disk"). */
  diskName?: string;
}

export function* scanReads(diskSectors: number, options: ScanOptions = {}): SectorReads<ScanResult> {
  const disk = options.diskName ?? 'disk';
  const gpt = yield* gptReads(diskSectors, options);
  const warnings: ScanWarning[] = gpt.warnings.map((w) => ({ code: w.code, message: w.message, ...(w.slot ? { partition: w.slot } : {}) }));
  let found: ScannedPartition[];
  let scheme: ScanResult['scheme'];
  let mbr: MbrDecodeResult | undefined;
  if (gpt.valid) {
    scheme = 'gpt';
    found = gpt.partitions.map((p) => ({
      scheme: 'gpt',
      number: p.number,
      firstLba: p.firstLba,
      sectors: p.lastLba - p.firstLba + 1,
      partUuid: p.uniqueGuid,
      label: p.label,
      gpt: p,
    }));
  } else {
    mbr = diskSectors > 0 ? yield* mbrReads(diskSectors) : undefined;
    if (!mbr || mbr.status !== 'mbr') {
      return { scheme: 'none', reason: noTableReason(gpt, mbr), partitions: [], warnings, gpt, ...(mbr ? { mbr } : {}) };
    }
    scheme = 'mbr';
    warnings.push(...mbr.warnings);
    found = mbr.partitions.map((p) => ({ scheme: 'mbr', number: p.number, firstLba: p.firstLba, sectors: p.sectors, partUuid: p.partUuid, label: '', mbr: p }));
  }

  // blk_add_partition(): size 0 → nothing; start past the end → skipped; end past it → cut.
  const registered: ScannedPartition[] = [];
  for (const p of found) {
    if (!p.sectors) continue;
    if (p.firstLba >= diskSectors) {
      warnings.push({ code: 'beyond-eod', partition: p.number, message: `${disk}: p${p.number} start ${p.firstLba} is beyond EOD, truncated` });
      continue;
    }
    if (p.firstLba + p.sectors > diskSectors) {
      warnings.push({ code: 'truncated', partition: p.number, message: `${disk}: p${p.number} size ${p.sectors} extends beyond EOD, truncated` });
      registered.push({ ...p, sectors: diskSectors - p.firstLba });
      continue;
    }
    registered.push(p);
  }

  const accepted: ScannedPartition[] = [];
  for (const p of registered.sort((a, b) => a.number - b.number)) {
    const container = p.mbr?.kind === 'extended';
    const other = container ? undefined : accepted.find((q) => q.mbr?.kind !== 'extended' && p.firstLba < q.firstLba + q.sectors && q.firstLba < p.firstLba + p.sectors);
    if (other) {
      const span = (x: ScannedPartition) => `LBA ${x.firstLba}..${x.firstLba + x.sectors - 1}`;
      const reject = options.overlaps === 'reject';
      warnings.push({
        code: reject ? 'overlap-rejected' : 'overlap',
        partition: p.number,
        message: `${disk}: p${p.number} (${span(p)}) overlaps p${other.number} (${span(other)}); ${reject ? `p${p.number} not registered` : 'Linux registers both'}`,
      });
      if (reject) continue;
    }
    accepted.push(p);
  }
  return { scheme, partitions: accepted, warnings, gpt, ...(mbr ? { mbr } : {}) };
}

function noTableReason(gpt: GptDecodeResult, mbr: MbrDecodeResult | undefined): string {
  if (gpt.pmbr !== 'invalid') {
    const verdicts = [gpt.primary && `primary GPT header at LBA ${gpt.primary.lba}: ${gpt.primary.verdict} (${gpt.primary.message})`, gpt.alternate && `alternate at LBA ${gpt.alternate.lba}: ${gpt.alternate.verdict}`]
      .filter(Boolean)
      .join('; ');
    const hint = gpt.pmbr === 'skipped' ? '' : "; Linux reads the alternate GPT only when the primary is valid or with the 'gpt' kernel parameter";
    return `protective MBR but no valid GPT (${verdicts})${hint}`;
  }
  if (!mbr) return 'empty disk';
  return mbr.status === 'not-mbr' ? `no GPT and no MBR: ${mbr.message}` : 'no partition table';
}

export function scanPartitions(readSector: ReadSector, diskSectors: number, options?: ScanOptions): ScanResult {
  return runSync(scanReads(diskSectors, options), readSector);
}

export function scanPartitionsAsync(readSector: ReadSectorAsync, diskSectors: number, options?: ScanOptions): Promise<ScanResult> {
  return runAsync(scanReads(diskSectors, options), readSector);
}
