/**
 * The emulated kernel around the pstore stack, without MMC: one seed, a
 * virtual clock, the CPUs, the printk ring, the kmsg dumpers, panic()/oops()
 * and runtime PM. The MMC stack and mmcpstore are wired on top of this.
 *
 * Also the log loaders: the seeded boot log, and user lines (a file or
 * stdin) turned into printk records.
 */
import type { DumpResult, PstoreCore } from '../../zone/platform.js';
import { kmsgDumpReasonStr } from '../../zone/types.js';
import { generateBootLog } from '../boot-log.js';
import type { PrintkRecord } from '../printk-format.js';
import { ManualClock, tsNsecOf, type KernelClock } from './clock.js';
import { CpuSet } from './cpu.js';
import type { SpinLock } from './locks.js';
import { KmsgDumpers, type KmsgDumper } from './kmsg-dump.js';
import { PanicHandler, type OopsCallOptions, type OopsResult, type PanicCallOptions, type PanicConfig, type PanicResult } from './panic.js';
import { LOGLEVEL, PrintkRing, type Console } from './printk-ring.js';
import { RuntimePm } from './runtime-pm.js';

/** The System's clock: the one kernel clock (clock.ts), the device clock on a board. */
export type SystemClock = KernelClock;

export interface SystemOptions {
  /** Drives the boot log and every generated value (default 1). */
  seed?: number;
  nrCpus?: number;
  /** log_buf_len (default 128 KiB). */
  logBufLen?: number;
  /** printk.time (default on). */
  printkTime?: boolean;
  /** CONFIG_PRINTK_CALLER (default off). */
  printkCaller?: boolean;
  /** printk.always_kmsg_dump. */
  alwaysKmsgDump?: boolean;
  /** panic=, panic_on_oops, crash_kexec_post_notifiers, ... */
  panic?: Partial<PanicConfig>;
  /** See CpuSetOptions.stopNmi (default on). */
  stopNmi?: boolean;
  /** An external clock (on a board: the device clock); default a ManualClock at startNsec. */
  clock?: SystemClock;
  /** Virtual ns since boot the default clock starts at. */
  startNsec?: number;
  /** Virtual time one printk() takes (default 5 µs), so stamps of a burst differ. */
  printkCostNs?: number;
}

export interface AttachPstoreOptions {
  /** The dumper's max_reason (default: the zone's max_reason, as pstore_register sets it). */
  maxReason?: number;
  /** Register pstore's console front end (default: when the layout has a console zone). */
  console?: boolean;
}

/** pstore's kmsg dumper (and console) as registered with this system. */
export interface PstoreAttachment {
  dumper: KmsgDumper;
  console?: Console;
  /** psinfo->buf_lock. */
  bufLock: SpinLock;
  /** Every pstore_dump() that reached the core, in order. */
  results: DumpResult[];
  /** Dumps skipped because buf_lock was held ("dump skipped in ... path"). */
  skipped: { reason: number; message: string }[];
  /** Console writes and their return codes. */
  consoleWrites: { size: number; ret: number }[];
  detach(): void;
}

export interface ParseLogOptions {
  /** Time of the first unstamped line (default 0). */
  startNsec?: bigint;
  /** Gap between unstamped lines (default 1 ms). */
  stepNsec?: bigint;
}

/** Virtual time one printk() takes by default. */
const DEFAULT_PRINTK_COST_NS = 5_000;

const STAMPED = /^<(\d{1,3})>\[\s*(\d+)\.(\d+)\] ?(.*)$/;
const TIME_ONLY = /^\[\s*(\d+)\.(\d+)\] ?(.*)$/;
const PRIO_ONLY = /^<(\d{1,3})>(.*)$/;

/**
 * User log lines to printk records. `<N>[ s.us] text` keeps its level,
 * facility and time; `[ s.us] text` keeps its time at level 6; `<N>text`
 * keeps its level; plain lines get level 6. Lines without a time get one
 * step after the previous line's time.
 */
