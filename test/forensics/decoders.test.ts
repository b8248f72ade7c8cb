/**
 * Android pmsg → logcat, ftrace symbolisation from System.map / kallsyms,
 * and the crash timeline, on generated inputs with known answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  KmsgDumpReason,
  LinesDumpIter,
  MemoryPstoreDevice,
  PstoreCore,
  buildTimeline,
  decodePmsg,
  encodePmsgEntry,
  mergeBlkParams,
  parseSymbolMap,
  pmsgToLogcat,
  registerPstoreDevice,
  renderFtraceLog,
  symbolLookup,
  encodeFtraceRecord,
  ftraceTs,
  type Timespec,
} from '../../src/zone/index.js';
import { runCli, tempDir } from '../cli/helpers.js';

const e1 = { uid: 1000, pid: 1234, tid: 1240, logId: 0, sec: 1767225600, nsec: 123_456_789, priority: 4, tag: 'ActivityManager', message: 'Start proc 42:com.example' };
const e2 = { uid: 0, pid: 1, tid: 1, logId: 3, sec: 1767225601, nsec: 5_000_000, priority: 6, tag: 'init', message: 'Service crashed\nsecond line' };

test('pmsg entries decode to logcat -v threadtime lines', () => {
  const buf = Buffer.concat([encodePmsgEntry(e1), encodePmsgEntry(e2)]);
  assert.equal(
    pmsgToLogcat(buf),
    '01-01 00:00:00.123  1234  1240 I ActivityManager: Start proc 42:com.example\n' +
      '01-01 00:00:01.005     1     1 E init    : Service crashed\n' +
      '01-01 00:00:01.005     1     1 E init    : second line\n',
  );
  const items = decodePmsg(buf);
  assert.deepEqual(items.map((i) => ('entry' in i ? i.entry.tag : 'skip')), ['ActivityManager', 'init']);
  assert.equal('entry' in items[0]! && items[0].entry.uid, 1000);
});

test('resyncs after a damaged entry and after a partial entry at the start (ring wrap)', () => {
  const a = encodePmsgEntry(e1);
  const b = encodePmsgEntry(e2);
  const damaged = Buffer.from(a);
  damaged[0] = 0x00; // magic gone
  const buf = Buffer.concat([a.subarray(10), damaged, b]);
  const out = pmsgToLogcat(buf);
  const skipped = a.length - 10 + damaged.length;
  assert.equal(out.split('\n')[0], `--------- ${skipped} bytes skipped (damaged or partial entry at offset 0)`);
  assert.match(out, /E init {4}: Service crashed\n/);
  assert.equal(decodePmsg(buf).filter((i) => 'entry' in i).length, 1);
});

test('System.map and kallsyms resolve to function+0xoff/0xsize', () => {
  const map = parseSymbolMap(
    [
      'ffffffff81000000 T _stext',
      'ffffffff81000000 T startup_64',
      'ffffffff81001000 t do_one_initcall',
      'ffffffff81001200 D some_data',
      'ffffffff81001400 T schedule',
      'ffffffff81001500 T __sched_text_end',
      'ffffffffc0a01000 t foo_probe\t[foo]',
      'ffffffffc0a01080 t foo_remove\t[foo]',
      'garbage line',
    ].join('\n'),
  );
  const look = symbolLookup(map);
  assert.equal(look(0xffffffff81001010n), 'do_one_initcall+0x10/0x400', 'data symbols do not cut a function');
  assert.equal(look(0xffffffff81000004n), '_stext+0x4/0x1000');
  assert.equal(look(0xffffffff81001400n), 'schedule+0x0/0x100');
  assert.equal(look(0xffffffffc0a01004n), 'foo_probe+0x4/0x80 [foo]');
  assert.equal(look(0xffffffff80000000n), undefined, 'below every symbol');
  assert.equal(look(0xffffffffc0a01090n), undefined, 'past the last symbol: size unknown');
  const rec = encodeFtraceRecord({ ip: 0xffffffff81001404n, parentIp: 0xffffffff81001010n, ts: ftraceTs(7n, 1) });
  assert.equal(renderFtraceLog(rec, look), 'CPU:1 ts:7 ffffffff81001404  ffffffff81001010  schedule <- do_one_initcall+0x10/0x400\n');
  assert.throws(() => parseSymbolMap('hello\nworld\n'), /not a System.map or kallsyms/);
});

function writeImage(dir: string): string {
  const dev = new MemoryPstoreDevice(64 * 1024);
  const reg = registerPstoreDevice(dev, mergeBlkParams({ kmsgSize: 16, pmsgSize: 8, consoleSize: 8, ftraceSize: 8 }), { nrCpus: 2 });
  const now: Timespec = { sec: 1767225610n, nsec: 0n };
  const core = new PstoreCore(reg.zone, { now: () => now, compress: 'none' });
  reg.zone.recovery();
  core.writeConsole(new TextEncoder().encode('[    1.000000] console: booting\n[    5.000000] oops incoming\n'));
  core.writePmsg(encodePmsgEntry({ ...e1, sec: 1767225607, nsec: 0 }));
  core.writeFtrace(0xffffffff81001404n, 0xffffffff81001010n, 0);
  core.writeFtrace(0xffffffff81001404n, 0xffffffff81001010n, 1);
  core.dump(KmsgDumpReason.OOPS, new LinesDumpIter(['<6>[    4.000000] first kept line\n', '<4>[    5.000000] oops incoming\n', '<0>[   10.000000] Oops: kernel BUG\n']));
  reg.zone.flushAllDirtyZones();
  const file = path.join(dir, 'gen.img');
  fs.writeFileSync(file, dev.bytes);
  return file;
}

test('the timeline merges dump, console and pmsg by time, tagging each line, and says the dump was cut', (t) => {
  const dir = tempDir(t);
  const file = writeImage(dir);
  const r = runCli(['recover', '-i', file, '--timeline', '--kmsg-size', '16', '--pmsg-size', '8', '--console-size', '8', '--ftrace-size', '8', '--cpus', '2']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.toString().split('\n');
  assert.match(lines[0]!, /^# dump: dmesg-pstore_blk-0 \(Oops#\d+, 2026-01-01T00:00:10Z\)$/);
  assert.match(lines[1]!, /Part1 only: the newest log lines that fit the zone, from \[4\.000000\] on; earlier lines were cut/);
  assert.deepEqual(lines.slice(2, -1), [
    '[     1.000000] console  console: booting',
    '[     4.000000] dmesg    first kept line',
    '[     5.000000] dmesg+console oops incoming',
    '[     7.000000] pmsg     ActivityManager: Start proc 42:com.example',
    '[    10.000000] dmesg    Oops: kernel BUG',
  ]);
});

test('recover --type pmsg --format logcat, --type ftrace --symbols, and their refusals', (t) => {
  const dir = tempDir(t);
  const file = writeImage(dir);
  const args = ['-i', file, '--kmsg-size', '16', '--pmsg-size', '8', '--console-size', '8', '--ftrace-size', '8', '--cpus', '2', '-q'];
  const pm = runCli(['recover', ...args, '--type', 'pmsg', '--format', 'logcat']);
  assert.equal(pm.status, 0, pm.stderr);
  assert.equal(pm.stdout.toString(), '01-01 00:00:07.000  1234  1240 I ActivityManager: Start proc 42:com.example\n');
  const raw = runCli(['recover', ...args, '--type', 'pmsg']);
  assert.ok(raw.stdout.equals(Buffer.from(encodePmsgEntry({ ...e1, sec: 1767225607, nsec: 0 }))), 'raw bytes without --format');
  const map = path.join(dir, 'System.map');
  fs.writeFileSync(map, 'ffffffff81001000 t do_one_initcall\nffffffff81001400 T schedule\nffffffff81001500 T schedule_end\n');
  const ft = runCli(['recover', ...args, '--type', 'ftrace', '--symbols', map]);
  assert.equal(ft.status, 0, ft.stderr);
  assert.equal(ft.stdout.toString(), 'CPU:0 ts:0 ffffffff81001404  ffffffff81001010  schedule <- do_one_initcall+0x10/0x400\nCPU:1 ts:1 ffffffff81001404  ffffffff81001010  schedule <- do_one_initcall+0x10/0x400\n');
  assert.equal(runCli(['recover', ...args, '--type', 'ftrace', '--symbols', path.join(dir, 'missing.map')]).status, 66);
  assert.equal(runCli(['recover', ...args, '--type', 'dmesg', '--format', 'logcat']).status, 2);
  assert.equal(runCli(['recover', ...args, '--type', 'bogus']).status, 2);
  const only = runCli(['recover', ...args, '--type', 'dmesg']);
  assert.match(only.stdout.toString(), /^Oops: Total 1 times\nOops#1 Part1\n/);
  assert.doesNotMatch(only.stdout.toString(), /console: booting/);
});

test('the timeline without any dmesg record orders console lines; an untimed line follows the line before it', () => {
  const files = [{ name: 'console-pstore_blk-0', type: 2, typeName: 'console', id: 0, time: { sec: 0n, nsec: 0n }, data: new TextEncoder().encode('[    2.000000] b\n[    1.000000] a\nno time\n'), size: 0, compressed: false, zones: [], notes: [] }] as Parameters<typeof buildTimeline>[0];
  const tl = buildTimeline(files);
  assert.equal(tl.dump, null);
  assert.deepEqual(tl.text.split('\n').slice(1, -1), ['[     1.000000] console  a', '[             ] console  no time', '[     2.000000] console  b']);
});
