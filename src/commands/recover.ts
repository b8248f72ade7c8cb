/**
 * `mmcpstore recover`: the records pstorefs would show for an image, to
 * stdout (each introduced by a banner on stderr), to a directory laid out
 * like /sys/fs/pstore (--out), or as NDJSON (--json). Read-only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAndroidPmsg, pmsgToLogcat } from '../zone/forensics/logcat.js';
import type { SalvagedRecord } from '../zone/forensics/salvage.js';
import { SymbolFileError, parseSymbolMap, symbolLookup } from '../zone/forensics/symbols.js';
import { buildTimeline } from '../zone/forensics/timeline.js';
import type { SymbolLookup } from '../zone/ftrace.js';
import type { PstoreFile } from '../zone/platform.js';
import { PstoreType } from '../zone/types.js';
import { imageOptionsFrom, withImageInput } from './command.js';
import { withCardOpener } from '../reader/card-opener.js';
import { IoError, NoDataError, OutputError, UsageError, errnoCode, strerror, readInputText } from '../reader/errors.js';
import { openRecordDir, writeRecordDir, type RecordDirWriter } from '../reader/outdir.js';
import { analyseImage, recoverImage, RecoveryAbortedError, streamRecords } from '../reader/readers.js';
import { regionReads, type RegionRead } from '../reader/regions.js';
import { noRecordsMessage, recordInfo, recordWarnings, SCHEMA_VERSION, type ImageReport, type RecordInfo } from '../reader/report.js';
import type { ImageOptions } from '../reader/types.js';
import { Reporter, type Io } from './io.js';
import { optionDefault, type CliOptions } from './options.js';
import { forEachRegion, regionHeading } from './regions.js';


/** `==> dmesg-pstore_blk-0 (Oops#2, 2025-01-01T00:10:05Z, 29380 bytes) <==`. */
export function banner(r: RecordInfo, image?: string): string {
  const parts: string[] = [];
  if (r.reason !== null) parts.push(`${r.reason}#${r.count ?? 0}`);
  parts.push(r.time ?? `@${r.timeSec}`);
  parts.push(`${r.size} bytes${r.compressed ? ', still compressed' : ''}`);
  return `==> ${image !== undefined ? `${image}: ` : ''}${r.name} (${parts.join(', ')}) <==`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One NDJSON line: text when the bytes are valid UTF-8, base64 otherwise. */
export function recordJson(f: PstoreFile, image: string, region?: string): string {
  const info = recordInfo(f);
  let data: string;
  let encoding: 'utf-8' | 'base64';
  try {
    data = utf8.decode(f.data);
    encoding = 'utf-8';
  } catch {
    data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64');
    encoding = 'base64';
  }
  const obj = {
    schema: SCHEMA_VERSION,
    image,
    ...(region !== undefined ? { region } : {}),
    name: info.name,
    type: info.type,
    id: info.id,
    time: info.time,
    timeSec: info.timeSec,
    timeNsec: info.timeNsec,
    size: info.size,
    compressed: info.compressed,
    storedSize: info.storedSize,
    reason: info.reason,
    count: info.count,
    zones: info.zones,
    ...(info.algorithm !== undefined ? { algorithm: info.algorithm } : {}),
    ...(info.algorithmSource !== undefined ? { algorithmSource: info.algorithmSource } : {}),
    ...(info.trials !== undefined ? { trials: info.trials } : {}),
    encoding,
    data,
  };
  return JSON.stringify(obj) + '\n';
}

const TYPE_IDS: Record<string, number> = { dmesg: PstoreType.DMESG, pmsg: PstoreType.PMSG, console: PstoreType.CONSOLE, ftrace: PstoreType.FTRACE };

function loadSymbols(file: string): SymbolLookup {
  const text = readInputText(file, 'symbol file');
  try {
    return symbolLookup(parseSymbolMap(text));
  } catch (e) {
    if (e instanceof SymbolFileError) throw new UsageError(`--symbols: '${file}': ${e.message}`, { option: 'symbols', value: file });
    throw e;
  }
}

/** `==> salvaged/dmesg-pstore_blk-2.txt (salvaged: REASON, N bytes) <==`. */
export function salvageBanner(r: SalvagedRecord): string {
  return `==> ${r.name} (salvaged: ${r.reason}; ${r.data.length} bytes) <==`;
}

export function salvagedJson(r: SalvagedRecord, image: string, region?: string): string {
  let data: string;
  let encoding: 'utf-8' | 'base64';
  try {
    data = utf8.decode(r.data);
    encoding = 'utf-8';
  } catch {
    data = Buffer.from(r.data).toString('base64');
    encoding = 'base64';
  }
  return (
    JSON.stringify({
      schema: SCHEMA_VERSION,
      image,
      ...(region !== undefined ? { region } : {}),
      name: r.name,
      type: r.kind === 'kmsg' ? 'dmesg' : r.kind,
      id: r.zoneIndex,
      salvaged: true,
      reason: r.reason,
      dumpReason: r.reasonName ?? null,
      count: r.count ?? null,
      timeSec: r.time ? Number(r.time.sec) : null,
      size: r.data.length,
      zones: [{ kind: r.kind, index: r.zoneIndex, offset: r.offset }],
      encoding,
      data,
    }) + '\n'
  );
}

const SALVAGE_DIR = 'salvaged';
const SALVAGE_FILE_RE = /^[a-z]+-[A-Za-z0-9_]+-\d+(\.stale)?\.txt$/;

/** DIR/salvaged/ from an earlier run: removed under --force if it holds only salvaged files. */
function clearSalvageDir(dir: string, force: boolean): void {
  const sdir = path.join(dir, SALVAGE_DIR);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(sdir);
  } catch {
    return;
  }
  if (!force) return; // writeRecordDir refuses the non-empty DIR with its own message
  if (!st.isDirectory() || st.isSymbolicLink()) throw new OutputError(`'${sdir}' is not a directory of salvaged files; remove it or choose another directory`);
  for (const name of fs.readdirSync(sdir)) {
    if (!SALVAGE_FILE_RE.test(name) || !fs.lstatSync(path.join(sdir, name)).isFile()) {
      throw new OutputError(`--force replaces only salvaged files in '${sdir}', and '${name}' is not one`);
    }
  }
  fs.rmSync(sdir, { recursive: true });
}