export function parseUserLog(text: string, options: ParseLogOptions = {}): PrintkRecord[] {
  const step = options.stepNsec ?? 1_000_000n;
  let prev: bigint | undefined;
  const next = (): bigint => (prev === undefined ? (options.startNsec ?? 0n) : prev + step);
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let m = STAMPED.exec(line);
    let rec: PrintkRecord;
    if (m && Number(m[1]) < 1024) {
      const prio = Number(m[1]);
      rec = { tsNsec: stampNsec(m[2]!, m[3]!), level: prio & 7, facility: prio >> 3, text: m[4]! };
    } else if ((m = TIME_ONLY.exec(line))) {
      rec = { tsNsec: stampNsec(m[1]!, m[2]!), level: LOGLEVEL.INFO, facility: 0, text: m[3]! };
    } else if ((m = PRIO_ONLY.exec(line)) && Number(m[1]) < 1024) {
      const prio = Number(m[1]);
      rec = { tsNsec: next(), level: prio & 7, facility: prio >> 3, text: m[2]! };
    } else {
      rec = { tsNsec: next(), level: LOGLEVEL.INFO, facility: 0, text: line };
    }
    prev = rec.tsNsec;
    return rec;
  });
}

/** `12.345678` → ns (the fraction is read as a decimal fraction of a second). */
function stampNsec(sec: string, frac: string): bigint {
  return BigInt(sec) * 1_000_000_000n + BigInt(frac.slice(0, 9).padEnd(9, '0'));
}

export class System {
  readonly seed: number;
  readonly clock: SystemClock;
  readonly cpus: CpuSet;
  readonly ring: PrintkRing;
  readonly dumpers: KmsgDumpers;
  readonly kernel: PanicHandler;
  readonly runtimePm: RuntimePm;
  private readonly printkCost: number;

  constructor(options: SystemOptions = {}) {
    this.seed = options.seed ?? 1;
    this.clock = options.clock ?? new ManualClock(options.startNsec ?? 0);
    this.printkCost = options.printkCostNs ?? DEFAULT_PRINTK_COST_NS;
    const now = (): number => this.clock.now;
    this.cpus = new CpuSet({
      nrCpus: options.nrCpus ?? 4,
      clock: this.clock,
      stopNmi: options.stopNmi ?? true,
      printk: (level, text) => this.ring.printk(level, text),
    });
    this.ring = new PrintkRing({
      clock: () => {
        const t = this.clock.now;
        this.clock.advance(this.printkCost);
        return tsNsecOf(t);
      },
      logBufLen: options.logBufLen,
      time: options.printkTime ?? true,
      caller: options.printkCaller ?? false,
      callerId: () => (this.cpus.inInterrupt() ? `C${this.cpus.current}` : `T${this.cpus.current === 0 ? 1 : 100 + this.cpus.current}`),
    });
    this.dumpers = new KmsgDumpers({
      newIter: () => this.ring.dumpIter(),
      alwaysKmsgDump: options.alwaysKmsgDump ?? false,
      listLock: this.cpus.spinLock('dump_list_lock'),
    });
    this.kernel = new PanicHandler(this.ring, this.cpus, this.dumpers, options.panic, this.seed);
    this.runtimePm = new RuntimePm(now, this.cpus);
  }

  /** Virtual ns since boot. */
  now(): number {
    return this.clock.now;
  }

  /** Time passes in normal operation: due runtime-PM timers fire (never during a panic). */
  advance(ns: number): void {
    this.clock.advance(ns);
    if (!this.kernel.panicking) this.runtimePm.runTimers();
  }

  printk(level: number, text: string, facility = 0): number {
    return this.ring.printk(level, text, facility);
  }

  /** Stores records with their own times; the clock moves past the newest. */
  loadRecords(records: readonly PrintkRecord[]): number {
    let stored = 0;
    let last = tsNsecOf(this.clock.now);
    for (const r of records) {
      if (this.ring.store(r) >= 0) stored++;
      if (r.tsNsec > last) last = r.tsNsec;
    }
    const lag = Number(last) - this.clock.now;
    if (lag > 0) this.clock.advance(lag);
    return stored;
  }

