/**
 * How printk renders a log record into kmsg dumps and consoles
 * (kernel/printk/printk.c: info_print_prefix(), print_time()).
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
}

/** `[%5lu.%06lu] `: seconds padded to five columns, microseconds. */
export function printTime(tsNsec: bigint): string {
  const sec = tsNsec / 1_000_000_000n;
  const usec = (tsNsec % 1_000_000_000n) / 1000n;
  return `[${sec.toString().padStart(5, ' ')}.${usec.toString().padStart(6, '0')}] `;
}

/**
 * record_print_text(r, syslog = true, time = true): each line of the record
 * gets the `<prio>[time] ` prefix, prio = facility << 3 | level.
 */
export function formatSyslog(r: PrintkRecord): string {
  const prefix = `<${(r.facility << 3) | r.level}>${printTime(r.tsNsec)}`;
  return r.text.split('\n').map((line) => `${prefix}${line}\n`).join('');
}

/** The console form: no `<prio>`, same time stamp. */
export function formatConsole(r: PrintkRecord): string {
  const prefix = printTime(r.tsNsec);
  return r.text.split('\n').map((line) => `${prefix}${line}\n`).join('');
}
