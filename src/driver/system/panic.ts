/**
 * kernel/panic.c (vpanic) and arm64 die()/oops_exit(), in kernel order, over
 * the printk ring, the CPU model and the kmsg dumpers:
 *
 *   panic(): local_irq_disable, preempt_disable, panic_cpu (a second CPU
 *   parks itself), console_verbose, bust_spinlocks(1), "Kernel panic - not
 *   syncing: ..." and dump_stack() (not when an oops already printed one),
 *   __crash_kexec() unless crash_kexec_post_notifiers, smp_send_stop() (or
 *   crash_smp_send_stop() with post notifiers), the panic notifier chain,
 *   kmsg_dump_desc(KMSG_DUMP_PANIC), __crash_kexec() with post notifiers,
 *   console flush, "Rebooting in N seconds.." + emergency_restart() or the
 *   "---[ end Kernel panic" line and the halt loop.
 *
 *   oops(): the fault report, die(): die_lock with IRQs off, "Internal
 *   error: Oops: ... [#N] PREEMPT SMP", registers and call trace, taint D,
 *   oops_exit(): "---[ end trace" and kmsg_dump(KMSG_DUMP_OOPS), then
 *   panic() if in interrupt or panic_on_oops, else the task dies and the
 *   system keeps running.
 *
 * Every phase is recorded with its virtual time, the CPU, and whether IRQs
 * were off and the other CPUs stopped at that moment.
 */
import { hexDigits } from '../../lib/hex.js';
import { KmsgDumpReason } from '../../zone/types.js';
import { Prng } from '../../lib/prng.js';
import type { CpuSet, StopResult } from './cpu.js';
import { DeadlockError, LockContendedError, type SpinLock } from './locks.js';
import type { DumperCall, KmsgDumpers } from './kmsg-dump.js';
import { LOGLEVEL, LOGLEVEL_DEFAULT, type PrintkRing } from './printk-ring.js';

export interface PanicConfig {
  /** crash_kexec_post_notifiers: notifiers and kmsg_dump run before kdump. */
  crashKexecPostNotifiers: boolean;
  /** A crash kernel is loaded (kexec -p): __crash_kexec() boots it. */
  kexecLoaded: boolean;
  /** panic_on_oops. */
  panicOnOops: boolean;
  /** panic= in seconds: > 0 reboot after that long, < 0 at once, 0 halt. */
  panicTimeout: number;
  /** CONFIG_DEBUG_BUGVERBOSE: panic() dumps the stack. */
  dumpStack: boolean;
  /** utsname release, as dump_stack prints it. */
  release: string;
  /** dump_stack_set_arch_desc(): the "Hardware name:" text. */
  hardwareName: string;
  /** Modules in "Modules linked in:". */
  modules: string[];
}

export const DEFAULT_PANIC_CONFIG: PanicConfig = {
  crashKexecPostNotifiers: false,
  kexecLoaded: false,
  panicOnOops: false,
  panicTimeout: 0,
  dumpStack: true,
  release: '7.0.0-rc3',
  hardwareName: 'mmcpstore reference board (eMMC 5.1) (DT)',
  modules: ['mmcpstore', 'pstore_blk', 'pstore_zone', 'sdhci_pltfm', 'sdhci'],
};

/** A panic notifier (atomic_notifier_chain_register(&panic_notifier_list)). */
export interface PanicNotifier {
  name: string;
  /** Higher runs first. */
  priority?: number;
  call(message: string): void;
}

/** The task that was running (current). */
export interface TaskInfo {
  pid: number;
  comm: string;
  uid?: number;
}

export type PanicPhaseName =
  | 'irq-off'
  | 'self-stop'
  | 'message'
  | 'stack'
  | 'crash-kexec'
  | 'smp-stop'
  | 'notifiers'
  | 'kmsg-dump'
  | 'kmsg-dump-done'
  | 'console-flush'
  | 'reboot'
  | 'halt'
  | 'hang'
  | 'fault'
  | 'die-lock'
  | 'die'
  | 'oops-dump'
  | 'oops-dump-done'
  | 'task-exit';

export interface PanicPhase {
  name: PanicPhaseName;
  /** Virtual ns since boot when the phase began. */
  t: number;
  cpu: number;
  irqsDisabled: boolean;
  /** CPUs other than this one still running at that moment. */
  othersRunning: number[];
  detail?: string;
}

