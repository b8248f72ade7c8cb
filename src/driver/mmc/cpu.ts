/**
 * The "CPU" the driver runs on: one interrupt line, kernel timers, a work queue and the two ways
 * of waiting the kernel has.
 *
 * - Sleeping waits (`waitFor`: wait_for_completion, msleep, usleep_range) let virtual time pass and
 *   service the interrupt line, expired timers, threaded handlers and queued work while they wait.
 *   With `irqsDisabled` (the panic path: IRQs off, no scheduling) a sleeping wait is a BUG — it
 *   throws `SleepInAtomicError` instead of hanging.
 * - Busy waits (`udelay`/`mdelay`) only advance the clock. Hard IRQs, timers and work run only if
 *   interrupts are enabled: with IRQs off nothing but the polling code itself makes progress.
 *
 * Nothing here touches the device: it sees the board's `clock` and read-only IRQ line.
 */
import type { Board, IrqView } from '../../device/board.js';

type VirtualClock = Board['clock'];

export type IrqReturn = 'none' | 'handled' | 'wake-thread';

export interface IrqAction {
  name: string;
  handler: () => IrqReturn;
  thread?: () => void;
}

/** A kernel timer (timer_list): runs in (soft) interrupt context when its expiry passes. */
export class KernelTimer {
  expires = 0;
  pending = false;
  constructor(
    readonly name: string,
    readonly fn: () => void,
  ) {}
}

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

/**
 * The multi-CPU lock this lock mirrors (src/driver/system SpinLock): when attached, taking this
 * lock also takes the shadow, so a lock held by a stopped CPU throws that model's DeadlockError
 * and every take/release lands in the CPU trace.
 */
export interface ShadowLock {
  readonly name: string;
  readonly owner: number | null;
  lock(): void;
  unlock(): void;
  forceOwner(cpu: number | null): void;
}

/** A spinlock with a named holder, so a test can leave it "held by a stopped CPU". */
export class SpinLock {
  holder: string | null = null;
  /** the system-model lock this one mirrors (see ShadowLock) */
  shadow: ShadowLock | null = null;
  private depth = 0;
  constructor(readonly name: string) {}
  /** spin_lock(): taking a lock someone else holds on a single running CPU never returns → HangError. */
  lock(owner: string): void {
    if (this.holder !== null && this.holder !== owner) throw new HangError(`spin_lock(${this.name}) held by ${this.holder}`);
    if (this.shadow && this.depth === 0) this.shadow.lock();
    this.depth++;
    this.holder = owner;
  }
  tryLock(owner: string): boolean {
    if (this.holder !== null && this.holder !== owner) return false;
    if (this.shadow && this.depth === 0 && this.shadow.owner !== null) return false;
    if (this.shadow && this.depth === 0) this.shadow.lock();
    this.depth++;
    this.holder = owner;
    return true;
  }
  unlock(): void {
    if (this.shadow && this.depth === 1 && this.shadow.owner !== null) this.shadow.unlock();
    this.depth = Math.max(0, this.depth - 1);
    if (this.depth === 0) this.holder = null;
  }
  /** spin_lock_init(): forget any holder (the panic path's re-initialisation, spec §6 Q5). */
  reinit(): void {
    this.holder = null;
    this.depth = 0;
    this.shadow?.forceOwner(null);
  }
}

export interface CpuOptions {
  clock: VirtualClock;
  irq: IrqView;
  /** upper bound of any single sleeping wait, in virtual ns (default 120 s) */
  waitLimitNs?: number;
}

/** No timer due (service() builds no list then). */
const NO_TIMERS: readonly KernelTimer[] = [];

export class Cpu {
  readonly clock: VirtualClock;
  readonly irq: IrqView;
  private ownIrqsOff = false;
  /**
   * The system model's view of this CPU's IRQ mask (System.cpus): when it says "off" (panic(),
   * die()), this CPU is off too, whatever the driver's own save/restore pairs say.
   */
  externalIrqsOff: (() => boolean) | null = null;
  /** local_irq_disable(): no hard IRQs, no timers, no threads, no work; sleeping is a BUG */
  get irqsDisabled(): boolean {
    return this.ownIrqsOff || (this.externalIrqsOff?.() ?? false);
  }
  set irqsDisabled(v: boolean) {
    this.ownIrqsOff = v;
  }
  /** sleeping waits attempted with IRQs off (each also threw SleepInAtomicError) */
  readonly atomicSleeps: string[] = [];
  /** name of the running context ("cpu0") — lock owner */
  readonly name = 'cpu0';
  private actions: IrqAction[] = [];
  private timers: KernelTimer[] = [];
  private threadsToWake = new Set<IrqAction>();
  private work: (() => void)[] = [];
  private depth = 0;
  private unhandled = 0;
  /** counters for tests */
  readonly stats = { hardIrqs: 0, spurious: 0, timersFired: 0, workRun: 0 };
  private readonly waitLimitNs: number;

  constructor(o: CpuOptions) {
    this.clock = o.clock;
    this.irq = o.irq;
    this.waitLimitNs = o.waitLimitNs ?? 120e9;
  }

