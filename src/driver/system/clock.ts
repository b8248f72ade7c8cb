/**
 * The one virtual time of the kernel model: integer nanoseconds since boot, as a plain number.
 * On a board it is the device clock itself (src/device/clock.ts VirtualClock has this shape), so
 * the CPUs, printk stamps, runtime PM, panic phases and the controller all read one time; a
 * System without a board runs on a ManualClock.
 */

/** What the kernel model needs of a clock: read it, and let time pass (busy-wait, printk cost). */
export interface KernelClock {
  /** Virtual ns since boot. */
  readonly now: number;
  /** Moves time on by `ns` (the device clock also runs whatever falls due). */
  advance(ns: number): unknown;
}

/** A clock that only moves when told (a System without a board, tests). */
export class ManualClock implements KernelClock {
  constructor(private t = 0) {}
  get now(): number {
    return this.t;
  }
  advance(ns: number): void {
    if (ns > 0) this.t += ns;
  }
  /** Moves to `t` if that is later. */
  advanceTo(t: number): void {
    if (t > this.t) this.t = t;
  }
}

/** A printk record's u64 ts_nsec, from the clock's number (records keep bigint: the format's type). */
export function tsNsecOf(ns: number): bigint {
  return BigInt(Math.round(ns));
}
