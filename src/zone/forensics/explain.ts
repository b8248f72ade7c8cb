/**
 * `inspect --explain`: per zone, why it shows nothing or what is wrong with
 * it; then kernel-side reasons that explain an empty or incomplete pstore
 * (docs/forensics.md lists every explanation). Codes and facts only: the
 * commands layer words them.
 */
import { KMSG_PAYLOAD_OFFSET, PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, decodeKmsgHeader, decodePszBuffer, zoneSignature } from '../codec.js';
import type { ZoneDesc, ZoneLayout } from '../layout.js';
import { zonesInDiskOrder } from '../layout.js';
import type { BlkParams, RelatedParams } from '../params.js';
import type { PstoreFile } from '../platform.js';
import { KmsgDumpReason, PstoreType, type ZoneKind } from '../types.js';
import type { ZoneVerdict } from '../zone.js';
import type { DetectedLayout } from './detect.js';
import type { ReadAt } from './signatures.js';

/**
 * What each zone shows, as a code with the facts behind it. The words (and the
 * CLI flags they suggest) belong to the commands layer: commands/render/hints.ts.
 */
export type ZoneFinding =
  /** `record` is null when the zone's data is merged into another record. */
  | { code: 'ok'; record: { name: string; bytes: number } | null }
  | { code: 'does-not-inflate'; record: string; notes: readonly string[] }
  | { code: 'wrong-signature'; found: string }
  | { code: 'signature-damaged' }
  | { code: 'never-written-zero' }
  | { code: 'never-written-ff' }
  | { code: 'no-signature-data' }
  | { code: 'erased-payload-left' }
  | { code: 'erased' }
  /** `start` only for ring zones (a dmesg header has none). */
  | { code: 'overtop'; datalen: number; start: number | null; bufferSize: number }
  | { code: 'bad-magic'; magic: number; expected: number }
  | { code: 'start-after-datalen'; start: number; datalen: number }
  /** `readError` when the zone's read failed; null when recovery stopped before it. */
  | { code: 'recovery-aborted'; readError: string | null }
  /** `repeats`: a zone with the same counter; `lowerThan`: an older zone with a higher one. */
  | { code: 'counter-inconsistent'; reason: KmsgDumpReason; counter: number; repeats: number | null; lowerThan: { index: number; counter: number } | null }
  | { code: 'time-inconsistent' };

/** Stable identifiers of the explanations, for JSON consumers and tests. */
export type ExplainCode = ZoneFinding['code'] | 'layout-unused' | 'layout-mismatch';

export type ZoneExplanation = {
  kind: ZoneKind;
  index: number;
  offset: number;
  status: string;
} & ZoneFinding;

/** Kernel-side reasons for an empty or incomplete pstore, with their facts. */
export type Hint =
  | { code: 'recovery-aborted' }
  | { code: 'max-reason-panic-only' }
  | { code: 'max-reason-no-shutdown'; maxReason: number }
  | { code: 'always-kmsg-dump' }
  | { code: 'best-effort-no-panic'; bestEffortGiven: boolean }
  | { code: 'crash-kexec' }
  /** Zones 0..lastIndex were written in order, zone 0 last. */
  | { code: 'panic-before-mount'; lastIndex: number }
  | { code: 'layout-unused'; unused: number }
  /** `detected`: the layout the signatures suggest; null when only some zones disagree with the one given. */
  | { code: 'layout-mismatch'; detected: string | null };

export type HintCode = Hint['code'];

export interface ExplainInput {
  read: ReadAt;
  layout: ZoneLayout;
  verdicts: ReadonlyMap<ZoneDesc, ZoneVerdict>;
  files: readonly PstoreFile[];
  recovered: boolean;
  params: BlkParams;
  related: RelatedParams;
  /** What the signatures say, when a detection was run. */
  detected?: DetectedLayout | null;
  /** Whether the parameters were given by the user (not auto-detected). */
  paramsGiven: boolean;
}

export interface Explanation {
  zones: ZoneExplanation[];
  hints: Hint[];
}

