/**
 * What `mmcpstore detect` reports: finds every pstore/zone region in a whole disk or eMMC
 * image and infers each one's module parameters from its signatures. The
 * image is streamed in 1 MiB chunks (never loaded whole); all-zero chunks are
 * skipped without searching (holes of a sparse file read as zeros). Each
 * region is matched to the GPT/MBR partition it lies in. Read-only.
 */
import * as fs from 'node:fs';
import { imageFileSize } from '../driver/board/image-file.js';
import { GPT_HEADER, GPT_HEADER_SIGNATURE, GPT_PRIMARY_PARTITION_TABLE_LBA, scanPartitions, type ScanResult } from '../driver/mmc/partitions/index.js';
import {
  DEFAULT_KERNEL,
  SZ_128M,
  detectedParamString,
  inferLayout,
  kernelProfile,
  readKnowingZeros,
  scanSignatures,
  type DetectedLayout,
  type ReadAt,
  type ScanStats,
  type SignatureHit,
} from '../zone/index.js';
import { fdByteSize } from '../lib/block-device.js';
import { SECTOR_SIZE } from '../lib/units.js';
import { InputError, IoError, errnoCode, strerror, inputFileError } from './errors.js';
import { dataExtents, mayHaveHoles } from './extents.js';
import { checkImageLock } from './lock.js';
import { SCHEMA_VERSION } from './report.js';
import { shellJoin } from './shell-quote.js';

/** pstore/zone's total_size must be a multiple of 4096: a truncated region is cut to one. */
const ZONE_TOTAL_ALIGN = 4096;

export interface RegionPartition {
  scheme: 'gpt' | 'mbr';
  number: number;
  label: string;
  partUuid: string;
  offset: number;
  size: number;
}

export interface DetectedRegion {
  /** Byte offset of the region in the image. */
  offset: number;
  /** Bytes: the partition's size, or up to the next partition / end of file. */
  size: number;
  /** How the region's bounds were found. */
  bounds: 'partition' | 'signatures';
  partition: RegionPartition | null;
  /** The image ends inside the region: `size` is what the file holds, cut to a multiple of 4096. */
  truncated: boolean;
  layout: Omit<DetectedLayout, 'stats'>;
  /** `--offset N --size N --params STRING [--cpus N]`: the arguments that read it with inspect/recover. */
  argv: string[];
  /** `argv`, shell-quoted: paste after `mmcpstore inspect -i IMAGE`. */
  args: string;
}

/** Where the partition table was found: at the start of the file, or after QEMU's boot0|boot1|RPMB. */
export type TableLayout = 'user-area' | 'qemu';

export interface DetectReport {
  schema: typeof SCHEMA_VERSION;
  image: { path: string; size: number };
  table: { scheme: ScanResult['scheme']; reason: string | null; partitions: number; layout: TableLayout; userOffset: number };
  scan: ScanStats;
  regions: DetectedRegion[];
}

/** Opens `file` (the image `name`, or its temporary copy) and tells its size, a block device's too. */
function openImage(file: string, name: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw inputFileError(`cannot open '${name}': ${strerror(e)}`, e);
  }
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new InputError(`cannot open '${name}': Is a directory`, { code: 'EISDIR' });
  }
  return { fd, size: fdByteSize(fd, st) };
}

