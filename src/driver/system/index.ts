/** The emulated kernel around pstore: printk ring, kmsg dumpers, CPUs, panic, runtime PM. */
export * from './printk-ring.js';
export * from './kmsg-dump.js';
export * from './clock.js';
export * from './cpu-state.js';
export * from './cpu.js';
export * from './locks.js';
export * from './wait-errors.js';
export * from './panic.js';
export * from './runtime-pm.js';
export * from './system.js';
