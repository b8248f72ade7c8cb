/**
 * `mmcpstore detect`: every pstore/zone region of a whole disk or eMMC image
 * (reader/detect.ts finds them), as a table with the inspect command line of
 * each, or as JSON. Read-only.
 */
import { hex } from '../lib/hex.js';
import { detectImage, type DetectReport, type RegionPartition } from '../reader/detect.js';
import { NoDataError, UsageError } from '../reader/errors.js';
import { withImageInput } from './command.js';
import { shellJoin, shellQuote } from '../reader/shell-quote.js';
import type { Io } from './io.js';
import type { CliOptions } from './options.js';
import { renderTable, type Cell } from './table.js';

function partName(p: RegionPartition | null): string {
  if (!p) return '-';
  return `p${p.number}${p.label ? ` "${p.label}"` : ''}`;
}

export function renderDetect(r: DetectReport, verbose: boolean): string {
  const out: string[] = [];
  const mib = (n: number): string => `${(n / 1048576).toFixed(n % 1048576 ? 1 : 0)} MiB`;
  const where = r.table.layout === 'qemu' ? ` after QEMU's boot0|boot1|RPMB at ${hex(r.table.userOffset)}` : '';
  const table = r.table.scheme === 'none' ? `no partition table (${r.table.reason ?? 'none'})` : `${r.table.scheme.toUpperCase()}${where}, ${r.table.partitions} partitions`;
  out.push(`image   ${r.image.path} (${r.image.size} bytes; ${table}; ${mib(r.scan.zeroChunks * 1048576)} of zeros skipped)`);
  out.push('');
  if (!r.regions.length) {
    out.push('no pstore/zone region found\n');
    return out.join('\n');
  }
  const rows = r.regions.map((g, i): Cell[] => [
    { text: String(i + 1) },
    { text: hex(g.offset) },
    { text: String(g.size) },
    { text: partName(g.partition) },
    { text: g.layout.summary.replace(/ \((exact|likely|ambiguous)\)$/, '') },
    { text: g.layout.confidence },
  ]);
  out.push(
    renderTable(
      [{ header: 'REGION', align: 'right' }, { header: 'OFFSET' }, { header: 'SIZE', align: 'right' }, { header: 'PARTITION' }, { header: 'PARAMETERS' }, { header: 'CONFIDENCE' }],
      rows,
      (s) => s,
    ),
  );
  r.regions.forEach((g, i) => {
    out.push(`region ${i + 1}: mmcpstore inspect -i ${shellQuote(r.image.path)} ${g.args}`);
    if (!g.partition) out.push('  bounds: from the first signature to the next partition or the end of the image (no partition holds it)');
    if (g.truncated) out.push(`  truncated: the image ends inside the region; --size is the ${g.size} bytes it holds${g.partition ? ` of the ${g.partition.size}-byte partition` : ''}`);
    for (const f of g.layout.findings) if (verbose || f.confidence !== 'exact') out.push(`  ${f.param}: ${f.confidence}: ${f.how}`);
    for (const p of g.layout.problems) out.push(`  problem: ${p}`);
  });
  return out.join('\n') + '\n';
}

export async function runDetect(o: CliOptions, io: Io): Promise<void> {
  if (o.image === undefined && o.images && o.images.length > 1) {
    throw new UsageError(`detect scans one image: give one --image (got ${o.images.length}: ${o.images.map((i) => `'${i}'`).join(', ')})`, { option: 'image' });
  }
  if (o.image === undefined) throw new UsageError('--image FILE is required (the disk or eMMC image to scan)', { option: 'image' });
  const image = o.image;
  return withImageInput(o, io, (file) => detectFrom(o, image, file, io));
}

async function detectFrom(o: CliOptions, image: string, file: string | undefined, io: Io): Promise<void> {
  const report = detectImage(image, file !== undefined ? { file } : {});
  // The signatures do not tell the ABI apart; a given --arch goes into each inspect command line.
  if (o.arch !== undefined) {
    for (const g of report.regions) {
      g.argv.push('--arch', o.arch);
      g.args = shellJoin(g.argv);
    }
  }
  if (o.json) await io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else await io.stdout.write(renderDetect(report, !!o.verbose));
  if (!report.regions.length) throw new NoDataError(`no pstore/zone region found in '${image}' (${report.scan.chunks} chunks read, ${report.scan.zeroChunks} all zero)`);
}

