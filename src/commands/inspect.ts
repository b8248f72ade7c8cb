/**
 * `mmcpstore inspect`: what pstore/zone makes of an image, zone by zone in
 * disk order, then the records pstorefs would show. Read-only.
 */
import type { ChalkInstance } from 'chalk';
import type { ZoneStatus } from '../zone/zone.js';
import { hex } from '../lib/hex.js';
import { withCardOpener } from '../reader/card-opener.js';
import { NoDataError } from '../reader/errors.js';
import { explainReport } from '../reader/explain.js';
import { inspectImage } from '../reader/readers.js';
import { regionInfo, regionReads, type RegionRead } from '../reader/regions.js';
import { noRecordsMessage, type ImageReport, type RecordInfo, type ZoneRow } from '../reader/report.js';
import { imageOptionsFrom, withImageInput } from './command.js';
import type { ImageOptions } from '../reader/types.js';
import { Reporter, type Io } from './io.js';
import type { CliOptions } from './options.js';
import { renderTable, type Cell } from './table.js';
import { explanationText, renderExplain } from './render/hints.js';
import { renderZoneMap } from './render/zonemap.js';
import { forEachRegion, regionHeading } from './regions.js';

export async function runInspect(o: CliOptions, io: Io): Promise<void> {
  // The card view boots the emulated board: loaded only when asked for.
  if (o.card) return withImageInput(o, io, async (file) => (await import('./card.js')).runInspectCard(o, io, file));
  const given = imageOptionsFrom(o);
  return withImageInput(o, io, (file) => inspectFrom(o, file === undefined ? given : { ...given, file }, io));
}

async function inspectFrom(o: CliOptions, given: ImageOptions, io: Io): Promise<void> {
  const opts = await withCardOpener(given);
  // A whole-disk image: every region detect finds, each with its own bounds (reader/regions.ts).
  const reads = regionReads(opts, o.region);
  if (!reads) return inspectOne(o, io, opts);
  const several = reads.length > 1;
  await forEachRegion(reads, io, !!o.quiet, (r) => inspectOne(o, io, r.opts, r, several));
}