  get now(): number {
    return this.clock.now;
  }

  /** request_threaded_irq() */
  requestIrq(action: IrqAction): void {
    this.actions.push(action);
  }

  freeIrq(name: string): void {
    this.actions = this.actions.filter((a) => a.name !== name);
  }

  /** mod_timer(): (re)arm at absolute virtual time `expiresNs`. */
  modTimer(t: KernelTimer, expiresNs: number): void {
    t.expires = expiresNs;
    if (!t.pending) {
      t.pending = true;
      this.timers.push(t);
    }
  }

  /** del_timer() */
  delTimer(t: KernelTimer): void {
    if (!t.pending) return;
    t.pending = false;
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
  }

  private anyTimerDue(): boolean {
    const now = this.clock.now;
    for (const t of this.timers) if (t.expires <= now) return true;
    return false;
  }

  /** queue_work() on the system workqueue */
  queueWork(fn: () => void): void {
    this.work.push(fn);
  }

  /** Runs whatever interrupt-context and process-context work is due (only with IRQs enabled). */
  service(): void {
    if (this.irqsDisabled || this.depth > 8) return;
    this.depth++;
    try {
      for (let round = 0; round < 10_000; round++) {
        let did = false;
        if (this.irq.level) {
          did = true;
          this.stats.hardIrqs++;
          let handled = false;
          // hard IRQ context: interrupts stay off while the handlers run
          this.irqsDisabled = true;
          try {
            for (const a of this.actions) {
              const r = a.handler();
              if (r !== 'none') handled = true;
              if (r === 'wake-thread' && a.thread) this.threadsToWake.add(a);
            }
          } finally {
            this.irqsDisabled = false;
          }
          if (!handled) {
            this.stats.spurious++;
            // note_interrupt(): "irq N: nobody cared" — the line is disabled
            if (++this.unhandled > 100_000) throw new HangError('irq: nobody cared (line stuck high)');
            if (this.irq.level) break;
          } else this.unhandled = 0;
        }
        // (most rounds have no timer due: no list is built for them)
        const due = this.anyTimerDue() ? this.timers.filter((t) => t.expires <= this.clock.now) : NO_TIMERS;
        for (const t of due) {
          this.delTimer(t);
          this.stats.timersFired++;
          t.fn();
          did = true;
        }
        if (this.threadsToWake.size > 0) {
          const list = [...this.threadsToWake];
          this.threadsToWake.clear();
          for (const a of list) a.thread!();
          did = true;
        }
        if (this.work.length > 0) {
          const w = this.work.shift()!;
          this.stats.workRun++;
          w();
          did = true;
        }
        if (!did) break;
      }
    } finally {
      this.depth--;
    }
  }

  /**
   * Sleep until `cond()` holds: let time pass to the next device event or timer expiry, servicing
   * interrupts. Throws SleepInAtomicError with IRQs off, HangError if nothing can ever wake us.
   */
  waitFor(cond: () => boolean, what = 'wait', limitNs = this.waitLimitNs): void {
    if (this.irqsDisabled) {
      this.atomicSleeps.push(what);
      throw new SleepInAtomicError(what);
    }
    const end = this.clock.now + limitNs;
    for (;;) {
      this.service();
      if (cond()) return;
      const nextDev = this.clock.nextDue();
      const nextTimer = this.timers.reduce((m, t) => Math.min(m, t.expires), Infinity);
      const next = Math.min(nextDev ?? Infinity, nextTimer);
      if (next === Infinity) throw new HangError(`${what}: nothing pending that could wake the waiter`);
      if (next > end) throw new HangError(`${what}: not done after ${limitNs / 1e9} s of virtual time`);
      this.clock.runUntil(Math.max(next, this.clock.now));
    }
  }

  /** msleep()/usleep_range(): sleep for `ns` (services IRQs, timers and work meanwhile). */
  sleep(ns: number, what = 'msleep'): void {
    if (this.irqsDisabled) {
      this.atomicSleeps.push(what);
      throw new SleepInAtomicError(what);
    }
    const until = this.clock.now + ns;
    for (;;) {
      this.service();
      if (this.clock.now >= until) return;
      const nextTimer = this.timers.reduce((m, t) => Math.min(m, t.expires), Infinity);
      const next = Math.min(this.clock.nextDue() ?? Infinity, nextTimer, until);
      this.clock.runUntil(Math.max(next, this.clock.now));
    }
  }

  /** udelay()/ndelay(): busy-wait; device time passes, the CPU services interrupts only if enabled. */
  udelay(us: number): void {
    this.clock.advance(us * 1000);
    this.service();
  }

  mdelay(ms: number): void {
    this.udelay(ms * 1000);
  }

  /** local_irq_save() */
  localIrqDisable(): boolean {
    const was = this.ownIrqsOff;
    this.ownIrqsOff = true;
    return was;
  }

  localIrqRestore(wasDisabled: boolean): void {
    this.ownIrqsOff = wasDisabled;
    if (!wasDisabled) this.service();
  }
}
