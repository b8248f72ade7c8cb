/**
 * Layout auto-detection: infer pstore/blk's kmsg_size, pmsg_size,
 * console_size, ftrace_size and the CPU count from the zone signatures
 * (`0x43474244 ^ type`) and headers found in a region (signatures.ts).
 *
 * What the kernel leaves to go by (fs/pstore/zone.c):
 * - zones are contiguous from offset 0: pmsg, console, ftrace × nr_cpu_ids,
 *   then kmsg zones; every front-end size is a multiple of 4096 after
 *   pstore/blk's verify_size(), so pmsg/console zones start on 4096
 *   boundaries; ftrace zones are `ftrace_size / nr_cpu_ids` bytes each and
 *   can start anywhere, and the kmsg zones follow the last ftrace zone
 *   directly (not at ftrace_size: the division's remainder is skipped), so
 *   they too can start anywhere when ftrace_size is not a multiple of the
 *   CPU count;
 * - a zone never written has no signature at all, so unwritten zones are
 *   only bounded by the positions of their written neighbours;
 * - a wrapped ring zone (pmsg, console, ftrace) has `datalen == buffer_size`
 *   (exact size); an ftrace record carries its CPU in the low 8 bits of `ts`
 *   and CPU c's records live in ftrace zone c;
 * - kmsg zones are filled round-robin from zone 0, and each dump rewrites the
 *   whole zone zero-filled after the payload.
 *
 * Every inferred parameter says how it was found and how sure that is
 * (inference.ts). The steps, in the order each needs the last: ftrace
 * geometry and kmsg spacing from the signatures alone, then pmsg and console
 * (infer-rings.ts), the ftrace split and CPU count (infer-ftrace.ts), the
 * kmsg zone size (infer-kmsg.ts), and a check of the whole layout.
 */
import { hex } from '../../lib/hex.js';
import { KiB } from '../../lib/units.js';
import { PSZ_BUFFER } from '../codec.js';
import { SZ_128M, DEFAULT_KERNEL, type KernelProfile } from '../kernel-profile.js';
import { computeLayout, zonesInDiskOrder, ZoneLayoutError, type ZoneLayout } from '../layout.js';
import type { ZoneKind } from '../types.js';
import { inferCpuCount, inferFtraceGeometry, inferFtraceSize, inferFtraceSplit } from './infer-ftrace.js';
import { inferKmsgSize, inferKmsgSpacing } from './infer-kmsg.js';
import { inferConsoleSize, inferPmsgSize } from './infer-rings.js';
import { ZONE_ALIGN, worst, zoneStartHits, type Confidence, type Inference, type ZoneStartHits } from './inference.js';
import { readKnowingZeros, scanSignatures, type ReadAt, type ScanStats, type SignatureHit } from './signatures.js';

export type { Confidence } from './inference.js';

export interface ParamFinding {
  param: 'pmsg_size' | 'console_size' | 'ftrace_size' | 'cpus' | 'kmsg_size';
  /** Bytes for sizes (0 = off), a count for cpus; null when unknown or irrelevant. */
  value: number | null;
  confidence: Confidence;
  how: string;
}

export interface DetectedLayout {
  found: boolean;
  /** Region size the inference worked on (after the 128 MiB cap). */
  totalSize: number;
  /** KiB, as the module parameters take them; 0 means the front end is off. */
  params: { kmsgSize: number; pmsgSize: number; consoleSize: number; ftraceSize: number };
  /** nr_cpu_ids; null when there is no ftrace area (it does not matter then). */
  nrCpus: number | null;
  confidence: Confidence;
  findings: ParamFinding[];
  /** Problems: signatures the layout does not explain, refusals. */
  problems: string[];
  /** Counts of signatures by kind. */
  signatures: Record<ZoneKind, number>;
  /** One sentence. */
  summary: string;
}

function notFound(totalSize: number, signatures: Record<ZoneKind, number>, summary: string): DetectedLayout {
  return {
    found: false,
    totalSize,
    params: { kmsgSize: 0, pmsgSize: 0, consoleSize: 0, ftraceSize: 0 },
    nrCpus: null,
    confidence: 'ambiguous',
    findings: [],
    problems: [],
    signatures,
    summary,
  };
}

