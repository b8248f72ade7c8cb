/** mmcpstore: the eMMC backend for pstore/blk (spec mmcpstore-driver.md), posted v4 and fixed. */
export * from './constants.js';
export * from './blkdev.js';
export * from './context.js';
export * from './request.js';
export * from './io.js';
export * from './normal.js';
export * from './panic-path.js';
export * from './register.js';
