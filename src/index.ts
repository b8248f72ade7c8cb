/**
 * mmcpstore as a library: the pstore core / pstore/zone / pstore/blk layer,
 * and the image readers the `inspect` and `recover` commands are built on.
 *
 *   import { recoverImage } from 'mmcpstore';
 *   const { files } = recoverImage({ image: 'pstore.img', blk: { kmsgSize: 64 } });
 */
export * from './zone/index.js';
export {
  inspectImage,
  recoverImage,
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
  type ExitName,
  type ExitCode,
} from './commands/errors.js';
export { writeRecordDir, RECORD_FILE_RE, type WrittenFile } from './commands/outdir.js';
export { main } from './cli.js';
