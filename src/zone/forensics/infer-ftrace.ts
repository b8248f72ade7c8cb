/**
 * Layout inference, the ftrace area: ftrace_size / nr_cpu_ids bytes per CPU
 * (psz_alloc_zones()), so the CPU numbers in the records place the zones, and
 * the first kmsg zone, which follows the last CPU's zone directly, bounds them.
 */
import { hex } from '../../lib/hex.js';
import { PSZ_BUFFER } from '../codec.js';
import { alignUp, type Confidence, type Inference, type ZoneStartHits } from './inference.js';
import type { SignatureHit } from './signatures.js';

/** The most CPUs a CPU-count search tries (NR_CPUS of the largest configs). */
const MAX_CPUS = 8192;

/** What the ftrace signatures alone say, before pmsg and console are known. */
export interface FtraceGeometry {
  /** Where CPU 0's zone starts. */
  areaStart: number | undefined;
  /** Bytes per CPU zone. */
  zoneSize: number | undefined;
  zoneSizeHow: string;
  /** A zone of CPU > 0 that did not wrap: its size needs the area start, known only later. */
  pendingCpu: SignatureHit | undefined;
}

/** Zone size and area start from two CPUs' zones, or from one wrapped ring. */
export function inferFtraceGeometry(hits: ZoneStartHits, problems: string[]): FtraceGeometry {
  const withCpu = hits.ftraceWithCpu;
  let areaStart: number | undefined;
  let zoneSize: number | undefined;
  let zoneSizeHow = '';
  if (withCpu.length >= 2) {
    const a = withCpu[0]!;
    const b = withCpu.find((h) => h.cpu !== a.cpu);
    if (b) {
      const perCpu = (b.off - a.off) / (b.cpu! - a.cpu!);
      if (Number.isInteger(perCpu) && perCpu > PSZ_BUFFER.size) {
        zoneSize = perCpu;
        areaStart = a.off - a.cpu! * perCpu;
        zoneSizeHow = `CPU ${a.cpu} and CPU ${b.cpu} ftrace zones at ${hex(a.off)} and ${hex(b.off)}`;
        for (const h of withCpu) {
          if (h.off !== areaStart + h.cpu! * zoneSize) problems.push(`ftrace signature at ${hex(h.off)} (CPU ${h.cpu}) is not where zone ${h.cpu} would start`);
        }
      }
    }
  }
  let pendingCpu: SignatureHit | undefined;
  if (zoneSize === undefined && hits.ftrace.length) {
    const h = withCpu[0] ?? hits.ftrace[0]!;
    const cpu = h.cpu ?? 0;
    if (h.wrapped) {
      zoneSize = h.datalen + PSZ_BUFFER.size;
      areaStart = h.off - cpu * zoneSize;
      zoneSizeHow = `ftrace ring of CPU ${cpu} wrapped, so its datalen is the buffer size`;
    } else if (cpu === 0) {
      areaStart = h.off;
    } else pendingCpu = h;
  }
  return { areaStart, zoneSize, zoneSizeHow, pendingCpu };
}

/** The ftrace area once pmsg and console are sized. */
export interface FtraceSplit {
  start: number;
  zoneSize: number | undefined;
  zoneSizeHow: string;
  /** `ambiguous` when the area does not start where pmsg and console end. */
  confidence: Confidence;
}

/** Places the area after pmsg and console (`ringsEnd`) and sizes a pending CPU's zone from it. */
export function inferFtraceSplit(geometry: FtraceGeometry, ringsEnd: number, problems: string[]): FtraceSplit {
  const start = geometry.areaStart ?? ringsEnd;
  let confidence: Confidence = 'exact';
  if (start !== ringsEnd) {
    problems.push(`the ftrace area would start at 0x${start.toString(16)} but pmsg and console end at 0x${ringsEnd.toString(16)}`);
    confidence = 'ambiguous';
  }
  let { zoneSize, zoneSizeHow } = geometry;
  const pending = geometry.pendingCpu;
  if (zoneSize === undefined && pending) {
    const perCpu = (pending.off - start) / pending.cpu!;
    if (Number.isInteger(perCpu) && perCpu > PSZ_BUFFER.size) {
      zoneSize = perCpu;
      zoneSizeHow = `CPU ${pending.cpu}'s zone at ${hex(pending.off)}, the area at 0x${start.toString(16)}`;
    }
  }
  return { start, zoneSize, zoneSizeHow, confidence };
}

