/**
 * The printk ring buffer (kernel/printk/printk.c, printk_ringbuffer.c) as a
 * dump sees it: records with sequence numbers in a byte-limited ring that
 * drops the oldest, the kmsg_dump iterator (kmsg_dump_rewind(),
 * kmsg_dump_get_buffer() with find_first_fitting_seq()), syslog_clear(), and
 * consoles that receive each record as console text.
 */
import type { KmsgDumpIter } from '../../zone/platform.js';
import { type PrintOptions, type PrintkRecord, recordPrintText, recordPrintTextSize } from '../printk-format.js';

/** CONFIG_LOG_BUF_SHIFT = 17: log_buf_len 128 KiB. */
export const DEFAULT_LOG_BUF_LEN = 128 * 1024;
/** PRB_AVGBITS: the descriptor ring has log_buf_len >> 5 entries. */
export const PRB_AVGBITS = 5;
/** PRINTKRB_RECORD_MAX: one record reserves at most this, its NUL included. */
export const PRINTKRB_RECORD_MAX = 1024;
/** MESSAGE_LOGLEVEL_DEFAULT: the level of a printk without KERN_<LEVEL>. */
export const DEFAULT_MESSAGE_LOGLEVEL = 4;
/** CONSOLE_LOGLEVEL_DEFAULT: consoles print levels below 7. */
export const CONSOLE_LOGLEVEL_DEFAULT = 7;
/** CONSOLE_LOGLEVEL_MOTORMOUTH: console_verbose() sets it in panic/oops. */
export const CONSOLE_LOGLEVEL_MOTORMOUTH = 15;
/** LOGLEVEL_DEFAULT: "no level given". */
export const LOGLEVEL_DEFAULT = -1;

export const LOGLEVEL = { EMERG: 0, ALERT: 1, CRIT: 2, ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 } as const;

/** sizeof(struct prb_data_block) header (the unsigned long id) on 64-bit. */
const DATA_BLOCK_ID = 8;

/** A record as stored: the printk record plus its ring bookkeeping. */
export interface RingRecord extends PrintkRecord {
  seq: number;
  /** info->text_len: bytes of text (UTF-8), trailing newline removed. */
  textLen: number;
  /** Data-ring logical position of the block, or null for a data-less record. */
  begin: number | null;
  next: number | null;
}

/** Records held back while a console writes; a console that keeps logging about itself is cut off there. */
export const MAX_DEFERRED_CONSOLE_RECORDS = 256;

export interface PrintkRingOptions {
  /** local_clock(): nanoseconds since boot. */
  clock: () => bigint;
  /** log_buf_len in bytes (default 128 KiB). */
  logBufLen?: number;
  /** printk.time (default on). */
  time?: boolean;
  /** CONFIG_PRINTK_CALLER (default off). */
  caller?: boolean;
  /** Supplies the caller id of a new record (`T<pid>` / `C<cpu>`). */
  callerId?: () => string;
  /** console_loglevel (default 7). */
  consoleLoglevel?: number;
  /** default_message_loglevel for LOGLEVEL_DEFAULT (default 4). */
  defaultMessageLoglevel?: number;
}

/** A registered console: pstore's console front end is one. */
export interface Console {
  name: string;
  /** con->write(): console text of one record (every line ends in '\n'). */
  write(text: string, record: RingRecord): void;
}

export interface ConsoleOptions {
  /** CON_PRINTBUFFER: replay the records already in the ring on registration. */
  printBuffer?: boolean;
}

export class PrintkRing {
  readonly logBufLen: number;
  readonly descCount: number;
  /** printk.time. */
  time: boolean;
  /** CONFIG_PRINTK_CALLER. */
  caller: boolean;
  consoleLoglevel: number;
  /** ignore_loglevel: consoles get everything. */
  ignoreLoglevel = false;
  /** suppress_printk: set at the end of panic(); later printk() calls are dropped. */
  suppressPrintk = false;
  readonly defaultMessageLoglevel: number;
  /** Records lost because they could not be stored at all (larger than the data ring). */
  lost = 0;
  /** Records dropped to make room for newer ones. */
  dropped = 0;

  private readonly clock: () => bigint;
  private readonly callerId: (() => string) | undefined;
  private recs: RingRecord[] = [];
  private nextSeqNo = 0;
  private clearSeq = 0;
  /** Data ring: head (next free) and tail (oldest live) logical positions. */
  private headLpos = 0;
  private tailLpos = 0;
  private readonly consoles: Console[] = [];