function writeSalvaged(dir: string, records: readonly SalvagedRecord[]): { path: string; size: number }[] {
  if (!records.length) return [];
  const sdir = path.join(dir, SALVAGE_DIR);
  try {
    fs.mkdirSync(sdir, { mode: 0o755 });
  } catch (e) {
    throw new OutputError(`cannot create '${sdir}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
  return records.map((r) => {
    const base = path.basename(r.name);
    if (!SALVAGE_FILE_RE.test(base)) throw new Error(`internal: refusing salvaged file name '${r.name}'`);
    const file = path.join(sdir, base);
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, 0o444);
    } catch (e) {
      throw new OutputError(`cannot create '${file}': ${strerror(e)}`, { code: errnoCode(e) });
    }
    try {
      let done = 0;
      while (done < r.data.length) done += fs.writeSync(fd, r.data, done, r.data.length - done);
      if (r.time && Math.abs(Number(r.time.sec)) < 1e11) fs.futimesSync(fd, Number(r.time.sec), Number(r.time.sec));
    } catch (e) {
      throw new IoError(`cannot write '${file}': ${strerror(e)}`, { code: errnoCode(e) });
    } finally {
      fs.closeSync(fd);
    }
    return { path: file, size: r.data.length };
  });
}

/** The records `--type` and `--record` let through. */
function recordFilter(o: CliOptions): (f: { name: string; type: number }) => boolean {
  const id = o.type !== undefined ? TYPE_IDS[o.type]! : undefined;
  const names = o.record !== undefined ? new Set(o.record) : undefined;
  return (f) => (id === undefined || f.type === id) && (names === undefined || names.has(f.name));
}

/** Exit 3 when the filters left nothing, naming what the image does hold. */
function nothingSelected(o: CliOptions, image: string, held: readonly string[], report: ImageReport): NoDataError {
  if (held.length && (o.type !== undefined || o.record !== undefined)) {
    const what = [o.type !== undefined ? `${o.type} record` : 'record', o.record !== undefined ? `named ${o.record.join(' or ')}` : ''].filter(Boolean).join(' ');
    return new NoDataError(`no ${what} in '${image}' (the image holds ${held.join(', ')})`);
  }
  return new NoDataError(noRecordsMessage(report));
}

export async function runRecover(o: CliOptions, io: Io): Promise<void> {
  const given: ImageOptions = imageOptionsFrom(o);
  if (o.symbols !== undefined) given.symbols = loadSymbols(o.symbols);
  if (o.format === 'logcat' && o.type !== undefined && o.type !== 'pmsg') {
    throw new UsageError(`--format logcat decodes pmsg records; it does not apply to --type ${o.type}`, { option: 'format' });
  }
  if (o.layout !== undefined && o.out === undefined) throw new UsageError('--layout applies to --out DIR', { option: 'layout' });
  // The command line is checked before a streamed image is read.
  return withImageInput(o, io, (file) => recoverFrom(o, file === undefined ? given : { ...given, file }, io));
}

async function recoverFrom(o: CliOptions, given: ImageOptions, io: Io): Promise<void> {
  // The emulated board loads only when the image is a whole card.
  const opts = await withCardOpener(given);
  // A whole-disk image: every region detect finds, each with its own bounds (reader/regions.ts).
  const reads = regionReads(opts, o.region);
  if (!reads) return recoverOne(o, opts, io, plainTarget(o, opts));
  const several = reads.length > 1;
  await forEachRegion(reads, io, !!o.quiet, async (r) => {
    if (several && !o.quiet && !o.json && o.out === undefined) await io.stderr.write(io.stderr.color.bold(regionHeading(r)) + '\n');
    await recoverOne(o, r.opts, io, regionTarget(o, r, several));
  });
}

/** Where one region's records go: its --out directory, its banners' prefix, its JSON name. */
interface Target {
  out: string | undefined;
  /** Before each banner's record name (several images or regions). */
  label: string | undefined;
  /** The `region` of each JSON line. */
  region: string | undefined;
}

function plainTarget(o: CliOptions, opts: ImageOptions): Target {
  return { out: o.out, label: o.many ? opts.image : undefined, region: undefined };
}

/** Several regions: DIR/<region name>/ each, and banners and JSON lines that name the region. */
function regionTarget(o: CliOptions, r: RegionRead, several: boolean): Target {
  const image = r.opts.image;
  return {
    out: o.out !== undefined && several ? path.join(o.out, r.name) : o.out,
    label: several ? (o.many ? `${image} ${r.name}` : r.name) : o.many ? image : undefined,
    region: r.name,
  };
}

async function recoverOne(o: CliOptions, opts: ImageOptions, io: Io, t: Target): Promise<void> {
  if (o.salvage || o.timeline) return recoverCollected(o, opts, io, t);
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  const image = t.label;
  const want = recordFilter(o);
  const held: string[] = [];
  let shown = 0;
  let writer: RecordDirWriter | null = null;
  const report = await streamRecords(opts, {
    // Each record is written out (or converted) before the next is read.
    reuseBuffers: true,
    recovered: async (r) => {
      for (const w of r.warnings) await reporter.warn(w);
      const det = r.params.detection;
      if (det) await reporter.note(`layout ${det.used ? 'auto-detected' : 'not detected'}: ${det.summary}`);
      if (o.verbose) for (const line of r.log) await reporter.note(line);
    },
    record: async (f, info) => {
      held.push(f.name);
      for (const w of recordWarnings(info)) await reporter.warn(w);
      if (!want(f)) return;
      shown++;
      if (t.out !== undefined) {
        // Opened at the first record: an image with nothing to write leaves DIR alone.
        writer ??= openRecordDir(t.out, { force: !!o.force, layout: o.layout ?? optionDefault('layout') });
        for (const w of writer.add(f)) await reporter.note(`wrote ${w.path} (${w.size} bytes)`);
        return;
      }
      let data = f.data;
      if (o.format === 'logcat' && f.type === PstoreType.PMSG && isAndroidPmsg(f.data)) data = new TextEncoder().encode(pmsgToLogcat(f.data));
      if (o.json) {
        await io.stdout.write(recordJson({ ...f, data }, opts.image, t.region));
        return;
      }
      if (!o.quiet) await io.stderr.write(io.stderr.color.bold(banner(recordInfo({ ...f, data }), image)) + '\n');
      await io.stdout.writeBorrowed(data);
    },
  });
  if (shown === 0) throw nothingSelected(o, opts.image, held, report);
  if (writer) for (const w of (writer as RecordDirWriter).finish()) await reporter.note(`wrote ${w.path} (${w.size} bytes)`);
}

/** --salvage and --timeline need every record at once. */
async function recoverCollected(o: CliOptions, opts: ImageOptions, io: Io, t: Target): Promise<void> {
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  let report;
  let files: PstoreFile[];
  let salvaged: SalvagedRecord[] = [];
  if (o.salvage) {
    // Salvage brings a streaming inflater (pako): loaded only for --salvage.
    const { salvageZones } = await import('../zone/forensics/salvage.js');
    const r = analyseImage(opts, (ctx) =>
      salvageZones({ read: (b, p) => ctx.region.readAt(b, p), layout: ctx.zone.layout, verdicts: ctx.zone.verdicts, files: ctx.files, recovered: ctx.report.recovery.ok }),
    );
    report = r.report;
    files = r.files;
    salvaged = r.extra;
    if (!report.recovery.ok && !salvaged.length) throw new RecoveryAbortedError(opts.image, report.recovery.message ?? 'recover failed', report.log);
    if (!report.recovery.ok) await reporter.warn(`pstore/zone's recovery aborted (${report.recovery.message ?? 'recover failed'}): the kernel would show no record; only salvaged records follow`);
  } else {
    ({ report, files } = recoverImage(opts));
  }
  const held = files.map((f) => f.name);
  files = files.filter(recordFilter(o));
  if (o.type !== undefined) salvaged = salvaged.filter((r) => (r.kind === 'kmsg' ? 'dmesg' : r.kind) === o.type);
  if (o.record !== undefined) salvaged = salvaged.filter((r) => o.record!.includes(r.name));
  for (const w of report.warnings) await reporter.warn(w);
  const det = report.params.detection;
  if (det) await reporter.note(`layout ${det.used ? 'auto-detected' : 'not detected'}: ${det.summary}`);
  if (o.verbose) for (const line of report.log) await reporter.note(line);
  if (files.length === 0 && salvaged.length === 0) throw nothingSelected(o, opts.image, held, report);

  if (o.timeline) {
    await io.stdout.write(buildTimeline(files).text);
    return;
  }
  if (t.out !== undefined) {
    if (o.salvage) clearSalvageDir(t.out, !!o.force);
    const written = [...writeRecordDir(t.out, files, { force: !!o.force, layout: o.layout ?? optionDefault('layout') }), ...writeSalvaged(t.out, salvaged)];
    for (const w of written) await reporter.note(`wrote ${w.path} (${w.size} bytes)`);
    return;
  }
  const image = t.label;
  for (const f of files) {
    let data = f.data;
    if (o.format === 'logcat' && f.type === PstoreType.PMSG && isAndroidPmsg(f.data)) data = new TextEncoder().encode(pmsgToLogcat(f.data));
    if (o.json) {
      await io.stdout.write(recordJson({ ...f, data }, opts.image, t.region));
      continue;
    }
    if (!o.quiet) await io.stderr.write(io.stderr.color.bold(banner(recordInfo({ ...f, data }), image)) + '\n');
    await io.stdout.write(data);
  }
  for (const r of salvaged) {
    if (o.json) {
      await io.stdout.write(salvagedJson(r, opts.image, t.region));
      continue;
    }
    if (!o.quiet) await io.stderr.write(io.stderr.color.yellow(salvageBanner(r)) + '\n');
    await io.stdout.write(r.data);
  }
}
