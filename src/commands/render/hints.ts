/**
 * The words of `inspect --explain`: the zone layer finds codes and facts
 * (zone/forensics/explain.ts); what they mean to the user, and the commands
 * and flags that help, are said here.
 */
import type { ChalkInstance } from 'chalk';
import { hex } from '../../lib/hex.js';
import { kmsgDumpReasonStr } from '../../zone/types.js';
import type { Explanation, ExplainCode, Hint, HintCode, ZoneExplanation } from '../../zone/forensics/explain.js';

/** One zone's explanation as `--json` prints it. */
export interface ZoneExplanationText {
  kind: ZoneExplanation['kind'];
  index: number;
  offset: number;
  status: string;
  code: ExplainCode;
  text: string;
}

export interface HintText {
  code: HintCode;
  text: string;
}

export interface ExplanationText {
  zones: ZoneExplanationText[];
  hints: HintText[];
}

const SALVAGE_EACH_ZONE = '--salvage reads each zone on its own';

export function zoneExplanationText(z: ZoneExplanation): string {
  const name = z.kind === 'kmsg' ? 'dmesg' : z.kind;
  switch (z.code) {
    case 'ok':
      return z.record ? `holds ${z.record.name} (${z.record.bytes} bytes)` : 'valid header; its data is merged into another record';
    case 'does-not-inflate':
      return `holds a compressed record whose data does not inflate (${z.notes.join('; ') || 'zlib_inflate() failed'}): truncated or corrupt; the kernel shows it as ${z.record}. --salvage decodes the part before the damage`;
    case 'wrong-signature':
      return `starts with a ${z.found} signature, not a ${name} one: the parameters (zone sizes, --cpus) or --offset do not match the kernel that wrote it; try --params auto or mmcpstore detect`;
    case 'signature-damaged':
      return 'the zone signature is damaged but the dmesg header behind it is intact: the kernel skips it; --salvage reads it';
    case 'never-written-zero':
      return 'no signature, all zeros: never initialised (nothing was ever written here with this layout)';
    case 'never-written-ff':
      return 'no signature, all 0xFF: erased flash, never written';
    case 'no-signature-data':
      return 'no signature but other data: wrong --offset or parameters (this is not a zone start of the layout that wrote it), or the header was overwritten';
    case 'erased-payload-left':
      return `datalen is 0: the record was erased (its file removed from /sys/fs/pstore${z.kind === 'kmsg' ? '' : ', or the ring reset'}), but the old payload is still on disk: --salvage recovers it`;
    case 'erased':
      return 'datalen is 0 and no payload is left: erased, or the zone was reset without being written again';
    case 'overtop':
      return `header fields out of range: datalen ${z.datalen}${z.start === null ? '' : `, start ${z.start}`} for a ${z.bufferSize}-byte buffer: the header is damaged, or it was written with a larger zone size (check the ${name}_size parameter)`;
    case 'bad-magic':
      return `dmesg header magic is ${hex(z.magic)}, not ${hex(z.expected)}: the header is damaged or this is not a dmesg record; --salvage may read the text`;
    case 'start-after-datalen':
      return `start ${z.start} is past datalen ${z.datalen}: the kernel asks for a negative length, the read fails and it aborts recovery of EVERY zone (no record at all appears); ${SALVAGE_EACH_ZONE}`;
    case 'recovery-aborted':
      if (z.readError !== null) return `reading the zone failed (${z.readError}); the kernel aborts all recovery`;
      return `not examined: the kernel's recovery stopped at an earlier zone, so it shows no record at all; ${SALVAGE_EACH_ZONE}`;
    case 'counter-inconsistent': {
      const what = `${kmsgDumpReasonStr(z.reason)} counter ${z.counter}`;
      if (z.lowerThan) return `${what} is lower than that of the older zone ${z.lowerThan.index} (${z.lowerThan.counter}): a counter reset or a wrong clock`;
      return `${what} repeats that of zone ${z.repeats}: the counter restarted (records of different boots where the older records were not recovered first, e.g. a panic before pstorefs was mounted)`;
    }
    case 'time-inconsistent':
      return 'record time is 0 or negative: no RTC when it was written; the kernel picks the next zone by time, so newer dumps may overwrite the newest one';
  }
}

export function hintText(h: Hint): string {
  switch (h.code) {
    case 'recovery-aborted':
      return 'pstore/zone aborted its recovery: one bad zone hides every record, so /sys/fs/pstore is empty even though other zones may be fine (mmcpstore recover --salvage)';
    case 'max-reason-panic-only':
      return 'pstore_blk.max_reason=1 stores panics only: oopses (that did not panic) are never dumped';
    case 'max-reason-no-shutdown':
      return `pstore_blk.max_reason=${h.maxReason}: reboots, power-offs and emergency restarts are not dumped (max_reason=4 for those)`;
    case 'always-kmsg-dump':
      return 'max_reason=0 (undefined) means Oops at most unless printk.always_kmsg_dump=Y is on the command line';
    case 'best-effort-no-panic':
      return `no Panic record: pstore/blk over an ordinary block device (best_effort${h.bestEffortGiven ? '=Y, as given' : ''}) has no panic writer, so a panic's dump stays in RAM and is lost unless the driver registers a panic_write (mmcpstore's eMMC driver does)`;
    case 'crash-kexec':
      return 'with kdump configured (crashkernel=), panic() boots the crash kernel before kmsg_dump() runs: no pstore dump unless crash_kexec_post_notifiers is on the command line';
    case 'panic-before-mount':
      return `zone 0 holds the newest record although zones 0..${h.lastIndex} were written in order: a dump before pstorefs was mounted (e.g. an early-boot panic) goes to zone 0, because the write position is only found by recovery, overwriting the record that was there`;
    case 'layout-unused':
      return `${h.unused} bytes at the end of the region are in no zone: the layout does not fill the partition (a different kmsg_size, or --size larger than the partition the kernel saw)`;
    case 'layout-mismatch':
      if (h.detected !== null) return `the signatures on disk suggest ${h.detected}, not the parameters given: try --params auto`;
      return 'some zones start with data but no matching signature: the layout given does not match the one on disk (mmcpstore detect)';
  }
}

/** The explanation with its words, in the shape (and key order) `--json` prints. */
export function explanationText(e: Explanation): ExplanationText {
  return {
    zones: e.zones.map((z) => ({ kind: z.kind, index: z.index, offset: z.offset, status: z.status, code: z.code, text: zoneExplanationText(z) })),
    hints: e.hints.map((h) => ({ code: h.code, text: hintText(h) })),
  };
}

/** The `explain` and `hints` sections of `inspect --explain`. */
export function renderExplain(e: ExplanationText, c: ChalkInstance): string {
  const out: string[] = [c.bold('explain')];
  // Consecutive zones of one kind with the same explanation share a line.
  for (let i = 0; i < e.zones.length; ) {
    const z = e.zones[i]!;
    let j = i + 1;
    while (j < e.zones.length && e.zones[j]!.kind === z.kind && e.zones[j]!.text === z.text && e.zones[j]!.index === e.zones[j - 1]!.index + 1) j++;
    const idx = j - i > 1 ? `${z.index}-${e.zones[j - 1]!.index}` : String(z.index);
    out.push(`  ${z.kind} ${idx}: ${z.text}`);
    i = j;
  }
  if (e.hints.length) {
    out.push(c.bold('hints'));
    for (const h of e.hints) out.push(`  - ${h.text}`);
  }
  return out.join('\n') + '\n';
}
