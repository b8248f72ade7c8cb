/**
 * MMC block device names and numbers, and the `blkdev` forms pstore/blk resolves.
 *
 * Names (drivers/mmc/core/block.c `mmc_blk_alloc_req`): the user area of the card on host N is
 * `mmcblkN` (N is the *host* index), hardware partitions add `boot0`, `boot1`, `gp0`..`gp3`.
 * A partition of a disk whose name ends in a digit is `<disk>p<M>` (block/partitions/core.c
 * `add_partition`), so `mmcblk0p5`, `mmcblk0boot0p1`.
 *
 * Numbers: major 179 (MMC_BLOCK_MAJOR). Each MMC disk takes an id `devidx` from an allocator in
 * probe order and gets `first_minor = devidx * perdev_minors` (`mmcblk.perdev_minors`, default
 * CONFIG_MMC_BLOCK_MINORS = 8), `minors = perdev_minors`. Partition M < minors is
 * 179:(first_minor + M). Partition M >= minors gets an extended number 259:X
 * (BLOCK_EXT_MAJOR) from `blk_alloc_ext_minor()`, the lowest free id of one system-wide
 * allocator starting at 0, taken in registration order (the disk's partitions by number).
 *
 * Assumption behind `mmcBlockDisk()`'s defaults: devidx = card (host) index, i.e. the user
 * areas are probed in host order and nothing else took an id first. A card's boot0/boot1/gp
 * areas are probed after its user area and take the next ids (so with boot areas, the second
 * card is devidx 3, not 1): pass `devidx` explicitly when modelling them. Extended numbers
 * start at 259:0 only if no other driver (NVMe, ...) took one first; pass a shared
 * `ExtMinorAllocator` across disks.
 *
 * `resolveBlkdev()` accepts what block/early-lookup.c `early_lookup_bdev()` accepts (pstore/blk
 * built-in, best_effort) plus the bare `mmcblkXpN` that mmcpstore parses itself (spec §1.2):
 *   PARTUUID=<uuid>[/PARTNROFF=<int>]  case-insensitive *prefix* match, first in device order
 *   PARTLABEL=<name>                   exact match on the 7-bit GPT name
 *   /dev/<disk>, /dev/<disk><N>, /dev/<disk>p<N>
 *   <major>:<minor> (also <major>:<minor>:<anything numeric>, as sscanf lets through)
 *   <hex>  new_encode_dev() in hex, e.g. b305 = 179:5, 10300 = 259:0
 *   mmcblkXpN, mmcblkX  (no /dev/; mmcpstore's own parser)
 * Where Linux would hand out a dev_t for a partition that does not exist (`/dev/mmcblk0p7` on a
 * disk with 6 partitions yields 179:7, whose open then fails), we throw BlkdevNotFoundError.
 */
import { BlkdevNotFoundError, BlkdevSyntaxError } from './errors.js';

export const MMC_BLOCK_MAJOR = 179;
export const BLOCK_EXT_MAJOR = 259;
/** CONFIG_MMC_BLOCK_MINORS default; `mmcblk.perdev_minors` accepts 4..256. */
export const DEFAULT_PERDEV_MINORS = 8;
export const MINORBITS = 20;
/** NR_EXT_DEVT = 1 << MINORBITS. */
export const NR_EXT_DEVT = 1 << MINORBITS;
/** early-lookup.c devt_from_devname(): `if (strlen(name) > 31) return -EINVAL`. */
export const MAX_DEVNAME_LOOKUP = 31;

export interface DevT {
  major: number;
  minor: number;
}

export function mkdev(major: number, minor: number): DevT {
  return { major, minor };
}

export function formatDevT(d: DevT): string {
  return `${d.major}:${d.minor}`;
}

export function sameDevT(a: DevT, b: DevT): boolean {
  return a.major === b.major && a.minor === b.minor;
}

/** new_encode_dev(): the 32-bit userspace encoding (also what `b302` style specs spell in hex). */
export function newEncodeDev(d: DevT): number {
  return ((d.minor & 0xff) | (d.major << 8) | ((d.minor & ~0xff) << 12)) >>> 0;
}

export function newDecodeDev(n: number): DevT {
  return { major: (n & 0xfff00) >>> 8, minor: (n & 0xff) | ((n >>> 12) & 0xfff00) };
}

