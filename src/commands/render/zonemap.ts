/**
 * `inspect` on a terminal: a map of the partition, one cell per zone in disk
 * order, each cell's glyph and colour its state, then a legend:
 *
 *   map     #N#X....  ....
 *           # valid  N newest  E erased  X damaged  . empty
 *
 * The glyphs alone tell the states apart, so the map reads the same with
 * colour off. Never part of JSON.
 */
import type { ChalkInstance } from 'chalk';
import type { ImageReport, ZoneRow } from '../../reader/report.js';

export type ZoneState = 'empty' | 'valid' | 'newest' | 'erased' | 'damaged';

export const ZONE_GLYPHS: Readonly<Record<ZoneState, string>> = { valid: '#', newest: 'N', erased: 'E', damaged: 'X', empty: '.' };

/** The state of each zone of the report, in disk order. */
export function zoneStates(r: ImageReport): ZoneState[] {
  const key = (kind: string, index: number): string => `${kind}/${index}`;
  // The newest dump: the dmesg record with the latest time.
  let newest: ImageReport['records'][number] | undefined;
  for (const rec of r.records) if (rec.type === 'dmesg' && (!newest || rec.timeSec > newest.timeSec)) newest = rec;
  const newestZones = new Set((newest?.zones ?? []).map((z) => key(z.kind, z.index)));
  return r.zones.map((z: ZoneRow): ZoneState => {
    switch (z.status) {
      case 'ok':
        return newestZones.has(key(z.kind, z.index)) ? 'newest' : 'valid';
      case 'erased':
        return 'erased';
      case 'no-valid-data':
      case 'not-read':
        return 'empty';
      default:
        return 'damaged';
    }
  });
}

function styleOf(c: ChalkInstance, s: ZoneState): (t: string) => string {
  switch (s) {
    case 'valid':
      return c.green;
    case 'newest':
      return c.bold.cyan;
    case 'erased':
      return c.yellow;
    case 'damaged':
      return c.bold.red;
    default:
      return c.dim;
  }
}

/** The map and its legend, `width` cells a row (a space every 8 cells). */
export function renderZoneMap(r: ImageReport, c: ChalkInstance, width = 64): string {
  const states = zoneStates(r);
  const rows: string[] = [];
  for (let i = 0; i < states.length; i += width) {
    const cells = states.slice(i, i + width).map((s, j) => (j > 0 && j % 8 === 0 ? ' ' : '') + styleOf(c, s)(ZONE_GLYPHS[s]));
    rows.push(cells.join(''));
  }
  const label = (s: string): string => c.bold(s.padEnd(8));
  const order: ZoneState[] = ['valid', 'newest', 'erased', 'damaged', 'empty'];
  const legend = order.map((s) => `${styleOf(c, s)(ZONE_GLYPHS[s])} ${s}`).join('  ');
  const lines = rows.map((row, k) => `${k === 0 ? label('map') : ' '.repeat(8)}${row}`);
  lines.push(`${' '.repeat(8)}${legend}`);
  return lines.join('\n') + '\n';
}
