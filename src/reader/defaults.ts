/**
 * The values a read or a board run falls back to when not told otherwise. The CLI's option table
 * shows these same values as its defaults; nothing here loads anything.
 */

/** Seed of every board run unless --seed: the same command line gives the same bytes. */
export const DEFAULT_SEED = 1;
/** nr_cpu_ids of the writing kernel unless given or detected. */
export const DEFAULT_NR_CPUS = 1;
/** pstore.compress unless given. */
export const DEFAULT_COMPRESS = 'deflate';
/**
 * --max-size: most bytes a compressed or streamed image may hold once copied out (reader/input/).
 * Larger than the eMMC of any board, small enough to stop a runaway pipe or a decompression bomb.
 */
export const DEFAULT_MAX_SIZE = 64 * 1024 ** 3;