  /** The seeded boot log (generateBootLog), starting now. Returns the number of records stored. */
  loadBootLog(runtimeLines = 120): number {
    return this.loadRecords(generateBootLog(this.seed, runtimeLines, tsNsecOf(this.clock.now)));
  }

  /** User lines (see parseUserLog); unstamped lines continue from now. */
  loadUserLog(text: string, options: { stepNsec?: bigint } = {}): number {
    return this.loadRecords(parseUserLog(text, { startNsec: tsNsecOf(this.clock.now), ...options }));
  }

  /**
   * Registers pstore's kmsg dumper over `core` (pstore_register_kmsg) and,
   * when the layout has a console zone, its console (pstore_register_console).
   * The dumper is pstore_dump(): in panic/emergency/NMI it only try-locks
   * buf_lock and skips the dump when that fails; otherwise it takes it.
   */
  attachPstore(core: PstoreCore, options: AttachPstoreOptions = {}): PstoreAttachment {
    const cpus = this.cpus;
    const bufLock = cpus.spinLock('psinfo->buf_lock');
    const att: PstoreAttachment = {
      dumper: undefined as unknown as KmsgDumper,
      bufLock,
      results: [],
      skipped: [],
      consoleWrites: [],
      detach: () => {
        this.dumpers.unregister(att.dumper);
        if (att.console) this.ring.unregisterConsole(att.console);
      },
    };
    att.dumper = {
      name: `pstore (${core.backendName})`,
      maxReason: options.maxReason ?? core.zone.info.maxReason,
      dump: (detail, iter) => {
        const reason = detail.reason;
        let flags: boolean;
        if (cpus.inNmi() || reason === 1 /* PANIC */ || reason === 3 /* EMERG */) {
          // pstore_cannot_block_path(): other CPUs are stopped, never spin.
          const f = bufLock.tryLockIrqSave();
          if (f === null) {
            const message = `pstore: dump skipped in ${cpus.inNmi() ? 'NMI' : kmsgDumpReasonStr(reason)} path because of concurrent dump`;
            att.skipped.push({ reason, message });
            this.ring.printk(LOGLEVEL.ERR, message);
            return;
          }
          flags = f;
        } else {
          flags = bufLock.lockIrqSave();
        }
        // A backend hang (DeadlockError) leaves the lock held and IRQs off, as the CPU would.
        att.results.push(core.dump(reason, iter));
        bufLock.unlockIrqRestore(flags);
      },
    };
    const ret = this.dumpers.register(att.dumper);
    if (ret) throw new Error(`kmsg_dump_register failed: ${ret}`);
    if (options.console ?? core.zone.layout.console !== undefined) {
      const enc = new TextEncoder();
      att.console = {
        name: core.backendName,
        // Legacy consoles are called with local IRQs off (printk_safe_enter_irqsave in
        // console_emit_next_record), so a storage backend behind the pstore console
        // cannot sleep there: mmcpstore answers -EBUSY and the zone waits for the flusher.
        write: (text) => {
          const data = enc.encode(text);
          const flags = this.cpus.localIrqSave();
          try {
            att.consoleWrites.push({ size: data.length, ret: core.writeConsole(data) });
          } finally {
            this.cpus.localIrqRestore(flags);
          }
        },
      };
      // CON_PRINTBUFFER: the console starts with what is already in the ring.
      this.ring.registerConsole(att.console, { printBuffer: true });
    }
    return att;
  }

  /** panic(message) on the current CPU. */
  panic(message: string, options?: PanicCallOptions): PanicResult {
    return this.kernel.panic(message, options);
  }

  /** A kernel fault on the current CPU (panics with panic_on_oops or in interrupt). */
  oops(message: string, options?: OopsCallOptions): OopsResult {
    return this.kernel.oops(message, options);
  }
}


