/**
 * What a wait that can never end throws instead of hanging the process. Lock waits have their own
 * error (DeadlockError, locks.ts); these are the sleeping and polling waits of the driver's CPU.
 */

/**
 * might_sleep() + schedule() with IRQs off: nothing can ever wake the sleeper (no interrupt, no
 * timer tick), so the kernel would hang after its "BUG: sleeping function called from invalid
 * context" splat.
 */
export class SleepInAtomicError extends Error {
  constructor(what: string) {
    super(`BUG: sleeping function called from invalid context (${what}) with IRQs disabled`);
    this.name = 'SleepInAtomicError';
  }
}

/** A wait that could never end (no device event, no timer pending) or exceeded its virtual-time bound. */
export class HangError extends Error {
  constructor(what: string) {
    super(`hang: ${what}`);
    this.name = 'HangError';
  }
}
