/**
 * A CPU model for the panic path: N CPUs run one at a time (the "current"
 * CPU executes whatever the caller does), each with its IRQ mask, interrupt
 * nesting and preempt count; smp_send_stop() stops the other CPUs wherever
 * they are, locks and all. The set's spinlocks and mutexes (locks.ts) record
 * their owner CPU, so a lock() that would spin forever on a stopped owner is
 * detected and thrown as a DeadlockError instead of hanging the process.
 * Every IRQ, lock and stop event is traced with its virtual time.
 */
import type { KernelClock } from './clock.js';
import type { Cpu, CpuEvent, CpuEventKind, CpuRunState } from './cpu-state.js';
import { LockStateError, Mutex, SpinLock, type LockBase, type LockDomain } from './locks.js';
import { SleepInAtomicError } from './wait-errors.js';

export interface CpuSetOptions {
  nrCpus?: number;
  /** The one virtual time (ns since boot): the device clock on a board. */
  clock: KernelClock;
  /**
   * A CPU with IRQs masked can still be stopped by an NMI (x86; arm64 with
   * pseudo-NMI). Off: such a CPU ignores the stop IPI and smp_send_stop()
   * reports "failed to stop secondary CPUs" after its 1 s wait. Default on.
   */
  stopNmi?: boolean;
  /** Where smp_send_stop() prints (level, text). */
  printk?: (level: number, text: string) => void;
  /**
   * Keep every IRQ, lock and stop event in `trace` (default on). Off for a set nobody reads
   * (the driver's own one-CPU set when no System is given): the data path takes and drops
   * locks and IRQs some hundred times per request, and a trace kept forever grows with it.
   */
  recordEvents?: boolean;
}

export interface StopResult {
  /** CPUs that were stopped by this call. */
  stopped: number[];
  /** CPUs that ignored the stop (IRQs masked, no NMI). */
  failed: number[];
  /** Locks held by stopped CPUs after the call, by name. */
  heldByStopped: { cpu: number; locks: string[] }[];
}

/** Microseconds to nanoseconds. */
const US = 1000;
const SEC = 1_000_000_000;

export class CpuSet implements LockDomain {
  readonly cpus: Cpu[];
  readonly trace: CpuEvent[] = [];
  /** bust_spinlocks(1) raises it; might_sleep() stays quiet while it is set. */
  oopsInProgress = 0;
  /** "BUG: sleeping function called from invalid context" splats, as text. */
  readonly warnings: string[] = [];
  /** Sleeping waits attempted with IRQs off (each also threw SleepInAtomicError). */
  readonly atomicSleeps: string[] = [];
  stopNmi: boolean;
  private cur = 0;
  readonly clock: KernelClock;
  private readonly printkFn: ((level: number, text: string) => void) | undefined;
  private readonly locks = new Set<LockBase>();
  private crashStopped = false;
  private readonly recordEvents: boolean;

