/**
 * Reading an image as the kernel would: open the region read-only, register
 * pstore/blk over it with the given module parameters, run pstore/zone's
 * recovery and list the records pstorefs would show. `inspectImage` and
 * `recoverImage` are the library API (re-exported by src/index.ts); the
 * inspect and recover commands only format what these return.
 *
 * Errors leave here typed (errors.ts), already worded for a user: the zone
 * layer's kernel messages are kept verbatim inside them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { genericBlkDevice, registerPstoreDevice } from '../zone/blk.js';
import { decodePszBuffer, zoneSignature, PSZ_BUFFER } from '../zone/codec.js';
import { FileRegion, type BlockRegion } from '../zone/file-region.js';
import { detectLayout, type DetectedLayout } from '../zone/forensics/detect.js';
import type { SymbolLookup } from '../zone/ftrace.js';
import { kernelProfile } from '../zone/kernel-profile.js';
import { SECTOR_SIZE } from '../lib/units.js';
import { ZoneLayoutError, zonesInDiskOrder, type ZoneDesc } from '../zone/layout.js';
import { ParamError, formatBlkParams, mergeBlkParams, parseParamString, type BlkParams } from '../zone/params.js';
import { PstoreCore, RecoveryFailedError, type PstoreFile } from '../zone/platform.js';
import type { ZoneKind } from '../zone/types.js';
import { ZoneRegisterError, type ZoneStatus, type ZoneContext, type ZoneVerdict } from '../zone/zone.js';
import { cardProbeFor, type CardProbe } from './card-probe.js';
import type { PstoreSource } from './card-source.js';
import { DataError, InputError, IoError, LockedError, MISSING_INPUT_CODES, NoDataError, UsageError, errnoCode, strerror } from './errors.js';

export const SCHEMA_VERSION = 1;

export interface ImageOptions {
  /** Image file or block device. */
  image: string;
  /** Byte offset of the pstore region in the file (default 0). */
  offset?: number;
  /** Byte length of the region (default: the rest of the file). */
  size?: number;
  /** A kernel command line / modprobe options string, e.g. "pstore_blk.kmsg_size=64". */
  paramString?: string;
  /** Explicit module parameters (KiB sizes); they override paramString. */
  blk?: Partial<BlkParams>;
  /** nr_cpu_ids of the writing kernel (default 1). */
  nrCpus?: number;
  /** Kernel version whose behaviour to follow (default: current mainline). */
  kernel?: string;
  /** pstore.compress; overrides the one in paramString. */
  compress?: 'deflate' | 'none';
  /** Refuse an image whose `<image>.lock` names a live writer (default true). */
  checkLock?: boolean;
  /**
   * Infer the zone sizes and CPU count from the signatures on disk. Default:
   * when no zone size is given (in `blk` or `paramString`), or paramString is "auto".
   */
  autoDetect?: boolean;
  /** Resolves ftrace addresses (`recover --symbols`). */
  symbols?: SymbolLookup;
  /** pstore_blk.blkdev on a card image: read through the emulated board and mmcpstore (card-source.ts). */
  blkdev?: string;
  /** --trace GLOB for the card path (device events to stderr). */
  trace?: string;
}

/** What `--params auto` found, and what was used. */
export interface DetectionInfo {
  found: boolean;
  /** False when nothing was found and the kernel defaults were used instead. */
  used: boolean;
  confidence: 'exact' | 'likely' | 'ambiguous' | null;
  summary: string;
  findings: DetectedLayout['findings'];
  problems: string[];
}

export interface ResolvedParams {
  /** What was asked for: defaults < paramString < blk. */
  requested: BlkParams;
  /** What the parameters read back as after pstore/blk's checks (KiB). */
  effective: BlkParams;
  /** `pstore_blk.kmsg_size=64 ...`. */
  cmdline: string;
  kernel: string;
  nrCpus: number;
  compress: 'deflate' | 'none';
  kmsgBytes: number | null;
  /** Tokens of paramString that are not pstore parameters (a pasted cmdline has many). */
  ignored: string[];
  /** Present when the layout was auto-detected (or detection was tried). */
  detection?: DetectionInfo;
}

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

/** Verdicts that only mean "nothing written here", not trouble. */
const QUIET_STATUSES: ReadonlySet<ZoneStatus> = new Set(['ok', 'no-valid-data', 'erased']);

// ----------------------------------------------------------- parameters