/** Byte sizes and the CPU count of a layout. */
interface LayoutBytes {
  kmsgSize: number;
  pmsgSize: number;
  consoleSize: number;
  ftraceSize: number;
  nrCpus: number | null;
}

/**
 * A zone start with no signature holds a header nothing wrote (all 0x00 or all 0xFF: a zone
 * never written) or a damaged one: anything else means the layout cannot be called exact.
 */
function damagedHeader(read: ReadAt, off: number): boolean {
  const h = new Uint8Array(PSZ_BUFFER.size);
  const n = read(h, off);
  if (n < h.length) return false; // past the end of what can be read: not evidence either way
  return !(h.every((b) => b === 0) || h.every((b) => b === 0xff));
}

/**
 * The layout must be one the kernel accepts, must explain every signature at a zone start,
 * every datalen (and ring start) must fit its zone, and no zone start it implies may be damaged.
 */
function checkLayout(hits: readonly SignatureHit[], starts: ZoneStartHits, bytes: LayoutBytes, regionSize: number, profile: KernelProfile, read: ReadAt, problems: string[]): void {
  let layout: ZoneLayout;
  try {
    layout = computeLayout({ totalSize: regionSize, kmsgSize: bytes.kmsgSize, pmsgSize: bytes.pmsgSize, consoleSize: bytes.consoleSize, ftraceSize: bytes.ftraceSize, nrCpus: bytes.nrCpus ?? 1 }, profile);
  } catch (e) {
    if (!(e instanceof ZoneLayoutError)) throw e;
    problems.push(`the kernel would refuse this layout: ${e.message}`);
    return;
  }
  const zoneAt = new Map(zonesInDiskOrder(layout).map((z) => [z.off, z] as const));
  for (const h of hits) {
    const z = zoneAt.get(h.off);
    if (!z || z.kind !== h.kind) {
      // Signatures inside ring data are common (logs about pstore); only aligned ones count.
      if (h.kind === 'ftrace' ? starts.ftrace.includes(h) : h.off % ZONE_ALIGN === 0) problems.push(`${h.kind} signature at ${hex(h.off)} is not a zone start of this layout`);
    } else if (h.datalen >>> 0 > z.bufferSize) problems.push(`${h.kind} zone at ${hex(h.off)}: datalen ${h.datalen} does not fit its ${z.bufferSize}-byte buffer`);
    else if (h.kind !== 'kmsg' && h.start >>> 0 > z.bufferSize) problems.push(`${h.kind} zone at ${hex(h.off)}: start ${h.start} does not fit its ${z.bufferSize}-byte buffer`);
  }
  const signed = new Set(hits.map((h) => h.off));
  for (const z of zoneAt.values()) {
    if (!signed.has(z.off) && damagedHeader(read, z.off)) problems.push(`${z.kind} zone ${z.index} at ${hex(z.off)}: damaged header (neither a signature nor a never-written zone)`);
  }
}

/**
 * Infers the layout of the region [0, size) from its signature hits (offsets
 * relative to the region). `read` is used for a few more bytes (zero fills).
 */
