/**
 * The wall clock of commands that write records (panic, oops): record times
 * must be reproducible, so SOURCE_DATE_EPOCH (reproducible-builds.org: whole
 * seconds since the epoch) wins over the real clock when it is set.
 */
import { UsageError } from './errors.js';

export interface WallTime {
  sec: bigint;
  nsec: bigint;
}

/** SOURCE_DATE_EPOCH if set (nanoseconds 0), else the real clock. */
export function now(env: Readonly<Record<string, string | undefined>> = process.env, clock: () => number = Date.now): WallTime {
  const sde = env['SOURCE_DATE_EPOCH'];
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde.trim())) throw new UsageError(`SOURCE_DATE_EPOCH: '${sde}' is not a whole number of seconds`);
    return { sec: BigInt(sde.trim()), nsec: 0n };
  }
  const ms = clock();
  const sec = Math.floor(ms / 1000);
  return { sec: BigInt(sec), nsec: BigInt(Math.round((ms - sec * 1000) * 1e6)) };
}
