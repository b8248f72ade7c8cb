/**
 * Reads what `mmcpstore panic --json` printed (PanicCommandReport in ../../panic.ts) into the
 * parts the report shows, checking each field it uses: the file comes from the user.
 */
import type { PanicPhase, PanicRun } from './model.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string, fallback?: string): string {
  const v = o[key];
  if (typeof v === 'string') return v;
  if (fallback !== undefined && v === undefined) return fallback;
  throw new Error(`"${key}" is not a string`);
}

function num(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`"${key}" is not a number`);
  return v;
}

function optNum(o: Json, key: string): number | undefined {
  return o[key] === undefined ? undefined : num(o, key);
}

function phase(v: unknown, i: number): PanicPhase {
  if (!isObject(v)) throw new Error(`phase ${i} is not an object`);
  const p: PanicPhase = { t: num(v, 't'), name: str(v, 'name'), irqsOff: v['irqsOff'] === true };
  if (typeof v['detail'] === 'string') p.detail = v['detail'];
  return p;
}

/** The run, or why the text is not a `panic --json` report. */
export function panicRunFrom(text: string): PanicRun | string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, and the file may be binary.
    return 'not JSON';
  }
  try {
    if (!isObject(doc) || !isObject(doc['panic'])) throw new Error('no "panic" object');
    const p = doc['panic'];
    const phases = p['phases'];
    if (!Array.isArray(phases)) throw new Error('"panic.phases" is not a list');
    const writes = Array.isArray(p['writes']) ? p['writes'] : [];
    const run: PanicRun = {
      image: str(doc, 'image', ''),
      blkdev: str(doc, 'blkdev', ''),
      driver: str(doc, 'driver', ''),
      outcome: str(p, 'outcome'),
      end: str(p, 'panic', ''),
      panicWriteNs: num(p, 'panicWriteNs'),
      phases: phases.map(phase),
      writes: writes.map((w, i) => {
        if (!isObject(w)) throw new Error(`write ${i} is not an object`);
        return { zone: str(w, 'zone'), offset: num(w, 'offset'), bytes: num(w, 'bytes'), ret: num(w, 'ret') };
      }),
      notes: Array.isArray(p['notes']) ? p['notes'].filter((n): n is string => typeof n === 'string') : [],
    };
    if (typeof p['reason'] === 'string') run.reason = p['reason'];
    const zone = optNum(p, 'zone');
    if (zone !== undefined) run.zone = zone;
    const zoneOffset = optNum(p, 'zoneOffset');
    if (zoneOffset !== undefined) run.zoneOffset = zoneOffset;
    const recordBytes = optNum(p, 'recordBytes');
    if (recordBytes !== undefined) run.recordBytes = recordBytes;
    return run;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
