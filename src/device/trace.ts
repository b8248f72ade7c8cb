/**
 * Typed trace events for the device model, in the style of QEMU's hw/sd/trace-events: every event
 * is declared once here with its arguments and its format. Events are enabled by glob
 * (`sdhci_*`, `sdcard_*`, `*`, comma-separated) and written one line each to a sink, stamped with
 * virtual time. A disabled event costs one Set lookup.
 */

import { hex } from '../lib/hex.js';

/** Trace values print as 32-bit words (offsets above 4 GiB wrap, as they always have). */
const hex32 = (v: number, w = 8): string => hex(v >>> 0, w);
const dec2 = (n: number): string => String(n).padStart(2, '0');

export const TRACE = {
  // controller (src/device/sdhci)
  sdhci_access_read: (reg: string, width: number, value: number) => `${reg} <- ${hex32(value, width / 4)} (${width}-bit)`,
  sdhci_access_write: (reg: string, width: number, value: number) => `${reg} -> ${hex32(value, width / 4)} (${width}-bit)`,
  sdhci_guest_error: (what: string) => what,
  sdhci_unimplemented: (what: string) => what,
  sdhci_irq: (level: boolean) => (level ? 'raise' : 'lower'),
  sdhci_send_command: (cmd: number, arg: number, word: number) => `CMD${dec2(cmd)} ARG[${hex32(arg)}] word ${hex32(word, 4)}`,
  sdhci_response: (cmd: number, words: readonly number[]) => `CMD${dec2(cmd)} ${words.map((w) => hex32(w)).join(' ')}`,
  sdhci_error: (kind: string, cmd: number) => `${kind} (CMD${dec2(cmd)})`,
  sdhci_status: (normal: number, error: number) => `normal ${hex32(normal, 4)} error ${hex32(error, 4)}`,
  sdhci_dma: (engine: string, dir: 'read' | 'write', addr: number, len: number) =>
    `${engine} ${dir === 'read' ? 'card->mem' : 'mem->card'} @${hex32(addr, 10)} +${len}`,
  sdhci_adma_desc: (at: number, attr: number, len: number, addr: number) =>
    `desc @${hex32(at, 10)} attr ${hex32(attr, 2)} len ${len} addr ${hex32(addr, 10)}`,
  sdhci_reset: (mask: number) => `software reset ${hex32(mask, 2)}`,
  sdhci_transfer: (what: string, blocksLeft: number) => `${what}, ${blocksLeft} block(s) left`,
  // bus (src/device/sd-bus.ts)
  sdbus_command: (cmd: number, arg: number) => `CMD${dec2(cmd)} ARG[${hex32(arg)}]`,
  sdbus_read: (len: number, got: number) => `read ${len} -> ${got}`,
  sdbus_write: (len: number) => `write ${len}`,
  sdbus_data_ready: (ready: boolean) => String(ready),
  // card (src/device/emmc)
  sdcard_command: (name: string, cmd: number, arg: number, state: string) => `${name}/CMD${dec2(cmd)} arg ${hex32(arg)} (${state})`,
  sdcard_response: (kind: string, value: string) => `${kind} ${value}`,
  sdcard_state: (from: string, to: string) => `${from} -> ${to}`,
  sdcard_illegal: (cmd: number, state: string) => `CMD${dec2(cmd)} illegal in state ${state}`,
  sdcard_unimplemented: (cmd: number, name: string) => `CMD${dec2(cmd)} ${name} not implemented`,
  sdcard_read_block: (part: string, offset: number, len: number) => `${part} @${hex32(offset, 10)} +${len}`,
  sdcard_write_block: (part: string, offset: number, len: number) => `${part} @${hex32(offset, 10)} +${len}`,
  sdcard_busy: (ns: number, why: string) => `busy ${ns} ns (${why})`,
  sdcard_switch: (index: number, value: number, result: string) => `EXT_CSD[${index}] = ${hex32(value, 2)}: ${result}`,
  sdcard_erase: (part: string, from: number, len: number, kind: string) => `${kind} ${part} @${hex32(from, 10)} +${len}`,
  sdcard_cache: (what: string, blocks: number) => `${what}: ${blocks} block(s)`,
  sdcard_write_protect: (what: string, part: string, offset: number, kind: string) => `${what} ${part} @${hex32(offset, 10)} ${kind}`,
  sdcard_cmdq: (what: string, task: number, detail: string) => `${what} task ${task} ${detail}`,
  sdcard_io_error: (what: string, part: string, offset: number, message: string) => `${what} ${part} @${hex32(offset, 10)}: ${message}`,
  // faults (src/device/faults.ts)
  fault_inject: (kind: string, detail: string) => `${kind}: ${detail}`,
} as const;

export type TraceEvent = keyof typeof TRACE;
export type TraceArgs<E extends TraceEvent> = Parameters<(typeof TRACE)[E]>;
export const TRACE_EVENTS = Object.keys(TRACE) as TraceEvent[];

export type TraceSink = (line: string) => void;

export interface TraceRecord {
  t: number;
  event: TraceEvent;
  line: string;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.trim().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}

/** The set of events a comma-separated glob list enables. */
export function eventsMatching(globs: string | readonly string[]): Set<TraceEvent> {
  const list = (typeof globs === 'string' ? globs.split(',') : globs).filter((g) => g.trim() !== '');
  const res = list.map(globToRegExp);
  return new Set(TRACE_EVENTS.filter((e) => res.some((r) => r.test(e))));
}

export interface TracerOptions {
  /** globs, e.g. 'sdhci_*,sdcard_state' (default: nothing enabled) */
  enable?: string | readonly string[];
  /** default: process.stderr */
  sink?: TraceSink;
  /** virtual time source in ns (set by the board) */
  now?: () => number;
  /** keep records in memory (tests) */
  record?: boolean;
}

export class Tracer {
  private enabled: Set<TraceEvent>;
  /** nothing enabled: emit returns at once (the hot paths call it per command and block) */
  private quiet: boolean;
  private sink: TraceSink;
  now: () => number;
  readonly records: TraceRecord[] = [];
  private readonly keep: boolean;

  constructor(o: TracerOptions = {}) {
    this.enabled = eventsMatching(o.enable ?? []);
    this.quiet = this.enabled.size === 0;
    this.sink = o.sink ?? ((line) => process.stderr.write(line + '\n'));
    this.now = o.now ?? (() => 0);
    this.keep = o.record ?? false;
  }

  enable(globs: string | readonly string[]): void {
    for (const e of eventsMatching(globs)) this.enabled.add(e);
    this.quiet = this.enabled.size === 0;
  }

  isEnabled(e: TraceEvent): boolean {
    return this.enabled.has(e);
  }

  /** Nothing enabled: callers may skip building arguments and take bulk paths that emit nothing. */
  get silent(): boolean {
    return this.quiet;
  }

  emit<E extends TraceEvent>(event: E, ...args: TraceArgs<E>): void {
    if (this.quiet || !this.enabled.has(event)) return;
    const fmt = TRACE[event] as (...a: TraceArgs<E>) => string;
    const t = this.now();
    const line = `${formatTime(t)} ${event} ${fmt(...args)}`;
    if (this.keep) this.records.push({ t, event, line });
    this.sink(line);
  }
}

/** "[     12.345678 ms]" style stamp in virtual milliseconds. */
export function formatTime(ns: number): string {
  return `[${(ns / 1e6).toFixed(6).padStart(14)} ms]`;
}

/** A tracer that drops everything (the default when a board is built without tracing). */
export const nullTracer = (): Tracer => new Tracer({ enable: [], sink: () => {} });
