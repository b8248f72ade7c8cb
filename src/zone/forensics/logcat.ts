/**
 * Android pmsg decoding. liblog writes each log entry to /dev/pmsg0 as
 * (system/logging/liblog/pmsg_writer.cpp, include/private/android_logger.h):
 *
 *   android_pmsg_log_header_t  (packed, 7 bytes)
 *     u8 magic 'l' (0x6c), u16 len (the whole entry, headers included),
 *     u16 uid, u16 pid
 *   android_log_header_t       (packed, 11 bytes)
 *     u8 id (log buffer: main, radio, events, ...), u16 tid,
 *     u32 tv_sec, u32 tv_nsec (CLOCK_REALTIME)
 *   payload: u8 priority, tag NUL-terminated, message NUL-terminated
 *   (binary buffers: events/stats/security carry an int32 tag + binary data)
 *
 * all little-endian. Decoded to `logcat -v threadtime`-like lines:
 *
 *   MM-DD HH:MM:SS.mmm  PID  TID P TAG     : message        (UTC)
 *
 * After a damaged entry (bad magic, impossible length, bad fields) the
 * decoder skips forward byte by byte to the next plausible header and says
 * how many bytes it skipped.
 */

export const PMSG_HEADER_SIZE = 7;
export const LOG_HEADER_SIZE = 11;
export const LOGGER_MAGIC = 0x6c;
/** LOGGER_ENTRY_MAX_LEN in liblog: 5 KiB per entry. */
export const LOGGER_ENTRY_MAX_LEN = 5 * 1024;

export const LOG_IDS = ['main', 'radio', 'events', 'system', 'crash', 'stats', 'security', 'kernel'] as const;
const BINARY_IDS = new Set([2, 5, 6]);
const PRIO = ['?', '?', 'V', 'D', 'I', 'W', 'E', 'F', 'S'];

export interface LogcatEntry {
  offset: number;
  uid: number;
  pid: number;
  tid: number;
  logId: number;
  sec: number;
  nsec: number;
  priority: number;
  tag: string;
  message: string;
}

export type PmsgItem = { entry: LogcatEntry } | { skipped: number; offset: number };

function plausible(b: Uint8Array, at: number): number {
  if (at + PMSG_HEADER_SIZE + LOG_HEADER_SIZE + 1 > b.length) return 0;
  if (b[at] !== LOGGER_MAGIC) return 0;
  const v = new DataView(b.buffer, b.byteOffset + at);
  const len = v.getUint16(1, true);
  if (len < PMSG_HEADER_SIZE + LOG_HEADER_SIZE + 2 || len > LOGGER_ENTRY_MAX_LEN + PMSG_HEADER_SIZE + LOG_HEADER_SIZE) return 0;
  if (at + len > b.length) return 0;
  const id = v.getUint8(7);
  if (id >= LOG_IDS.length) return 0;
  const nsec = v.getUint32(14, true);
  if (nsec >= 1_000_000_000) return 0;
  if (!BINARY_IDS.has(id)) {
    const prio = b[at + 18]!;
    if (prio > 8) return 0;
  }
  return len;
}

const dec = new TextDecoder('utf-8');

function decodeEntry(b: Uint8Array, at: number, len: number): LogcatEntry {
  const v = new DataView(b.buffer, b.byteOffset + at);
  const id = v.getUint8(7);
  const payload = b.subarray(at + PMSG_HEADER_SIZE + LOG_HEADER_SIZE, at + len);
  let priority = 4;
  let tag: string;
  let message: string;
  if (BINARY_IDS.has(id)) {
    const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    tag = payload.length >= 4 ? String(pv.getInt32(0, true)) : '?';
    message = Array.from(payload.subarray(4), (c) => c.toString(16).padStart(2, '0')).join(' ');
  } else {
    priority = payload[0]!;
    const rest = payload.subarray(1);
    const t = rest.indexOf(0);
    tag = dec.decode(t < 0 ? rest : rest.subarray(0, t));
    const m = t < 0 ? new Uint8Array(0) : rest.subarray(t + 1);
    const e = m.indexOf(0);
    message = dec.decode(e < 0 ? m : m.subarray(0, e)).replace(/\n+$/, '');
  }
  return {
    offset: at,
    uid: v.getUint16(3, true),
    pid: v.getUint16(5, true),
    logId: id,
    tid: v.getUint16(8, true),
    sec: v.getUint32(10, true),
    nsec: v.getUint32(14, true),
    priority,
    tag,
    message,
  };
}

/** Entries and skipped stretches, in order. */
export function decodePmsg(b: Uint8Array): PmsgItem[] {
  const items: PmsgItem[] = [];
  let at = 0;
  let skipFrom = -1;
  while (at < b.length) {
    const len = plausible(b, at);
    if (len) {
      if (skipFrom >= 0) {
        items.push({ skipped: at - skipFrom, offset: skipFrom });
        skipFrom = -1;
      }
      items.push({ entry: decodeEntry(b, at, len) });
      at += len;
    } else {
      if (skipFrom < 0) skipFrom = at;
      at++;
    }
  }
  if (skipFrom >= 0) items.push({ skipped: b.length - skipFrom, offset: skipFrom });
  return items;
}

/** Whether a pmsg buffer holds Android log entries at all. */
export function isAndroidPmsg(b: Uint8Array): boolean {
  return decodePmsg(b).some((i) => 'entry' in i);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `MM-DD HH:MM:SS.mmm` in UTC. */
export function logcatTime(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  return `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${String(Math.floor(nsec / 1e6)).padStart(3, '0')}`;
}

/** One entry as `logcat -v threadtime` prints it; multi-line messages repeat the prefix. */
export function formatThreadtime(e: LogcatEntry): string {
  const prefix = `${logcatTime(e.sec, e.nsec)} ${String(e.pid).padStart(5)} ${String(e.tid).padStart(5)} ${PRIO[e.priority] ?? '?'} ${e.tag.padEnd(8)}: `;
  return e.message.split('\n').map((l) => prefix + l + '\n').join('');
}

/** The whole buffer as logcat text; damaged stretches become `--------- N bytes skipped` lines. */
export function pmsgToLogcat(b: Uint8Array): string {
  return decodePmsg(b)
    .map((i) => ('entry' in i ? formatThreadtime(i.entry) : `--------- ${i.skipped} bytes skipped (damaged or partial entry at offset ${i.offset})\n`))
    .join('');
}

/** Builds one entry, as liblog's pmsg writer does (tests and generated images). */
export function encodePmsgEntry(e: Omit<LogcatEntry, 'offset'>): Uint8Array {
  const enc = new TextEncoder();
  const tag = enc.encode(e.tag);
  const msg = enc.encode(e.message);
  const len = PMSG_HEADER_SIZE + LOG_HEADER_SIZE + 1 + tag.length + 1 + msg.length + 1;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint8(0, LOGGER_MAGIC);
  v.setUint16(1, len, true);
  v.setUint16(3, e.uid, true);
  v.setUint16(5, e.pid, true);
  v.setUint8(7, e.logId);
  v.setUint16(8, e.tid, true);
  v.setUint32(10, e.sec, true);
  v.setUint32(14, e.nsec, true);
  b[18] = e.priority;
  b.set(tag, 19);
  b.set(msg, 20 + tag.length);
  return b;
}