/** The hex form early_lookup_bdev() accepts: 179:5 → "b305", 259:0 → "10300". */
export function hexDevT(d: DevT): string {
  return newEncodeDev(d).toString(16);
}

export function mmcDiskName(hostIndex: number, subname = ''): string {
  return `mmcblk${hostIndex}${subname}`;
}

/** `<disk>p<M>` when the disk name ends in a digit, else `<disk><M>` (core.c add_partition). */
export function partitionName(diskName: string, partno: number): string {
  return /\d$/.test(diskName) ? `${diskName}p${partno}` : `${diskName}${partno}`;
}

export function devPath(name: string): string {
  return `/dev/${name}`;
}

/** blk_alloc_ext_minor(): lowest free id in 0..NR_EXT_DEVT-1 (ida_alloc_range). */
export class ExtMinorAllocator {
  private readonly used = new Set<number>();

  alloc(): number {
    for (let i = 0; i < NR_EXT_DEVT; i++) {
      if (!this.used.has(i)) {
        this.used.add(i);
        return i;
      }
    }
    throw new RangeError('no extended dev_t left (-EBUSY)');
  }

  free(minor: number): void {
    this.used.delete(minor);
  }
}

/** What naming needs from a scanned partition (a ScannedPartition fits). */
export interface PartitionInfo {
  number: number;
  firstLba: number;
  sectors: number;
  partUuid: string;
  label: string;
}

export interface BlockPartitionNode {
  partno: number;
  name: string;
  path: string;
  devt: DevT;
  startSector: number;
  sectors: number;
  partUuid: string;
  label: string;
}

export interface BlockDisk {
  name: string;
  path: string;
  devt: DevT;
  minors: number;
  sectors: number;
  /** By partition number. */
  partitions: BlockPartitionNode[];
}

export interface MmcBlockDiskOptions {
  /** `card->host->index`: the N of mmcblkN. */
  hostIndex: number;
  /** Capacity in 512-byte sectors. */
  sectors: number;
  partitions: readonly PartitionInfo[];
  /** Id from the mmc_blk_ida allocator; default hostIndex (see the module comment). */
  devidx?: number;
  perdevMinors?: number;
  /** '' for the user area, 'boot0', 'boot1', 'gp0'..'gp3'. */
  subname?: string;
  /** Shared across all disks of one emulated system; a fresh one by default. */
  ext?: ExtMinorAllocator;
}

/** Builds the block device nodes Linux creates for one MMC disk and its partitions. */
export function mmcBlockDisk(o: MmcBlockDiskOptions): BlockDisk {
  const minors = o.perdevMinors ?? DEFAULT_PERDEV_MINORS;
  if (!Number.isInteger(minors) || minors < 4 || minors > 256) {
    throw new RangeError(`mmcblk.perdev_minors ${minors} is outside 4..256`);
  }
  const devidx = o.devidx ?? o.hostIndex;
  const firstMinor = devidx * minors;
  if (firstMinor + minors > NR_EXT_DEVT) throw new RangeError(`devidx ${devidx} × ${minors} minors exceeds the 20-bit minor space`);
  const ext = o.ext ?? new ExtMinorAllocator();
  const name = mmcDiskName(o.hostIndex, o.subname ?? '');
  const partitions = [...o.partitions]
    .sort((a, b) => a.number - b.number)
    .map((p): BlockPartitionNode => {
      const pname = partitionName(name, p.number);
      return {
        partno: p.number,
        name: pname,
        path: devPath(pname),
        devt: p.number < minors ? mkdev(MMC_BLOCK_MAJOR, firstMinor + p.number) : mkdev(BLOCK_EXT_MAJOR, ext.alloc()),
        startSector: p.firstLba,
        sectors: p.sectors,
        partUuid: p.partUuid,
        label: p.label,
      };
    });
  return { name, path: devPath(name), devt: mkdev(MMC_BLOCK_MAJOR, firstMinor), minors, sectors: o.sectors, partitions };
}

// ---------------------------------------------------------------------------------------------
// blkdev resolution

export type BlkdevForm = 'partuuid' | 'partlabel' | 'devname' | 'devnum' | 'hex' | 'name';

