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
import type { BlockRegion } from '../zone/file-region.js';
import type { DetectedLayout } from '../zone/forensics/detect.js';
import { RecoveryFailedError, type PstoreFile } from '../zone/platform.js';
import type { ZoneContext } from '../zone/zone.js';
import { NoDataError } from './errors.js';
import { recordInfo, recordWarnings, sessionReport, type ImageReport, type RecordInfo, type RecoverResult } from './report.js';
import { openSession } from './session.js';
import type { ImageOptions } from './types.js';

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
  /**
   * True when `record` is done with `file.data` once it resolves: the data may then be a view
   * into buffers the next record reuses, and a large image is read with almost no allocation
   * per record. Unset: every record's data is its own.
   */
  reuseBuffers?: boolean;
}

/**
 * recoverImage() one record at a time: each record is read, decompressed and
 * handed to `handlers.record` before the next is read, so memory grows with
 * the largest record, not with the image. Resolves with the full report;
 * throws RecoveryAbortedError when pstore/zone's recovery aborts.
 */
export async function streamRecords(opts: ImageOptions, handlers: RecordStreamHandlers): Promise<ImageReport> {
  const s = openSession(opts);
  try {
    const records: RecordInfo[] = [];
    const it = s.core.iterFiles({ ...(opts.symbols ? { symbols: opts.symbols } : {}), reuseBuffers: !!handlers.reuseBuffers });
    try {
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
      // A handler that threw leaves the iterator suspended: let it free its buffers.
      it.return(undefined);
    }
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
