/**
 * Every record pstorefs would show: a summary line (name, reason and count, time, size, zones)
 * that opens to the full text (all closed: the page opens on the whole picture). Text that is not UTF-8 (a record kept compressed, binary pmsg)
 * shows as a hex dump.
 */
import type { RecordInfo } from '../../../reader/report.js';
import { html, type Html } from './escape.js';
import type { ReportRecord } from './model.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEXDUMP_COLUMNS = 16;
/** The lines a kernel engineer looks for first in a dump, most telling first. */
const HEADLINES: readonly RegExp[] = [
  /Kernel panic - not syncing:.*$/m,
  /Internal error: .*$/m,
  /(?:BUG: |Unable to handle kernel |general protection fault).*$/m,
  /Oops: (?!Total -?\d+ times).*$/m,
  /WARNING: .*$/m,
];

/** The record's text, or null when its bytes are not UTF-8. */
export function recordText(data: Uint8Array): string | null {
  try {
    return utf8.decode(data);
  } catch {
    return null;
  }
}

/** `00000000  de ad be ef ...  |....|`, as hexdump -C prints it. */
export function hexDump(data: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < data.length; off += HEXDUMP_COLUMNS) {
    const row = data.subarray(off, off + HEXDUMP_COLUMNS);
    const bytes = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const hexPart = bytes.slice(0, 8).join(' ').padEnd(23) + '  ' + bytes.slice(8).join(' ').padEnd(23);
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hexPart}  |${ascii}|`);
  }
  return lines.join('\n');
}

/** The panic/oops line of a dump, if it has one. */
export function headline(text: string | null): string | null {
  if (text === null) return null;
  for (const re of HEADLINES) {
    const m = re.exec(text);
    if (m) return m[0].trim();
  }
  return null;
}

/** `Panic#2`, or the record's type when it has no dump reason. */
export function reasonLabel(r: RecordInfo): string {
  return r.reason !== null ? `${r.reason}#${r.count ?? 0}` : r.type;
}

export function timeLabel(r: RecordInfo): string {
  return r.time ?? `@${r.timeSec}`;
}

function record(rec: ReportRecord): Html {
  const r = rec.info;
  const text = recordText(rec.data);
  const head = headline(text);
  const zones = r.zones.map((z) => `${z.kind} ${z.index}`).join(', ');
  const stored = r.storedSize !== null ? `, ${r.storedSize} stored` : '';
  const body =
    text !== null
      ? html`<pre class="text">${text}</pre>`
      : html`<p class="note">Not UTF-8 text${r.compressed ? ' (still compressed: it did not inflate)' : ''}: ${rec.data.length} bytes as a hex dump.</p><pre class="text">${hexDump(rec.data)}</pre>`;
  const notes = r.notes.map((n) => html`<p class="warn">${n}</p>`);
  return html`<details class="record" id="rec-${r.name}" data-name="${r.name}"><summary><span class="rname">${r.name}</span> <span class="tag ${r.reason !== null ? `r-${r.reason.toLowerCase()}` : 't-other'}">${reasonLabel(r)}</span> <span class="meta">${timeLabel(r)} · ${r.size} bytes${stored} · ${zones}${r.compressed ? ' · still compressed' : ''}</span>${head !== null ? html`<div class="head">${head}</div>` : html``}</summary>${notes}${body}</details>`;
}

export function recordsSection(records: readonly ReportRecord[], recovery: { ok: boolean; message?: string }): Html {
  let body: Html;
  if (!recovery.ok) body = html`<p class="bad">pstore/zone's recovery aborted (${recovery.message ?? 'recover failed'}): the kernel would show no records.</p>`;
  else if (!records.length) body = html`<p>No records: /sys/fs/pstore would be empty.</p>`;
  else body = html`${records.map(record)}`;
  return html`<section id="records"><h2>Records <span class="count">${records.length}</span></h2>${body}</section>`;
}
