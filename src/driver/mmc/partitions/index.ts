/** Partition tables (GPT, MBR), the scan Linux performs, MMC block naming and `blkdev`. */
export * from './crc32.js';
export * from './errors.js';
export * from './gpt.js';
export * from './gpt-decode.js';
export * from './gpt-encode.js';
export * from './layout.js';
export * from './mbr.js';
export * from './naming.js';
export * from './scan.js';
export * from './sectors.js';
