/**
 * `inspect --explain`: per zone, in plain words, why it shows nothing or
 * what is wrong with it; then kernel-side reasons that explain an empty or
 * incomplete pstore (docs/forensics.md lists every explanation).
 */
import { KMSG_PAYLOAD_OFFSET, PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, decodeKmsgHeader, decodePszBuffer, zoneSignature } from '../codec.js';
import type { ZoneDesc, ZoneLayout } from '../layout.js';
import { zonesInDiskOrder } from '../layout.js';
import type { BlkParams, RelatedParams } from '../params.js';
import type { PstoreFile } from '../platform.js';
import { KmsgDumpReason, PstoreType, kmsgDumpReasonStr, type ZoneKind } from '../types.js';
import type { ZoneVerdict } from '../zone.js';
import type { DetectedLayout, ReadAt } from './detect.js';

/** Stable identifiers of the explanations, for JSON consumers and tests. */
export type ExplainCode =
  | 'ok'
  | 'never-written-zero'
  | 'never-written-ff'
  | 'wrong-signature'
  | 'no-signature-data'
  | 'signature-damaged'
  | 'erased'
  | 'erased-payload-left'
  | 'overtop'
  | 'bad-magic'
  | 'does-not-inflate'
  | 'start-after-datalen'
  | 'recovery-aborted'
  | 'counter-inconsistent'
  | 'time-inconsistent'
  | 'layout-unused'
  | 'layout-mismatch';

export interface ZoneExplanation {
  kind: ZoneKind;
  index: number;
  offset: number;
  status: string;
  code: ExplainCode;
  text: string;
}

export type HintCode =
  | 'max-reason-panic-only'
  | 'max-reason-no-shutdown'
  | 'best-effort-no-panic'
  | 'always-kmsg-dump'
  | 'crash-kexec'
  | 'panic-before-mount'
  | 'layout-unused'
  | 'layout-mismatch'
  | 'recovery-aborted';

export interface Hint {
  code: HintCode;
  text: string;
}

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