export type PanicOutcome =
  /** The halt loop after "---[ end Kernel panic": the dump is all there is. */
  | 'halted'
  /** emergency_restart() after panic_timeout. */
  | 'rebooted'
  /** The crash kernel took over (before the dump unless post notifiers). */
  | 'kexec'
  /** Another CPU owns the panic: this one parked itself. */
  | 'self-stopped'
  /** Something in the path would spin or sleep forever (see `error`). */
  | 'hung';

export interface PanicResult {
  kind: 'panic';
  message: string;
  cpu: number;
  phases: PanicPhase[];
  /** What smp_send_stop() did, if it ran. */
  stop?: StopResult;
  /** kmsg_dump_desc(PANIC): which dumpers were called. */
  dumps: DumperCall[];
  outcome: PanicOutcome;
  /** The hang, when outcome is 'hung'. */
  error?: DeadlockError | LockContendedError;
  /** Sequence numbers of the first line panic() printed and of the last one. */
  firstSeq: number;
  lastSeq: number;
}

export interface OopsResult {
  kind: 'oops';
  message: string;
  cpu: number;
  /** die_counter: the [#N]. */
  dieCounter: number;
  phases: PanicPhase[];
  /** kmsg_dump(OOPS) from oops_exit(). */
  dumps: DumperCall[];
  /** 'continued': the task was killed, the system runs on. */
  outcome: 'continued' | 'panic' | 'hung';
  panic?: PanicResult;
  error?: DeadlockError | LockContendedError;
}

export interface PanicCallOptions {
  /** Frames below panic() (default: the sysrq-trigger path). */
  callTrace?: string[];
  task?: TaskInfo;
}

export interface OopsCallOptions {
  /** ESR of the fault (arm64), printed in "Internal error". */
  esr?: number;
  /** The die() string (default "Oops"). */
  str?: string;
  /** Faulting function for pc (default mmc_blk_mq_complete_rq+0x2c/0x98). */
  pc?: string;
  lr?: string;
  callTrace?: string[];
  task?: TaskInfo;
}

const SYSRQ_TRACE = [
  'sysrq_handle_crash+0x24/0x28',
  '__handle_sysrq+0xd4/0x1bc',
  'write_sysrq_trigger+0x90/0x108',
  'proc_reg_write+0xa0/0xf4',
  'vfs_write+0xd8/0x384',
  'ksys_write+0x78/0x110',
  '__arm64_sys_write+0x1c/0x28',
  'invoke_syscall+0x48/0x110',
  'el0_svc_common.constprop.0+0x40/0xe0',
  'do_el0_svc+0x1c/0x28',
  'el0_svc+0x34/0xf0',
  'el0t_64_sync_handler+0x10c/0x138',
  'el0t_64_sync+0x198/0x19c',
];

const OOPS_TRACE = [
  'mmc_blk_mq_complete_rq+0x2c/0x98',
  'mmc_blk_mq_complete+0x2c/0x40',
  'blk_complete_reqs+0x4c/0x64',
  'handle_softirqs+0x11c/0x3a0',
  '__do_softirq+0x14/0x20',
  '____do_softirq+0x10/0x1c',
  'call_on_irq_stack+0x24/0x4c',
  'do_softirq_own_stack+0x1c/0x28',
  'irq_exit_rcu+0xbc/0xd8',
  'el1_interrupt+0x38/0x68',
  'el1h_64_irq_handler+0x18/0x24',
  'el1h_64_irq+0x6c/0x70',
  'default_idle_call+0x30/0xd0',
  'do_idle+0x1f8/0x250',
  'cpu_startup_entry+0x38/0x40',
];

const TAINT_DIE = 'D';
const NSEC_PER_SEC = 1_000_000_000;

export class PanicHandler {
  readonly config: PanicConfig;
  /** panic_cpu: the CPU that owns the panic, or null. */
  panicCpu: number | null = null;
  /** die_counter. */
  dieCounter = 0;
  /** Taint letters set so far (D after an oops). */
  readonly taints = new Set<string>();
  /** The registered panic notifiers, in call order. */
  private readonly notifiers: PanicNotifier[] = [];
  private readonly prng: Prng;
  private readonly dieLock: SpinLock;

