/**
 * The report model: what inspect, recover and the library report about an image (zones,
 * records, layout, warnings, kernel log), independent of how the commands format it.
 */
import type { Registration } from '../zone/blk.js';
import { decodePszBuffer, zoneSignature, PSZ_BUFFER, type Arch } from '../zone/codec.js';
import type { CompressAlgorithm } from '../zone/compressors/algorithms.js';
import type { AlgorithmSource } from '../zone/compressors/decompress-record.js';
import type { BlockRegion } from '../zone/file-region.js';
import { zonesInDiskOrder, type ZoneDesc } from '../zone/layout.js';
import { formatBlkParams } from '../zone/params.js';
import type { PstoreFile } from '../zone/platform.js';
import type { ZoneKind } from '../zone/types.js';
import type { ZoneContext, ZoneStatus, ZoneVerdict } from '../zone/zone.js';
import type { ResolvedParams } from './types.js';

export const SCHEMA_VERSION = 1;

export interface ImageSource {
  path: string;
  offset: number;
  size: number;
  /** Size of the whole file; null for a block device. */
  fileSize: number | null;
}

export interface ZoneRow {
  kind: ZoneKind;
  index: number;
  offset: number;
  size: number;
  bufferSize: number;
  /** The zone header's signature matches its type; null when it could not be read. */
  signature: boolean | null;
  /** Header fields, when the signature is valid. */
  datalen: number | null;
  start: number | null;
  /** pstore/zone's verdict. */
  status: ZoneStatus;
  /** The kernel's words for it. */
  message: string;
}

export interface RecordInfo {
  /** pstorefs file name: `dmesg-pstore_blk-0`, `... .enc.z` when still compressed. */
  name: string;
  type: string;
  id: number;
  /** ISO 8601 UTC, seconds; null when the stored time is out of range. */
  time: string | null;
  timeSec: number;
  timeNsec: number;
  /** Bytes of the file. */
  size: number;
  /** Still compressed (decompression failed). */
  compressed: boolean;
  /** Bytes on disk for a record that was stored compressed. */
  storedSize: number | null;
  reason: string | null;
  reasonCode: number | null;
  /** The zone header's per-reason counter (the "Oops: Total N times" number). */
  count: number | null;
  zones: { kind: ZoneKind; index: number; offset: number }[];
  notes: string[];
  /** A record stored compressed: the algorithm that decoded it (or, for an `.enc.z`, failed). */
  algorithm?: CompressAlgorithm;
  /** How `algorithm` was chosen: named by the user, the default deflate, or by trial. */
  algorithmSource?: AlgorithmSource;
  /** An `.enc.z` read with no algorithm named: why each other algorithm did not decode it. */
  trials?: string[];
}

export interface LayoutInfo {
  totalSize: number;
  deviceSize: number;
  capped: boolean;
  unused: number;
  notes: string[];
  zoneCounts: Record<ZoneKind, number>;
}

export interface ImageReport {
  schema: typeof SCHEMA_VERSION;
  image: ImageSource;
  params: ResolvedParams;
  /** The ABI whose struct layouts were read: given with --arch, or detected (64-bit by default). */
  arch: Arch;
  /** How `arch` was decided. */
  archEvidence: string;
  layout: LayoutInfo;
  zones: ZoneRow[];
  records: RecordInfo[];
  warnings: string[];
  /** Kernel-style `pstore_zone: ...` lines, as dmesg would show them. */
  log: string[];
  /** False when pstore/zone's recovery aborted: the kernel would show no record at all. */
  recovery: { ok: boolean; message?: string };
}

export interface RecoverResult {
  report: ImageReport;
  /** What /sys/fs/pstore would hold, with the bytes of each file. */
  files: PstoreFile[];
}

/** What a report is made from: one open registration over a region (session.ts). */
export interface ReportSource {
  image: string;
  params: ResolvedParams;
  reg: Registration;
  zone: ZoneContext;
  /** The region recovery read (guarded). */
  region: BlockRegion;
  /** Where that region sits in the file. */
  fileRegion: { offset: number; size: number };
  fileSize: number | null;
}

/** Verdicts that only mean "nothing written here", not trouble. */
const QUIET_STATUSES: ReadonlySet<ZoneStatus> = new Set(['ok', 'no-valid-data', 'erased']);