  constructor(options: PrintkRingOptions) {
    this.clock = options.clock;
    this.logBufLen = options.logBufLen ?? DEFAULT_LOG_BUF_LEN;
    if (!Number.isInteger(this.logBufLen) || this.logBufLen < 64) throw new RangeError(`log_buf_len ${this.logBufLen} is too small`);
    this.descCount = Math.max(1, this.logBufLen >> PRB_AVGBITS);
    this.time = options.time ?? true;
    this.caller = options.caller ?? false;
    this.callerId = options.callerId;
    this.consoleLoglevel = options.consoleLoglevel ?? CONSOLE_LOGLEVEL_DEFAULT;
    this.defaultMessageLoglevel = options.defaultMessageLoglevel ?? DEFAULT_MESSAGE_LOGLEVEL;
  }

  /** The rendering kmsg_dump_get_buffer(iter, syslog = true, ...) uses. */
  get dumpOptions(): PrintOptions {
    return { syslog: true, time: this.time, caller: this.caller };
  }

  /** The rendering consoles get. */
  get consoleOptions(): PrintOptions {
    return { syslog: false, time: this.time, caller: this.caller };
  }

  /** prb_first_valid_seq(). */
  get firstSeq(): number {
    return this.recs[0]?.seq ?? this.nextSeqNo;
  }

  /** prb_next_seq(): the sequence number the next record gets. */
  get nextSeq(): number {
    return this.nextSeqNo;
  }

  /** The live records, oldest first. */
  get records(): readonly RingRecord[] {
    return this.recs;
  }

  /** The record with `seq`, if still in the ring. */
  record(seq: number): RingRecord | undefined {
    const i = seq - this.firstSeq;
    return i >= 0 && i < this.recs.length ? this.recs[i] : undefined;
  }

  /**
   * printk(KERN_<level> text): stamps local_clock(), stores, emits to the
   * consoles. Returns the record's sequence number, or -1 if it was lost.
   */
  printk(level: number, text: string, facility = 0): number {
    return this.store({ tsNsec: this.clock(), level, facility, text });
  }

  /**
   * vprintk_store() + prb_commit() for a record whose time is already known
   * (loaded logs). Text longer than PRINTKRB_RECORD_MAX - 1 bytes is
   * truncated; one trailing newline is removed as vprintk_store() does.
   */
  store(input: PrintkRecord): number {
    if (this.suppressPrintk) return -1;
    const level = input.level === LOGLEVEL_DEFAULT ? this.defaultMessageLoglevel : input.level & 7;
    let text = truncateUtf8(input.text, PRINTKRB_RECORD_MAX - 1);
    const reserved = Buffer.byteLength(text) + 1;
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const rec: RingRecord = {
      tsNsec: input.tsNsec,
      level,
      facility: input.facility,
      text,
      seq: 0,
      textLen: Buffer.byteLength(text),
      begin: null,
      next: null,
    };
    const caller = input.caller ?? this.callerId?.();
    if (caller !== undefined) rec.caller = caller;
    // data_alloc(): the block is the id plus the reserved text, aligned to the id's size.
    const blk = align(DATA_BLOCK_ID + reserved, DATA_BLOCK_ID);
    if (blk > this.logBufLen - DATA_BLOCK_ID) {
      // data_check_size() fails: prb_reserve() fails and the message is lost.
      this.lost++;
      return -1;
    }
    // Blocks never wrap: one that would is placed at the start of the next wrap.
    const start = Math.floor(this.headLpos / this.logBufLen) === Math.floor((this.headLpos + blk - 1) / this.logBufLen)
      ? this.headLpos
      : align(this.headLpos, this.logBufLen);
    const next = start + blk;
    // data_push_tail() and desc_push_tail(): invalidate the oldest records.
    while (this.recs.length && (next - this.tailLpos > this.logBufLen || this.recs.length >= this.descCount)) this.dropOldest();
    if (!this.recs.length) this.tailLpos = Math.max(this.tailLpos, next - this.logBufLen);
    rec.begin = this.headLpos;
    rec.next = next;
    this.headLpos = next;
    rec.seq = this.nextSeqNo++;
    this.recs.push(rec);
    this.emit(rec);
    return rec.seq;
  }

  private dropOldest(): void {
    const old = this.recs.shift()!;
    if (old.next !== null) this.tailLpos = old.next;
    this.dropped++;
  }

  /** syslog_clear() (`dmesg -C`): later dumps start after the current records. */
  clear(): void {
    this.clearSeq = this.nextSeqNo;
  }

  /** clear_seq. */
  get clearedSeq(): number {
    return this.clearSeq;
  }

  /** kmsg_dump_rewind(): an iterator over [max(clear_seq, first), next). */
  dumpIter(): PrintkDumpIter {
    return new PrintkDumpIter(this, Math.max(this.clearSeq, this.firstSeq), this.nextSeqNo);
  }

  /** `dmesg -r`: every live record in syslog form, oldest first. */
  syslogText(): string {
    const o = this.dumpOptions;
    return this.recs.map((r) => recordPrintText(r, o)).join('');
  }