/** One region (or the image as given): its report, rendered or as JSON. */
async function inspectOne(o: CliOptions, io: Io, opts: ImageOptions, region?: RegionRead, several = false): Promise<void> {
  const explained = o.explain ? explainReport(opts) : undefined;
  // The zone layer explains in codes; their words (CLI flags included) are the commands layer's.
  const full = explained ? { ...explained, explain: explanationText(explained.explain) } : undefined;
  const report: ImageReport = full ?? inspectImage(opts);
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  const out = region ? { ...(full ?? report), region: regionInfo(region) } : (full ?? report);
  // Several images or regions: one compact object per line (NDJSON), each with its image.path.
  const compact = !!o.many || several;
  if (o.json) await io.stdout.write((compact ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
  else {
    const first = !region || !several || region.index === 1;
    if (o.many && first) await io.stdout.write(`${o.many.index > 0 ? '\n' : ''}${io.stdout.color.bold(`==> ${report.image.path} <==`)}\n`);
    if (region && several) await io.stdout.write(`${first ? '' : '\n'}${io.stdout.color.bold(regionHeading(region))}\n`);
    await io.stdout.write(renderInspect(report, io.stdout.color, !!o.verbose, !!io.stdout.stream.isTTY));
    if (full) await io.stdout.write('\n' + renderExplain(full.explain, io.stdout.color));
  }
  for (const w of report.warnings) await reporter.warn(w);
  if (!report.recovery.ok) throw new NoDataError(`no pstore records in '${report.image.path}': ${report.recovery.message ?? 'recover failed'}`);
  if (report.records.length === 0) throw new NoDataError(noRecordsMessage(report));
}

function statusStyle(c: ChalkInstance, status: ZoneStatus): (s: string) => string {
  switch (status) {
    case 'ok':
      return c.green;
    case 'no-valid-data':
    case 'erased':
    case 'not-read':
      return c.dim;
    case 'overtop':
    case 'invalid':
      return c.yellow;
    default:
      return c.red;
  }
}

/** Runs of three or more unwritten zones of one kind collapse into one row (not with --verbose). */
function groupZones(zones: readonly ZoneRow[], verbose: boolean): { first: ZoneRow; last: ZoneRow; count: number }[] {
  const groups: { first: ZoneRow; last: ZoneRow; count: number }[] = [];
  const collapsible = (z: ZoneRow): boolean => !verbose && (z.status === 'no-valid-data' || z.status === 'not-read');
  for (const z of zones) {
    const g = groups[groups.length - 1];
    if (g && collapsible(z) && collapsible(g.last) && g.last.kind === z.kind && g.last.status === z.status && g.last.size === z.size) {
      g.last = z;
      g.count++;
    } else groups.push({ first: z, last: z, count: 1 });
  }
  // A "run" of two reads better as two rows.
  return groups.flatMap((g) => (g.count === 2 ? [{ first: g.first, last: g.first, count: 1 }, { first: g.last, last: g.last, count: 1 }] : [g]));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `lz4 (trial)`, `deflate`, `zstd (given)`; `-` for a record stored as text. */
function compressLabel(rec: RecordInfo): string {
  if (rec.algorithm === undefined) return '-';
  const how = rec.compressed ? 'failed' : rec.algorithmSource === 'default' ? '' : rec.algorithmSource;
  return how ? `${rec.algorithm} (${how})` : rec.algorithm;
}

export function renderInspect(r: ImageReport, c: ChalkInstance, verbose: boolean, map = false): string {
  const out: string[] = [];
  const label = (s: string): string => c.bold(s.padEnd(8));
  const img = r.image;
  out.push(`${label('image')}${img.path}, bytes ${img.offset}..${img.offset + img.size} (${img.size} bytes${img.fileSize !== null ? ` of a ${img.fileSize}-byte file` : ''})`);
  out.push(`${label('params')}${r.params.cmdline} (kernel ${r.params.kernel} behaviour, ${plural(r.params.nrCpus, 'CPU')})`);
  const det = r.params.detection;
  if (det) out.push(`${label('detect')}${det.used ? `auto-detected from the zone signatures: ${det.summary}` : `${det.summary}`}`);
  out.push(`${label('arch')}${r.arch} (${r.archEvidence === 'given' ? 'given with --arch' : r.archEvidence})`);
  const l = r.layout;
  const counts = (Object.entries(l.zoneCounts) as [string, number][]).filter(([, n]) => n > 0).map(([k, n]) => plural(n, `${k} zone`));
  out.push(
    `${label('layout')}${counts.join(', ') || 'no zones'}; ${l.totalSize} bytes used${l.capped ? ` (capped from ${l.deviceSize})` : ''}, ${l.unused} unused`,
  );
  for (const n of l.notes) out.push(`${label('')}kernel: ${n}`);
  // On a terminal: the partition at a glance (render/zonemap.ts).
  if (map && r.zones.length) out.push(renderZoneMap(r, c).trimEnd());
  out.push('');

  const maxOff = Math.max(0, ...r.zones.map((z) => z.offset));
  const offWidth = Math.max(1, maxOff.toString(16).length);
  const zoneRows = groupZones(r.zones, verbose).map(({ first: z, last, count }): Cell[] => {
    const style = statusStyle(c, z.status);
    const sig = z.signature === null ? '?' : z.signature ? 'ok' : 'bad';
    return [
      { text: z.kind },
      { text: count > 1 ? `${z.index}-${last.index}` : String(z.index) },
      { text: hex(z.offset, offWidth) },
      { text: String(z.size) },
      { text: sig, style: z.signature === false ? c.dim : (s) => s },
      { text: z.datalen === null ? '-' : String(z.datalen) },
      { text: z.start === null ? '-' : String(z.start) },
      { text: count > 1 ? `${z.status} (${count} zones)` : z.status, style },
    ];
  });
  out.push(
    renderTable(
      [
        { header: 'KIND' },
        { header: 'INDEX', align: 'right' },
        { header: 'OFFSET' },
        { header: 'SIZE', align: 'right' },
        { header: 'SIG' },
        { header: 'DATALEN', align: 'right' },
        { header: 'START', align: 'right' },
        { header: 'STATUS' },
      ],
      zoneRows,
      c.bold,
    ),
  );

  if (!r.recovery.ok) {
    out.push(c.red(`recovery failed: ${r.recovery.message ?? 'recover failed'}; the kernel would show no records`) + '\n');
  } else if (r.records.length === 0) {
    out.push('no records\n');
  } else {
    const recRows = r.records.map((rec): Cell[] => [
      { text: rec.name, style: rec.compressed ? c.yellow : (s) => s },
      { text: rec.reason ?? '-' },
      { text: rec.count === null ? '-' : String(rec.count) },
      { text: rec.time ?? `@${rec.timeSec}` },
      { text: String(rec.size) },
      { text: rec.storedSize === null ? '-' : String(rec.storedSize) },
      { text: compressLabel(rec) },
    ]);
    out.push(
      renderTable(
        [
          { header: 'RECORD' },
          { header: 'REASON' },
          { header: 'COUNT', align: 'right' },
          { header: 'TIME (UTC)' },
          { header: 'SIZE', align: 'right' },
          { header: 'STORED', align: 'right' },
          { header: 'COMPRESS' },
        ],
        recRows,
        c.bold,
      ),
    );
  }
  if (verbose) {
    out.push(c.bold('kernel log') + '\n' + r.log.map((line) => `  ${line}\n`).join(''));
  }
  return out.join('\n');
}
