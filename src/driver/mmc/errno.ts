/** Linux errno values the MMC core, SDHCI driver and block layer return (negated, as in the kernel). */
export const EPERM = 1;
export const EIO = 5;
export const ENOMEM = 12;
export const EBUSY = 16;
export const ENODEV = 19;
export const EINVAL = 22;
export const EBADMSG = 74;
export const EILSEQ = 84;
export const ETIMEDOUT = 110;
export const ENOMEDIUM = 123;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [EIO]: 'EIO',
  [ENOMEM]: 'ENOMEM',
  [EBUSY]: 'EBUSY',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [EBADMSG]: 'EBADMSG',
  [EILSEQ]: 'EILSEQ',
  [ETIMEDOUT]: 'ETIMEDOUT',
  [ENOMEDIUM]: 'ENOMEDIUM',
};

/** `-110` → `-ETIMEDOUT`. */
export function errName(err: number): string {
  const n = NAMES[-err];
  return n ? `-${n}` : String(err);
}
