/**
 * `mmcpstore pmsg` and `mmcpstore console`: one boot each (recovery at the mount), then what
 * userspace or the kernel does — a write to /dev/pmsg0, or printk lines that pstore's console
 * front end receives (as `echo TEXT > /dev/kmsg` would) — then a clean shutdown: the reboot
 * notifier flushes the dirty zone through mmcpstore's normal path.
 */
import { writePmsg } from '../driver/board/index.js';
import { textArgument, toJson, withBoard } from './board-session.js';
import { IoError, UsageError } from '../reader/errors.js';
import { Reporter, type Io } from './io.js';
import { optionDefault, type CliOptions } from './options.js';

const ENOSPC_ETC: Readonly<Record<number, string>> = { [-28]: '-ENOSPC', [-16]: '-EBUSY', [-19]: '-ENODEV', [-22]: '-EINVAL', [-5]: '-EIO', [-12]: '-ENOMEM' };
const errno = (n: number): string => ENOSPC_ETC[n] ?? String(n);



async function runWriter(kind: 'pmsg' | 'console', o: CliOptions, io: Io): Promise<void> {
  const size = kind === 'pmsg' ? o.pmsgSize : o.consoleSize;
  const paramsText = o.params ?? '';
  if ((size === undefined && !new RegExp(`${kind}_size=`).test(paramsText)) || (size !== undefined && size <= 0)) {
    throw new UsageError(`${kind} needs a ${kind} zone: give --${kind}-size KB (pstore_blk.${kind}_size), the same on every command for this image`, { option: `${kind}-size` });
  }
  const data = await textArgument(o.text, io, kind);
  const r = await withBoard(o, io, { readOnly: false }, (b) => {
    const zone = b.pstore.core.zone.layout;
    if (kind === 'pmsg' && !zone.pmsg) throw new UsageError('the layout has no pmsg zone (pstore_blk.pmsg_size)', { option: 'pmsg-size' });
    if (kind === 'console' && !zone.console) throw new UsageError('the layout has no console zone (pstore_blk.console_size)', { option: 'console-size' });
    let ret: number;
    let lines = 0;
    if (kind === 'pmsg') {
      // psz_pmsg_write(): 0 or -errno
      const r0 = writePmsg(b.session, data);
      ret = r0 < 0 ? r0 : data.length;
    }
    else {
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
    return { image: b.image, blkdev: b.blkdev, params: b.params.cmdline, recovered: b.pstore.mounted?.map((f) => f.name) ?? [], kind, bytes: data.length, lines, ret };
  });
  if (o.json) await io.stdout.write(toJson(r) + '\n');
  const reporter = new Reporter(io, !!o.quiet, !!o.verbose);
  await reporter.info(
    [
      `mmcpstore: ${r.image}: mmcpstore (${o.driver ?? optionDefault('driver')}) on ${r.blkdev}, ${r.params}`,
      `mmcpstore: recovered ${r.recovered.length} record(s)${r.recovered.length ? `: ${r.recovered.join(', ')}` : ''}`,
      kind === 'pmsg' ? `pmsg: ${r.ret >= 0 ? `${r.ret} bytes written` : `write failed: ${errno(r.ret)}`}` : `console: ${r.lines} line(s) printk'd, ${r.ret >= 0 ? `${r.ret} bytes into the console zone` : `write failed: ${errno(r.ret)}`}`,
    ].join('\n'),
  );
  if (r.ret < 0) throw new IoError(`${kind} write failed: ${errno(r.ret)}`, { ret: r.ret });
}

export const runPmsg = (o: CliOptions, io: Io): Promise<void> => runWriter('pmsg', o, io);
export const runConsole = (o: CliOptions, io: Io): Promise<void> => runWriter('console', o, io);
