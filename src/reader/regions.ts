/**
 * Region selection: which regions of a whole-disk image `inspect` and `recover` read when no
 * region is named. A card whose partition labelled "pstore" the kernel would attach is read
 * through it (card-probe.ts); otherwise, with no zone size given, the image is read region by
 * region as `detect` finds them (detect.ts: partitions, and signatures outside every partition),
 * each with its own bounds and parameters, never the whole image as one region. `--region N`
 * picks one, numbered as detect numbers them.
 */
import * as fs from 'node:fs';
import { cardProbeOnce } from './card-probe.js';
import { detectImage, type DetectReport, type DetectedRegion } from './detect.js';
import { NoDataError, UsageError } from './errors.js';
import { resolveParams, wantsAutoDetect } from './params.js';
import type { ImageOptions } from './types.js';

/** One region of the image, and the options that read it. */
export interface RegionRead {
  /** 1-based, as `detect` numbers the regions. */
  index: number;
  count: number;
  /** `p3-crashlog`, `p3`, or `at-0x100000` (outside every partition): safe as a directory name. */
  name: string;
  region: DetectedRegion;
  opts: ImageOptions;
}

/** What the JSON of a region says about it. */
export interface RegionInfo {
  index: number;
  count: number;
  name: string;
  offset: number;
  size: number;
  bounds: DetectedRegion['bounds'];
  truncated: boolean;
  partition: DetectedRegion['partition'];
}

/** Characters kept in a region's name; anything else becomes `_`. */
const NAME_UNSAFE = /[^A-Za-z0-9._-]+/g;

/** `p<N>[-<label>]` for a partition, `at-0x<offset>` for a region found by its signatures alone. */
export function regionName(g: DetectedRegion): string {
  if (!g.partition) return `at-0x${g.offset.toString(16)}`;
  const label = g.partition.label.replace(NAME_UNSAFE, '_').replace(/^[._]+|_+$/g, '');
  return label ? `p${g.partition.number}-${label}` : `p${g.partition.number}`;
}

export function regionInfo(r: RegionRead): RegionInfo {
  const g = r.region;
  return { index: r.index, count: r.count, name: r.name, offset: g.offset, size: g.size, bounds: g.bounds, truncated: g.truncated, partition: g.partition };
}

/** A file or block device can be scanned first and read again; a pipe, or what cannot be opened, is left to the reader. */
function seekable(image: string): boolean {
  try {
    const st = fs.statSync(image);
    return st.isFile() || st.isBlockDevice();
  } catch {
    return false;
  }
}

/** True when the options already name the region (a window, --blkdev, mmcpstore.sector_*) or the card path applies. */
function regionGiven(opts: ImageOptions): boolean {
  if (opts.offset !== undefined || opts.size !== undefined || opts.blkdev !== undefined) return true;
  if (!seekable(opts.file ?? opts.image)) return true;
  const params = resolveParams(opts);
  if (params.offset !== undefined || params.size !== undefined) return true;
  return cardProbeOnce(opts, params) !== null;
}

/**
 * A file with no partition table whose one region starts at offset 0 is that region (a copy
 * of the partition): read whole, as before. Anything else is read region by region.
 */
function isOneRegionFile(r: DetectReport): boolean {
  return r.table.scheme === 'none' && (r.regions.length === 0 || (r.regions.length === 1 && r.regions[0]!.offset === 0));
}

/**
 * The regions a read covers, each with the options that read it; null when the read goes on
 * as given (a region named, zone sizes given, or an image that is one region). `pick`
 * (`--region N`) selects one and is refused where there is nothing to pick from.
 */
export function regionReads(opts: ImageOptions, pick?: number): RegionRead[] | null {
  if (pick !== undefined) {
    if (opts.offset !== undefined || opts.size !== undefined || opts.blkdev !== undefined) {
      throw new UsageError('--region picks one of the regions detect finds; it cannot be combined with --offset, --size or --blkdev', { option: 'region' });
    }
    if (!Number.isSafeInteger(pick) || pick < 1) throw new UsageError(`--region ${pick}: a region number from 1 (as detect numbers them)`, { option: 'region', value: pick });
    const file = opts.file ?? opts.image;
    if (fs.existsSync(file) && !seekable(file)) throw new UsageError(`--region: '${opts.image}' is not a file or block device that can be scanned for regions`, { option: 'region' });
  } else if (!wantsAutoDetect(opts) || regionGiven(opts)) return null;
  // a compressed or streamed image is scanned in its temporary copy (reader/input/)
  const report = detectImage(opts.image, { ...(opts.file !== undefined ? { file: opts.file } : {}), ...(opts.kernel !== undefined ? { kernel: opts.kernel } : {}), ...(opts.checkLock !== undefined ? { checkLock: opts.checkLock } : {}) });
  if (pick === undefined && isOneRegionFile(report)) return null;
  const count = report.regions.length;
  if (!count) {
    if (pick !== undefined) throw new NoDataError(`--region ${pick}: no pstore/zone region found in '${opts.image}'`, { option: 'region' });
    return null;
  }
  const reads = report.regions.map((region, i): RegionRead => ({
    index: i + 1,
    count,
    name: regionName(region),
    region,
    // Each region's own bounds; its parameters are detected over it (as detect did).
    opts: { ...opts, offset: region.offset, size: region.size, autoDetect: wantsAutoDetect(opts) },
  }));
  if (pick === undefined) return reads;
  const one = reads[pick - 1];
  if (!one) throw new UsageError(`--region ${pick}: '${opts.image}' has ${count === 1 ? 'one region (1)' : `${count} regions (1..${count})`}; mmcpstore detect -i IMAGE lists them`, { option: 'region', value: pick });
  return [one];
}
