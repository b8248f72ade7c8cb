/**
 * A time bar: phases `{name, start, end}` in virtual nanoseconds drawn on one
 * line, each phase a run of its own glyph in proportion to its length, with
 * a legend giving each phase's duration. The `panic` command draws the
 * stages of a panic write with it; anything with phases can.
 *
 *   |aaaaaaaabbbbbbbbbbbbbbbbccc|  0 ns .. 1.20 ms
 *    a dump 400 us  b write 700 us  c flush 100 us
 */
import type { ChalkInstance } from 'chalk';

export interface Phase {
  name: string;
  /** Virtual ns. */
  start: number;
  end: number;
}

const GLYPHS = 'abcdefghijklmnopqrstuvwxyz';
const STYLES: ((c: ChalkInstance) => (s: string) => string)[] = [(c) => c.cyan, (c) => c.yellow, (c) => c.green, (c) => c.magenta, (c) => c.blue, (c) => c.red];

/** `850 ns`, `12.5 us`, `1.20 ms`, `3.00 s`. */
export function formatNs(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1e3) return `${Math.round(ns)} ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(a < 1e4 ? 2 : 1)} us`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/**
 * The bar, `width` cells between `|`s. Each cell shows the phase covering
 * most of it (a space where none does); a phase too short for a cell of its
 * own still gets one, so every phase is visible.
 */
export function renderTimebar(phases: readonly Phase[], c: ChalkInstance, width = 60): string {
  if (phases.length === 0) return '';
  const t0 = Math.min(...phases.map((p) => p.start));
  const t1 = Math.max(...phases.map((p) => p.end));
  const span = Math.max(1, t1 - t0);
  const cells: (number | null)[] = [];
  for (let i = 0; i < width; i++) {
    const a = t0 + (span * i) / width;
    const b = t0 + (span * (i + 1)) / width;
    let best: number | null = null;
    let cover = 0;
    phases.forEach((p, k) => {
      const o = Math.min(b, p.end) - Math.max(a, p.start);
      if (o > cover) {
        cover = o;
        best = k;
      }
    });
    cells.push(best);
  }
  phases.forEach((p, k) => {
    if (cells.includes(k)) return;
    const i = Math.min(width - 1, Math.floor(((p.start - t0) / span) * width));
    cells[i] = k;
  });
  const glyph = (k: number): string => STYLES[k % STYLES.length]!(c)(GLYPHS[k % GLYPHS.length]!);
  const bar = cells.map((k) => (k === null ? ' ' : glyph(k))).join('');
  const legend = phases.map((p, k) => `${glyph(k)} ${p.name} ${formatNs(p.end - p.start)}`).join('  ');
  return `|${bar}|  ${formatNs(t0)} .. ${formatNs(t1)}\n ${legend}\n`;
}