function reader(fd: number, size: number, path: string): ReadAt {
  return (buf, pos) => {
    if (pos < 0 || pos >= size) return 0;
    const want = Math.min(buf.length, size - pos);
    let done = 0;
    try {
      while (done < want) {
        const n = fs.readSync(fd, buf, done, want - done, pos + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw new IoError(`cannot read '${path}' at offset ${pos}: ${strerror(e)}`, { code: errnoCode(e), pos });
    }
    return done;
  };
}

/** The arguments that read a region with inspect/recover. */
export function regionArgv(offset: number, size: number, layout: Omit<DetectedLayout, 'stats'>): string[] {
  const argv = ['--offset', String(offset), '--size', String(size), '--params', detectedParamString(layout)];
  if (layout.nrCpus && layout.nrCpus > 1) argv.push('--cpus', String(layout.nrCpus));
  return argv;
}

/**
 * The partition table: at offset 0 (the file is the user area, or a whole disk), else after
 * QEMU's boot0|boot1|RPMB (`mkimage --layout qemu`). Sectors past a truncated end read as zeros.
 */
function partitionTable(read: ReadAt, size: number): { table: ScanResult; layout: TableLayout; userOffset: number } {
  const scanAt = (userOffset: number): ScanResult => {
    const sector = (lba: number): Uint8Array => {
      const b = new Uint8Array(SECTOR_SIZE);
      read(b, userOffset + lba * SECTOR_SIZE);
      return b;
    };
    const held = Math.floor((size - userOffset) / SECTOR_SIZE);
    // A dump cut short: its primary GPT describes a larger disk (the header's alternate LBA is
    // the disk's last sector). Read it as that disk, the missing sectors as zeros.
    const header = new DataView(sector(GPT_PRIMARY_PARTITION_TABLE_LBA).buffer);
    const claimed = header.getBigUint64(GPT_HEADER.signature, true) === GPT_HEADER_SIGNATURE ? Number(header.getBigUint64(GPT_HEADER.alternateLba, true)) + 1 : 0;
    return scanPartitions(sector, claimed > held && Number.isSafeInteger(claimed) ? claimed : held);
  };
  const table = scanAt(0);
  const qemuOffset = imageFileSize(0, 'qemu');
  if (table.scheme === 'none' && size > qemuOffset) {
    const qemu = scanAt(qemuOffset);
    if (qemu.scheme !== 'none' && qemu.partitions.length) return { table: qemu, layout: 'qemu', userOffset: qemuOffset };
  }
  return { table, layout: 'user-area', userOffset: 0 };
}

function shift(read: ReadAt, base: number): ReadAt {
  return (buf, pos) => read(buf, base + pos);
}

/** Every pstore/zone region of a disk image, with its inferred parameters. */
export function detectImage(path: string, opts: { kernel?: string; checkLock?: boolean; file?: string } = {}): DetectReport {
  // A temporary copy (opts.file) has no writer; the lock is the named image's.
  if ((opts.checkLock ?? true) && opts.file === undefined) checkImageLock(path);
  const profile = opts.kernel ? kernelProfile(opts.kernel) : DEFAULT_KERNEL;
  const file = opts.file ?? path;
  const { fd, size } = openImage(file, path);
  try {
    const readFile = reader(fd, size, path);
    // A regular file: read its data extents only, where the system can say where they are.
    const st = fs.fstatSync(fd);
    const extents = st.isFile() && mayHaveHoles(st) ? dataExtents(file, size) : null;
    const { hits, stats, zeros } = scanSignatures(readFile, size, extents ? { extents } : {});
    // What the scan found all zero is not read again.
    const read = readKnowingZeros(readFile, zeros);
    const { table, layout, userOffset } = partitionTable(read, size);
    const parts = table.partitions
      .filter((p) => p.mbr?.kind !== 'extended')
      .map((p): RegionPartition => ({
        scheme: p.scheme,
        number: p.number,
        label: p.label,
        partUuid: p.partUuid,
        offset: userOffset + p.firstLba * SECTOR_SIZE,
        size: p.sectors * SECTOR_SIZE,
      }))
      .sort((a, b) => a.offset - b.offset);
    const regions: DetectedRegion[] = [];
    const used = new Set<SignatureHit>();
    const infer = (offset: number, declared: number, partition: RegionPartition | null): void => {
      // A dump cut short holds less than the partition: read what is there. That, and bounds
      // found from signatures, are cut to what the kernel accepts (total_size a multiple of 4096).
      const truncated = offset + declared > size;
      const held = Math.min(declared, size - offset);
      const rsize = truncated || !partition ? Math.floor(held / ZONE_TOTAL_ALIGN) * ZONE_TOTAL_ALIGN : declared;
      if (rsize <= 0) return;
      const inside = hits.filter((h) => h.off >= offset && h.off < offset + rsize);
      if (!inside.length) return;
      for (const h of inside) used.add(h);
      const rel = inside.map((h) => ({ ...h, off: h.off - offset }));
      const found = inferLayout(rel, rsize, shift(read, offset), profile);
      if (!found.found) return;
      regions.push({ offset, size: rsize, bounds: partition ? 'partition' : 'signatures', partition, truncated, layout: found, argv: regionArgv(offset, rsize, found), args: '' });
    };
    for (const p of parts) if (hits.some((h) => h.off >= p.offset && h.off < p.offset + p.size)) infer(p.offset, p.size, p);
    // Signatures outside every partition: a region is assumed to start at its first signature.
    let rest = hits.filter((h) => !used.has(h) && h.kind !== 'ftrace');
    while (rest.length) {
      const start = Math.floor(rest[0]!.off / 4096) * 4096;
      const nextPart = parts.find((p) => p.offset > start);
      const end = Math.min(nextPart ? nextPart.offset : size, size, start + (profile.capTotalSize ? SZ_128M : size));
      infer(start, end - start, null);
      rest = rest.filter((h) => h.off >= end);
    }
    regions.sort((a, b) => a.offset - b.offset);
    for (const g of regions) g.args = shellJoin(g.argv);
    return {
      schema: SCHEMA_VERSION,
      image: { path, size },
      table: { scheme: table.scheme, reason: table.reason ?? null, partitions: parts.length, layout, userOffset },
      scan: stats,
      regions,
    };
  } finally {
    fs.closeSync(fd);
  }
}
