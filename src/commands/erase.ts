/**
 * `mmcpstore erase`: `rm /sys/fs/pstore/NAME` (or every file): one boot, recovery at the mount,
 * pstore_zone's erase through mmcpstore's normal path, clean shutdown.
 */
import { erase as eraseRecord, recoverFiles } from '../driver/board/index.js';
import { toJson, withBoard } from './board-session.js';
import { IoError, NoDataError, UsageError } from '../reader/errors.js';
import { Reporter, type Io } from './io.js';
import type { CliOptions } from './options.js';


/** A pstorefs file name: no path separators, no dot-dot, printable. */
export function checkRecordName(name: string): void {
  if (name === '' || name.includes('/') || name.includes('\0') || name === '.' || name.includes('..') || /[\x00-\x1f]/.test(name)) {
    throw new UsageError(`erase: '${name}' is not a pstorefs file name (no '/', no '..')`, { value: name });
  }
}

export async function runErase(o: CliOptions, io: Io): Promise<void> {
  const name = o.text;
  if (name === undefined && !o.all) throw new UsageError('erase: give a record NAME or --all', { option: 'all' });
  if (name !== undefined && o.all) throw new UsageError('erase: NAME and --all cannot be combined', { option: 'all' });
  if (name !== undefined) checkRecordName(name);
  const r = await withBoard(o, io, { readOnly: false }, (b) => {
    const files = recoverFiles(b.session).map((f) => f.name);
    const targets = o.all ? files : [name!];
    if (!o.all && !files.includes(name!)) {
      throw new NoDataError(`erase: no record '${name}' in ${b.image} (${files.length ? `records: ${files.join(', ')}` : 'pstorefs is empty'})`, { records: files });
    }
    const results = targets.map((t) => ({ name: t, ret: eraseRecord(b.session, t) }));
    return { image: b.image, blkdev: b.blkdev, before: files, results };
  });
  if (o.json) await io.stdout.write(toJson(r) + '\n');
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  await reporter.info(r.results.length ? r.results.map((x) => `erase: ${x.name}: ${x.ret >= 0 ? 'erased' : `failed (${x.ret})`}`).join('\n') : 'erase: pstorefs is empty, nothing to erase');
  const bad = r.results.find((x) => x.ret < 0);
  if (bad) throw new IoError(`erase: ${bad.name}: failed with ${bad.ret}`, { ret: bad.ret });
}