function isoTime(sec: bigint): string | null {
  // Date covers ±8.64e15 ms; a corrupt header can hold any 64-bit value.
  if (sec < -8_640_000_000_000n || sec > 8_640_000_000_000n) return null;
  return new Date(Number(sec) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

export function recordInfo(f: PstoreFile): RecordInfo {
  return {
    name: f.name,
    type: f.typeName,
    id: f.id,
    time: isoTime(f.time.sec),
    timeSec: Number(f.time.sec),
    timeNsec: Number(f.time.nsec),
    size: f.data.length,
    compressed: f.compressed,
    storedSize: f.storedSize ?? null,
    reason: f.reasonName ?? null,
    reasonCode: f.reason ?? null,
    count: f.count ?? null,
    zones: f.zones.map((z) => ({ kind: z.kind, index: z.index, offset: z.off })),
    notes: [...f.notes],
    ...(f.algorithm !== undefined ? { algorithm: f.algorithm } : {}),
    ...(f.algorithmSource !== undefined ? { algorithmSource: f.algorithmSource } : {}),
    ...(f.trials !== undefined ? { trials: [...f.trials] } : {}),
  };
}

function zoneRow(region: BlockRegion, desc: ZoneDesc, verdict: ZoneVerdict | undefined): ZoneRow {
  const row: ZoneRow = {
    kind: desc.kind,
    index: desc.index,
    offset: desc.off,
    size: desc.size,
    bufferSize: desc.bufferSize,
    signature: null,
    datalen: null,
    start: null,
    status: verdict?.status ?? 'not-read',
    message: verdict?.message ?? 'not examined by recovery',
  };
  // Recovery already read this header (a read-only session: the bytes cannot have changed).
  if (verdict?.signature !== undefined && verdict.datalen !== undefined && verdict.start !== undefined) {
    row.signature = verdict.signature;
    if (row.signature) {
      row.datalen = verdict.datalen;
      row.start = verdict.start;
    }
    return row;
  }
  const hdr = new Uint8Array(PSZ_BUFFER.size);
  try {
    if (region.readAt(hdr, desc.off) === hdr.length) {
      const b = decodePszBuffer(hdr);
      row.signature = b.sig === zoneSignature(desc.type);
      if (row.signature) {
        row.datalen = b.datalen;
        row.start = b.start;
      }
    }
  } catch {
    /* signature stays unknown */
  }
  return row;
}

/** The report for a session once recovery has run; `records` may still grow (streaming). */
export function sessionReport(s: ReportSource, records: RecordInfo[], recovery: ImageReport['recovery']): ImageReport {
  const { params, reg, zone, region, fileRegion } = s;
  const warnings: string[] = [...reg.notes, ...zone.layout.notes.map((n) => `pstore_zone: ${n}`)];
  const zones = zonesInDiskOrder(zone.layout).map((d) => zoneRow(region, d, zone.verdicts.get(d)));
  for (const z of zones) if (!QUIET_STATUSES.has(z.status) && z.status !== 'not-read') warnings.push(`${z.kind} zone ${z.index} skipped (${z.status}): ${z.message}`);
  for (const r of records) warnings.push(...recordWarnings(r));
  const l = zone.layout;
  return {
    schema: SCHEMA_VERSION,
    image: { path: s.image, offset: fileRegion.offset, size: fileRegion.size, fileSize: s.fileSize },
    params: {
      requested: params.requested,
      effective: reg.effective,
      cmdline: formatBlkParams(reg.effective),
      kernel: params.kernel,
      nrCpus: params.nrCpus,
      compress: params.compress,
      kmsgBytes: params.kmsgBytes,
      ignored: params.ignored,
      ...(params.detection ? { detection: params.detection } : {}),
    },
    arch: zone.arch,
    archEvidence: zone.archEvidence,
    layout: {
      totalSize: l.totalSize,
      deviceSize: l.deviceSize,
      capped: l.totalSize < l.deviceSize,
      unused: l.unused,
      notes: [...l.notes],
      zoneCounts: { kmsg: l.kmsg.length, pmsg: l.pmsg ? 1 : 0, console: l.console ? 1 : 0, ftrace: l.ftrace.length },
    },
    zones,
    records,
    warnings,
    log: zone.log.map((line) => line.text),
    recovery,
  };
}

/** The warnings a record carries (a record kept compressed). */
export function recordWarnings(r: RecordInfo): string[] {
  return r.notes.map((n) => `${r.name}: ${n}; the record is kept compressed`);
}

/** The sentence for "recovery ran and found nothing", with a hint from the zone verdicts. */
export function noRecordsMessage(report: ImageReport): string {
  const n = report.zones.length;
  const noSig = report.zones.filter((z) => z.status === 'no-valid-data').length;
  const erased = report.zones.filter((z) => z.status === 'erased').length;
  let why = `${n} zone${n === 1 ? '' : 's'}`;
  if (noSig === n) why += ', none with a valid pstore/zone signature; check --kmsg-size and the other sizes, --offset and --size against the kernel\'s pstore_blk parameters';
  else if (erased) why += `, ${erased} erased`;
  return `no valid pstore data found in '${report.image.path}' (${why})`;
}
