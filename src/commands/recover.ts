/**
 * `mmcpstore recover`: the records pstorefs would show for an image, to
 * stdout (each introduced by a banner on stderr), to a directory laid out
 * like /sys/fs/pstore (--out), or as NDJSON (--json). Read-only.
 */
import type { PstoreFile } from '../zone/index.js';
import { imageOptionsFrom, type CommandSpec } from './command.js';
import { NoDataError } from './errors.js';
import { noRecordsMessage, recordInfo, recoverImage, SCHEMA_VERSION, type RecordInfo } from './image.js';
import { Reporter, type Io } from './io.js';
import type { CliOptions } from './options.js';
import { writeRecordDir } from './outdir.js';

export const recover: CommandSpec = {
  name: 'recover',
  summary: 'extract the records of an image, as /sys/fs/pstore would show them',
  description:
    'Reads the image as the kernel would after a reboot and writes each record\'s contents to stdout, ' +
    'each preceded on stderr by a banner line "==> NAME (Reason#count, TIME, N bytes) <==". ' +
    'With --out DIR, writes one file per record instead, named, dated and moded as in /sys/fs/pstore. ' +
    'Exits 3 when there is no record.',
  examples: [
    ['mmcpstore recover --image pstore.img', 'every record to stdout, banners on stderr'],
    ['mmcpstore recover -i pstore.img --out crash/', 'crash/dmesg-pstore_blk-0, ... as in /sys/fs/pstore'],
    ['mmcpstore recover -i pstore.img --params "pstore_blk.kmsg_size=32 pstore_blk.pmsg_size=128"', 'parameters as on the kernel command line'],
    ['mmcpstore recover -i pstore.img --json | jq -r \'select(.reason == "Panic") | .data\'', 'the text of panic records only'],
  ],
  run: runRecover,
};

/** `==> dmesg-pstore_blk-0 (Oops#2, 2025-01-01T00:10:05Z, 29380 bytes) <==`. */
export function banner(r: RecordInfo): string {
  const parts: string[] = [];
  if (r.reason !== null) parts.push(`${r.reason}#${r.count ?? 0}`);
  parts.push(r.time ?? `@${r.timeSec}`);
  parts.push(`${r.size} bytes${r.compressed ? ', still compressed' : ''}`);
  return `==> ${r.name} (${parts.join(', ')}) <==`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One NDJSON line: text when the bytes are valid UTF-8, base64 otherwise. */
export function recordJson(f: PstoreFile): string {
  const info = recordInfo(f);
  let data: string;
  let encoding: 'utf-8' | 'base64';
  try {
    data = utf8.decode(f.data);
    encoding = 'utf-8';
  } catch {
    data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64');
    encoding = 'base64';
  }
  const obj = {
    schema: SCHEMA_VERSION,
    name: info.name,
    type: info.type,
    id: info.id,
    time: info.time,
    timeSec: info.timeSec,
    timeNsec: info.timeNsec,
    size: info.size,
    compressed: info.compressed,
    storedSize: info.storedSize,
    reason: info.reason,
    count: info.count,
    zones: info.zones,
    encoding,
    data,
  };
  return JSON.stringify(obj) + '\n';
}

async function runRecover(o: CliOptions, io: Io): Promise<void> {
  const { report, files } = recoverImage(imageOptionsFrom(o));
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  for (const w of report.warnings) await reporter.warn(w);
  if (o.verbose) for (const line of report.log) await reporter.note(line);
  if (files.length === 0) throw new NoDataError(noRecordsMessage(report));

  if (o.out !== undefined) {
    const written = writeRecordDir(o.out, files, { force: !!o.force });
    for (const w of written) await reporter.note(`wrote ${w.path} (${w.size} bytes)`);
    return;
  }
  for (const f of files) {
    if (o.json) {
      await io.stdout.write(recordJson(f));
      continue;
    }
    if (!o.quiet) await io.stderr.write(io.stderr.color.bold(banner(recordInfo(f))) + '\n');
    await io.stdout.write(f.data);
  }
}
