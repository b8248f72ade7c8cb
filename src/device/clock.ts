/**
 * Virtual time for the device model (design.md "Deterministic"; style-examples §6 jsbeeb scheduler).
 *
 * Time is an integer count of nanoseconds that only moves when someone calls `advance`/`runUntil`.
 * Tasks are kept ordered by (due time, registration sequence), so tasks due on the same tick run in
 * the order they were scheduled — including tasks scheduled for "now" by a running task, which run
 * after everything already queued for that tick.
 */

export type Task = () => void;

export interface TaskHandle {
  readonly id: number;
  readonly at: number;
  readonly label: string;
}

/** A queued task; it is its own handle (one object per task: the data path schedules several per request). */
class Entry implements TaskHandle {
  constructor(
    readonly id: number,
    readonly at: number,
    readonly label: string,
    readonly task: Task,
  ) {}
}

export class VirtualClock {
  private nowNs = 0;
  private seq = 0;
  /** sorted by (at, seq) */
  private queue: Entry[] = [];

  /** Current virtual time in ns. */
  get now(): number {
    return this.nowNs;
  }

  /** Run `task` at absolute time `at` (clamped to now). Returns a handle for `cancel`. */
  schedule(at: number, task: Task, label = 'task'): TaskHandle {
    const when = Math.max(Math.ceil(at), this.nowNs);
    const entry = new Entry(++this.seq, when, label, task);
    // binary search: first index whose (at, id) is greater than ours (ids grow, so: after every at <= when)
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.queue[mid]!.at <= when) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.queue.length) this.queue.push(entry);
    else this.queue.splice(lo, 0, entry);
    return entry;
  }

  /** Run `task` `delay` ns from now. */
  after(delay: number, task: Task, label = 'task'): TaskHandle {
    return this.schedule(this.nowNs + Math.max(0, delay), task, label);
  }

  /** Remove a pending task; returns false if it already ran or was cancelled. */
  cancel(handle: TaskHandle | undefined): boolean {
    if (!handle) return false;
    const i = this.queue.indexOf(handle as Entry);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  isPending(handle: TaskHandle | undefined): boolean {
    return handle !== undefined && this.queue.includes(handle as Entry);
  }

  /** Time of the next pending task, or undefined. */
  nextDue(): number | undefined {
    return this.queue[0]?.at;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Run every task due at or before `t`, then set now = max(now, t). Returns the number of tasks run. */
  runUntil(t: number): number {
    let ran = 0;
    for (;;) {
      const head = this.queue[0];
      if (!head || head.at > t) break;
      this.queue.shift();
      this.nowNs = head.at;
      head.task();
      ran++;
    }
    if (t > this.nowNs) this.nowNs = Math.ceil(t);
    return ran;
  }

  /** Move time forward by `ns`, running due tasks in order. */
  advance(ns: number): number {
    return this.runUntil(this.nowNs + Math.max(0, ns));
  }

  /**
   * Run tasks until the queue is empty or `limitNs` of virtual time has passed (guards against a
   * device that keeps rescheduling itself). Returns the number of tasks run.
   */
  runUntilIdle(limitNs = 60e9): number {
    const end = this.nowNs + limitNs;
    let ran = 0;
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next > end) break;
      ran += this.runUntil(next);
    }
    return ran;
  }

  /** Advance in steps of `stepNs` until `cond()` holds or `limitNs` passes; returns cond(). For polling loops and tests. */
  pollUntil(cond: () => boolean, limitNs: number, stepNs = 1000): boolean {
    const end = this.nowNs + limitNs;
    while (!cond()) {
      if (this.nowNs >= end) return false;
      this.advance(Math.min(stepNs, end - this.nowNs));
    }
    return true;
  }
}

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;