const KIND_OF_SIG = new Map<number, string>([
  [zoneSignature(PstoreType.DMESG), 'dmesg'],
  [zoneSignature(PstoreType.PMSG), 'pmsg'],
  [zoneSignature(PstoreType.CONSOLE), 'console'],
  [zoneSignature(PstoreType.FTRACE), 'ftrace'],
]);

function readAt(read: ReadAt, len: number, pos: number): Uint8Array {
  const b = new Uint8Array(len);
  const n = read(b, pos);
  return n > 0 ? b.subarray(0, n) : new Uint8Array(0);
}

function allBytes(b: Uint8Array, v: number): boolean {
  for (const c of b) if (c !== v) return false;
  return true;
}

function explainZone(input: ExplainInput, z: ZoneDesc): ZoneFinding {
  const v = input.verdicts.get(z);
  const status = v?.status ?? 'not-read';
  const head = readAt(input.read, Math.min(z.size, 4096), z.off);
  const hdr = head.length >= PSZ_BUFFER.size ? decodePszBuffer(head) : { sig: 0, datalen: 0, start: 0 };
  const file = input.files.find((f) => f.zones.includes(z));
  switch (status) {
    case 'ok': {
      if (file?.compressed) return { code: 'does-not-inflate', record: file.name, notes: file.notes };
      return { code: 'ok', record: file ? { name: file.name, bytes: file.data.length } : null };
    }
    case 'no-valid-data': {
      const other = KIND_OF_SIG.get(hdr.sig);
      if (other) return { code: 'wrong-signature', found: other };
      if (z.kind === 'kmsg' && head.length >= KMSG_PAYLOAD_OFFSET && decodeKmsgHeader(head).magic === PSTORE_KMSG_HEADER_MAGIC) {
        return { code: 'signature-damaged' };
      }
      const first = head.subarray(0, Math.min(head.length, 512));
      if (allBytes(first, 0)) return { code: 'never-written-zero' };
      if (allBytes(first, 0xff)) return { code: 'never-written-ff' };
      return { code: 'no-signature-data' };
    }
    case 'erased': {
      const payload = readAt(input.read, Math.min(z.size, 4096), z.off).subarray(z.kind === 'kmsg' ? KMSG_PAYLOAD_OFFSET : PSZ_BUFFER.size);
      const left = !allBytes(payload, 0) && !allBytes(payload, 0xff);
      return { code: left ? 'erased-payload-left' : 'erased' };
    }
    case 'overtop':
      return { code: 'overtop', datalen: hdr.datalen, start: z.kind === 'kmsg' ? null : hdr.start, bufferSize: z.bufferSize };
    case 'invalid':
      return { code: 'bad-magic', magic: decodeKmsgHeader(head).magic >>> 0, expected: PSTORE_KMSG_HEADER_MAGIC };
    case 'read-failed':
      if (hdr.start > hdr.datalen) return { code: 'start-after-datalen', start: hdr.start, datalen: hdr.datalen };
      return { code: 'recovery-aborted', readError: v?.message ?? 'read error' };
    default:
      return { code: 'recovery-aborted', readError: null };
  }
}

/** Counters and times of the dmesg records that do not fit together. */
function consistency(input: ExplainInput, out: ZoneExplanation[]): void {
  interface K { z: ZoneDesc; sec: bigint; counter: number; reason: number }
  const ks: K[] = [];
  for (const z of input.layout.kmsg) {
    const st = input.verdicts.get(z)?.status;
    if (st !== 'ok') continue;
    const head = readAt(input.read, KMSG_PAYLOAD_OFFSET, z.off);
    if (head.length < KMSG_PAYLOAD_OFFSET) continue;
    const kh = decodeKmsgHeader(head);
    ks.push({ z, sec: kh.tvSec, counter: kh.counter, reason: kh.reason });
  }
  for (const reason of [KmsgDumpReason.OOPS, KmsgDumpReason.PANIC]) {
    const same = ks.filter((k) => k.reason === reason).sort((a, b) => (a.sec < b.sec ? -1 : a.sec > b.sec ? 1 : a.z.index - b.z.index));
    const seen = new Map<number, K>();
    for (let i = 0; i < same.length; i++) {
      const k = same[i]!;
      const dup = seen.get(k.counter);
      if (dup) {
        out.push({ kind: 'kmsg', index: k.z.index, offset: k.z.off, status: 'ok', code: 'counter-inconsistent', reason, counter: k.counter, repeats: dup.z.index, lowerThan: null });
      }
      seen.set(k.counter, k);
      const prev = same[i - 1];
      if (prev && prev.sec < k.sec && prev.counter > k.counter) {
        out.push({
          kind: 'kmsg', index: k.z.index, offset: k.z.off, status: 'ok', code: 'counter-inconsistent',
          reason, counter: k.counter, repeats: null, lowerThan: { index: prev.z.index, counter: prev.counter },
        });
      }
    }
  }
  const zeroTime = ks.filter((k) => k.sec <= 0n);
  for (const k of zeroTime) {
    out.push({ kind: 'kmsg', index: k.z.index, offset: k.z.off, status: 'ok', code: 'time-inconsistent' });
  }
}