export function inferLayout(allHits: readonly SignatureHit[], size: number, read: ReadAt, profile: KernelProfile = DEFAULT_KERNEL): DetectedLayout {
  const regionSize = profile.capTotalSize ? Math.min(size, SZ_128M) : size;
  const hits = allHits.filter((h) => h.off >= 0 && h.off < regionSize);
  const signatures: Record<ZoneKind, number> = { pmsg: 0, console: 0, ftrace: 0, kmsg: 0 };
  for (const h of hits) signatures[h.kind]++;
  const starts = zoneStartHits(hits);
  if (!starts.pmsg && !starts.console && !starts.kmsg.length && starts.ftraceWithCpu.length < 2) {
    return notFound(regionSize, signatures, hits.length ? 'signatures found, but none where a pstore/zone layout could start' : 'no pstore/zone signature found');
  }
  const problems: string[] = [];

  const geometry = inferFtraceGeometry(starts, problems);
  const kmsgSpacing = inferKmsgSpacing(starts.kmsg, problems);
  const pmsg = inferPmsgSize(starts, geometry.areaStart, regionSize);
  const consoleZone = inferConsoleSize(starts, geometry.areaStart, pmsg.value, kmsgSpacing.value, regionSize);
  const ringsEnd = pmsg.value + consoleZone.value;

  let ftrace: Inference = { value: 0, confidence: 'exact', how: 'no ftrace signature' };
  let cpus: Inference<number | null> = { value: null, confidence: 'exact', how: 'no ftrace area' };
  // The dmesg zones follow the last ftrace zone directly (ftrace_size's remainder is skipped).
  let kmsgStart = ringsEnd;
  if (starts.ftrace.length) {
    const split = inferFtraceSplit(geometry, ringsEnd, problems);
    const cpuCount = inferCpuCount(starts, split, problems);
    ftrace = inferFtraceSize(starts, split, cpuCount, problems);
    cpus = { value: cpuCount.value, confidence: cpuCount.confidence, how: cpuCount.how };
    kmsgStart = cpuCount.zoneSize !== undefined ? split.start + cpuCount.value * cpuCount.zoneSize : ringsEnd + ftrace.value;
  }
  const kmsg = inferKmsgSize(starts.kmsg, kmsgSpacing, kmsgStart, regionSize, read, problems);

  const findings: ParamFinding[] = [
    { param: 'pmsg_size', ...pmsg },
    { param: 'console_size', ...consoleZone },
    { param: 'ftrace_size', ...ftrace },
    { param: 'cpus', ...cpus },
    { param: 'kmsg_size', ...kmsg },
  ];
  const bytes: LayoutBytes = { kmsgSize: kmsg.value, pmsgSize: pmsg.value, consoleSize: consoleZone.value, ftraceSize: ftrace.value, nrCpus: cpus.value };
  checkLayout(hits, starts, bytes, regionSize, profile, read, problems);
  return described(regionSize, bytes, findings, problems, signatures);
}

/** The result with its overall confidence (the worst finding's; ambiguous with any problem) and summary. */
function described(regionSize: number, bytes: LayoutBytes, findings: ParamFinding[], problems: string[], signatures: Record<ZoneKind, number>): DetectedLayout {
  let confidence: Confidence = findings.reduce<Confidence>((c, f) => worst(c, f.confidence), 'exact');
  if (problems.length) confidence = 'ambiguous';
  const params = { kmsgSize: bytes.kmsgSize / KiB, pmsgSize: bytes.pmsgSize / KiB, consoleSize: bytes.consoleSize / KiB, ftraceSize: bytes.ftraceSize / KiB };
  const parts = [`kmsg_size=${params.kmsgSize}`, `pmsg_size=${params.pmsgSize}`, `console_size=${params.consoleSize}`, `ftrace_size=${params.ftraceSize}`];
  if (bytes.nrCpus !== null) parts.push(`cpus=${bytes.nrCpus}`);
  return {
    found: true,
    totalSize: regionSize,
    params,
    nrCpus: bytes.nrCpus,
    confidence,
    findings,
    problems,
    signatures,
    summary: `${parts.join(' ')} (${confidence})`,
  };
}

/** Scan and infer in one go, over a region read through `read`. */
export function detectLayout(read: ReadAt, size: number, profile: KernelProfile = DEFAULT_KERNEL): DetectedLayout & { stats: ScanStats } {
  const scanned = Math.min(size, profile.capTotalSize ? SZ_128M : size);
  const { hits, stats, zeros } = scanSignatures(read, scanned);
  return { ...inferLayout(hits, size, readKnowingZeros(read, zeros), profile), stats };
}

/** `pstore_blk.kmsg_size=64 pstore_blk.pmsg_size=0 ...` for a detected layout. */
export function detectedParamString(d: DetectedLayout): string {
  return `pstore_blk.kmsg_size=${d.params.kmsgSize} pstore_blk.pmsg_size=${d.params.pmsgSize} pstore_blk.console_size=${d.params.consoleSize} pstore_blk.ftrace_size=${d.params.ftraceSize}`;
}
