/**
 * kmsg dumpers (include/linux/kmsg_dump.h, kernel/printk/printk.c):
 * kmsg_dump_register()/unregister() under dump_list_lock, and
 * kmsg_dump_desc(), which walks the list without that lock (RCU) and calls
 * every dumper whose max_reason admits the reason, each with a fresh
 * iterator (what kmsg_dump_rewind() gives it).
 */
import { EBUSY, EINVAL } from '../../lib/errno.js';
import { KmsgDumpReason, kmsgDumpReasonStr } from '../../zone/types.js';
import type { KmsgDumpIter } from '../../zone/platform.js';
import type { SpinLock } from './locks.js';

/** struct kmsg_dump_detail. */
export interface KmsgDumpDetail {
  reason: number;
  /** The panic/oops message (kmsg_dump_desc's desc); undefined for kmsg_dump(). */
  description?: string;
}

/** struct kmsg_dumper. */
export interface KmsgDumper {
  name: string;
  /** enum kmsg_dump_reason: the highest reason dumped; 0 (UNDEF) means "the default". */
  maxReason: number;
  dump(detail: KmsgDumpDetail, iter: KmsgDumpIter): void;
}

/** One dumper call of one kmsg_dump(). */
export interface DumperCall {
  dumper: string;
  reason: number;
  /** max_reason after the UNDEF rule. */
  effectiveMaxReason: number;
  called: boolean;
}

export interface KmsgDumpersOptions {
  /** kmsg_dump_rewind(): the iterator each dumper receives. */
  newIter: () => KmsgDumpIter;
  /** printk.always_kmsg_dump. */
  alwaysKmsgDump?: boolean;
  /** dump_list_lock: taken by register/unregister only (kmsg_dump uses RCU). */
  listLock?: SpinLock;
}

/** The max_reason a dumper really gets: UNDEF means OOPS, or MAX with always_kmsg_dump. */
export function effectiveMaxReason(maxReason: number, alwaysKmsgDump: boolean): number {
  if (maxReason === KmsgDumpReason.UNDEF) return alwaysKmsgDump ? KmsgDumpReason.MAX : KmsgDumpReason.OOPS;
  return maxReason;
}

export class KmsgDumpers {
  alwaysKmsgDump: boolean;
  private readonly list: KmsgDumper[] = [];
  private readonly newIter: () => KmsgDumpIter;
  private readonly listLock: SpinLock | undefined;

  constructor(options: KmsgDumpersOptions) {
    this.newIter = options.newIter;
    this.alwaysKmsgDump = options.alwaysKmsgDump ?? false;
    this.listLock = options.listLock;
  }

  get dumpers(): readonly KmsgDumper[] {
    return this.list;
  }

  /** kmsg_dump_register(): 0, -EINVAL without a dump callback, -EBUSY if already registered. */
  register(dumper: KmsgDumper): number {
    if (typeof dumper?.dump !== 'function') return -EINVAL;
    return this.locked(() => {
      if (this.list.includes(dumper)) return -EBUSY;
      this.list.push(dumper);
      return 0;
    });
  }

  /** kmsg_dump_unregister(): 0, or -EINVAL if it was not registered. */
  unregister(dumper: KmsgDumper): number {
    return this.locked(() => {
      const i = this.list.indexOf(dumper);
      if (i < 0) return -EINVAL;
      this.list.splice(i, 1);
      return 0;
    });
  }

  /** kmsg_has_dumpers(). */
  hasDumpers(): boolean {
    return this.list.length > 0;
  }

  /**
   * kmsg_dump_desc(reason, desc): every registered dumper with reason <=
   * its effective max_reason, in registration order. Takes no lock.
   * Exceptions from a dumper (a modelled hang) propagate.
   */
  dump(reason: number, description?: string): DumperCall[] {
    const calls: DumperCall[] = [];
    const detail: KmsgDumpDetail = { reason };
    if (description !== undefined) detail.description = description;
    for (const d of [...this.list]) {
      const max = effectiveMaxReason(d.maxReason, this.alwaysKmsgDump);
      const called = reason <= max;
      calls.push({ dumper: d.name, reason, effectiveMaxReason: max, called });
      if (called) d.dump(detail, this.newIter());
    }
    return calls;
  }

  private locked<T>(fn: () => T): T {
    const lock = this.listLock;
    if (!lock) return fn();
    const flags = lock.lockIrqSave();
    try {
      return fn();
    } finally {
      lock.unlockIrqRestore(flags);
    }
  }
}

export { KmsgDumpReason, kmsgDumpReasonStr };
