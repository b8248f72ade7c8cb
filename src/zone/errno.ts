/**
 * The few Linux errno values the pstore/zone contract uses. Backends return
 * them negated, as `ssize_t` callbacks do in the kernel, so the zone layer can
 * tell "try the next zone" (-ENOMSG) from "defer to the flusher" (-EBUSY).
 */
export const EIO = 5;
export const ENOMEM = 12;
export const EBUSY = 16;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOMSG = 42;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EIO]: 'EIO',
  [ENOMEM]: 'ENOMEM',
  [EBUSY]: 'EBUSY',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [ENOMSG]: 'ENOMSG',
};

/** `-16` → `-EBUSY`, as the kernel's log lines print return codes. */
export function errnoName(ret: number): string {
  const name = ERRNO_NAMES[-ret];
  return name ? `-${name}` : String(ret);
}
