/**
 * Parameter resolution: the kernel defaults, then a pasted command line / modprobe line, then
 * explicit values (later wins), checked the way the CLI reports them; and `--params auto`, which
 * takes the zone sizes and CPU count from the signatures on disk.
 */
import { SECTOR_SIZE } from '../lib/units.js';
import { detectLayout, type DetectedLayout } from '../zone/forensics/detect.js';
import { kernelProfile } from '../zone/kernel-profile.js';
import { ParamError, formatBlkParams, mergeBlkParams, type BlkParams } from '../zone/params.js';
import type { BlockRegion } from '../zone/file-region.js';
import { COMPRESS_ALGORITHMS, isCompressAlgorithm } from '../zone/compressors/algorithms.js';
import { DEFAULT_COMPRESS, DEFAULT_NR_CPUS } from './defaults.js';
import { UsageError } from './errors.js';
import { parseReadParams } from './mmcpstore-params.js';
import type { DetectionInfo, ImageOptions, RegionWindow, ResolvedParams } from './types.js';

/** What pstore.compress takes: every algorithm pstore has known, or none. */
export const COMPRESS_CHOICES = [...COMPRESS_ALGORITHMS, 'none'] as const;

/** `--params auto`, or no zone size given anywhere: detect the layout. */
export function wantsAutoDetect(opts: ImageOptions): boolean {
  if (opts.autoDetect !== undefined) return opts.autoDetect;
  if (opts.paramString?.trim() === 'auto') return true;
  if (opts.paramString !== undefined) return false;
  const b = opts.blk ?? {};
  return b.kmsgSize === undefined && b.pmsgSize === undefined && b.consoleSize === undefined && b.ftraceSize === undefined;
}

export function resolveParams(opts: ImageOptions): ResolvedParams & RegionWindow {
  let parsed;
  try {
    parsed = parseReadParams(opts.paramString);
  } catch (e) {
    if (e instanceof ParamError) throw new UsageError(`--params: ${e.message}`, { option: 'params', value: opts.paramString });
    throw e;
  }
  const requested = mergeBlkParams(parsed.blk, opts.blk ?? {});
  const related = parsed.related;
  let compress = opts.compress;
  if (compress === undefined && related.compress !== undefined) {
    const named = related.compress;
    if (named !== 'none' && !isCompressAlgorithm(named)) {
      throw new UsageError(`--params: pstore.compress=${named} is not supported (${COMPRESS_CHOICES.join(', ')})`, { option: 'params', value: named });
    }
    compress = named;
  }
  let profileName: string;
  try {
    profileName = kernelProfile(opts.kernel).name;
  } catch (e) {
    throw new UsageError((e as Error).message, { option: 'kernel', value: opts.kernel });
  }
  const out: ResolvedParams & RegionWindow = {
    requested,
    effective: requested,
    cmdline: formatBlkParams(requested),
    kernel: profileName,
    nrCpus: opts.nrCpus ?? DEFAULT_NR_CPUS,
    compress: compress ?? DEFAULT_COMPRESS,
    ...(compress !== undefined && compress !== 'none' ? { decompress: compress } : {}),
    kmsgBytes: related.kmsgBytes ?? null,
    ignored: parsed.ignored,
  };
  const { sectorOffset, sectorCount } = parsed.mmcpstore;
  const offset = opts.offset ?? (sectorOffset !== undefined ? sectorOffset * SECTOR_SIZE : undefined);
  const size = opts.size ?? (sectorCount !== undefined ? sectorCount * SECTOR_SIZE : undefined);
  if (offset !== undefined) out.offset = offset;
  if (size !== undefined) out.size = size;
  return out;
}

/** `--params auto`: the layout the signatures suggest replaces the default sizes in `params`. */
export function applyDetection(opts: ImageOptions, params: ResolvedParams, region: BlockRegion): DetectedLayout {
  const d = detectLayout((b, p) => region.readAt(b, p), region.size, kernelProfile(opts.kernel));
  const info: DetectionInfo = {
    found: d.found,
    used: d.found,
    confidence: d.found ? d.confidence : null,
    summary: d.found ? d.summary : `${d.summary}; using the kernel defaults`,
    findings: d.findings,
    problems: d.problems,
  };
  params.detection = info;
  if (!d.found) return d;
  const sizes: Partial<BlkParams> = { kmsgSize: d.params.kmsgSize };
  // Front ends that are off stay at their defaults (-1), so the command line reads as usual.
  if (d.params.pmsgSize) sizes.pmsgSize = d.params.pmsgSize;
  if (d.params.consoleSize) sizes.consoleSize = d.params.consoleSize;
  if (d.params.ftraceSize) sizes.ftraceSize = d.params.ftraceSize;
  params.requested = mergeBlkParams(params.requested, sizes, opts.blk ?? {});
  params.effective = params.requested;
  params.cmdline = formatBlkParams(params.requested);
  if (opts.nrCpus === undefined && d.nrCpus !== null) params.nrCpus = d.nrCpus;
  return d;
}
