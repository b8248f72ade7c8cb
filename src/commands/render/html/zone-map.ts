/**
 * The zone map: the pstore region as one SVG strip in disk order, each zone a box as wide as its
 * share of the region, filled by its state, labelled with kind, index and size where it fits,
 * its offset on the axis below; a legend of the states present; then the zones as a table.
 */
import type { ImageReport, ZoneRow } from '../../../reader/report.js';
import { html, type Html } from './escape.js';
import { offsetFormatter, shortSize } from './format.js';
import { ZONE_STATE_ORDER, ZONE_STATE_STYLES, zoneStatesOf, type ZoneState } from './zone-states.js';

/** SVG user units: the strip's width and height, the axis labels' band. */
const MAP_WIDTH = 1100;
const STRIP_Y = 8;
const STRIP_HEIGHT = 56;
const AXIS_GAP = 16;
/** Narrower boxes carry no text (their <title> still does). */
const MIN_LABEL_WIDTH = 44;
/** Axis labels closer than this to the previous one are left out. */
const MIN_TICK_SPACING = 70;
const UNUSED_FILL = '#ffffff';

interface Placed {
  zone: ZoneRow;
  state: ZoneState;
  x: number;
  w: number;
}

function place(r: ImageReport): { boxes: Placed[]; scale: (n: number) => number; span: number } {
  const span = Math.max(1, r.layout.deviceSize, r.layout.totalSize);
  const scale = (n: number): number => (n / span) * MAP_WIDTH;
  const states = zoneStatesOf(r);
  const boxes = r.zones.map((zone, i) => ({ zone, state: states[i]!, x: scale(zone.offset), w: Math.max(1, scale(zone.size)) }));
  return { boxes, scale, span };
}

function px(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}

function box(b: Placed, fmt: (n: number) => string): Html {
  const st = ZONE_STATE_STYLES[b.state];
  const title = `${b.zone.kind} ${b.zone.index} at ${fmt(b.zone.offset)}, ${b.zone.size} bytes: ${b.state} (${b.zone.message})`;
  const cx = b.x + b.w / 2;
  const label =
    b.w >= MIN_LABEL_WIDTH
      ? html`<text x="${px(cx)}" y="${STRIP_Y + 24}" fill="${st.ink}" text-anchor="middle" class="zl">${b.zone.kind} ${b.zone.index}</text><text x="${px(cx)}" y="${STRIP_Y + 42}" fill="${st.ink}" text-anchor="middle" class="zs">${shortSize(b.zone.size)}</text>`
      : html``;
  return html`<g class="zone" data-kind="${b.zone.kind}" data-index="${b.zone.index}" data-state="${b.state}" data-offset="${b.zone.offset}" data-size="${b.zone.size}"><title>${title}</title><rect x="${px(b.x)}" y="${STRIP_Y}" width="${px(b.w)}" height="${STRIP_HEIGHT}" fill="${st.fill}" stroke="#ffffff" stroke-width="1"/>${label}</g>`;
}

function axis(boxes: readonly Placed[], span: number, fmt: (n: number) => string): Html {
  const ticks: Html[] = [];
  let last = -Infinity;
  const y = STRIP_Y + STRIP_HEIGHT + AXIS_GAP;
  for (const b of boxes) {
    // The region's end is labelled at the right edge: no tick crowds it.
    if (b.x - last < MIN_TICK_SPACING || MAP_WIDTH - b.x < MIN_TICK_SPACING) continue;
    ticks.push(html`<line x1="${px(b.x)}" y1="${STRIP_Y + STRIP_HEIGHT}" x2="${px(b.x)}" y2="${y - 10}" stroke="#9aa0a6"/><text x="${px(b.x)}" y="${y}" class="ax" text-anchor="${b.x === 0 ? 'start' : 'middle'}">${fmt(b.zone.offset)}</text>`);
    last = b.x;
  }
  ticks.push(html`<text x="${MAP_WIDTH}" y="${y}" class="ax" text-anchor="end">${fmt(span)}</text>`);
  return html`${ticks}`;
}

function legend(states: ReadonlySet<ZoneState>): Html {
  const items = ZONE_STATE_ORDER.filter((s) => states.has(s)).map(
    (s) => html`<li data-state="${s}"><span class="sw" style="background:${ZONE_STATE_STYLES[s].fill}"></span><b>${s}</b> ${ZONE_STATE_STYLES[s].meaning}</li>`,
  );
  return html`<ul class="legend">${items}</ul>`;
}

/** Runs of three or more alike unwritten zones share one table row. */
function zoneRows(boxes: readonly Placed[], fmt: (n: number) => string): Html[] {
  const rows: Html[] = [];
  for (let i = 0; i < boxes.length; ) {
    const b = boxes[i]!;
    let j = i + 1;
    const alike = (c: Placed): boolean => (b.state === 'empty' || b.state === 'not-read') && c.state === b.state && c.zone.kind === b.zone.kind && c.zone.size === b.zone.size;
    while (j < boxes.length && alike(boxes[j]!)) j++;
    if (j - i < 3) j = i + 1;
    const z = b.zone;
    const index = j - i > 1 ? `${z.index}-${boxes[j - 1]!.zone.index}` : String(z.index);
    const sig = z.signature === null ? '?' : z.signature ? 'ok' : 'bad';
    rows.push(
      html`<tr data-state="${b.state}"><td>${z.kind}</td><td class="n">${index}</td><td class="mono">${fmt(z.offset)}</td><td class="n">${z.size}</td><td>${sig}</td><td class="n">${z.datalen ?? '-'}</td><td class="n">${z.start ?? '-'}</td><td><span class="sw" style="background:${ZONE_STATE_STYLES[b.state].fill}"></span>${b.state}${j - i > 1 ? ` (${j - i} zones)` : ''}</td><td>${z.message}</td></tr>`,
    );
    i = j;
  }
  return rows;
}

export function zoneMapSection(r: ImageReport): Html {
  if (!r.zones.length) return html`<section id="zones"><h2>Zone map</h2><p>No zones: the parameters give pstore/zone nothing to lay out.</p></section>`;
  const { boxes, scale, span } = place(r);
  const fmt = offsetFormatter(span);
  const end = r.layout.totalSize;
  const unused = end < span ? html`<g class="unused"><title>unused: ${span - end} bytes from ${fmt(end)}</title><rect x="${px(scale(end))}" y="${STRIP_Y}" width="${px(MAP_WIDTH - scale(end))}" height="${STRIP_HEIGHT}" fill="${UNUSED_FILL}" stroke="#9aa0a6" stroke-dasharray="4 3"/></g>` : html``;
  const height = STRIP_Y + STRIP_HEIGHT + AXIS_GAP + 8;
  const svg = html`<svg class="zonemap" role="img" aria-label="zone map" viewBox="0 0 ${MAP_WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">${boxes.map((b) => box(b, fmt))}${unused}${axis(boxes, span, fmt)}</svg>`;
  return html`<section id="zones"><h2>Zone map</h2>${svg}${legend(new Set(boxes.map((b) => b.state)))}
<table class="zones"><thead><tr><th>kind</th><th>index</th><th>offset</th><th>size</th><th>sig</th><th>datalen</th><th>start</th><th>state</th><th>kernel's verdict</th></tr></thead><tbody>${zoneRows(boxes, fmt)}</tbody></table></section>`;
}