/** `--params auto`, or no zone size given anywhere: detect the layout. */
export function wantsAutoDetect(opts: ImageOptions): boolean {
  if (opts.autoDetect !== undefined) return opts.autoDetect;
  if (opts.paramString?.trim() === 'auto') return true;
  if (opts.paramString !== undefined) return false;
  const b = opts.blk ?? {};
  return b.kmsgSize === undefined && b.pmsgSize === undefined && b.consoleSize === undefined && b.ftraceSize === undefined;
}

export function resolveParams(opts: ImageOptions): ResolvedParams & { offset?: number; size?: number } {
  let parsed;
  try {
    parsed = parseParamString(opts.paramString?.trim() === 'auto' ? '' : (opts.paramString ?? ''));
  } catch (e) {
    if (e instanceof ParamError) throw new UsageError(`--params: ${e.message}`, { option: 'params', value: opts.paramString });
    throw e;
  }
  const requested = mergeBlkParams(parsed.blk, opts.blk ?? {});
  const related = parsed.related;
  let compress = opts.compress;
  if (compress === undefined && related.compress !== undefined) {
    if (related.compress !== 'deflate' && related.compress !== 'none') {
      throw new UsageError(`--params: pstore.compress=${related.compress} is not supported (deflate or none)`, { option: 'params', value: related.compress });
    }
    compress = related.compress;
  }
  let profileName: string;
  try {
    profileName = kernelProfile(opts.kernel).name;
  } catch (e) {
    throw new UsageError((e as Error).message, { option: 'kernel', value: opts.kernel });
  }
  const out: ResolvedParams & { offset?: number; size?: number } = {
    requested,
    effective: requested,
    cmdline: formatBlkParams(requested),
    kernel: profileName,
    nrCpus: opts.nrCpus ?? 1,
    compress: compress ?? 'deflate',
    kmsgBytes: related.kmsgBytes ?? null,
    ignored: parsed.ignored,
  };
  const offset = opts.offset ?? (related.sectorOffset !== undefined ? related.sectorOffset * SECTOR_SIZE : undefined);
  const size = opts.size ?? (related.sectorCount !== undefined ? related.sectorCount * SECTOR_SIZE : undefined);
  if (offset !== undefined) out.offset = offset;
  if (size !== undefined) out.size = size;
  return out;
}

// ---------------------------------------------------------------- image

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Writers take `<image>.lock` ({pid, host}, created O_EXCL). A reader does
 * not take it (that would create a file next to the image), but refuses to
 * read bytes a live writer is changing. A lock whose owner is provably dead
 * (same host, no such pid) is stale and ignored.
 */
export function checkImageLock(image: string): void {
  const lockPath = `${image}.lock`;
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return;
  }
  let owner: LockOwner | undefined;
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') owner = { pid: v.pid, host: v.host };
  } catch {
    /* half-written: treated as live, as the writers do */
  }
  if (owner && owner.host === os.hostname() && owner.pid !== process.pid) {
    try {
      process.kill(owner.pid, 0);
    } catch (e) {
      if (errnoCode(e) === 'ESRCH') return;
    }
  }
  const who = owner ? `pid ${owner.pid} on ${owner.host}` : 'another process';
  throw new LockedError(`image '${image}' is locked by ${who} (${lockPath}); try again when it has finished`, { lock: lockPath, ...(owner ? { owner } : {}) });
}

/** Opens the region read-only; Node and range errors become CLI errors. */
export function openRegion(path: string, offset: number | undefined, size: number | undefined): { region: FileRegion; fileSize: number | null } {
  let region: FileRegion;
  try {
    const o: { offset?: number; size?: number; writable: boolean } = { writable: false };
    if (offset !== undefined) o.offset = offset;
    if (size !== undefined) o.size = size;
    region = FileRegion.open(path, o);
  } catch (e) {
    if (e instanceof RangeError) {
      let fileSize = '?';
      try {
        fileSize = String(fs.statSync(path).size);
      } catch {
        /* keep '?' */
      }
      throw new DataError(
        `region does not fit in '${path}': --offset ${offset ?? 0} + --size ${size ?? `${fileSize} - ${offset ?? 0}`} runs past the end of the ${fileSize}-byte file`,
        { offset, size, fileSize },
      );
    }
    const code = errnoCode(e);
    const msg = `cannot open '${path}': ${strerror(e)}`;
    if (code && MISSING_INPUT_CODES.has(code)) throw new InputError(msg, { code });
    if (code) throw new IoError(msg, { code });
    throw e;
  }
  let fileSize: number | null = null;
  try {
    const st = fs.statSync(path);
    if (st.isFile()) fileSize = st.size;
  } catch {
    /* reported as unknown */
  }
  return { region, fileSize };
}

