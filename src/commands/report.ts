/**
 * `mmcpstore report`: one self-contained HTML file about an image, to attach to a bug. Reads the
 * image once for inspect's report with the --explain findings and once for recover's records
 * (through the card when the image is one), optionally adds the panic path of a `panic --json`
 * run, and writes render/html's page to --out FILE or stdout. Errors and exit codes are
 * inspect's: the page is written even when there is no record, then the run exits 3.
 */
import * as fs from 'node:fs';
import { buildTimeline } from '../zone/forensics/timeline.js';
import type { PstoreFile } from '../zone/platform.js';
import { probeCard } from '../reader/card-probe.js';
import { withCardOpener } from '../reader/card-opener.js';
import { NoDataError, OutputError, UsageError, errnoCode, strerror, readInputText } from '../reader/errors.js';
import { explainReport } from '../reader/explain.js';
import { recoverImage } from '../reader/readers.js';
import { noRecordsMessage, recordInfo } from '../reader/report.js';
import type { ImageOptions } from '../reader/types.js';
import { imageOptionsFrom, withImageInput } from './command.js';
import { Reporter, type Io } from './io.js';
import type { CliOptions } from './options.js';
import type { CardInfo, ExplainFindings, PanicRun, ReportModel } from './render/html/model.js';
import { renderHtmlReport } from './render/html/page.js';
import { panicRunFrom } from './render/html/panic-json.js';
import { explanationText } from './render/hints.js';

/** The explain findings in words: the one place that reads the reader's explanation. */
function explainFindings(opts: ImageOptions): { report: ReturnType<typeof explainReport>; findings: ExplainFindings } {
  const report = explainReport(opts);
  const words = explanationText(report.explain);
  const findings: ExplainFindings = {
    zones: words.zones.map((z) => ({ kind: z.kind, index: z.index, text: z.text })),
    hints: words.hints.map((h) => h.text),
  };
  return { report, findings };
}

/** The card around the region, when the file is a whole card (or a disk with a partition table). */
function cardInfo(image: string): CardInfo | null {
  const probe = probeCard(image);
  if (!probe) return null;
  return { layout: probe.layout, userOffset: probe.userOffset, userSize: probe.userSize, scheme: probe.scan.scheme, partitions: probe.scan.partitions };
}

/** `--from-panic FILE`: the JSON `mmcpstore panic --json` printed. */
function loadPanicRun(file: string): PanicRun {
  const run = panicRunFrom(readInputText(file, 'panic report'));
  if (typeof run === 'string') throw new UsageError(`--from-panic: '${file}' is not the output of 'mmcpstore panic --json': ${run}`, { option: 'from-panic', value: file });
  return run;
}

function writeReport(out: string, text: string): void {
  try {
    fs.writeFileSync(out, text);
  } catch (e) {
    throw new OutputError(`cannot write report '${out}': ${strerror(e)}`, { code: errnoCode(e) });
  }
}

export async function runReport(o: CliOptions, io: Io): Promise<void> {
  if (o.images !== undefined || o.imagesFrom !== undefined) throw new UsageError('report reads one image: give one --image FILE', { option: 'image' });
  const given = imageOptionsFrom(o);
  return withImageInput(o, io, (file) => reportFrom(o, file === undefined ? given : { ...given, file }, io));
}

async function reportFrom(o: CliOptions, given: ImageOptions, io: Io): Promise<void> {
  const opts = await withCardOpener(given);
  const { report, findings } = explainFindings(opts);
  // After the image: a bad image fails as it does for inspect, whatever --from-panic names.
  const panic = o.fromPanic !== undefined ? loadPanicRun(o.fromPanic) : null;
  const files: PstoreFile[] = report.recovery.ok ? recoverImage(opts).files : [];
  const model: ReportModel = {
    report,
    records: files.map((f) => ({ info: recordInfo(f), data: f.data })),
    explain: findings,
    card: cardInfo(opts.file ?? opts.image),
    timelineText: files.length ? buildTimeline(files).text : null,
    panic,
  };
  const page = renderHtmlReport(model);
  if (o.out !== undefined) writeReport(o.out, page);
  else await io.stdout.write(page);
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  for (const w of report.warnings) await reporter.warn(w);
  if (o.out !== undefined) await reporter.info(`mmcpstore: wrote ${o.out} (${Buffer.byteLength(page)} bytes)`);
  if (!report.recovery.ok) throw new NoDataError(`no pstore records in '${report.image.path}': ${report.recovery.message ?? 'recover failed'}`);
  if (report.records.length === 0) throw new NoDataError(noRecordsMessage(report));
}
