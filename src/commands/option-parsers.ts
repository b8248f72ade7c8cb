/**
 * The option table's value parsers: each validates, and names the option and the value it
 * refuses; they throw UsageError (exit 2), never commander's own errors.
 */
import { SECTOR_SIZE, KiB, MiB, GiB } from '../lib/units.js';
import { UsageError } from '../reader/errors.js';
import { KernelVersionError, kernelProfile } from '../zone/kernel-profile.js';
import { ParamError, parseKernelLong } from '../zone/params.js';
import { parseReason } from '../zone/types.js';

/** The most KiB a size parameter takes: the kernel multiplies an int by 1024 (INT_MAX / 1024). */
const MAX_KIB = 0x1fffff;

export type RecordType = 'dmesg' | 'pmsg' | 'console' | 'ftrace';
export type RecordFormat = 'raw' | 'logcat';

/** `--type kmsg` is accepted for dmesg: pstore/blk calls the zones kmsg, pstorefs calls the files dmesg. */
export function parseType(text: string): RecordType {
  const v = text.trim().toLowerCase();
  if (v === 'kmsg') return 'dmesg';
  return choice('type', ['dmesg', 'pmsg', 'console', 'ftrace'] as const)(text);
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  s: SECTOR_SIZE,
  k: KiB,
  kb: KiB,
  kib: KiB,
  m: MiB,
  mb: MiB,
  mib: MiB,
  g: GiB,
  gb: GiB,
  gib: GiB,
};

/** `4096`, `0x1000`, `4K`, `1M`, `2G`, `2048s` (512-byte sectors) → bytes. */
export function parseByteSize(option: string, text: string, { allowZero }: { allowZero: boolean }): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError(`--${option}: '${text}' is not a size in bytes (e.g. 4096, 0x1000, 64K, 1M, 2048s)`, { option, value: text });
  }
  const n = Number(m[1]!) * unit;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${option}: '${text}' is too large`, { option, value: text });
  if (!allowZero && n === 0) throw new UsageError(`--${option}: '${text}' must be more than 0 bytes`, { option, value: text });
  return n;
}

/**
 * A module parameter's number as the kernel reads it (kstrtol base 0: decimal, 0x hex, a leading 0
 * for octal), so that `--kmsg-size 0x40` and `--params pstore_blk.kmsg_size=0x40` mean the same,
 * and `010` is 8 in both; undefined when `text` is no such number.
 */
function kernelNumber(option: string, text: string): number | undefined {
  try {
    return parseKernelLong(option, text);
  } catch (e) {
    if (e instanceof ParamError) return undefined;
    throw e;
  }
}

/** A module-parameter size in KiB: an integer, <= 0 disables the front end (as the kernel does). */
export function parseKib(option: string, text: string): number {
  const n = kernelNumber(option, text);
  if (n === undefined) {
    throw new UsageError(`--${option}: '${text}' is not a whole number of KiB (decimal, 0x hex or 0-prefixed octal, as the kernel reads it; 0 or -1 disables)`, { option, value: text });
  }
  // The kernel stores these in an int and multiplies by 1024.
  if (!Number.isSafeInteger(n) || n > MAX_KIB) throw new UsageError(`--${option}: '${text}' KiB is out of range`, { option, value: text });
  return n;
}

/** EXT_CSD CACHE_SIZE counts KiB in 4 bytes: a whole number of KiB below 4 TiB. */
export function parseCacheSize(text: string): number {
  const n = parseByteSize('cache-size', text, { allowZero: true });
  if (n % 1024 !== 0 || n / 1024 > 0xffffffff) throw new UsageError(`--cache-size: '${text}' is not a whole number of KiB below 4T (EXT_CSD CACHE_SIZE)`, { option: 'cache-size', value: text });
  return n;
}

/** Lock waits are real time, so they are bounded: at most an hour. */
export const MAX_WAIT_SECONDS = 3600;

export function parseWaitSeconds(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(n >= 0 && n <= MAX_WAIT_SECONDS)) {
    throw new UsageError(`--wait: '${text}' is not a number of seconds from 0 to ${MAX_WAIT_SECONDS}`, { option: 'wait', value: text });
  }
  return n;
}

export function parseCount(option: string, text: string, max: number): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`--${option}: '${text}' is not a whole number from 1 to ${max}`, { option, value: text });
  }
  return Number(text);
}

/** `2`, `oops`, `Panic`: kmsg_dump_reason; numbers above KMSG_DUMP_MAX are accepted as the kernel does. */
export function parseMaxReason(text: string): number {
  const n = kernelNumber('max-reason', text);
  if (n !== undefined) return n;
  const r = parseReason(text);
  if (r === undefined) {
    throw new UsageError(`--max-reason: '${text}' is not a dump reason (a number, or panic, oops, emergency, shutdown)`, { option: 'max-reason', value: text });
  }
  return r;
}

export function parseKernel(text: string): string {
  try {
    kernelProfile(text);
  } catch (e) {
    if (e instanceof KernelVersionError) throw new UsageError(`--kernel: ${e.message}`, { option: 'kernel', value: text });
    throw e;
  }
  return text;
}

export function choice<T extends string>(option: string, values: readonly T[]): (text: string) => T {
  return (text) => {
    const v = values.find((c) => c === text.trim().toLowerCase());
    if (v === undefined) throw new UsageError(`--${option}: '${text}' is not one of ${values.join(', ')}`, { option, value: text });
    return v;
  };
}

/** A repeatable string flag: each value appended to the list so far. */
export function appendTo(option: string): (text: string, previous: unknown) => string[] {
  return (text, previous) => [...((previous as string[] | undefined) ?? []), nonEmpty(option)(text)];
}

export function nonEmpty(option: string): (text: string) => string {
  return (text) => {
    if (text === '') throw new UsageError(`--${option}: needs a non-empty value`, { option, value: text });
    return text;
  };
}
