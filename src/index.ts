/**
 * mmcpstore as a library (docs/api.md): the pstore core / pstore/zone /
 * pstore/blk layer, and the image readers the `inspect` and `recover`
 * commands are thin layers over.
 *
 *   import { recoverImage, streamRecords } from 'mmcpstore';
 *   const { files } = recoverImage({ image: 'pstore.img', blk: { kmsgSize: 64 } });
 *   await streamRecords({ image: 'big.img' }, { record: (f) => save(f.name, f.data) });
 */
export * from './zone/index.js';
import { useCardPath } from './commands/image.js';
import { openPstoreSource } from './commands/card-source.js';

// The library's readers are synchronous: the card path is loaded with the library, not on demand.
useCardPath(openPstoreSource);
export {
  inspectImage,
  recoverImage,
  streamRecords,
  recordInfo,
  analyseImage,
  resolveParams,
  checkImageLock,
  noRecordsMessage,
  RecoveryAbortedError,
  SCHEMA_VERSION,
  type ImageOptions,
  type ImageReport,
  type ImageSource,
  type LayoutInfo,
  type RecordInfo,
  type RecoverResult,
  type ResolvedParams,
  type ZoneRow,
  type DetectionInfo,
  type ImageContext,
  type RecordStreamHandlers,
} from './commands/image.js';
export { detectImage, type DetectReport, type DetectedRegion } from './commands/detect.js';
export { explainReport } from './commands/inspect.js';
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
} from './commands/errors.js';
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
} from './commands/outdir.js';
export { now, type WallTime } from './commands/clock.js';
export { main } from './cli.js';
