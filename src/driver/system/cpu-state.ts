/**
 * One CPU of the panic-path CPU model (cpu.ts): its run state, IRQ mask, interrupt nesting and
 * preempt count, and the events the model traces with their virtual time.
 */

export type CpuRunState = 'running' | 'stopped';

export interface Cpu {
  readonly id: number;
  state: CpuRunState;
  /** PSTATE.DAIF I bit / EFLAGS.IF clear. */
  irqsDisabled: boolean;
  /** hardirq nesting (irq_enter/irq_exit). */
  hardirq: number;
  softirq: number;
  nmi: number;
  /** preempt_count's preemption part (spin_lock raises it). */
  preemptCount: number;
  /** A stop IPI is pending while IRQs are masked (no NMI fallback). */
  stopPending: boolean;
  /** Virtual time the CPU stopped. */
  stoppedAt?: number;
  /** What the scenario says the CPU was doing (shown in traces and errors). */
  activity?: string;
}

export type CpuEventKind =
  | 'irq-disable'
  | 'irq-enable'
  | 'irq-enter'
  | 'irq-exit'
  | 'nmi-enter'
  | 'nmi-exit'
  | 'switch'
  | 'lock'
  | 'unlock'
  /** spin_lock_init() over a live lock (the panic path's re-initialisation) */
  | 'lock-init'
  | 'trylock-fail'
  | 'stop-ipi'
  | 'stopped'
  | 'stop-failed'
  | 'deadlock'
  | 'might-sleep';

export interface CpuEvent {
  /** Virtual ns since boot. */
  t: number;
  cpu: number;
  kind: CpuEventKind;
  lock?: string;
  detail?: string;
}
