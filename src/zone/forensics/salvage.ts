/**
 * Salvage: what pstore/zone would drop, read back anyway and clearly marked
 * (docs/forensics.md). Each zone is examined on its own, so one bad ring
 * header (which makes the kernel show nothing at all) does not hide the rest.
 *
 * - a compressed dmesg record that does not inflate (truncated or corrupt
 *   stream): the text decoded up to the damage;
 * - a dmesg zone the kernel skipped (erased: datalen 0; overtop; bad magic;
 *   damaged signature): the payload, inflated to the end of its stream or cut
 *   at the zero fill that follows a record;
 * - ring zones (pmsg, console) with start/datalen out of range or erased:
 *   the whole buffer in ring order, fill bytes trimmed;
 * - stale bytes after `datalen` in a ring that never wrapped;
 * - when the kernel's recovery aborted: every zone that is itself intact,
 *   decoded as the kernel would have.
 *
 * Output is capped: no salvaged record inflates past SALVAGE_LIMIT (or
 * 3 × bufsize, the kernel's own limit, when that is larger).
 */
import { hex } from '../../lib/hex.js';
import { KMSG_PAYLOAD_OFFSET, PSTORE_KMSG_HEADER_MAGIC, PSZ_BUFFER, PSZ_KMSG_HEADER, decodeKmsgHeader, decodePszBuffer, zoneSignature } from '../codec.js';
import type { ZoneDesc, ZoneLayout } from '../layout.js';
import { zonesInDiskOrder } from '../layout.js';
import type { PstoreFile, Timespec } from '../platform.js';
import { PstoreType, kmsgDumpReasonStr, type ZoneKind } from '../types.js';
import type { ZoneVerdict } from '../zone.js';
import type { ReadAt } from './signatures.js';
import { partialInflate } from './inflate.js';

/** Salvaged records never inflate past this many bytes (unless 3 × bufsize is more). */
export const SALVAGE_LIMIT = 1024 * 1024;
/** Shortest text worth reporting. */
const MIN_TEXT = 8;

export interface SalvagedRecord {
  /** `salvaged/dmesg-pstore_blk-2.txt`: relative path under the output directory. */
  name: string;
  kind: ZoneKind;
  zoneIndex: number;
  offset: number;
  /** Why the kernel does not show this, and how it was read. */
  reason: string;
  data: Uint8Array;
  time?: Timespec;
  reasonName?: string;
  count?: number;
}

export interface SalvageInput {
  read: ReadAt;
  layout: ZoneLayout;
  verdicts: ReadonlyMap<ZoneDesc, ZoneVerdict>;
  /** What the kernel shows (kernel-exact). */
  files: readonly PstoreFile[];
  /** False when pstore/zone's recovery aborted (then the kernel shows nothing). */
  recovered: boolean;
  backend?: string;
}

/** Share of bytes that are printable ASCII, tab, newline or UTF-8 continuation. */
export function textScore(b: Uint8Array): number {
  if (!b.length) return 0;
  let ok = 0;
  for (const c of b) if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x09 || c === 0x0d || c >= 0x80) ok++;
  return ok / b.length;
}

export function looksLikeText(b: Uint8Array): boolean {
  if (b.length < MIN_TEXT) return false;
  let high = 0;
  for (const c of b) if (c >= 0x80) high++;
  return textScore(b) >= 0.9 && high / b.length < 0.3;
}

/** Drops leading and trailing runs of 0x00 / 0xFF (zero fill, psz_init_zone's 0xFF fill). */
export function trimFill(b: Uint8Array): Uint8Array {
  let s = 0;
  let e = b.length;
  while (s < e && (b[s] === 0 || b[s] === 0xff)) s++;
  while (e > s && (b[e - 1] === 0 || b[e - 1] === 0xff)) e--;
  return b.subarray(s, e);
}

/** Cut at the first NUL: a record is followed by zero fill. */
function cutAtZeroFill(b: Uint8Array): Uint8Array {
  const i = b.indexOf(0);
  return i < 0 ? b : b.subarray(0, i);
}

function readZone(read: ReadAt, z: ZoneDesc): Uint8Array | null {
  const buf = new Uint8Array(z.size);
  const n = read(buf, z.off);
  return n === z.size ? buf : n > 0 ? buf.subarray(0, n) : null;
}

