/**
 * The state of each zone as the report colours it: pstore/zone's verdict, with the zone of the
 * newest dump told apart. One table of names, colours and meanings for the map and its legend.
 */
import type { ImageReport, ZoneRow } from '../../../reader/report.js';

export type ZoneState = 'newest' | 'valid' | 'erased' | 'empty' | 'not-read' | 'overtop' | 'invalid' | 'damaged';

export interface ZoneStateStyle {
  fill: string;
  /** Text drawn on the fill. */
  ink: string;
  meaning: string;
}

export const ZONE_STATE_STYLES: Readonly<Record<ZoneState, ZoneStateStyle>> = {
  newest: { fill: '#1565c0', ink: '#ffffff', meaning: 'valid, holds the newest dump' },
  valid: { fill: '#2e7d32', ink: '#ffffff', meaning: 'valid record' },
  erased: { fill: '#f9a825', ink: '#1b1b1b', meaning: 'erased (datalen 0)' },
  empty: { fill: '#e4e7eb', ink: '#3c4043', meaning: 'no valid signature: never written' },
  'not-read': { fill: '#c5cad1', ink: '#3c4043', meaning: 'not examined (recovery stopped)' },
  overtop: { fill: '#ef6c00', ink: '#ffffff', meaning: 'overtop: datalen/start past the buffer' },
  invalid: { fill: '#c62828', ink: '#ffffff', meaning: 'invalid: kmsg header magic mismatch' },
  damaged: { fill: '#6a1b9a', ink: '#ffffff', meaning: 'damaged: the backend failed or refused it' },
};

export const ZONE_STATE_ORDER: readonly ZoneState[] = ['newest', 'valid', 'erased', 'empty', 'not-read', 'overtop', 'invalid', 'damaged'];

/** `kmsg/3`: a zone's key among the records' zones. */
function zoneKey(kind: string, index: number): string {
  return `${kind}/${index}`;
}

/** The newest dmesg record, as `recover --timeline` picks its dump: latest time, then highest id. */
export function newestDump(records: ImageReport['records']): ImageReport['records'][number] | undefined {
  let best: ImageReport['records'][number] | undefined;
  for (const r of records) {
    if (r.type !== 'dmesg' || r.compressed) continue;
    if (!best || r.timeSec > best.timeSec || (r.timeSec === best.timeSec && r.id > best.id)) best = r;
  }
  return best;
}

/** The state of every zone of the report, in disk order. */
export function zoneStatesOf(r: ImageReport): ZoneState[] {
  const newest = new Set((newestDump(r.records)?.zones ?? []).map((z) => zoneKey(z.kind, z.index)));
  return r.zones.map((z: ZoneRow): ZoneState => {
    switch (z.status) {
      case 'ok':
        return newest.has(zoneKey(z.kind, z.index)) ? 'newest' : 'valid';
      case 'erased':
        return 'erased';
      case 'no-valid-data':
        return 'empty';
      case 'not-read':
        return 'not-read';
      case 'overtop':
        return 'overtop';
      case 'invalid':
        return 'invalid';
      default:
        return 'damaged';
    }
  });
}
