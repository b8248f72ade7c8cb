/**
 * How printk renders a log record into kmsg dumps and consoles
 * (kernel/printk/printk.c: info_print_prefix(), print_time(),
 * record_print_text(), get_record_print_text_size()).
 */

/** One record of the printk ring buffer. */
export interface PrintkRecord {
  /** Nanoseconds since boot (local_clock()). */
  tsNsec: bigint;
  /** LOGLEVEL_*: 0 emerg .. 7 debug. */
  level: number;
  /** 0 for the kernel, 1 (LOG_USER) for lines written to /dev/kmsg. */
  facility: number;
  text: string;
  /**
   * CONFIG_PRINTK_CALLER id as printed: `T<pid>` from task context,
   * `C<cpu>` from interrupt context. Only shown when the caller option is on.
   */
  caller?: string;
}

/** How a record is rendered: record_print_text(r, syslog, time) plus CONFIG_PRINTK_CALLER. */
export interface PrintOptions {
  /** `<prio>` in front (kmsg dumps and syslog(2) use it, consoles do not). */
  syslog: boolean;
  /** printk.time: the `[%5lu.%06lu]` stamp. */
  time: boolean;
  /** CONFIG_PRINTK_CALLER: the `[%6s]` caller field. */
  caller?: boolean;
}

/** `[%5lu.%06lu] `: seconds padded to five columns, microseconds. */
export function printTime(tsNsec: bigint): string {
  const sec = tsNsec / 1_000_000_000n;
  const usec = (tsNsec % 1_000_000_000n) / 1000n;
  return `[${sec.toString().padStart(5, ' ')}.${usec.toString().padStart(6, '0')}] `;
}

/**
 * info_print_prefix(): `<prio>` if syslog, the time, the caller, and one
 * space after them when time or caller is shown.
 */
export function infoPrintPrefix(r: PrintkRecord, opts: PrintOptions): string {
  let s = '';
  if (opts.syslog) s += `<${(r.facility << 3) | r.level}>`;
  if (opts.time) s += printTime(r.tsNsec).slice(0, -1);
  if (opts.caller) s += `[${(r.caller ?? 'T0').padStart(6, ' ')}]`;
  if (opts.time || opts.caller) s += ' ';
  return s;
}

/**
 * record_print_text() for a buffer large enough: every line of the record
 * gets the prefix, and the newline vprintk_store() removed is added back.
 */
export function recordPrintText(r: PrintkRecord, opts: PrintOptions): string {
  const prefix = infoPrintPrefix(r, opts);
  return r.text.split('\n').map((line) => `${prefix}${line}\n`).join('');
}

/**
 * get_record_print_text_size(): prefix_len * line_count + text_len + 1, in
 * bytes. Equals the UTF-8 length of recordPrintText().
 */
export function recordPrintTextSize(r: PrintkRecord, opts: PrintOptions, textLen?: number): number {
  const prefixLen = Buffer.byteLength(infoPrintPrefix(r, opts));
  let lines = 1;
  for (let i = r.text.indexOf('\n'); i >= 0; i = r.text.indexOf('\n', i + 1)) lines++;
  return prefixLen * lines + (textLen ?? Buffer.byteLength(r.text)) + 1;
}

/**
 * record_print_text(r, syslog = true, time = true): each line of the record
 * gets the `<prio>[time] ` prefix, prio = facility << 3 | level.
 */
export function formatSyslog(r: PrintkRecord): string {
  return recordPrintText(r, { syslog: true, time: true });
}

/** The console form: no `<prio>`, same time stamp. */
export function formatConsole(r: PrintkRecord): string {
  return recordPrintText(r, { syslog: false, time: true });
}