  constructor(options: CpuSetOptions) {
    const n = options.nrCpus ?? 4;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`nr_cpus must be a positive integer, not ${n}`);
    this.cpus = Array.from({ length: n }, (_, id) => ({
      id,
      state: 'running' as CpuRunState,
      irqsDisabled: false,
      hardirq: 0,
      softirq: 0,
      nmi: 0,
      preemptCount: 0,
      stopPending: false,
    }));
    this.clock = options.clock;
    this.printkFn = options.printk;
    this.stopNmi = options.stopNmi ?? true;
    this.recordEvents = options.recordEvents ?? true;
  }

  get nrCpus(): number {
    return this.cpus.length;
  }

  /** smp_processor_id(). */
  get current(): number {
    return this.cur;
  }

  get cpu(): Cpu {
    return this.cpus[this.cur]!;
  }

  /** Virtual ns since boot, read from the one clock. */
  now(): number {
    return this.clock.now;
  }

  /** udelay()/mdelay(): time passes, nothing else runs on this CPU. */
  delay(ns: number): void {
    if (ns > 0) this.clock.advance(ns);
  }

  /** Events are recorded (callers on hot paths skip building an event's details when not). */
  get recording(): boolean {
    return this.recordEvents;
  }

  event(kind: CpuEventKind, extra?: { lock?: string; detail?: string; cpu?: number }): void {
    if (!this.recordEvents) return;
    const e: CpuEvent = { t: this.clock.now, cpu: extra?.cpu ?? this.cur, kind };
    if (extra?.lock !== undefined) e.lock = extra.lock;
    if (extra?.detail !== undefined) e.detail = extra.detail;
    this.trace.push(e);
  }

  /** Makes `cpu` the one executing from now on. A stopped CPU executes nothing. */
  switchTo(cpu: number): void {
    const c = this.cpus[cpu];
    if (!c) throw new RangeError(`no CPU${cpu} (nr_cpus ${this.cpus.length})`);
    if (c.state === 'stopped') throw new Error(`CPU${cpu} is stopped and runs nothing`);
    if (cpu !== this.cur) {
      this.cur = cpu;
      this.event('switch');
    }
  }

  /** Runs `fn` on `cpu`, then returns to the CPU that was current (unless that one stopped). */
  runOn<T>(cpu: number, fn: () => T, activity?: string): T {
    const prev = this.cur;
    this.switchTo(cpu);
    if (activity !== undefined) this.cpus[cpu]!.activity = activity;
    try {
      return fn();
    } finally {
      if (this.cpus[prev]!.state === 'running') this.switchTo(prev);
    }
  }

  // ---------------------------------------------------------------- IRQs

  /** local_irq_disable(). */
  localIrqDisable(): void {
    if (!this.cpu.irqsDisabled) this.event('irq-disable');
    this.cpu.irqsDisabled = true;
  }

  /** local_irq_enable(): a pending stop IPI is taken here. */
  localIrqEnable(): void {
    const c = this.cpu;
    if (c.irqsDisabled) this.event('irq-enable');
    c.irqsDisabled = false;
    if (c.stopPending) this.stopCpu(c, 'stop IPI taken when interrupts were enabled');
  }

  /** local_irq_save(): returns the previous state (true = were disabled). */
  localIrqSave(): boolean {
    const was = this.cpu.irqsDisabled;
    this.localIrqDisable();
    return was;
  }

  /** local_irq_restore(flags). */
  localIrqRestore(flags: boolean): void {
    if (flags) this.localIrqDisable();
    else this.localIrqEnable();
  }

  /** irqs_disabled(). */
  irqsDisabled(): boolean {
    return this.cpu.irqsDisabled;
  }

  /** irq_enter(): hardirq context, IRQs masked by the exception entry. */
  irqEnter(): boolean {
    const flags = this.localIrqSave();
    this.cpu.hardirq++;
    this.event('irq-enter');
    return flags;
  }

  irqExit(flags: boolean): void {
    if (this.cpu.hardirq <= 0) throw new LockStateError(`irq_exit() on CPU${this.cur} outside an interrupt`);
    this.cpu.hardirq--;
    this.event('irq-exit');
    this.localIrqRestore(flags);
  }

  nmiEnter(): void {
    this.cpu.nmi++;
    this.event('nmi-enter');
  }

  nmiExit(): void {
    if (this.cpu.nmi <= 0) throw new LockStateError(`nmi_exit() on CPU${this.cur} outside an NMI`);
    this.cpu.nmi--;
    this.event('nmi-exit');
  }

  /** in_interrupt(): hardirq, softirq or NMI. */
  inInterrupt(): boolean {
    const c = this.cpu;
    return c.hardirq > 0 || c.softirq > 0 || c.nmi > 0;
  }

  inNmi(): boolean {
    return this.cpu.nmi > 0;
  }

  preemptDisable(): void {
    this.cpu.preemptCount++;
  }

  preemptEnable(): void {
    if (this.cpu.preemptCount > 0) this.cpu.preemptCount--;
  }

  /** !preemptible(): sleeping here is a bug. */
  inAtomic(): boolean {
    const c = this.cpu;
    return c.irqsDisabled || c.preemptCount > 0 || this.inInterrupt();
  }

  // ---------------------------------------------------------------- stopping

  /**
   * smp_send_stop() (arm64 shape): a stop IPI to every other running CPU.
   * CPUs with IRQs enabled stop at once, wherever they are, keeping every
   * lock they hold. CPUs with IRQs masked cost the 1 s wait; then an NMI
   * stops them (stopNmi) or they are reported as not stopped.
   */
  smpSendStop(): StopResult {
    return this.stopOthers('SMP: stopping secondary CPUs');
  }

  /** crash_smp_send_stop(): the same, once per boot (a second call does nothing). */
  crashSmpSendStop(): StopResult {
    if (this.crashStopped) return { stopped: [], failed: [], heldByStopped: this.heldByStopped() };
    this.crashStopped = true;
    return this.stopOthers('SMP: stopping secondary CPUs');
  }

  /** panic_smp_self_stop(): the current CPU parks itself (another CPU owns the panic). */
  selfStop(why = 'panic_smp_self_stop'): void {
    this.stopCpu(this.cpu, why);
  }

  private stopOthers(message: string): StopResult {
    const others = this.cpus.filter((c) => c.id !== this.cur && c.state === 'running');
    const result: StopResult = { stopped: [], failed: [], heldByStopped: [] };
    if (others.length) {
      this.printkFn?.(2, message);
      for (const c of others) this.event('stop-ipi', { cpu: c.id });
      this.delay(2 * US);
      for (const c of others) {
        if (!c.irqsDisabled) {
          this.stopCpu(c, 'stop IPI');
          result.stopped.push(c.id);
        }
      }
      const masked = others.filter((c) => c.state === 'running');
      if (masked.length) {
        // Wait up to one second for the others to stop.
        this.delay(SEC);
        for (const c of masked) {
          if (this.stopNmi) {
            this.stopCpu(c, 'stop NMI');
            result.stopped.push(c.id);
          } else {
            c.stopPending = true;
            result.failed.push(c.id);
            this.event('stop-failed', { cpu: c.id });
          }
        }
        if (this.stopNmi) this.delay(10 * US);
        if (result.failed.length) this.printkFn?.(4, `SMP: failed to stop secondary CPUs ${cpuList(result.failed)}`);
      }
    }
    result.heldByStopped = this.heldByStopped();
    return result;
  }

  private stopCpu(c: Cpu, why: string): void {
    c.state = 'stopped';
    c.stopPending = false;
    c.irqsDisabled = true;
    c.stoppedAt = this.clock.now;
    const held = this.locksHeldBy(c.id).map((l) => l.name);
    this.event('stopped', { cpu: c.id, detail: held.length ? `${why}; holds ${held.join(', ')}` : why });
  }

  /** Online (running) CPUs other than the current one. */
  otherRunning(): number[] {
    return this.cpus.filter((c) => c.id !== this.cur && c.state === 'running').map((c) => c.id);
  }

  // ---------------------------------------------------------------- locks

  /** A spinlock (or raw_spinlock) known to this CPU set. */
  spinLock(name: string): SpinLock {
    return new SpinLock(this, name);
  }

  mutex(name: string): Mutex {
    return new Mutex(this, name);
  }

  /** @internal */
  track(lock: LockBase): void {
    this.locks.add(lock);
  }

  locksHeldBy(cpu: number): LockBase[] {
    return [...this.locks].filter((l) => l.owner === cpu);
  }

  heldByStopped(): { cpu: number; locks: string[] }[] {
    return this.cpus
      .filter((c) => c.state === 'stopped')
      .map((c) => ({ cpu: c.id, locks: this.locksHeldBy(c.id).map((l) => l.name) }))
      .filter((e) => e.locks.length > 0);
  }

  /** might_sleep(): a splat when sleeping is not allowed, unless an oops is in progress. */
  mightSleep(what: string): void {
    if (this.inAtomic() && this.oopsInProgress === 0) {
      const c = this.cpu;
      const text = `BUG: sleeping function called from invalid context (${what}): in_atomic(): ${c.preemptCount > 0 ? 1 : 0}, irqs_disabled(): ${c.irqsDisabled ? 1 : 0}`;
      this.warnings.push(text);
      this.event('might-sleep', { detail: what });
    }
  }

  /**
   * A sleeping wait (wait_for_completion, msleep, a contended mutex) about to schedule():
   * might_sleep() first; with IRQs off no interrupt or tick can ever wake the sleeper, so the
   * wait is a hang, thrown as SleepInAtomicError (and listed in atomicSleeps).
   */
  scheduleCheck(what: string): void {
    this.mightSleep(what);
    if (this.cpu.irqsDisabled) {
      this.atomicSleeps.push(what);
      throw new SleepInAtomicError(what);
    }
  }
}

/** `1-3,5` as %*pbl prints a CPU mask. */
export function cpuList(ids: number[]): string {
  const s = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}