  constructor(
    private readonly ring: PrintkRing,
    private readonly cpus: CpuSet,
    private readonly dumpers: KmsgDumpers,
    config: Partial<PanicConfig> = {},
    seed = 1,
    private readonly defaultTask: () => TaskInfo = () => ({ pid: 345, comm: 'sh' }),
  ) {
    this.config = { ...DEFAULT_PANIC_CONFIG, ...config };
    this.prng = new Prng(seed ^ 0x9e3779b9);
    this.dieLock = cpus.spinLock('die_lock');
  }

  /** panic_in_progress(). */
  get panicking(): boolean {
    return this.panicCpu !== null;
  }

  /** atomic_notifier_chain_register(&panic_notifier_list, nb). */
  registerNotifier(n: PanicNotifier): void {
    this.notifiers.push(n);
    // Stable: equal priorities keep registration order.
    this.notifiers.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  }

  /**
   * A lock held by a stopped CPU, or one this CPU cannot get, means the
   * real kernel spins there until a watchdog resets the board: record the
   * hang; anything else is a bug in the model and propagates.
   */
  private hang(phases: PanicPhase[], result: { outcome: string; error?: Error }, e: unknown): void {
    if (!(e instanceof DeadlockError || e instanceof LockContendedError)) throw e;
    this.phase(phases, 'hang', e.message);
    result.outcome = 'hung';
    result.error = e;
  }

  private phase(list: PanicPhase[], name: PanicPhaseName, detail?: string): void {
    const p: PanicPhase = {
      name,
      t: this.cpus.now(),
      cpu: this.cpus.current,
      irqsDisabled: this.cpus.irqsDisabled(),
      othersRunning: this.cpus.otherRunning(),
    };
    if (detail !== undefined) p.detail = detail;
    list.push(p);
  }

  private pr(level: number, text: string): number {
    return this.ring.printk(level, text);
  }

  /** vpanic(message). Never throws for a modelled hang: it is the outcome 'hung'. */
  panic(message: string, options: PanicCallOptions = {}): PanicResult {
    const cpus = this.cpus;
    const phases: PanicPhase[] = [];
    const result: PanicResult = {
      kind: 'panic',
      message,
      cpu: cpus.current,
      phases,
      dumps: [],
      outcome: 'halted',
      firstSeq: this.ring.nextSeq,
      lastSeq: this.ring.nextSeq - 1,
    };
    const finish = (): PanicResult => {
      result.lastSeq = this.ring.nextSeq - 1;
      return result;
    };
    cpus.localIrqDisable();
    cpus.preemptDisable();
    this.phase(phases, 'irq-off');

    // Only one CPU may run the panic; a nested panic on the same CPU goes on.
    if (this.panicCpu !== null && this.panicCpu !== cpus.current) {
      this.phase(phases, 'self-stop', `CPU${this.panicCpu} owns the panic`);
      cpus.selfStop();
      result.outcome = 'self-stopped';
      return finish();
    }
    this.panicCpu = cpus.current;

    this.ring.consoleVerbose();
    cpus.oopsInProgress++; // bust_spinlocks(1)
    this.phase(phases, 'message');
    this.pr(LOGLEVEL.EMERG, `Kernel panic - not syncing: ${message}`);

    // Avoid nested stack dumping if an oops already printed one.
    if (!this.taints.has(TAINT_DIE) && cpus.oopsInProgress <= 1 && this.config.dumpStack) {
      this.phase(phases, 'stack');
      this.dumpStack(['dump_stack_lvl+0x34/0x8c', 'dump_stack+0x18/0x24', 'panic+0x39c/0x3d8', ...(options.callTrace ?? SYSRQ_TRACE)], options.task);
    }

    if (!this.config.crashKexecPostNotifiers && this.config.kexecLoaded) {
      this.phase(phases, 'crash-kexec', 'crash kernel loaded: kdump boots before any dumper runs');
      result.outcome = 'kexec';
      return finish();
    }

    result.stop = this.config.crashKexecPostNotifiers ? cpus.crashSmpSendStop() : cpus.smpSendStop();
    this.phase(phases, 'smp-stop', describeStop(result.stop));

    try {
      this.phase(phases, 'notifiers', this.notifiers.map((n) => n.name).join(', ') || 'none');
      for (const n of this.notifiers) n.call(message);

      this.phase(phases, 'kmsg-dump');
      result.dumps = this.dumpers.dump(KmsgDumpReason.PANIC, message);
      this.phase(phases, 'kmsg-dump-done');
    } catch (e) {
      this.hang(phases, result, e);
      return finish();
    }

    if (this.config.crashKexecPostNotifiers && this.config.kexecLoaded) {
      this.phase(phases, 'crash-kexec', 'crash kernel boots after the dump');
      result.outcome = 'kexec';
      return finish();
    }

    // console_unblank(), debug_locks_off(), console_flush_on_panic().
    this.phase(phases, 'console-flush');

    const timeout = this.config.panicTimeout;
    if (timeout > 0) {
      this.pr(LOGLEVEL.EMERG, `Rebooting in ${timeout} seconds..`);
      cpus.delay(timeout * NSEC_PER_SEC);
    }
    if (timeout !== 0) {
      this.phase(phases, 'reboot', 'emergency_restart()');
      result.outcome = 'rebooted';
      return finish();
    }
    this.pr(LOGLEVEL.EMERG, `---[ end Kernel panic - not syncing: ${message} ]---`);
    this.ring.suppressPrintk = true;
    cpus.localIrqEnable();
    this.phase(phases, 'halt');
    return finish();
  }

