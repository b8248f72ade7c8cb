/**
 * `mmcpstore oops`: one boot with an oops (panic_on_oops=0): the dump in atomic context gets
 * -EBUSY from pstore/zone, the flusher stores it 500 ms later, and the boot ends with a clean
 * shutdown (reboot notifier: dirty zones flushed).
 */
import { runOops, type OopsReport } from '../driver/board/index.js';
import { toJson, userLogLines, withBoard } from './board-session.js';
import { Reporter, type Io } from './io.js';
import { optionDefault, type CliOptions } from './options.js';
import { RecordLostError } from './panic.js';


export async function runOopsCommand(o: CliOptions, io: Io): Promise<void> {
  const userLog = await userLogLines(o.log, io);
  const message = o.message ?? optionDefault('message');
  const r = await withBoard(o, io, { readOnly: false, dumps: true }, (b) => {
    if (userLog.length) b.session.system.loadUserLog(userLog.join('\n') + '\n');
    const rep: OopsReport = runOops(b.session, message);
    return { image: b.image, blkdev: b.blkdev, driver: o.driver ?? optionDefault('driver'), params: b.params.cmdline, recovered: b.pstore.mounted?.map((f) => f.name) ?? [], oops: rep };
  });
  if (o.json) await io.stdout.write(toJson(r) + '\n');
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  const lines = [`mmcpstore: ${r.image}: mmcpstore (${r.driver}) on ${r.blkdev}, ${r.params}`, `mmcpstore: recovered ${r.recovered.length} record(s)${r.recovered.length ? `: ${r.recovered.join(', ')}` : ''}`];
  if (r.oops.outcome === 'written') lines.push(`oops: ${io.stderr.color.green('written')} by the flusher: kmsg zone ${r.oops.zone}`);
  else lines.push(`oops: ${io.stderr.color.red(r.oops.outcome)}: ${r.oops.reason ?? 'unknown'}`);
  if (o.verbose || r.oops.outcome !== 'written') lines.push(...r.oops.driverLog.map((l) => `  ${l}`));
  await reporter.info(lines.join('\n'));
  if (r.oops.outcome !== 'written') throw new RecordLostError(`oops record not written: ${r.oops.reason ?? r.oops.outcome}`, { outcome: r.oops.outcome });
}