function explainZone(input: ExplainInput, z: ZoneDesc): { code: ExplainCode; text: string } {
  const v = input.verdicts.get(z);
  const status = v?.status ?? 'not-read';
  const head = readAt(input.read, Math.min(z.size, 4096), z.off);
  const hdr = head.length >= PSZ_BUFFER.size ? decodePszBuffer(head) : { sig: 0, datalen: 0, start: 0 };
  const file = input.files.find((f) => f.zones.includes(z));
  const name = z.kind === 'kmsg' ? 'dmesg' : z.kind;
  switch (status) {
    case 'ok': {
      if (file?.compressed) {
        return { code: 'does-not-inflate', text: `holds a compressed record whose data does not inflate (${file.notes.join('; ') || 'zlib_inflate() failed'}): truncated or corrupt; the kernel shows it as ${file.name}. --salvage decodes the part before the damage` };
      }
      return { code: 'ok', text: file ? `holds ${file.name} (${file.data.length} bytes)` : 'valid header; its data is merged into another record' };
    }
    case 'no-valid-data': {
      const other = KIND_OF_SIG.get(hdr.sig);
      if (other) {
        return { code: 'wrong-signature', text: `starts with a ${other} signature, not a ${name} one: the parameters (zone sizes, --cpus) or --offset do not match the kernel that wrote it; try --params auto or mmcpstore detect` };
      }
      if (z.kind === 'kmsg' && head.length >= KMSG_PAYLOAD_OFFSET && decodeKmsgHeader(head).magic === PSTORE_KMSG_HEADER_MAGIC) {
        return { code: 'signature-damaged', text: 'the zone signature is damaged but the dmesg header behind it is intact: the kernel skips it; --salvage reads it' };
      }
      const first = head.subarray(0, Math.min(head.length, 512));
      if (allBytes(first, 0)) return { code: 'never-written-zero', text: 'no signature, all zeros: never initialised (nothing was ever written here with this layout)' };
      if (allBytes(first, 0xff)) return { code: 'never-written-ff', text: 'no signature, all 0xFF: erased flash, never written' };
      return { code: 'no-signature-data', text: 'no signature but other data: wrong --offset or parameters (this is not a zone start of the layout that wrote it), or the header was overwritten' };
    }
    case 'erased': {
      const payload = readAt(input.read, Math.min(z.size, 4096), z.off).subarray(z.kind === 'kmsg' ? KMSG_PAYLOAD_OFFSET : PSZ_BUFFER.size);
      const left = !allBytes(payload, 0) && !allBytes(payload, 0xff);
      if (left) {
        return { code: 'erased-payload-left', text: `datalen is 0: the record was erased (its file removed from /sys/fs/pstore${z.kind === 'kmsg' ? '' : ', or the ring reset'}), but the old payload is still on disk: --salvage recovers it` };
      }
      return { code: 'erased', text: 'datalen is 0 and no payload is left: erased, or the zone was reset without being written again' };
    }
    case 'overtop':
      return {
        code: 'overtop',
        text: `header fields out of range: datalen ${hdr.datalen}${z.kind === 'kmsg' ? '' : `, start ${hdr.start}`} for a ${z.bufferSize}-byte buffer: the header is damaged, or it was written with a larger zone size (check the ${name}_size parameter)`,
      };
    case 'invalid':
      return { code: 'bad-magic', text: `dmesg header magic is 0x${(decodeKmsgHeader(head).magic >>> 0).toString(16)}, not 0x${PSTORE_KMSG_HEADER_MAGIC.toString(16)}: the header is damaged or this is not a dmesg record; --salvage may read the text` };
    case 'read-failed':
      if (hdr.start > hdr.datalen) {
        return { code: 'start-after-datalen', text: `start ${hdr.start} is past datalen ${hdr.datalen}: the kernel asks for a negative length, the read fails and it aborts recovery of EVERY zone (no record at all appears); --salvage reads each zone on its own` };
      }
      return { code: 'recovery-aborted', text: `reading the zone failed (${v?.message ?? 'read error'}); the kernel aborts all recovery` };
    default:
      return { code: 'recovery-aborted', text: "not examined: the kernel's recovery stopped at an earlier zone, so it shows no record at all; --salvage reads each zone on its own" };
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
        out.push({
          kind: 'kmsg', index: k.z.index, offset: k.z.off, status: 'ok', code: 'counter-inconsistent',
          text: `${kmsgDumpReasonStr(reason)} counter ${k.counter} repeats that of zone ${dup.z.index}: the counter restarted (records of different boots where the older records were not recovered first, e.g. a panic before pstorefs was mounted)`,
        });
      }
      seen.set(k.counter, k);
      const prev = same[i - 1];
      if (prev && prev.sec < k.sec && prev.counter > k.counter) {
        out.push({
          kind: 'kmsg', index: k.z.index, offset: k.z.off, status: 'ok', code: 'counter-inconsistent',
          text: `${kmsgDumpReasonStr(reason)} counter ${k.counter} is lower than that of the older zone ${prev.z.index} (${prev.counter}): a counter reset or a wrong clock`,
        });
      }
    }
  }
  const zeroTime = ks.filter((k) => k.sec <= 0n);
  for (const k of zeroTime) {
    out.push({ kind: 'kmsg', index: k.z.index, offset: k.z.off, status: 'ok', code: 'time-inconsistent', text: 'record time is 0 or negative: no RTC when it was written; the kernel picks the next zone by time, so newer dumps may overwrite the newest one' });
  }
}

