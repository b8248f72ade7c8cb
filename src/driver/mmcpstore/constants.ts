/** mmcpstore constants (spec mmcpstore-driver.md §1.9), states (§1.3) and the errno values it returns. */
export const MMC_PSTORE_SECTOR_SIZE = 512;
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

export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const ENOMEM = 12;
export const EBUSY = 16;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENAMETOOLONG = 36;
export const ENOMSG = 42;
export const EILSEQ = 84;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const ENOMEDIUM = 123;

const NAMES: Record<number, string> = {
  [EPERM]: 'EPERM', [ENOENT]: 'ENOENT', [EIO]: 'EIO', [ENOMEM]: 'ENOMEM', [EBUSY]: 'EBUSY', [ENODEV]: 'ENODEV', [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC', [ENAMETOOLONG]: 'ENAMETOOLONG', [ENOMSG]: 'ENOMSG', [EILSEQ]: 'EILSEQ', [EOPNOTSUPP]: 'EOPNOTSUPP',
  [ETIMEDOUT]: 'ETIMEDOUT', [ENOMEDIUM]: 'ENOMEDIUM',
};

/** -22 → "-EINVAL" */
export function errStr(err: number): string {
  const n = NAMES[-err];
  return n ? `-${n}` : String(err);
}