  /**
   * A kernel fault on the current CPU: the fault report, then die("Oops").
   * With panic_on_oops (or in interrupt context) it ends in panic().
   */
  oops(message: string, options: OopsCallOptions = {}): OopsResult {
    const cpus = this.cpus;
    const phases: PanicPhase[] = [];
    const str = options.str ?? 'Oops';
    const esr = options.esr ?? 0x96000045;
    const result: OopsResult = { kind: 'oops', message, cpu: cpus.current, dieCounter: 0, phases, dumps: [], outcome: 'continued' };

    this.phase(phases, 'fault');
    this.pr(LOGLEVEL.ALERT, message);
    this.pr(LOGLEVEL.ALERT, 'Mem abort info:');
    this.pr(LOGLEVEL.ALERT, `  ESR = 0x${hexDigits(esr, 16)}`);
    this.pr(LOGLEVEL.ALERT, '  EC = 0x25: DABT (current EL), IL = 32 bits');

    // die(): raw_spin_lock_irqsave(&die_lock) — IRQs stay off through the dump.
    let flags: boolean;
    try {
      flags = this.dieLock.lockIrqSave();
    } catch (e) {
      this.hang(phases, result, e);
      return result;
    }
    this.phase(phases, 'die-lock');
    this.ring.consoleVerbose();
    cpus.oopsInProgress++; // bust_spinlocks(1)
    result.dieCounter = ++this.dieCounter;
    this.phase(phases, 'die');
    this.pr(LOGLEVEL.EMERG, `Internal error: ${str}: ${hexDigits(esr, 16)} [#${this.dieCounter}] PREEMPT SMP`);
    this.pr(LOGLEVEL_DEFAULT, `Modules linked in: ${this.config.modules.join(' ')}`);
    this.showRegs(options);
    this.pr(LOGLEVEL_DEFAULT, `Code: ${this.codeWords()}`);
    cpus.oopsInProgress--; // bust_spinlocks(0)
    this.taints.add(TAINT_DIE);

    // oops_exit(): end marker, then kmsg_dump(KMSG_DUMP_OOPS).
    this.pr(LOGLEVEL.WARNING, '---[ end trace 0000000000000000 ]---');
    try {
      this.phase(phases, 'oops-dump');
      result.dumps = this.dumpers.dump(KmsgDumpReason.OOPS, `${str}: ${message}`);
      this.phase(phases, 'oops-dump-done');
    } catch (e) {
      this.hang(phases, result, e);
      return result;
    }

    if (cpus.inInterrupt() || this.config.panicOnOops) {
      result.outcome = 'panic';
      result.panic = this.panic(cpus.inInterrupt() ? `${str}: Fatal exception in interrupt` : `${str}: Fatal exception`);
      if (result.panic.outcome === 'hung') result.outcome = 'hung';
      return result;
    }
    this.dieLock.unlockIrqRestore(flags);
    // make_task_dead(SIGSEGV): the task goes, the kernel runs on.
    this.phase(phases, 'task-exit');
    return result;
  }