function hints(input: ExplainInput, zones: ZoneExplanation[]): Hint[] {
  const h: Hint[] = [];
  const dmesg = input.files.filter((f) => f.type === PstoreType.DMESG);
  const panics = dmesg.filter((f) => f.reason === KmsgDumpReason.PANIC);
  const p = input.params;
  if (!input.recovered) {
    h.push({ code: 'recovery-aborted', text: 'pstore/zone aborted its recovery: one bad zone hides every record, so /sys/fs/pstore is empty even though other zones may be fine (mmcpstore recover --salvage)' });
  }
  if (p.maxReason === KmsgDumpReason.PANIC) {
    h.push({ code: 'max-reason-panic-only', text: 'pstore_blk.max_reason=1 stores panics only: oopses (that did not panic) are never dumped' });
  }
  if (p.maxReason !== 0 && p.maxReason < KmsgDumpReason.SHUTDOWN) {
    h.push({ code: 'max-reason-no-shutdown', text: `pstore_blk.max_reason=${p.maxReason}: reboots, power-offs and emergency restarts are not dumped (max_reason=4 for those)` });
  }
  if (p.maxReason === 0 && !input.related.alwaysKmsgDump) {
    h.push({ code: 'always-kmsg-dump', text: 'max_reason=0 (undefined) means Oops at most unless printk.always_kmsg_dump=Y is on the command line' });
  }
  if (!panics.length) {
    h.push({
      code: 'best-effort-no-panic',
      text: `no Panic record: pstore/blk over an ordinary block device (best_effort${p.bestEffort ? '=Y, as given' : ''}) has no panic writer, so a panic's dump stays in RAM and is lost unless the driver registers a panic_write (mmcpstore's eMMC driver does)`,
    });
    if (!input.related.crashKexecPostNotifiers) {
      h.push({ code: 'crash-kexec', text: 'with kdump configured (crashkernel=), panic() boots the crash kernel before kmsg_dump() runs: no pstore dump unless crash_kexec_post_notifiers is on the command line' });
    }
  }
  // Panic before pstorefs was mounted: the write position is only known after recovery, so it lands in zone 0.
  const written = input.layout.kmsg.filter((z) => input.verdicts.get(z)?.status === 'ok');
  if (written.length >= 2 && written[0]!.index === 0) {
    const secs = written.map((z) => decodeKmsgHeader(readAt(input.read, KMSG_PAYLOAD_OFFSET, z.off)).tvSec);
    const newest = secs.reduce((a, b) => (b > a ? b : a), secs[0]!);
    const last = written[written.length - 1]!;
    if (secs[0] === newest && last.index > 0 && secs[written.length - 1]! < newest && written.length === last.index + 1) {
      h.push({ code: 'panic-before-mount', text: `zone 0 holds the newest record although zones 0..${last.index} were written in order: a dump before pstorefs was mounted (e.g. an early-boot panic) goes to zone 0, because the write position is only found by recovery, overwriting the record that was there` });
    }
  }
  if (input.layout.unused >= 4096) {
    h.push({ code: 'layout-unused', text: `${input.layout.unused} bytes at the end of the region are in no zone: the layout does not fill the partition (a different kmsg_size, or --size larger than the partition the kernel saw)` });
  }
  const d = input.detected;
  if (d?.found && input.paramsGiven) {
    const l = input.layout;
    const mine = { kmsgSize: (l.kmsg[0]?.size ?? 0) / 1024, pmsgSize: (l.pmsg?.size ?? 0) / 1024, consoleSize: (l.console?.size ?? 0) / 1024 };
    if (mine.kmsgSize !== d.params.kmsgSize || mine.pmsgSize !== d.params.pmsgSize || mine.consoleSize !== d.params.consoleSize) {
      h.push({ code: 'layout-mismatch', text: `the signatures on disk suggest ${d.summary}, not the parameters given: try --params auto` });
    }
  }
  if (zones.some((z) => z.code === 'wrong-signature' || z.code === 'no-signature-data') && !h.some((x) => x.code === 'layout-mismatch')) {
    h.push({ code: 'layout-mismatch', text: 'some zones start with data but no matching signature: the layout given does not match the one on disk (mmcpstore detect)' });
  }
  return h;
}

export function explainImage(input: ExplainInput): Explanation {
  const zones: ZoneExplanation[] = zonesInDiskOrder(input.layout).map((z) => {
    const { code, text } = explainZone(input, z);
    return { kind: z.kind, index: z.index, offset: z.off, status: input.verdicts.get(z)?.status ?? 'not-read', code, text };
  });
  consistency(input, zones);
  return { zones, hints: hints(input, zones) };
}
