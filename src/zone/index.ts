/**
 * pstore core + pstore/zone + pstore/blk, as one layer: everything the
 * driver and the commands need, and nothing about MMC.
 */
export * from './types.js';
export * from './codec.js';
// The errno values of the pstore/zone contract, for library users (the table itself is lib/errno.ts).
export { EBUSY, EINVAL, EIO, ENOMEM, ENOMSG, ENOSPC, errnoName } from '../lib/errno.js';
export * from './kernel-profile.js';
export * from './params.js';
export * from './layout.js';
export * from './device-info.js';
export * from './compress.js';
export * from './pako-deflate.js';
export * from './ftrace.js';
export * from './zone.js';
export { ftraceRecordBits, kmsgHeaderLayout } from './zone-arch.js';
export * from './platform.js';
export * from './blk.js';
export * from './file-region.js';
export * from './forensics/index.js';
export * from './compressors/algorithms.js';
export * from './compressors/decompress-record.js';
export * from './compressors/lz4-block.js';
export * from './compressors/lzo1x.js';
export * from './compressors/lzo1x-compress.js';
export * from './compressors/zstd.js';
export * from './compressors/zstd-compress.js';
