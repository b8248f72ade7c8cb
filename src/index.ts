/**
 * mmcpstore as a library (docs/api.md): the pstore core / pstore/zone /
 * pstore/blk layer, and the image readers the `inspect` and `recover`
 * commands are thin layers over.
 *
 *   import { recoverImage, streamRecords } from 'mmcpstore';
 *   const { files } = recoverImage({ image: 'pstore.img', blk: { kmsgSize: 64 } });
 *   await streamRecords({ image: 'big.img' }, { record: (f) => save(f.name, f.data) });
 *
 * The readers here read whole card images too: they are handed the card path (card-source.ts,
 * the emulated board) up front, because they are synchronous.
 */
import { openPstoreSource } from './reader/card-source.js';
import { explainReport as explainWith } from './reader/explain.js';
import * as readers from './reader/readers.js';
import type { ImageContext, RecordStreamHandlers } from './reader/readers.js';
import type { ImageReport, RecoverResult } from './reader/report.js';
import type { ImageOptions } from './reader/types.js';

export * from './zone/index.js';

/** `opts` with the real card opener, unless the caller gave one. */
function withCard(opts: ImageOptions): ImageOptions {
  return opts.openCard ? opts : { ...opts, openCard: openPstoreSource };
}

/** What an image holds, zone by zone and record by record (reader/readers.ts). */
export function inspectImage(opts: ImageOptions): ImageReport {
  return readers.inspectImage(withCard(opts));
}

/** The records pstorefs would show, with their bytes (reader/readers.ts). */
export function recoverImage(opts: ImageOptions): RecoverResult {
  return readers.recoverImage(withCard(opts));
}

/** recoverImage() one record at a time (reader/readers.ts). */
export function streamRecords(opts: ImageOptions, handlers: RecordStreamHandlers): Promise<ImageReport> {
  return readers.streamRecords(withCard(opts), handlers);
}

/** inspectImage(), with `fn` run while the region is still open (reader/readers.ts). */
export function analyseImage<T>(opts: ImageOptions, fn: (ctx: ImageContext) => T): RecoverResult & { extra: T } {
  return readers.analyseImage(withCard(opts), fn);
}

/** inspect's report plus the per-zone explanations (reader/explain.ts). */
export function explainReport(opts: ImageOptions): ReturnType<typeof explainWith> {
  return explainWith(withCard(opts));
}

export { RecoveryAbortedError, type ImageContext, type RecordStreamHandlers } from './reader/readers.js';
export {
  recordInfo,
  noRecordsMessage,
  SCHEMA_VERSION,
  type ImageReport,
  type ImageSource,
  type LayoutInfo,
  type RecordInfo,
  type RecoverResult,
  type ZoneRow,
} from './reader/report.js';
export { resolveParams } from './reader/params.js';
export { checkImageLock } from './reader/lock.js';
export type { ImageOptions, ResolvedParams, DetectionInfo, CardSourceOpener, PstoreSource, RegionWindow } from './reader/types.js';
export { detectImage, type DetectReport, type DetectedRegion } from './reader/detect.js';
export {
  EXIT,
  CliError,
  UsageError,
  NoDataError,
  DataError,
  InputError,
  OutputError,
  IoError,
  LockedError,
  BrokenPipeError,
  exitCodeFor,
  exitTable,
  EXIT_MEANING,
  type ExitName,
  type ExitCode,
} from './reader/errors.js';
export {
  writeRecordDir,
  openRecordDir,
  systemdSubdir,
  RECORD_FILE_RE,
  OUT_LAYOUTS,
  type WrittenFile,
  type OutLayout,
  type RecordDirWriter,
  type RecordBytes,
} from './reader/outdir.js';
export { now, type WallTime } from './reader/clock.js';
