/**
 * `mmcpstore oops`: one boot with an oops (panic_on_oops=0): the dump in atomic context gets
 * -EBUSY from pstore/zone, the flusher stores it 500 ms later, the boot ends with a clean
 * shutdown (reboot notifier), and the record is read back through a second boot: the exit status
 * follows the card (0: there after reboot, 1: not), the report also says what the driver did.
 */
import { runOops, type OopsReport } from '../driver/board/index.js';
import { toJson, userLogLines, withBoard } from './board-session.js';
import { driverLabel } from './driver-option.js';
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
  const lines = [`mmcpstore: ${r.image}: mmcpstore (${driverLabel(r.driver)}) on ${r.blkdev}, ${r.params}`, `mmcpstore: recovered ${r.recovered.length} record(s)${r.recovered.length ? `: ${r.recovered.join(', ')}` : ''}`];
  if (r.oops.outcome === 'written') lines.push(`oops: ${io.stderr.color.green('written')}: kmsg zone ${r.oops.zone}, on the card after the shutdown${r.oops.reason ? `; ${r.oops.reason}` : ''}`);
  else lines.push(`oops: ${io.stderr.color.red('lost')}: ${r.oops.reason ?? 'unknown'}`);
  if (o.verbose || r.oops.outcome !== 'written') lines.push(...r.oops.driverLog.map((l) => `  ${l}`));
  await reporter.info(lines.join('\n'));
  if (r.oops.outcome !== 'written') throw new RecordLostError(`oops record not written: ${r.oops.reason ?? r.oops.outcome}`, { outcome: r.oops.outcome });
}
