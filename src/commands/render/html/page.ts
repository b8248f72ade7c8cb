/**
 * The whole report as one self-contained HTML document: inline style sheet, inline SVG, no
 * script, nothing fetched; `<details>` opens the long texts. Same model, same bytes.
 */
import { html, type Html } from './escape.js';
import { explainSection } from './explain.js';
import type { ReportModel } from './model.js';
import { panicSection } from './phase-bar.js';
import { recordsSection, reasonLabel, timeLabel } from './records.js';
import { STYLE_SHEET } from './styles.js';
import { summarySection } from './summary.js';
import { timelineSection } from './timeline.js';
import { zoneMapSection } from './zone-map.js';
import { newestDump, zoneStatesOf } from './zone-states.js';

/** One sentence under the title: how many records, the newest dump, zones in trouble. */
function verdict(m: ReportModel, newestName: string | null): Html {
  const r = m.report;
  if (!r.recovery.ok) return html`<p class="verdict bad">Recovery aborted: ${r.recovery.message ?? 'recover failed'}. The kernel would show no records.</p>`;
  const n = m.records.length;
  const newest = m.records.find((x) => x.info.name === newestName)?.info;
  const trouble = zoneStatesOf(r).filter((s) => s === 'overtop' || s === 'invalid' || s === 'damaged').length;
  return html`<p class="verdict"><b>${n} record${n === 1 ? '' : 's'}</b>${newest ? html`; newest dump <a href="#rec-${newest.name}">${newest.name}</a> <span class="tag ${newest.reason !== null ? `r-${newest.reason.toLowerCase()}` : 't-other'}">${reasonLabel(newest)}</span> at ${timeLabel(newest)}` : html``}${trouble ? html`; <span class="bad">${trouble} zone${trouble === 1 ? '' : 's'} damaged</span>` : html``}.</p>`;
}

export function renderHtmlReport(m: ReportModel): string {
  const newestName = newestDump(m.report.records)?.name ?? null;
  const links: [string, string][] = [['image', 'Image'], ['zones', 'Zone map'], ['records', 'Records'], ...(m.panic ? [['panic', 'Panic path'] as [string, string]] : []), ['timeline', 'Timeline'], ['explain', 'Explanations']];
  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mmcpstore report">
<title>mmcpstore report: ${m.report.image.path}</title>
<style>${STYLE_SHEET}</style>
</head>
<body>
<main>
<header><h1><span class="tool">mmcpstore</span> pstore report: <span class="mono">${m.report.image.path}</span></h1>
${verdict(m, newestName)}
<nav>${links.map(([id, text]) => html`<a href="#${id}">${text}</a>`)}</nav></header>
${summarySection(m.report, m.card)}
${zoneMapSection(m.report)}
${recordsSection(m.records, m.report.recovery)}
${panicSection(m.panic)}
${timelineSection(m.records, newestName, m.timelineText)}
${explainSection(m.explain)}
<footer>Made by <code>mmcpstore report</code> from the image as the kernel would read it after a reboot (read-only). Record text is shown as stored.</footer>
</main>
</body>
</html>
`;
  return doc.text;
}
