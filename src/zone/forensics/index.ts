/** Forensics over pstore/zone images: layout detection, salvage, explanations, decoders. */
export * from './signatures.js';
export * from './detect.js';
export * from './inflate.js';
export * from './salvage.js';
export * from './explain.js';
export * from './logcat.js';
export * from './symbols.js';
export * from './timeline.js';
