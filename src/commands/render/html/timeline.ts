/**
 * The records across boots in time order (time, then id: the order in which `recover
 * --timeline` picks the newest dump), then the newest crash as one merged text, exactly as
 * `recover --timeline` prints it.
 */
import { html, type Html } from './escape.js';
import type { ReportRecord } from './model.js';
import { headline, reasonLabel, recordText, timeLabel } from './records.js';

/** Oldest first: by stored time (seconds), then by record id, as buildTimeline() compares dumps. */
export function inTimeOrder(records: readonly ReportRecord[]): ReportRecord[] {
  return [...records].sort((a, b) => a.info.timeSec - b.info.timeSec || a.info.id - b.info.id);
}

export function timelineSection(records: readonly ReportRecord[], newestName: string | null, mergedText: string | null): Html {
  const items = inTimeOrder(records).map((rec) => {
    const r = rec.info;
    const head = headline(recordText(rec.data));
    const newest = r.name === newestName;
    return html`<li class="${newest ? 'ev newest' : 'ev'}" data-name="${r.name}"><span class="when">${timeLabel(r)}</span><a href="#rec-${r.name}">${r.name}</a> <span class="tag ${r.reason !== null ? `r-${r.reason.toLowerCase()}` : 't-other'}">${reasonLabel(r)}</span>${newest ? html` <span class="tag t-newest">newest dump</span>` : html``}${head !== null ? html`<div class="head">${head}</div>` : html``}</li>`;
  });
  const list = items.length ? html`<ol class="timeline">${items}</ol>` : html`<p>No records to order.</p>`;
  const merged =
    mergedText !== null
      ? html`<details class="merged"><summary>The newest crash as one text: the dump, console and pmsg lines merged in time order (<code>recover --timeline</code>)</summary><pre class="text">${mergedText}</pre></details>`
      : html``;
  return html`<section id="timeline"><h2>Timeline</h2>${list}${merged}</section>`;
}