function hints(input: ExplainInput, zones: ZoneExplanation[]): Hint[] {
  const h: Hint[] = [];
  const dmesg = input.files.filter((f) => f.type === PstoreType.DMESG);
  const panics = dmesg.filter((f) => f.reason === KmsgDumpReason.PANIC);
  const p = input.params;
  if (!input.recovered) h.push({ code: 'recovery-aborted' });
  if (p.maxReason === KmsgDumpReason.PANIC) h.push({ code: 'max-reason-panic-only' });
  if (p.maxReason !== 0 && p.maxReason < KmsgDumpReason.SHUTDOWN) h.push({ code: 'max-reason-no-shutdown', maxReason: p.maxReason });
  if (p.maxReason === 0 && !input.related.alwaysKmsgDump) h.push({ code: 'always-kmsg-dump' });
  if (!panics.length) {
    h.push({ code: 'best-effort-no-panic', bestEffortGiven: p.bestEffort });
    if (!input.related.crashKexecPostNotifiers) h.push({ code: 'crash-kexec' });
  }
  // Panic before pstorefs was mounted: the write position is only known after recovery, so it lands in zone 0.
  const written = input.layout.kmsg.filter((z) => input.verdicts.get(z)?.status === 'ok');
  if (written.length >= 2 && written[0]!.index === 0) {
    const secs = written.map((z) => decodeKmsgHeader(readAt(input.read, KMSG_PAYLOAD_OFFSET, z.off)).tvSec);
    const newest = secs.reduce((a, b) => (b > a ? b : a), secs[0]!);
    const last = written[written.length - 1]!;
    if (secs[0] === newest && last.index > 0 && secs[written.length - 1]! < newest && written.length === last.index + 1) {
      h.push({ code: 'panic-before-mount', lastIndex: last.index });
    }
  }
  if (input.layout.unused >= 4096) h.push({ code: 'layout-unused', unused: input.layout.unused });
  const d = input.detected;
  if (d?.found && input.paramsGiven) {
    const l = input.layout;
    const mine = { kmsgSize: (l.kmsg[0]?.size ?? 0) / 1024, pmsgSize: (l.pmsg?.size ?? 0) / 1024, consoleSize: (l.console?.size ?? 0) / 1024 };
    if (mine.kmsgSize !== d.params.kmsgSize || mine.pmsgSize !== d.params.pmsgSize || mine.consoleSize !== d.params.consoleSize) {
      h.push({ code: 'layout-mismatch', detected: d.summary });
    }
  }
  if (zones.some((z) => z.code === 'wrong-signature' || z.code === 'no-signature-data') && !h.some((x) => x.code === 'layout-mismatch')) {
    h.push({ code: 'layout-mismatch', detected: null });
  }
  return h;
}

export function explainImage(input: ExplainInput): Explanation {
  const zones: ZoneExplanation[] = zonesInDiskOrder(input.layout).map((z) => ({
    kind: z.kind,
    index: z.index,
    offset: z.off,
    status: input.verdicts.get(z)?.status ?? 'not-read',
    ...explainZone(input, z),
  }));
  consistency(input, zones);
  return { zones, hints: hints(input, zones) };
}