const enc = new TextEncoder();
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function limitFor(z: ZoneDesc): number {
  return Math.max(SALVAGE_LIMIT, 3 * z.bufferSize);
}

function salvageKmsg(input: SalvageInput, z: ZoneDesc, buf: Uint8Array, out: SalvagedRecord[]): void {
  const backend = input.backend ?? 'pstore_blk';
  const verdict = input.verdicts.get(z);
  const status = verdict?.status ?? 'not-read';
  const file = input.files.find((f) => f.type === PstoreType.DMESG && f.id === z.index);
  if (buf.length < KMSG_PAYLOAD_OFFSET) return;
  const hdr = decodePszBuffer(buf);
  const kh = decodeKmsgHeader(buf);
  const sigOk = hdr.sig === zoneSignature(z.type);
  const magicOk = kh.magic === PSTORE_KMSG_HEADER_MAGIC;
  const bufsize = z.bufferSize - PSZ_KMSG_HEADER.size;
  const base = { name: `salvaged/dmesg-${backend}-${z.index}.txt`, kind: z.kind, zoneIndex: z.index, offset: z.off };
  const meta = magicOk
    ? { time: { sec: kh.tvSec, nsec: kh.tvNsec }, reasonName: kmsgDumpReasonStr(kh.reason), count: kh.counter }
    : {};
  const payloadAll = buf.subarray(KMSG_PAYLOAD_OFFSET);
  if (file) {
    if (!file.compressed) return; // kernel-exact already
    const stored = payloadAll.subarray(0, Math.max(0, Math.min(hdr.datalen - PSZ_KMSG_HEADER.size, bufsize)));
    const r = partialInflate(stored, limitFor(z));
    if (r.data.length) {
      out.push({ ...base, ...meta, data: r.data, reason: `compressed record does not inflate (${file.notes.join('; ') || 'zlib_inflate() failed'}); ${r.data.length} bytes decoded before the damage: ${r.stopped ?? 'stream complete'}` });
    }
    return;
  }
  const intact = sigOk && magicOk && hdr.datalen >= PSZ_KMSG_HEADER.size && hdr.datalen <= z.bufferSize;
  if (intact && status !== 'erased') {
    // The kernel would have shown it but for another zone (recovery aborted) or a read problem.
    const payload = payloadAll.subarray(0, hdr.datalen - PSZ_KMSG_HEADER.size);
    let data: Uint8Array;
    let how: string;
    if (kh.compressed) {
      const r = partialInflate(payload, limitFor(z));
      data = r.data;
      how = r.complete ? 'inflated' : `partly inflated (${r.stopped})`;
    } else {
      data = concat(enc.encode(`${kmsgDumpReasonStr(kh.reason)}: Total ${kh.counter | 0} times\n`), payload);
      how = 'as the kernel would show it';
    }
    const why = input.recovered ? `the kernel skipped this zone (${status})` : "the kernel's recovery aborted on another zone, so it shows no record at all";
    if (data.length) out.push({ ...base, ...meta, data, reason: `${why}; the zone itself is intact, ${how}` });
    return;
  }
  // A zone the kernel skipped: erased, overtop, invalid, no signature.
  let data: Uint8Array = new Uint8Array(0);
  let how = '';
  const tryInflate = (): boolean => {
    const r = partialInflate(payloadAll, limitFor(z));
    if (r.data.length >= MIN_TEXT && looksLikeText(r.data)) {
      data = r.data;
      how = r.complete ? 'inflated to the end of its deflate stream' : `inflated up to the damage (${r.stopped})`;
      return true;
    }
    return false;
  };
  const tryText = (): boolean => {
    const t = trimFill(cutAtZeroFill(payloadAll));
    if (looksLikeText(t)) {
      data = t;
      how = 'text up to the zero fill after the record';
      return true;
    }
    return false;
  };
  if (magicOk && kh.compressed) {
    if (!tryInflate()) tryText();
  } else if (!tryText()) tryInflate();
  if (!data.length) return;
  let why: string;
  switch (status) {
    case 'erased':
      why = 'erased record (datalen 0, e.g. its /sys/fs/pstore file was removed); the payload is still on disk';
      break;
    case 'overtop':
      why = `datalen ${hdr.datalen} is past the ${z.bufferSize}-byte buffer (header damaged)`;
      break;
    case 'invalid':
      why = `kmsg header magic ${hex(kh.magic)} is damaged`;
      break;
    case 'no-valid-data':
      why = magicOk ? 'zone signature damaged (the kmsg header behind it is intact)' : 'no zone signature (header damaged, or data of another layout)';
      break;
    default:
      why = `the kernel did not read this zone (${status})`;
  }
  out.push({ ...base, ...meta, data, reason: `${why}; ${how}` });
}