/** A read error inside recovery is an I/O error of ours, not a kernel verdict. */
function guarded(region: BlockRegion, path: string): BlockRegion {
  return {
    get size() {
      return region.size;
    },
    readAt(buf, pos) {
      try {
        return region.readAt(buf, pos);
      } catch (e) {
        throw new IoError(`cannot read '${path}' at region offset ${pos}: ${strerror(e)}`, { code: errnoCode(e), pos });
      }
    },
    writeAt() {
      throw new Error('internal: a read-only command tried to write the image');
    },
    sync() {},
    close() {
      region.close();
    },
  };
}

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

/** What a forensic pass over an open image gets to see (before the region is closed). */
export interface ImageContext {
  region: BlockRegion;
  zone: ZoneContext;
  files: PstoreFile[];
  report: ImageReport;
  /** The layout the signatures suggest (run when auto-detecting, or on request). */
  detected: DetectedLayout | null;
  /** True when the user gave the parameters (no auto-detection). */
  paramsGiven: boolean;
}

function applyDetection(opts: ImageOptions, params: ReturnType<typeof resolveParams>, region: BlockRegion): DetectedLayout {
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

type CardSourceOpener = (opts: ImageOptions, params: { offset?: number; size?: number }, probe: CardProbe) => PstoreSource;
/**
 * The card path (card-source.ts) brings the whole emulated board, so it is not imported here:
 * the library entry registers it at load (useCardPath), the commands load it on first need
 * (loadCardPathFor) before the synchronous readers below run.
 */
let cardSourceOpener: CardSourceOpener | undefined;

export function useCardPath(opener: CardSourceOpener): void {
  cardSourceOpener = opener;
}

/** Loads the card path when `opts` reads a card image; cheap (a few sectors) otherwise. */
export async function loadCardPathFor(opts: ImageOptions): Promise<void> {
  if (cardSourceOpener) return;
  let probe: CardProbe | null;
  try {
    probe = cardProbeFor(opts, resolveParams(opts));
  } catch {
    return; // the reader reports the same error, worded for the user
  }
  if (probe) cardSourceOpener = (await import('./card-source.js')).openPstoreSource;
}

function cardPath(): CardSourceOpener {
  if (!cardSourceOpener) throw new Error('the card path is not loaded: call loadCardPathFor() before reading a card image');
  return cardSourceOpener;
}

/** One open registration over an image region: what every reader starts from. */
interface Session {
  opts: ImageOptions;
  params: ReturnType<typeof resolveParams>;
  fileRegion: FileRegion;
  fileSize: number | null;
  region: BlockRegion;
  reg: ReturnType<typeof registerPstoreDevice>;
  zone: ZoneContext;
  core: PstoreCore;
  auto: boolean;
  detected: DetectedLayout | null;
}

function openSession(opts: ImageOptions): Session {
  const params = resolveParams(opts);
  if (opts.checkLock ?? true) checkImageLock(opts.image);
  // A whole card image (--blkdev, or a partition labelled pstore): through the emulated driver.
  const probe = cardProbeFor(opts, params);
  const card = probe ? cardPath()(opts, params, probe) : null;
  const { region: fileRegion, fileSize } = card ?? openRegion(opts.image, params.offset, params.size);
  const region = guarded(fileRegion, opts.image);
  try {
    const auto = wantsAutoDetect(opts);
    const detected = auto ? applyDetection(opts, params, region) : null;
    let reg;
    try {
      reg = card ? card.attach(params) : registerPstoreDevice(genericBlkDevice(region), params.requested, { nrCpus: params.nrCpus, profile: kernelProfile(opts.kernel), deferKmsgData: true });
    } catch (e) {
      if (e instanceof ZoneLayoutError || e instanceof ZoneRegisterError) {
        throw new DataError(`pstore/zone refuses this layout: ${e.message} (${params.cmdline}, region ${fileRegion.size} bytes)`, {
          kernelMessage: e.message,
          regionSize: fileRegion.size,
        });
      }
      throw e;
    }
    const { zone } = reg;
    const core = card?.core ?? new PstoreCore(zone, { compress: params.compress, ...(params.kmsgBytes !== null ? { kmsgBytes: params.kmsgBytes } : {}) });
    return { opts, params, fileRegion, fileSize, region, reg, zone, core, auto, detected };
  } catch (e) {
    region.close();
    throw e;
  }
}

/** The report for a session once recovery has run; `records` may still grow (streaming). */
function sessionReport(s: Session, records: RecordInfo[], recovery: ImageReport['recovery']): ImageReport {
  const { params, reg, zone, region, fileRegion } = s;
  const warnings: string[] = [...reg.notes, ...zone.layout.notes.map((n) => `pstore_zone: ${n}`)];
  const zones = zonesInDiskOrder(zone.layout).map((d) => zoneRow(region, d, zone.verdicts.get(d)));
  for (const z of zones) if (!QUIET_STATUSES.has(z.status) && z.status !== 'not-read') warnings.push(`${z.kind} zone ${z.index} skipped (${z.status}): ${z.message}`);
  for (const r of records) warnings.push(...recordWarnings(r));
  const l = zone.layout;
  return {
    schema: SCHEMA_VERSION,
    image: { path: s.opts.image, offset: fileRegion.offset, size: fileRegion.size, fileSize: s.fileSize },
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

/** Everything inspect and recover need, from one read of the image. */
function readImage<T = undefined>(opts: ImageOptions, after?: (ctx: ImageContext) => T): RecoverResult & { extra?: T } {
  const s = openSession(opts);
  try {
    let files: PstoreFile[] = [];
    let recovery: ImageReport['recovery'] = { ok: true };
    try {
      files = s.core.readFiles(opts.symbols ? { symbols: opts.symbols } : {});
    } catch (e) {
      if (!(e instanceof RecoveryFailedError)) throw e;
      recovery = { ok: false, message: e.message };
    }
    const report = sessionReport(s, files.map(recordInfo), recovery);
    if (after) return { report, files, extra: after({ region: s.region, zone: s.zone, files, report, detected: s.detected, paramsGiven: !s.auto }) };
    return { report, files };
  } finally {
    s.region.close();
  }
}

/** Callbacks of streamRecords(). */
export interface RecordStreamHandlers {
  /** Once recovery has run, before the first record: the report so far (zones, warnings; no records yet). */
  recovered?(report: ImageReport): void | Promise<void>;
  /** Each record, in pstorefs order; the next one is read only after this resolves. */
  record(file: PstoreFile, info: RecordInfo): void | Promise<void>;
}

/**
 * recoverImage() one record at a time: each record is read, decompressed and
 * handed to `handlers.record` before the next is read, so memory grows with
 * the largest record, not with the image. Resolves with the full report;
 * throws RecoveryAbortedError when pstore/zone's recovery aborts.
 */
export async function streamRecords(opts: ImageOptions, handlers: RecordStreamHandlers): Promise<ImageReport> {
  await loadCardPathFor(opts);
  const s = openSession(opts);
  try {
    const records: RecordInfo[] = [];
    const it = s.core.iterFiles(opts.symbols ? { symbols: opts.symbols } : {});
    let next: IteratorResult<PstoreFile>;
    try {
      next = it.next();
    } catch (e) {
      if (!(e instanceof RecoveryFailedError)) throw e;
      const report = sessionReport(s, records, { ok: false, message: e.message });
      throw new RecoveryAbortedError(opts.image, e.message, report.log);
    }
    const report = sessionReport(s, records, { ok: true });
    await handlers.recovered?.(report);
    while (!next.done) {
      const file = next.value;
      const info = recordInfo(file);
      records.push(info);
      report.warnings.push(...recordWarnings(info));
      await handlers.record(file, info);
      next = it.next();
    }
    report.log = s.zone.log.map((line) => line.text);
    return report;
  } finally {
    s.region.close();
  }
}

/**
 * What an image holds, zone by zone and record by record. A failed recovery
 * is reported (`recovery.ok === false`), not thrown: showing why is the point.
 */
export function inspectImage(opts: ImageOptions): ImageReport {
  return readImage(opts).report;
}

/**
 * Reads the image as inspectImage does and runs `fn` while the region is
 * still open (salvage, explanations). Never throws for an aborted recovery.
 */
export function analyseImage<T>(opts: ImageOptions, fn: (ctx: ImageContext) => T): RecoverResult & { extra: T } {
  const r = readImage(opts, fn);
  return { report: r.report, files: r.files, extra: r.extra as T };
}

/**
 * The records pstorefs would show for this image, with their bytes. Throws
 * NoDataError when pstore/zone's recovery aborts (the kernel then shows none).
 */
export function recoverImage(opts: ImageOptions): RecoverResult {
  const result = readImage(opts);
  const { recovery } = result.report;
  if (!recovery.ok) {
    throw new RecoveryAbortedError(opts.image, recovery.message ?? 'recover failed', result.report.log);
  }
  return result;
}

/** The kernel's recovery aborted: its own lines, on one line. */
export class RecoveryAbortedError extends NoDataError {
  constructor(image: string, message: string, log: string[]) {
    super(`no pstore records in '${image}': ${message}`, { log });
  }
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