/** The highest CPU the records name (0 when none does). */
function maxTracedCpu(hits: ZoneStartHits): number {
  return Math.max(0, ...hits.ftraceWithCpu.map((h) => h.cpu!));
}

/** The bytes the fullest ftrace zone needs, header included. */
function ftraceZoneNeed(hits: ZoneStartHits): number {
  return Math.max(...hits.ftrace.map((h) => h.datalen)) + PSZ_BUFFER.size;
}

/** nr_cpu_ids, and the per-CPU zone size once the count is known. */
export interface CpuCount extends Inference<number> {
  zoneSize: number | undefined;
}

/**
 * The CPU count: the ftrace zones fill the span up to the first dmesg zone, so
 * span / zone size; with no zone size, the counts whose zones fit the data.
 */
export function inferCpuCount(hits: ZoneStartHits, split: FtraceSplit, problems: string[]): CpuCount {
  const maxCpu = maxTracedCpu(hits);
  const firstKmsg = hits.kmsg[0]?.off;
  if (firstKmsg !== undefined && firstKmsg > split.start) {
    // The dmesg zones follow the last ftrace zone: firstKmsg - start = CPUs × zone size.
    const span = firstKmsg - split.start;
    const zoneSize = split.zoneSize;
    if (zoneSize !== undefined) {
      const cpus = Math.round(span / zoneSize);
      let confidence: Confidence;
      if (span % zoneSize !== 0 || cpus < 1) {
        problems.push(`${span} bytes from the ftrace area to the first dmesg zone are not a whole number of ${zoneSize}-byte ftrace zones`);
        confidence = 'ambiguous';
      } else confidence = cpus === maxCpu + 1 ? 'exact' : 'likely';
      const untraced = cpus > maxCpu + 1 ? `; CPUs ${maxCpu + 1}..${cpus - 1} never traced` : '';
      return { value: cpus, zoneSize, confidence, how: `${span} bytes of ftrace zones before the first dmesg zone, ${zoneSize} bytes each (${split.zoneSizeHow})${untraced}` };
    }
    const need = ftraceZoneNeed(hits);
    const fits: number[] = [];
    for (let m = maxCpu + 1; m <= Math.min(MAX_CPUS, span); m++) {
      if (span % m === 0 && span / m >= need && Math.floor(alignUp(span) / m) === span / m) fits.push(m);
    }
    const cpus = fits[0] ?? maxCpu + 1;
    const how =
      fits.length === 1
        ? `only ${cpus} CPU${cpus === 1 ? '' : 's'} fit${cpus === 1 ? 's' : ''} ${span} bytes of ftrace zones holding ${need - PSZ_BUFFER.size} bytes`
        : `only CPU ${maxCpu}'s ftrace ring has records and it did not wrap: ${fits.length} CPU counts fit (taken as ${cpus})`;
    return { value: cpus, zoneSize: Math.floor(span / cpus), confidence: fits.length === 1 ? 'likely' : 'ambiguous', how };
  }
  // No dmesg zone after the area: only the CPUs seen.
  const how = split.zoneSize !== undefined ? `CPUs seen in the ftrace records (${split.zoneSizeHow})` : 'one ftrace zone seen';
  return { value: maxCpu + 1, zoneSize: split.zoneSize, confidence: 'ambiguous', how };
}

/** ftrace_size: the 4096 multiple that splits into `cpus` zones of the size found. */
export function inferFtraceSize(hits: ZoneStartHits, split: FtraceSplit, cpus: CpuCount, problems: string[]): Inference {
  const firstKmsg = hits.kmsg[0]?.off;
  const n = cpus.value;
  if (firstKmsg !== undefined && firstKmsg > split.start) {
    const size = alignUp(firstKmsg - split.start);
    const splits = Math.floor(size / n) === cpus.zoneSize;
    if (!splits) problems.push(`no ftrace_size (a multiple of 4096) gives ${n} zones of ${cpus.zoneSize} bytes`);
    return {
      value: size,
      confidence: splits ? split.confidence : 'ambiguous',
      how: `${n} ftrace zones of ${cpus.zoneSize} bytes end at the first dmesg zone ${hex(firstKmsg)}; ftrace_size is the 4096 multiple that divides into them`,
    };
  }
  if (split.zoneSize !== undefined) return { value: alignUp(n * split.zoneSize), confidence: 'ambiguous', how: 'no dmesg zone after it: sized from the CPU zones seen' };
  return { value: alignUp(ftraceZoneNeed(hits)), confidence: 'ambiguous', how: 'one ftrace zone seen, nothing after it' };
}