function salvageRing(input: SalvageInput, z: ZoneDesc, buf: Uint8Array, out: SalvagedRecord[]): void {
  const backend = input.backend ?? 'pstore_blk';
  const status = input.verdicts.get(z)?.status ?? 'not-read';
  const file = input.files.find((f) => f.zones.includes(z) && f.type !== PstoreType.DMESG);
  const hdr = decodePszBuffer(buf);
  const sigOk = hdr.sig === zoneSignature(z.type);
  const data = buf.subarray(PSZ_BUFFER.size);
  const size = z.bufferSize;
  const base = { kind: z.kind, zoneIndex: z.index, offset: z.off };
  const name = `salvaged/${z.kind}-${backend}-${z.index}`;
  if (file) {
    // Kernel-exact; only bytes after datalen in a ring that never wrapped can add anything.
    if (hdr.datalen === hdr.start && hdr.datalen >= 0 && hdr.datalen < size) {
      const stale = trimFill(data.subarray(hdr.datalen));
      if (looksLikeText(stale)) {
        out.push({ ...base, name: `${name}.stale.txt`, data: stale, reason: `${stale.length} bytes after datalen ${hdr.datalen} in a ring that never wrapped: older data not overwritten yet` });
      }
    }
    return;
  }
  const inRange = (v: number): boolean => v >= 0 && v <= size;
  let bytes: Uint8Array;
  let how: string;
  if (sigOk && inRange(hdr.start) && inRange(hdr.datalen) && hdr.datalen >= hdr.start && hdr.datalen > 0) {
    // Intact header: the kernel's own ring order.
    bytes = concat(data.subarray(hdr.start, hdr.datalen), data.subarray(0, hdr.start));
    how = 'read in ring order, as the kernel would';
  } else if (inRange(hdr.start) && hdr.start > 0) {
    bytes = concat(data.subarray(hdr.start), data.subarray(0, hdr.start));
    how = `whole buffer read in ring order from start ${hdr.start}`;
  } else {
    bytes = data;
    how = 'whole buffer read';
  }
  const text = trimFill(bytes);
  if (z.kind === 'ftrace' || !looksLikeText(text)) return;
  let why: string;
  switch (status) {
    case 'erased':
      why = 'erased ring zone (datalen 0); its old bytes are still on disk';
      break;
    case 'overtop':
      why = `header out of range (datalen ${hdr.datalen}, start ${hdr.start}, buffer ${size})`;
      break;
    case 'read-failed':
      why = `start ${hdr.start} > datalen ${hdr.datalen}: the kernel aborts all recovery on this zone`;
      break;
    case 'no-valid-data':
      why = 'no zone signature (header damaged, or data of another layout)';
      break;
    case 'not-read':
      why = "the kernel's recovery stopped before this zone";
      break;
    default:
      why = `the kernel shows nothing for this zone (${status})`;
  }
  out.push({ ...base, name: `${name}.txt`, data: text, reason: `${why}; ${how}` });
}

/** Everything salvageable in a layout, zone by zone, in disk order. */
export function salvageZones(input: SalvageInput): SalvagedRecord[] {
  const out: SalvagedRecord[] = [];
  for (const z of zonesInDiskOrder(input.layout)) {
    const buf = readZone(input.read, z);
    if (!buf || buf.length < PSZ_BUFFER.size) continue;
    if (z.kind === 'kmsg') salvageKmsg(input, z, buf, out);
    else if (z.kind !== 'ftrace') salvageRing(input, z, buf, out);
  }
  return out;
}
