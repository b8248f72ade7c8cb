/**
 * The panic path of a `panic --json` run: its outcome, then the phases on one SVG bar (each
 * phase from its virtual time to the next phase's, as the TTY bar of `panic` draws them), and
 * the phases as a table with offsets, durations and details.
 */
import { hex } from '../../../lib/hex.js';
import { formatNs } from '../timebar.js';
import { html, type Html } from './escape.js';
import type { PanicPhase, PanicRun } from './model.js';

const BAR_WIDTH = 1100;
const BAR_HEIGHT = 34;
const AXIS_Y = BAR_HEIGHT + 18;
/** Phases too short to see get this width, so each stays visible. */
const MIN_PHASE_WIDTH = 2;
/** Phases at least this wide carry their name and duration. */
const MIN_LABEL_WIDTH = 130;
/** Narrower ones down to this carry their name only. */
const MIN_NAME_WIDTH = 72;
/** Kernel phases (panic:...) in greys and blue-greys; the driver's own steps in colours. */
const KERNEL_COLOURS = ['#546e7a', '#78909c', '#90a4ae'];
const DRIVER_COLOURS = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#c62828', '#9e9d24', '#ad1457'];

export function phaseColour(phases: readonly PanicPhase[], i: number): string {
  const p = phases[i]!;
  const kernel = p.name.startsWith('panic:');
  const same = phases.slice(0, i).filter((q) => q.name.startsWith('panic:') === kernel).length;
  const pal = kernel ? KERNEL_COLOURS : DRIVER_COLOURS;
  return pal[same % pal.length]!;
}

function px(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '');
}

function bar(phases: readonly PanicPhase[]): Html {
  const t0 = phases[0]!.t;
  const end = phases[phases.length - 1]!.t;
  const span = Math.max(1, end - t0);
  const x = (t: number): number => ((t - t0) / span) * BAR_WIDTH;
  const rects = phases.map((p, i) => {
    const dur = (phases[i + 1]?.t ?? p.t) - p.t;
    const w = Math.max(MIN_PHASE_WIDTH, x(p.t + dur) - x(p.t));
    const from = Math.min(x(p.t), BAR_WIDTH - w);
    const text = w >= MIN_LABEL_WIDTH ? `${p.name} ${formatNs(dur)}` : w >= MIN_NAME_WIDTH ? p.name : null;
    const label = text !== null ? html`<text x="${px(from + w / 2)}" y="${BAR_HEIGHT / 2 + 4}" text-anchor="middle" class="pl">${text}</text>` : html``;
    return html`<g class="phase" data-name="${p.name}" data-t="${p.t}" data-ns="${dur}"><title>${p.name}${p.detail ? `: ${p.detail}` : ''} (+${formatNs(p.t - t0)}, ${formatNs(dur)})</title><rect x="${px(from)}" y="0" width="${px(w)}" height="${BAR_HEIGHT}" fill="${phaseColour(phases, i)}"/>${label}</g>`;
  });
  return html`<svg class="phasebar" role="img" aria-label="panic phases" viewBox="0 0 ${BAR_WIDTH} ${AXIS_Y + 4}" width="100%" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" fill="#f1f3f4"/>${rects}<text x="0" y="${AXIS_Y}" class="ax">+0</text><text x="${BAR_WIDTH}" y="${AXIS_Y}" class="ax" text-anchor="end">+${formatNs(end - t0)}</text></svg>`;
}

/** The phases that take time, each with its colour and duration (the bar's legend). */
function legend(phases: readonly PanicPhase[]): Html {
  const items = phases.flatMap((p, i) => {
    const dur = (phases[i + 1]?.t ?? p.t) - p.t;
    return dur > 0 ? [html`<li><span class="sw" style="background:${phaseColour(phases, i)}"></span><b>${p.name}</b> ${formatNs(dur)}</li>`] : [];
  });
  return html`<ul class="legend">${items}</ul>`;
}

function phaseRows(phases: readonly PanicPhase[]): Html[] {
  const t0 = phases[0]!.t;
  return phases.map((p, i) => {
    const dur = (phases[i + 1]?.t ?? p.t) - p.t;
    return html`<tr><td class="n mono">+${formatNs(p.t - t0)}</td><td class="n mono">${formatNs(dur)}</td><td><span class="sw" style="background:${phaseColour(phases, i)}"></span>${p.name}</td><td>${p.detail ?? ''}</td><td>${p.irqsOff ? 'off' : html`<b class="bad">on</b>`}</td></tr>`;
  });
}

function outcome(p: PanicRun): Html {
  if (p.outcome === 'written') {
    const at = p.zoneOffset !== undefined ? ` at partition offset ${hex(p.zoneOffset)}` : '';
    return html`<p><span class="tag t-ok">written</span> kmsg zone ${p.zone ?? '?'}${at}, ${p.recordBytes ?? '?'} bytes; ${p.writes.length} panic_write call${p.writes.length === 1 ? '' : 's'} in ${formatNs(p.panicWriteNs)} of virtual time; panic() ended: ${p.end}.</p>`;
  }
  return html`<p><span class="tag t-bad">lost</span> ${p.reason ?? 'unknown reason'}; panic() ended: ${p.end}.</p>`;
}

export function panicSection(p: PanicRun | null): Html {
  if (p === null) return html``;
  const notes = p.notes.map((n) => html`<p class="note">note: ${n}</p>`);
  const writes = p.writes.length
    ? html`<details><summary>${p.writes.length} panic_write call${p.writes.length === 1 ? '' : 's'}</summary><pre class="text">${p.writes.map((w) => `write ${w.zone} @${hex(w.offset)} +${w.bytes} -> ${w.ret}\n`).join('')}</pre></details>`
    : html``;
  const phases = p.phases.length
    ? html`${bar(p.phases)}${legend(p.phases)}<details class="phases"><summary>${p.phases.length} phase${p.phases.length === 1 ? '' : 's'} with their virtual times</summary><table class="phases"><thead><tr><th>at</th><th>takes</th><th>phase</th><th>detail</th><th>IRQs</th></tr></thead><tbody>${phaseRows(p.phases)}</tbody></table></details>`
    : html`<p>No phases recorded.</p>`;
  return html`<section id="panic"><h2>Panic path <span class="sub">${p.driver} driver on ${p.blkdev}</span></h2>${outcome(p)}${notes}${phases}${writes}</section>`;
}
