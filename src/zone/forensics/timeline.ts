/**
 * `recover --timeline`: one crash as one text. The newest dmesg record (the
 * dump), then the console and pmsg lines, merged in time order where times
 * exist, each line tagged with the zone it came from:
 *
 *   [    12.345678] dmesg    <text>
 *   [    12.345678] console  <text>
 *   [    12.400000] pmsg     <text>
 *
 * dmesg and console lines carry the kernel's monotonic `[sec.usec]` stamp.
 * Android pmsg entries carry wall-clock time; they are placed on the kernel's
 * clock using the dump's wall-clock time and its last log line (the two are
 * taken as simultaneous). Lines without a time keep their place after the
 * previous line of their zone; plain pmsg text has no time and follows at
 * the end. A console line identical to a dmesg line (same time and text) is
 * shown once, tagged `dmesg+console`.
 */
import type { PstoreFile } from '../platform.js';
import { PstoreType } from '../types.js';
import { decodePmsg } from './logcat.js';

export interface TimelineLine {
  /** Kernel monotonic seconds, or null when unknown. */
  t: number | null;
  source: string;
  text: string;
}

const dec = new TextDecoder('utf-8');
const KMSG_LINE = /^(?:<\d+>)?\[\s*(\d+)\.(\d+)\]\s?(.*)$/;

function parseKernelLines(text: string, source: string): TimelineLine[] {
  const out: TimelineLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const m = KMSG_LINE.exec(raw);
    if (m) out.push({ t: Number(`${m[1]}.${m[2]}`), source, text: m[3]! });
    else out.push({ t: null, source, text: raw });
  }
  return out;
}

function stamp(t: number | null): string {
  return t === null ? '[             ]' : `[${t.toFixed(6).padStart(13)}]`;
}

export interface TimelineResult {
  text: string;
  lines: TimelineLine[];
  /** The dmesg record the timeline is built around, if any. */
  dump: string | null;
}

export function buildTimeline(files: readonly PstoreFile[]): TimelineResult {
  const header: string[] = [];
  const dmesgs = files.filter((f) => f.type === PstoreType.DMESG && !f.compressed);
  const dump = dmesgs.reduce<PstoreFile | undefined>((best, f) => (!best || f.time.sec > best.time.sec || (f.time.sec === best.time.sec && f.id > best.id) ? f : best), undefined);
  let dmesgLines: TimelineLine[] = [];
  let wallOffset: number | null = null;
  if (dump) {
    // "Oops: Total 1 times" and "Oops#1 Part1" describe the dump; they are in the header instead.
    dmesgLines = parseKernelLines(dec.decode(dump.data), 'dmesg').filter((l) => l.t !== null || !/^(\w+: Total -?\d+ times|\w+#\d+ Part\d+)$/.test(l.text));
    const timed = dmesgLines.filter((l) => l.t !== null);
    const first = timed[0]?.t ?? null;
    const last = timed[timed.length - 1]?.t ?? null;
    const when = new Date(Number(dump.time.sec) * 1000).toISOString().replace(/\.000Z$/, 'Z');
    header.push(`# dump: ${dump.name} (${dump.reasonName ?? 'dmesg'}#${dump.count ?? 0}, ${when})`);
    if (first !== null && first > 0) {
      header.push(`# the dump holds Part1 only: the newest log lines that fit the zone, from [${first.toFixed(6)}] on; earlier lines were cut at the zone size`);
    } else {
      header.push('# the dump holds Part1 only; it starts at the beginning of the log');
    }
    if (last !== null) wallOffset = Number(dump.time.sec) + Number(dump.time.nsec) / 1e9 - last;
  } else {
    header.push('# no readable dmesg record: console and pmsg only');
  }
  const console = files.find((f) => f.type === PstoreType.CONSOLE);
  const consoleLines = console ? parseKernelLines(dec.decode(console.data), 'console') : [];
  const pmsg = files.find((f) => f.type === PstoreType.PMSG);
  const pmsgTimed: TimelineLine[] = [];
  const pmsgPlain: TimelineLine[] = [];
  if (pmsg) {
    const items = decodePmsg(pmsg.data);
    const entries = items.flatMap((i) => ('entry' in i ? [i.entry] : []));
    if (entries.length) {
      for (const e of entries) {
        const wall = e.sec + e.nsec / 1e9;
        pmsgTimed.push({ t: wallOffset === null ? null : wall - wallOffset, source: 'pmsg', text: `${e.tag}: ${e.message}` });
      }
    } else {
      for (const l of dec.decode(pmsg.data).split('\n')) if (l !== '') pmsgPlain.push({ t: null, source: 'pmsg', text: l });
    }
  }
  // Dedupe console lines already in the dump.
  const inDump = new Set(dmesgLines.map((l) => `${l.t}\u0000${l.text}`));
  const both = new Set<string>();
  const consoleOnly = consoleLines.filter((l) => {
    const key = `${l.t}\u0000${l.text}`;
    if (l.t !== null && inDump.has(key)) {
      both.add(key);
      return false;
    }
    return true;
  });
  for (const l of dmesgLines) if (both.has(`${l.t}\u0000${l.text}`)) l.source = 'dmesg+console';
  // Merge streams by time; untimed lines sort with the previous line of their stream.
  const keyed: { key: number; stream: number; seq: number; line: TimelineLine }[] = [];
  [dmesgLines, consoleOnly, pmsgTimed].forEach((stream, si) => {
    let last = -Infinity;
    stream.forEach((line, seq) => {
      if (line.t !== null) last = line.t;
      keyed.push({ key: last, stream: si, seq, line });
    });
  });
  keyed.sort((a, b) => a.key - b.key || a.stream - b.stream || a.seq - b.seq);
  const lines = [...keyed.map((k) => k.line), ...pmsgPlain];
  const body = lines.map((l) => `${stamp(l.t)} ${l.source.padEnd(8)} ${l.text}\n`).join('');
  return { text: header.map((h) => h + '\n').join('') + body, lines, dump: dump?.name ?? null };
}