export interface ResolvedBlkdev {
  spec: string;
  form: BlkdevForm;
  disk: BlockDisk;
  /** Absent when the spec names a whole disk. */
  partition?: BlockPartitionNode;
  name: string;
  path: string;
  devt: DevT;
  startSector: number;
  sectors: number;
}

/** One line per disk and partition, for error messages and `inspect`. */
export function describeBlockDevices(disks: readonly BlockDisk[]): string[] {
  const out: string[] = [];
  for (const d of disks) {
    out.push(`${d.path} (${formatDevT(d.devt)})`);
    for (const p of d.partitions) {
      const extra = [p.partUuid && `PARTUUID=${p.partUuid}`, p.label && `PARTLABEL=${p.label}`].filter(Boolean).join(', ');
      out.push(`${p.path} (${formatDevT(p.devt)}${extra ? `, ${extra}` : ''})`);
    }
  }
  return out;
}

function wholeDisk(spec: string, form: BlkdevForm, disk: BlockDisk): ResolvedBlkdev {
  return { spec, form, disk, name: disk.name, path: disk.path, devt: disk.devt, startSector: 0, sectors: disk.sectors };
}

function onePartition(spec: string, form: BlkdevForm, disk: BlockDisk, p: BlockPartitionNode): ResolvedBlkdev {
  return { spec, form, disk, partition: p, name: p.name, path: p.path, devt: p.devt, startSector: p.startSector, sectors: p.sectors };
}

/** Resolves a pstore/blk `blkdev` value against the registered disks (in registration order). */
export function resolveBlkdev(spec: string, disks: readonly BlockDisk[]): ResolvedBlkdev {
  const available = describeBlockDevices(disks);
  const syntax = (why: string) => new BlkdevSyntaxError(spec, why, available);
  const notFound = (why: string, extra?: Record<string, unknown>) => new BlkdevNotFoundError(spec, why, available, extra);
  if (spec.length === 0) throw syntax('empty value');

  if (spec.startsWith('PARTUUID=')) return byPartUuid(spec, spec.slice(9), disks, syntax, notFound);
  if (spec.startsWith('PARTLABEL=')) {
    const label = spec.slice(10);
    if (!label) throw syntax('empty PARTLABEL= (Linux would match the first partition without a name)');
    for (const d of disks) {
      const p = d.partitions.find((q) => q.label === label);
      if (p) return onePartition(spec, 'partlabel', d, p);
    }
    throw notFound(`no partition is labelled ${JSON.stringify(label)} (PARTLABEL= matches GPT names exactly; MBR partitions have none)`);
  }
  if (spec.startsWith('/dev/')) return byDevName(spec, spec.slice(5), 'devname', disks, syntax, notFound);

  const devnum = parseDevNum(spec);
  if (devnum === 'invalid-range') throw syntax('major or minor out of range (12-bit major, 20-bit minor)');
  const hexValue = devnum ? undefined : parseHexDev(spec);
  if (devnum || hexValue !== undefined) {
    const devt = devnum ?? newDecodeDev(hexValue!);
    const form: BlkdevForm = devnum ? 'devnum' : 'hex';
    for (const d of disks) {
      if (sameDevT(d.devt, devt)) return wholeDisk(spec, form, d);
      const p = d.partitions.find((q) => sameDevT(q.devt, devt));
      if (p) return onePartition(spec, form, d, p);
    }
    throw notFound(`no disk or partition has device number ${formatDevT(devt)}`, { devt: formatDevT(devt) });
  }
  // Not a number: mmcpstore's own parser takes a bare device name.
  return byDevName(spec, spec, 'name', disks, syntax, notFound);
}

type MakeError = (why: string, extra?: Record<string, unknown>) => Error;

