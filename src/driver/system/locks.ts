/**
 * Spinlocks and mutexes of the panic-path CPU model. Each records its owner CPU, so a lock()
 * that would spin forever on a stopped owner (or on itself, or sleep with IRQs off) is thrown
 * as a DeadlockError instead of hanging the process, and one held by a running CPU as a
 * LockContendedError (the sequential model cannot run the owner meanwhile).
 */
import type { Cpu, CpuEventKind } from './cpu-state.js';

/** Why a lock can never be taken. */
export type DeadlockKind = 'stopped-owner' | 'recursive' | 'sleep-in-atomic';

/**
 * lock() would never return: the owner is a stopped CPU (it will never
 * unlock), the caller already holds it, or a contended mutex would sleep
 * with IRQs off. In the kernel the CPU hangs until a watchdog resets it.
 */
export class DeadlockError extends Error {
  override readonly name = 'DeadlockError';
  constructor(
    readonly lock: string,
    readonly owner: number,
    readonly cpu: number,
    readonly kind: DeadlockKind,
    readonly ownerActivity?: string,
  ) {
    super(
      kind === 'stopped-owner'
        ? `deadlock: CPU${cpu} spins on ${lock}, held by stopped CPU${owner}${ownerActivity ? ` (${ownerActivity})` : ''}`
        : kind === 'recursive'
          ? `deadlock: CPU${cpu} takes ${lock}, which it already holds`
          : `deadlock: CPU${cpu} would sleep on ${lock} (held by CPU${owner}) with interrupts off`,
    );
  }
}

/**
 * lock() found the owner still running on another CPU. A real CPU would
 * spin until it unlocks; the sequential model cannot run the owner
 * meanwhile, so the scenario must release the lock on the owner first.
 */
export class LockContendedError extends Error {
  override readonly name = 'LockContendedError';
  constructor(
    readonly lock: string,
    readonly owner: number,
    readonly cpu: number,
  ) {
    super(`${lock} is held by running CPU${owner}; CPU${cpu} would spin until it is released`);
  }
}

/** unlock() of a lock the current CPU does not hold. */
export class LockStateError extends Error {
  override readonly name = 'LockStateError';
}

/** What a lock needs of the CPU set it belongs to (CpuSet, cpu.ts). */
export interface LockDomain {
  readonly cpus: readonly Cpu[];
  readonly current: number;
  event(kind: CpuEventKind, extra?: { lock?: string; detail?: string; cpu?: number }): void;
  /** whether events are recorded (false: a lock skips building its event's details) */
  readonly recording: boolean;
  /** Registers the lock, so the set can report what stopped CPUs hold. */
  track(lock: LockBase): void;
  preemptDisable(): void;
  preemptEnable(): void;
  localIrqSave(): boolean;
  localIrqRestore(flags: boolean): void;
  mightSleep(what: string): void;
  inAtomic(): boolean;
}

/** Shared owner bookkeeping of SpinLock and Mutex. */
export abstract class LockBase {
  owner: number | null = null;
  /** How many times it was taken, for tests and traces. */
  acquisitions = 0;

  constructor(
    readonly cpus: LockDomain,
    readonly name: string,
  ) {
    cpus.track(this);
  }

  get locked(): boolean {
    return this.owner !== null;
  }

  /** The owner is a stopped CPU: nobody will ever release it. */
  get ownerStopped(): boolean {
    return this.owner !== null && this.cpus.cpus[this.owner]!.state === 'stopped';
  }

  /**
   * Force the lock to `cpu` without the usual rules: scenario setup ("CPU1
   * was inside sdhci_irq() holding host->lock").
   */
  forceOwner(cpu: number | null): void {
    this.owner = cpu;
    if (cpu !== null) this.cpus.event('lock', { cpu, lock: this.name, detail: 'scenario' });
  }

  protected acquire(): void {
    this.owner = this.cpus.current;
    this.acquisitions++;
    if (this.cpus.recording) this.cpus.event('lock', { lock: this.name }); // (no details object per lock untraced)
  }

