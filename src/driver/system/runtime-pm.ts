/**
 * Runtime PM per device (drivers/base/power/runtime.c), small: status,
 * usage count, get/put, autosuspend after the last busy mark. Timers only
 * fire when the owner calls runTimers(), so in a panic (no timers) a device
 * stays as it was: what H3/H4 need.
 */
import type { CpuSet } from './cpu.js';

import { EAGAIN } from '../../lib/errno.js';

/** EINPROGRESS (not in the errno table; EAGAIN is). */
export const EINPROGRESS = 115;
export { EAGAIN };

const NSEC_PER_MSEC = 1_000_000;

export type RpmStatus = 'active' | 'resuming' | 'suspended' | 'suspending';

export interface RpmCallbacks {
  /** ->runtime_suspend(): 0 or -errno (the device then stays active). */
  suspend?: () => number;
  /** ->runtime_resume(): 0 or -errno (the device then stays suspended). */
  resume?: () => number;
}

export interface RpmDeviceOptions extends RpmCallbacks {
  /** Initial status (default active). */
  status?: RpmStatus;
  /** pm_runtime_set_autosuspend_delay() in ms; with use_autosuspend. The card uses 3000. */
  autosuspendDelayMs?: number;
  /** pm_runtime_irq_safe(): callbacks may run with IRQs off. */
  irqSafe?: boolean;
}

export class RuntimePmDevice {
  status: RpmStatus;
  usageCount = 0;
  autosuspendDelayMs: number | undefined;
  irqSafe: boolean;
  /** Virtual ns of the last pm_runtime_mark_last_busy(). */
  lastBusy = 0;
  /** power.runtime_error of the last failed callback. */
  runtimeError = 0;
  /** When the autosuspend timer fires, if armed. */
  suspendTimerAt: number | null = null;
  readonly history: { t: number; status: RpmStatus; why: string }[] = [];
  private readonly callbacks: RpmCallbacks;

  constructor(
    readonly name: string,
    private readonly clock: () => number,
    options: RpmDeviceOptions = {},
    private readonly cpus?: CpuSet,
  ) {
    this.status = options.status ?? 'active';
    this.autosuspendDelayMs = options.autosuspendDelayMs;
    this.irqSafe = options.irqSafe ?? false;
    this.callbacks = { ...(options.suspend ? { suspend: options.suspend } : {}), ...(options.resume ? { resume: options.resume } : {}) };
  }

  get suspended(): boolean {
    return this.status === 'suspended';
  }

  private set(status: RpmStatus, why: string): void {
    this.status = status;
    this.history.push({ t: this.clock(), status, why });
  }

  /** Scenario setup: put the device in `status` directly (e.g. "card slept after 3 s idle"). */
  setStatus(status: RpmStatus, why = 'scenario'): void {
    this.suspendTimerAt = null;
    this.set(status, why);
  }

  /**
   * pm_runtime_get_sync(): usage + 1 and resume. 1 if it was already
   * active, 0 after a resume, -errno if the resume failed, -EINPROGRESS if
   * another context is mid-transition (it would wait for that context).
   */
  getSync(): number {
    this.usageCount++;
    this.suspendTimerAt = null;
    return this.resume();
  }

  /** pm_runtime_resume_and_get(): like getSync, but drops the reference again on failure and returns 0 on success. */
  resumeAndGet(): number {
    const ret = this.getSync();
    if (ret < 0) {
      this.usageCount--;
      return ret;
    }
    return 0;
  }

  /** pm_runtime_get_noresume(). */
  getNoResume(): void {
    this.usageCount++;
  }

  /** pm_runtime_put_noidle(). */
  putNoIdle(): void {
    if (this.usageCount > 0) this.usageCount--;
  }

  /** pm_runtime_put_sync(): at zero the device suspends now (no autosuspend). */
  putSync(): number {
    this.putNoIdle();
    return this.usageCount === 0 ? this.suspend('put') : 0;
  }

  /** pm_runtime_mark_last_busy(). */
  markLastBusy(): void {
    this.lastBusy = this.clock();
  }

  /** pm_runtime_put_autosuspend(): at zero the suspend timer is armed for last_busy + delay. */
  putAutosuspend(): void {
    this.putNoIdle();
    if (this.usageCount === 0 && this.status === 'active') {
      const delay = Math.max(0, this.autosuspendDelayMs ?? 0) * NSEC_PER_MSEC;
      this.suspendTimerAt = this.lastBusy + delay;
    }
  }

  /** The autosuspend timer, if it is due and nothing took a reference since. */
  runTimers(): void {
    if (this.suspendTimerAt !== null && this.clock() >= this.suspendTimerAt) {
      this.suspendTimerAt = null;
      if (this.usageCount === 0) this.suspend('autosuspend');
    }
  }

  /** rpm_resume(). */
  resume(): number {
    switch (this.status) {
      case 'active':
        return 1;
      case 'resuming':
      case 'suspending':
        // A concurrent transition: the caller would sleep until it ends.
        this.cpus?.mightSleep(`rpm_resume(${this.name})`);
        return -EINPROGRESS;
      case 'suspended': {
        if (!this.irqSafe) this.cpus?.mightSleep(`rpm_resume(${this.name})`);
        this.set('resuming', 'resume');
        const ret = this.callbacks.resume?.() ?? 0;
        if (ret < 0) {
          this.runtimeError = ret;
          this.set('suspended', `resume failed (${ret})`);
          return ret;
        }
        this.set('active', 'resumed');
        return 0;
      }
    }
  }

  /** rpm_suspend(). */
  suspend(why = 'suspend'): number {
    if (this.status === 'suspended') return 1;
    if (this.status !== 'active') return -EINPROGRESS;
    if (this.usageCount > 0) return -EAGAIN;
    this.set('suspending', why);
    const ret = this.callbacks.suspend?.() ?? 0;
    if (ret < 0) {
      this.runtimeError = ret;
      this.set('active', `suspend failed (${ret})`);
      return ret;
    }
    this.set('suspended', why);
    return 0;
  }
}

/** The devices of one system, by name. */
export class RuntimePm {
  readonly devices = new Map<string, RuntimePmDevice>();

  constructor(
    private readonly clock: () => number,
    private readonly cpus?: CpuSet,
  ) {}

  /** pm_runtime_enable() for a new device (or the existing one of that name). */
  device(name: string, options: RpmDeviceOptions = {}): RuntimePmDevice {
    let d = this.devices.get(name);
    if (!d) {
      d = new RuntimePmDevice(name, this.clock, options, this.cpus);
      this.devices.set(name, d);
    }
    return d;
  }

  /** Let due autosuspend timers fire (normal operation only; timers never run in panic). */
  runTimers(): void {
    for (const d of this.devices.values()) d.runTimers();
  }
}