  /** What a console shows for the live records (`dmesg` without -r). */
  consoleText(): string {
    const o = this.consoleOptions;
    return this.recs.map((r) => recordPrintText(r, o)).join('');
  }

  // ---------------------------------------------------------------- consoles

  /** register_console(). */
  registerConsole(console: Console, options: ConsoleOptions = {}): void {
    if (this.consoles.includes(console)) return;
    this.consoles.push(console);
    if (options.printBuffer) for (const r of this.recs) this.emitTo(console, r);
  }

  /** unregister_console(). */
  unregisterConsole(console: Console): boolean {
    const i = this.consoles.indexOf(console);
    if (i < 0) return false;
    this.consoles.splice(i, 1);
    return true;
  }

  /** console_verbose(): every level reaches the consoles. */
  consoleVerbose(): void {
    if (this.consoleLoglevel) this.consoleLoglevel = CONSOLE_LOGLEVEL_MOTORMOUTH;
  }

  /** suppress_message_printing(). */
  suppressed(level: number): boolean {
    return level >= this.consoleLoglevel && !this.ignoreLoglevel;
  }

  private emit(r: RingRecord): void {
    for (const c of this.consoles) this.emitTo(c, r);
  }

  /**
   * console_lock: a record logged while a console is being written (an
   * error printed by the storage under a pstore console, say) is not
   * written re-entrantly; the lock holder prints it once the current write
   * is done, as console_unlock() does.
   */
  private emitting = false;
  private readonly deferred: [Console, RingRecord][] = [];

  private emitTo(c: Console, r: RingRecord): void {
    if (this.suppressed(r.level)) return;
    if (this.emitting) {
      if (this.deferred.length < MAX_DEFERRED_CONSOLE_RECORDS) this.deferred.push([c, r]);
      return;
    }
    this.emitting = true;
    try {
      c.write(recordPrintText(r, this.consoleOptions), r);
      for (let next = this.deferred.shift(); next; next = this.deferred.shift()) next[0].write(recordPrintText(next[1], this.consoleOptions), next[1]);
    } finally {
      this.emitting = false;
      this.deferred.length = 0;
    }
  }
}

/**
 * struct kmsg_dump_iter {cur_seq, next_seq} with kmsg_dump_get_buffer(iter,
 * syslog = true, buf, size): the newest whole records that fit in size - 1
 * bytes; next_seq then moves to the first of them, so the next call returns
 * the block before. A newest record that does not fit alone gives an empty
 * buffer (true, len 0) and the iterator does not move; null once cur_seq
 * reaches next_seq, as the kernel's false.
 */
export class PrintkDumpIter implements KmsgDumpIter {
  constructor(
    private readonly ring: PrintkRing,
    public curSeq: number,
    public nextSeq: number,
  ) {}

  getBuffer(size: number): Uint8Array | null {
    if (!(size > 0)) return null;
    const ring = this.ring;
    const min = ring.clearedSeq;
    if (this.curSeq < min) this.curSeq = min;
    // Messages are gone: move to the first available one.
    if (this.curSeq < ring.firstSeq && ring.firstSeq < ring.nextSeq) this.curSeq = ring.firstSeq;
    if (this.curSeq >= this.nextSeq) return null;
    const seq = this.findFirstFittingSeq(this.curSeq, this.nextSeq, size - 1);
    const o = ring.dumpOptions;
    let text = '';
    for (let s = seq; s < this.nextSeq; s++) {
      const r = ring.record(s);
      if (r) text += recordPrintText(r, o);
    }
    this.nextSeq = seq;
    return new TextEncoder().encode(text);
  }

  /** find_first_fitting_seq(start, max, size, syslog = true, time). */
  private findFirstFittingSeq(startSeq: number, maxSeq: number, size: number): number {
    const ring = this.ring;
    const o = ring.dumpOptions;
    const first = Math.max(startSeq, ring.firstSeq);
    let len = 0;
    let seq = first;
    for (; seq < ring.nextSeq; seq++) {
      if (seq >= maxSeq) break;
      len += recordPrintTextSize(ring.record(seq)!, o);
    }
    if (seq < maxSeq) maxSeq = seq;
    for (seq = first; seq < ring.nextSeq; seq++) {
      if (len <= size || seq >= maxSeq) break;
      len -= recordPrintTextSize(ring.record(seq)!, o);
    }
    return seq;
  }
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The longest prefix of `s` whose UTF-8 form has at most `max` bytes, cut at a character boundary. */
export function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  const b = Buffer.from(s).subarray(0, max);
  let end = b.length;
  // Back off a partial multi-byte sequence.
  let i = end - 1;
  while (i >= 0 && (b[i]! & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = b[i]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return b.subarray(0, end).toString('utf8');
}
