/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h), one table for every
 * layer. Kernel callbacks return them negated, as `ssize_t`/`int` returns do, so the zone layer
 * can tell "try the next zone" (-ENOMSG) from "defer to the flusher" (-EBUSY).
 */
export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EBUSY = 16;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENAMETOOLONG = 36;
export const ENOMSG = 42;
export const EBADMSG = 74;
export const EILSEQ = 84;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const ENOMEDIUM = 123;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [EIO]: 'EIO',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EBUSY]: 'EBUSY',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [ENAMETOOLONG]: 'ENAMETOOLONG',
  [ENOMSG]: 'ENOMSG',
  [EBADMSG]: 'EBADMSG',
  [EILSEQ]: 'EILSEQ',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
  [ETIMEDOUT]: 'ETIMEDOUT',
  [ENOMEDIUM]: 'ENOMEDIUM',
};

/** `-16` → `-EBUSY`, as the kernel's log lines print return codes; unknown values print as numbers. */
export function errnoName(ret: number): string {
  const name = ERRNO_NAMES[-ret];
  return name ? `-${name}` : String(ret);
}
