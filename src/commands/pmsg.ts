/**
 * `mmcpstore pmsg` and `mmcpstore console`: one boot each (recovery at the mount), then what
 * userspace or the kernel does — a write to /dev/pmsg0, or printk lines that pstore's console
 * front end receives (as `echo TEXT > /dev/kmsg` would) — then psz's flusher for whatever the
 * driver deferred, a clean shutdown (reboot notifier) and the read-back through a second boot:
 * the exit status says whether the zone is on the card, the report also says what the driver
 * returned on the way.
 */
import { runFlusher, shutdownBoard, writePmsg, zonesOnCard } from '../driver/board/index.js';
import { errnoName } from '../lib/errno.js';
import { textArgument, toJson, withBoard } from './board-session.js';
import { driverLabel } from './driver-option.js';
import { UsageError } from '../reader/errors.js';
import { Reporter, type Io } from './io.js';
import { optionDefault, type CliOptions } from './options.js';
import { RecordLostError } from './panic.js';

async function runWriter(kind: 'pmsg' | 'console', o: CliOptions, io: Io): Promise<void> {
  const size = kind === 'pmsg' ? o.pmsgSize : o.consoleSize;
  const paramsText = o.params ?? '';
  if ((size === undefined && !new RegExp(`${kind}_size=`).test(paramsText)) || (size !== undefined && size <= 0)) {
    throw new UsageError(`${kind} needs a ${kind} zone: give --${kind}-size KB (pstore_blk.${kind}_size), the same on every command for this image`, { option: `${kind}-size` });
  }
  const data = await textArgument(o.text, io, kind);
  const driver = o.driver ?? optionDefault('driver');
  const r = await withBoard(o, io, { readOnly: false }, (b) => {
    const layout = b.pstore.core.zone.layout;
    if (kind === 'pmsg' && !layout.pmsg) throw new UsageError('the layout has no pmsg zone (pstore_blk.pmsg_size)', { option: 'pmsg-size' });
    if (kind === 'console' && !layout.console) throw new UsageError('the layout has no console zone (pstore_blk.console_size)', { option: 'console-size' });
    const zctx = b.pstore.core.zone;
    const zone = (kind === 'pmsg' ? zctx.ppsz : zctx.cpsz)!;
    let ret: number;
    let lines = 0;
    if (kind === 'pmsg') {
      // psz_pmsg_write(): 0 or -errno
      const r0 = writePmsg(b.session, data);
      ret = r0 < 0 ? r0 : data.length;
    } else {
      const att = b.pstore.attachment;
      const start = att.consoleWrites.length;
      for (const line of new TextDecoder().decode(data).split('\n')) {
        if (line === '') continue;
        // devkmsg_write(): LOG_USER, default_message_loglevel (4)
        b.session.system.printk(4, line, 1);
        lines++;
      }
      const writes = att.consoleWrites.slice(start);
      const bad = writes.find((w) => w.ret < 0);
      ret = bad ? bad.ret : writes.reduce((n, w) => n + w.size, 0);
    }
    // what the driver did with it: written at once, or -EBUSY (can't sleep) and left to the flusher
    let driverResult = zone.dirty ? 'deferred to the flusher' : 'ok';
    if (zone.dirty) {
      const left = runFlusher(b.session);
      if (left.length) driverResult = `dirty zones left after the flusher: ${left.join(', ')}`;
    }
    shutdownBoard(b.session);
    // pstore/zone refused the write before it reached RAM: nothing of it can be on the card
    const onCard = ret >= 0 && zonesOnCard(b.session, [zone])[0]!.onCard;
    return { image: b.image, blkdev: b.blkdev, driver, params: b.params.cmdline, recovered: b.pstore.mounted?.map((f) => f.name) ?? [], kind, bytes: data.length, lines, ret, driverResult, onCard };
  });
  const outcome = r.onCard ? 'written' : 'lost';
  const reason = r.ret < 0 ? `${kind} write returned ${errnoName(r.ret)}` : !r.onCard ? `the card does not hold the ${kind} zone after the shutdown (driver: ${r.driverResult})` : r.driverResult !== 'ok' ? `driver: ${r.driverResult}; the zone is on the card` : undefined;
  if (o.json) await io.stdout.write(toJson({ ...r, outcome, ...(reason ? { reason } : {}) }) + '\n');
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  const c = io.stderr.color;
  const what = kind === 'pmsg' ? `${r.bytes} bytes` : `${r.lines} line(s) printk'd`;
  await reporter.info(
    [
      `mmcpstore: ${r.image}: mmcpstore (${driverLabel(driver)}) on ${r.blkdev}, ${r.params}`,
      `mmcpstore: recovered ${r.recovered.length} record(s)${r.recovered.length ? `: ${r.recovered.join(', ')}` : ''}`,
      `${kind}: ${r.onCard ? c.green('written') : c.red('lost')}: ${what}${reason ? `; ${reason}` : ', on the card after the shutdown'}`,
    ].join('\n'),
  );
  if (!r.onCard) throw new RecordLostError(`${kind} record not written: ${reason}`, { ret: r.ret, driverResult: r.driverResult });
}

export const runPmsg = (o: CliOptions, io: Io): Promise<void> => runWriter('pmsg', o, io);
export const runConsole = (o: CliOptions, io: Io): Promise<void> => runWriter('console', o, io);
