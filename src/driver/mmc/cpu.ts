/**
 * What the driver's code sees of the CPU it runs on: one interrupt line, kernel timers, a work
 * queue and the two ways of waiting the kernel has. The CPU itself (IRQ mask, hardirq nesting,
 * preempt count, stop state), its spinlocks and the time are the one kernel execution model of
 * driver/system (CpuSet, locks.ts, clock.ts): this class keeps no copy of any of them.
 *
 * - Sleeping waits (`waitFor`: wait_for_completion, msleep, usleep_range) let virtual time pass and
 *   service the interrupt line, expired timers, threaded handlers and queued work while they wait.
 *   With IRQs off (the panic path: no scheduling) a sleeping wait is a BUG — it throws
 *   `SleepInAtomicError` (CpuSet.scheduleCheck) instead of hanging.
 * - Busy waits (`udelay`/`mdelay`) only advance the clock. Hard IRQs, timers and work run only if
 *   interrupts are enabled: with IRQs off nothing but the polling code itself makes progress.
 *
 * Nothing here touches the device: it sees the board's `clock` and read-only IRQ line.
 */
import type { Board, IrqView } from '../../device/board.js';
import { CpuSet } from '../system/cpu.js';
import { SpinLock } from '../system/locks.js';
import { HangError, SleepInAtomicError } from '../system/wait-errors.js';

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

export { HangError, SleepInAtomicError, SpinLock };

export interface CpuOptions {
  clock: VirtualClock;
  irq: IrqView;
  /**
   * The kernel's CPUs on the same clock (System.cpus on a board); the driver runs on the current
   * one. Default: a one-CPU set of its own.
   */
  cpus?: CpuSet;
  /** upper bound of any single sleeping wait, in virtual ns (default 120 s) */
  waitLimitNs?: number;
}

/** Upper bound of a single sleeping wait: 120 s of virtual time. */
const DEFAULT_WAIT_LIMIT_NS = 120e9;

/** No timer due (service() builds no list then). */
const NO_TIMERS: readonly KernelTimer[] = [];

export class Cpu {
  readonly clock: VirtualClock;
  readonly irq: IrqView;
  /** The one execution model: IRQ mask, preempt count, locks and time live there. */
  readonly cpus: CpuSet;
  private actions: IrqAction[] = [];
  private timers: KernelTimer[] = [];
  /** IRQ threads to run, each once (an array swapped with a spare: no list built per interrupt) */
  private threadsToWake: IrqAction[] = [];
  private threadsRunning: IrqAction[] = [];
  private work: (() => void)[] = [];
  private depth = 0;
  private unhandled = 0;
  /** counters for tests */
  readonly stats = { hardIrqs: 0, spurious: 0, timersFired: 0, workRun: 0 };
  private readonly waitLimitNs: number;

  constructor(o: CpuOptions) {
    this.clock = o.clock;
    this.irq = o.irq;
    // a set of its own is read by nobody: it keeps no event trace (CpuSetOptions.recordEvents)
    this.cpus = o.cpus ?? new CpuSet({ nrCpus: 1, clock: o.clock, recordEvents: false });
    if (this.cpus.clock !== o.clock) throw new Error('Cpu: the CPU set must run on the board clock (one virtual time)');
    this.waitLimitNs = o.waitLimitNs ?? DEFAULT_WAIT_LIMIT_NS;
  }

  /** Virtual ns since boot (the board clock, through the CPU set). */
  get now(): number {
    return this.cpus.now();
  }

  /** irqs_disabled() of the CPU the driver runs on: no hard IRQs, timers, threads or work; sleeping is a BUG. */
  get irqsDisabled(): boolean {
    return this.cpus.irqsDisabled();
  }

  /** The running CPU's name ("cpu0"), for messages. */
  get name(): string {
    return `cpu${this.cpus.current}`;
  }

  /** Sleeping waits attempted with IRQs off (each also threw SleepInAtomicError). */
  get atomicSleeps(): string[] {
    return this.cpus.atomicSleeps;
  }

  /** spin_lock_init(): a spinlock of this CPU set, owned by whichever CPU takes it. */
  spinLock(name: string): SpinLock {
    return this.cpus.spinLock(name);
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
    // indexed loops here and in service(): they run several times per request (no iterator objects)
    const timers = this.timers;
    for (let i = 0; i < timers.length; i++) if (timers[i]!.expires <= now) return true;
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
          // hard IRQ context (irq_enter): interrupts stay off while the handlers run
          const flags = this.cpus.irqEnter();
          try {
            const actions = this.actions;
            for (let i = 0; i < actions.length; i++) {
              const a = actions[i]!;
              const r = a.handler();
              if (r !== 'none') handled = true;
              if (r === 'wake-thread' && a.thread && !this.threadsToWake.includes(a)) this.threadsToWake.push(a);
            }
          } finally {
            this.cpus.irqExit(flags);
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
        for (let i = 0; i < due.length; i++) {
          const t = due[i]!;
          this.delTimer(t);
          this.stats.timersFired++;
          t.fn();
          did = true;
        }
        if (this.threadsToWake.length > 0) {
          // the threads woken so far run now; a thread woken meanwhile runs next round
          const list = this.threadsToWake;
          this.threadsToWake = this.threadsRunning.length === 0 ? this.threadsRunning : [];
          this.threadsRunning = list;
          for (let i = 0; i < list.length; i++) list[i]!.thread!();
          list.length = 0;
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
    this.cpus.scheduleCheck(what);
    const end = this.clock.now + limitNs;
    for (;;) {
      this.service();
      if (cond()) return;
      const nextDev = this.clock.nextDue();
      const next = Math.min(nextDev ?? Infinity, this.nextTimerExpiry());
      if (next === Infinity) throw new HangError(`${what}: nothing pending that could wake the waiter`);
      if (next > end) throw new HangError(`${what}: not done after ${limitNs / 1e9} s of virtual time`);
      this.clock.runUntil(Math.max(next, this.clock.now));
    }
  }

  /** The earliest pending timer's expiry (Infinity: none). */
  private nextTimerExpiry(): number {
    let m = Infinity;
    const timers = this.timers;
    for (let i = 0; i < timers.length; i++) if (timers[i]!.expires < m) m = timers[i]!.expires;
    return m;
  }

  /** msleep()/usleep_range(): sleep for `ns` (services IRQs, timers and work meanwhile). */
  sleep(ns: number, what = 'msleep'): void {
    this.cpus.scheduleCheck(what);
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

  /** local_irq_save() on the running CPU: returns whether IRQs were already off. */
  localIrqDisable(): boolean {
    return this.cpus.localIrqSave();
  }

  /** local_irq_restore(): with IRQs back on, what became due meanwhile runs now. */
  localIrqRestore(wasDisabled: boolean): void {
    this.cpus.localIrqRestore(wasDisabled);
    if (!this.cpus.irqsDisabled()) this.service();
  }
}