function byPartUuid(spec: string, rest: string, disks: readonly BlockDisk[], syntax: MakeError, notFound: MakeError): ResolvedBlkdev {
  const slash = rest.indexOf('/');
  let offset = 0;
  if (slash >= 0) {
    // sscanf(slash + 1, "PARTNROFF=%d%c", &offset, &c) must convert exactly one field.
    const m = /^PARTNROFF=\s*([+-]?\d+)$/.exec(rest.slice(slash + 1));
    if (!m) throw syntax('Expected PARTUUID=<valid-uuid-id>[/PARTNROFF=%d]');
    offset = Number(m[1]);
  }
  const uuid = slash >= 0 ? rest.slice(0, slash) : rest;
  if (!uuid) throw syntax('Expected PARTUUID=<valid-uuid-id>[/PARTNROFF=%d]');
  const needle = uuid.toLowerCase();
  for (const d of disks) {
    // match_dev_by_uuid(): strncasecmp(uuid, meta->uuid, len): a case-insensitive prefix match.
    const p = d.partitions.find((q) => q.partUuid !== '' && q.partUuid.toLowerCase().startsWith(needle));
    if (!p) continue;
    if (!offset) return onePartition(spec, 'partuuid', d, p);
    const target = p.partno + offset;
    if (target === 0) return wholeDisk(spec, 'partuuid', d); // part_devt(disk, 0) is the disk
    const q = d.partitions.find((x) => x.partno === target);
    if (q) return onePartition(spec, 'partuuid', d, q);
    throw notFound(`PARTUUID=${uuid} is ${p.name}; PARTNROFF=${offset} gives partition ${target}, which ${d.name} does not have`, { matched: p.name, target });
  }
  throw notFound(`no partition's PARTUUID starts with ${uuid}`);
}

function byDevName(
  spec: string,
  name: string,
  form: BlkdevForm,
  disks: readonly BlockDisk[],
  syntax: MakeError,
  notFound: MakeError,
): ResolvedBlkdev {
  if (name.length > MAX_DEVNAME_LOOKUP) throw syntax(`device name ${JSON.stringify(name)} is longer than ${MAX_DEVNAME_LOOKUP} characters`);
  const s = name.replace(/\//g, '!');
  const disk = disks.find((d) => d.name === s);
  if (disk) return wholeDisk(spec, form, disk);
  const digits = /(\d+)$/.exec(s);
  if (!digits || digits.index === 0 || digits[1].startsWith('0')) {
    throw notFound(`no disk is named ${JSON.stringify(s)}${digits?.[1].startsWith('0') ? ' (a partition number may not start with 0)' : ''}`);
  }
  const partno = Number(digits[1]);
  const base = s.slice(0, digits.index);
  // First "<disk><N>", then "<disk>p<N>" when the disk name ends in a digit.
  const candidates = [base];
  if (base.length >= 2 && base.endsWith('p') && /\d/.test(base[base.length - 2])) candidates.push(base.slice(0, -1));
  for (const c of candidates) {
    const d = disks.find((x) => x.name === c);
    if (!d) continue;
    const p = d.partitions.find((q) => q.partno === partno);
    if (p) return onePartition(spec, form, d, p);
    const linuxDevt = partno < d.minors ? formatDevT(mkdev(d.devt.major, d.devt.minor + partno)) : undefined;
    throw notFound(
      `${d.name} has no partition ${partno}${linuxDevt ? ` (Linux would return ${linuxDevt} for it, which cannot be opened)` : ''}`,
      { disk: d.name, partno },
    );
  }
  throw notFound(`no disk is named ${candidates.map((c) => JSON.stringify(c)).join(' or ')}`);
}

/** early-lookup.c devt_from_devnum(), the sscanf half. */
function parseDevNum(spec: string): DevT | 'invalid-range' | undefined {
  const m = /^(\d+):(\d+)(.*)$/s.exec(spec);
  if (!m) return undefined;
  const rest = m[3];
  let ok = rest === '';
  if (!ok) {
    // "%u:%u:%u:%c" == 3: a third number, then anything that is not ':' followed by a char.
    const m3 = /^:(\d+)(.*)$/s.exec(rest);
    ok = !!m3 && !(m3[2].length >= 2 && m3[2][0] === ':');
  }
  if (!ok) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major >= 1 << 12 || minor >= 1 << MINORBITS) return 'invalid-range';
  return mkdev(major, minor);
}

/** simple_strtoul(name, &p, 16) with nothing left over; an optional 0x prefix. */
function parseHexDev(spec: string): number | undefined {
  const m = /^(?:0[xX])?([0-9a-fA-F]{1,8})$/.exec(spec);
  return m ? parseInt(m[1], 16) : undefined;
}
