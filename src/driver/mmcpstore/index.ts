/** mmcpstore: the eMMC backend for pstore/blk (spec mmcpstore-driver.md), the posted versions v3, v4, v5 and our proposed corrections. */
export * from './constants.js';
export * from './versions.js';
export * from './blkdev.js';
export * from './context.js';
export * from './request.js';
export * from './io.js';
export * from './normal.js';
export * from './panic-path.js';
export * from './register.js';