  private taintText(): string {
    return this.taints.size ? `Tainted: G      ${[...this.taints].sort().join('')}` : 'Not tainted';
  }

  private cpuLine(task: TaskInfo): void {
    const kdump = this.config.kexecLoaded ? 'Kdump: loaded ' : '';
    this.pr(
      LOGLEVEL_DEFAULT,
      `CPU: ${this.cpus.current} UID: ${task.uid ?? 0} PID: ${task.pid} Comm: ${task.comm.slice(0, 20)} ${kdump}${this.taintText()} ${this.config.release} #1`,
    );
    this.pr(LOGLEVEL_DEFAULT, `Hardware name: ${this.config.hardwareName}`);
  }

  /** dump_stack(): the CPU line, the hardware name and the call trace. */
  private dumpStack(frames: string[], task?: TaskInfo): void {
    this.cpuLine(task ?? this.defaultTask());
    this.pr(LOGLEVEL_DEFAULT, 'Call trace:');
    this.pr(LOGLEVEL_DEFAULT, ' show_stack+0x18/0x24 (C)');
    for (const f of frames) this.pr(LOGLEVEL_DEFAULT, ` ${f}`);
  }

  /** arm64 __show_regs() + the call trace, as die() prints them. */
  private showRegs(options: OopsCallOptions): void {
    const inIrq = this.cpus.inInterrupt();
    this.cpuLine(options.task ?? (inIrq ? { pid: 0, comm: 'swapper/' + this.cpus.current } : this.defaultTask()));
    this.pr(LOGLEVEL_DEFAULT, 'pstate: 604000c5 (nZCv daIF +PAN -UAO -TCO -DIT -SSBS BTYPE=--)');
    const pc = options.pc ?? 'mmc_blk_mq_complete_rq+0x2c/0x98';
    const lr = options.lr ?? 'mmc_blk_mq_complete+0x2c/0x40';
    this.pr(LOGLEVEL_DEFAULT, `pc : ${pc}`);
    this.pr(LOGLEVEL_DEFAULT, `lr : ${lr}`);
    this.pr(LOGLEVEL_DEFAULT, `sp : ffff8000${hexDigits(this.prng.int(0x80000000, 0x8fffffff) & ~0xf, 8)}`);
    for (let r = 29; r >= 0; r -= 3) {
      const regs: string[] = [];
      for (let k = r; k > r - 3 && k >= 0; k--) regs.push(`x${k}: ${this.regValue()}`);
      this.pr(LOGLEVEL_DEFAULT, regs.join(' '));
    }
    this.pr(LOGLEVEL_DEFAULT, 'Call trace:');
    const frames = options.callTrace ?? OOPS_TRACE;
    frames.forEach((f, i) => this.pr(LOGLEVEL_DEFAULT, ` ${f}${i === 0 ? ' (P)' : ''}`));
  }

  private regValue(): string {
    const kind = this.prng.int(0, 3);
    if (kind === 0) return '0000000000000000';
    if (kind === 1) return `ffff0000${hexDigits(this.prng.int(0, 0xffffffff), 8)}`;
    if (kind === 2) return `ffff8000${hexDigits(this.prng.int(0x80000000, 0x8fffffff), 8)}`;
    return hexDigits(this.prng.int(0, 0xffff), 16);
  }

  private codeWords(): string {
    const words = Array.from({ length: 8 }, () => hexDigits(this.prng.int(0, 0xffffffff), 8));
    words[4] = `(${words[4]})`;
    return words.join(' ');
  }
}

function describeStop(s: StopResult): string {
  const parts = [`stopped ${s.stopped.length ? s.stopped.map((c) => `CPU${c}`).join(',') : 'none'}`];
  if (s.failed.length) parts.push(`failed ${s.failed.map((c) => `CPU${c}`).join(',')}`);
  for (const h of s.heldByStopped) parts.push(`CPU${h.cpu} holds ${h.locks.join(', ')}`);
  return parts.join('; ');
}