  protected blocked(kindIfAtomic?: DeadlockKind): never {
    const cpus = this.cpus;
    const me = cpus.current;
    const owner = this.owner!;
    let err: Error;
    if (owner === me) err = new DeadlockError(this.name, owner, me, 'recursive');
    else if (this.ownerStopped) err = new DeadlockError(this.name, owner, me, 'stopped-owner', cpus.cpus[owner]!.activity);
    else if (kindIfAtomic) err = new DeadlockError(this.name, owner, me, kindIfAtomic);
    else err = new LockContendedError(this.name, owner, me);
    cpus.event(err instanceof DeadlockError ? 'deadlock' : 'trylock-fail', { lock: this.name, detail: err.message });
    throw err;
  }

  /** spin_unlock()/mutex_unlock() by the owner. */
  unlock(): void {
    if (this.owner !== this.cpus.current) {
      throw new LockStateError(
        this.owner === null
          ? `${this.name} unlocked on CPU${this.cpus.current} but not held`
          : `${this.name} unlocked on CPU${this.cpus.current} but held by CPU${this.owner}`,
      );
    }
    this.owner = null;
    if (this.cpus.recording) this.cpus.event('unlock', { lock: this.name });
  }
}

/**
 * spinlock_t / raw_spinlock_t: owned by the CPU that took it, never recursive (taking it again on
 * the owner CPU is the lockdep "recursive locking" deadlock), spinning forever on a stopped owner.
 */
export class SpinLock extends LockBase {
  /**
   * spin_lock(): takes it, or throws what spinning forever would be. The owner is always the
   * running CPU; `_legacyOwner` (a name the driver's old per-host lock took) is ignored.
   */
  lock(_legacyOwner?: string): void {
    if (this.owner !== null) this.blocked();
    this.cpus.preemptDisable();
    this.acquire();
  }

  /** spin_trylock(): never spins. */
  tryLock(): boolean {
    if (this.owner !== null) {
      this.cpus.event('trylock-fail', { lock: this.name, detail: `held by CPU${this.owner}` });
      return false;
    }
    this.cpus.preemptDisable();
    this.acquire();
    return true;
  }

  override unlock(): void {
    super.unlock();
    this.cpus.preemptEnable();
  }

  /** spin_lock_irqsave(): IRQs go off first (and stay off if the lock hangs). */
  lockIrqSave(): boolean {
    const flags = this.cpus.localIrqSave();
    this.lock();
    return flags;
  }

  /** spin_trylock_irqsave(): null when the lock was not taken (IRQs restored). */
  tryLockIrqSave(): boolean | null {
    const flags = this.cpus.localIrqSave();
    if (this.tryLock()) return flags;
    this.cpus.localIrqRestore(flags);
    return null;
  }

  unlockIrqRestore(flags: boolean): void {
    this.unlock();
    this.cpus.localIrqRestore(flags);
  }

  /** spin_lock_init() over a live lock (the panic path's re-initialisation, spec §6 Q5): no owner any more. */
  reinit(): void {
    if (this.owner !== null) this.cpus.event('lock-init', { lock: this.name, detail: `was held by CPU${this.owner}` });
    this.owner = null;
  }

  /** The owner as a name ("cpu1"), or null: what the driver's old per-host lock called its holder. */
  get holder(): string | null {
    return this.owner === null ? null : `cpu${this.owner}`;
  }
}

/** struct mutex: the owner is the task, modelled by the CPU it runs on. */
export class Mutex extends LockBase {
  /**
   * mutex_lock(): might_sleep() first; uncontended it is taken; contended
   * it sleeps, which with IRQs off (panic) never returns.
   */
  lock(): void {
    this.cpus.mightSleep(`mutex_lock(${this.name})`);
    if (this.owner !== null) this.blocked(this.cpus.inAtomic() ? 'sleep-in-atomic' : undefined);
    this.acquire();
  }

  /** mutex_trylock(). */
  tryLock(): boolean {
    if (this.owner !== null) {
      this.cpus.event('trylock-fail', { lock: this.name, detail: `held by CPU${this.owner}` });
      return false;
    }
    this.acquire();
    return true;
  }
}
