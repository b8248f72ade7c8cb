/** mmcpstore constants (spec mmcpstore-driver.md §1.9) and states (§1.3); its errno values are src/lib/errno.ts. */
import { SECTOR_SIZE } from '../../lib/units.js';
export const MMC_PSTORE_SECTOR_SIZE = SECTOR_SIZE;
export const MMC_PSTORE_MAX_BUFFER_SIZE = 262144;
export const MMC_PSTORE_METADATA_SIZE = 1024;
export const MMC_PSTORE_DATA_TIMEOUT_NS = 2_000_000_000;
export const MMC_PSTORE_DEVICE_NAME_SIZE = 32;
export const MMC_PSTORE_PANIC_STABILIZE_DELAY_MS = 5;
export const MMC_PSTORE_PANIC_DELAY_MS = 50;
export const MMC_PSTORE_HARDWARE_TIMEOUT_MS = 100;
/** CMD23 argument bit 24: Forced Programming (bypass the cache) */
export const MMC_CMD23_ARG_FORCED_PRG = 1 << 24;
export const MMC_BLOCK_MAJOR = 179;

export const MmcpstoreState = { UNINITIALIZED: 0, INITIALIZING: 1, READY: 2, SUSPENDED: 3, SHUTDOWN: 4, ERROR: 5 } as const;
export type MmcpstoreState = (typeof MmcpstoreState)[keyof typeof MmcpstoreState];
export const STATE_NAMES = ['UNINITIALIZED', 'INITIALIZING', 'READY', 'SUSPENDED', 'SHUTDOWN', 'ERROR'] as const;
