/** pstore/zone write behaviour, checked against zone.c and platform.c rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KmsgDumpReason, LinesDumpIter, PstoreType, decodeKmsgHeader, decodePszBuffer, zoneSignature, ENOSPC } from '../../src/zone/index.js';
import { bytes, logLines, rig, text } from './helpers-zone.js';

const K = 1024;

test('a dump stores Part1 only, with the "<Reason>#N Part1" header line', () => {
  const { core } = rig(256 * K, { kmsgSize: 64 });
  // Identical lines compress far below kmsg_bytes, so the core asks for more parts.
  const r = core.dump(KmsgDumpReason.OOPS, new LinesDumpIter(Array(8000).fill('<6>[    0.000000] same line\n')));
  assert.equal(r.parts[0]!.ret, 0);
  assert.equal(r.parts[0]!.zone, 0);
  assert.ok(r.parts.length >= 2, 'the core asks for Part2 while less than kmsg_bytes was written');
  assert.equal(r.parts[1]!.ret, -ENOSPC, 'pstore/zone refuses Part2');
  const files = core.readFiles();
  assert.equal(files.length, 1);
  assert.ok(text(files[0]!.data).startsWith('Oops#1 Part1\n<6>['));
});

test('the dump text is the newest whole lines that fit in bufsize, ending with the newest line', () => {
  const { core } = rig(64 * K, { kmsgSize: 4 }, { compress: 'none' });
  core.dump(KmsgDumpReason.OOPS, logLines('x', 500));
  const t = text(core.readFiles()[0]!.data);
  const body = t.slice(t.indexOf('Part1\n') + 6);
  assert.ok(body.endsWith('x line 499\n'));
  // bufsize 4044: header line + text must be at most bufsize - 1 (kmsg_dump_get_buffer's size - 1).
  assert.ok(body.length + 'Oops#1 Part1\n'.length <= 4044 - 1);
  assert.ok(body.startsWith('<6>['), 'whole lines only');
});

test('counters count per reason across boots; other reasons store 0', () => {
  const a = rig(512 * K, { kmsgSize: 64, maxReason: 4 });
  a.core.dump(KmsgDumpReason.OOPS, logLines('a', 10));
  a.core.dump(KmsgDumpReason.PANIC, logLines('b', 10));
  a.core.dump(KmsgDumpReason.OOPS, logLines('c', 10));
  a.core.dump(KmsgDumpReason.SHUTDOWN, logLines('d', 10));
  // Next boot: recovery seeds the counters from the maxima on disk.
  const b = rig(512 * K, { kmsgSize: 64, maxReason: 4 }, { bytes: a.dev.bytes });
  b.clock.sec += 100n;
  b.core.dump(KmsgDumpReason.OOPS, logLines('e', 10));
  const counters = [0, 1, 2, 3, 4].map((i) => decodeKmsgHeader(b.dev.bytes, i * 64 * K + 12));
  assert.deepEqual(counters.map((h) => [h.reason, h.counter]), [[2, 1], [1, 1], [2, 2], [4, 0], [2, 3]]);
  const files = b.core.readFiles();
  assert.ok(files.every((f) => text(f.data).startsWith(`${f.reasonName}#`)), 'compressed records carry no Total line');
});

test('the kmsg zones are a ring: the next write goes after the newest tv_sec, wrapping', () => {
  const a = rig(256 * K, { kmsgSize: 64 });
  for (let i = 0; i < 6; i++) {
    a.clock.sec += 1n;
    a.core.dump(KmsgDumpReason.OOPS, logLines(`d${i}`, 5));
  }
  // 4 zones, 6 dumps: zones 0 and 1 hold dumps 4 and 5.
  const names = a.core.readFiles().map((f) => [f.name, f.count]);
  assert.deepEqual(names, [['dmesg-pstore_blk-0', 5], ['dmesg-pstore_blk-1', 6], ['dmesg-pstore_blk-2', 3], ['dmesg-pstore_blk-3', 4]]);
  const next = rig(256 * K, { kmsgSize: 64 }, { bytes: a.dev.bytes });
  assert.equal(next.core.zone.kmsgWriteCnt, 2);
  assert.equal(next.core.zone.oopsCounter, 6);
});

test('a kmsg write rewrites the whole zone, zero-filled after the payload', () => {
  const { dev, core } = rig(128 * K, { kmsgSize: 64 });
  dev.bytes.fill(0xaa);
  core.dump(KmsgDumpReason.OOPS, logLines('z', 20));
  assert.deepEqual(dev.writes.at(-1), { pos: 0, length: 64 * K, panic: false });
  const hdr = decodePszBuffer(dev.bytes);
  assert.equal(hdr.sig, zoneSignature(PstoreType.DMESG));
  assert.equal(hdr.start, 0);
  assert.ok(dev.bytes.subarray(12 + hdr.datalen, 64 * K).every((b) => b === 0));
  assert.ok(dev.bytes.subarray(64 * K).every((b) => b === 0xaa), 'the next zone is untouched');
});

test('a panic dump uses panic_write; without one the record stays in RAM and is lost', () => {
  const a = rig(128 * K, { kmsgSize: 64 });
  a.core.dump(KmsgDumpReason.PANIC, logLines('p', 5));
  assert.equal(a.dev.writes.at(-1)?.panic, true);
  const b = rig(128 * K, { kmsgSize: 64 }, { panicWrite: false });
  b.core.dump(KmsgDumpReason.PANIC, logLines('p', 5));
  assert.equal(b.dev.writes.length, 0);
  assert.equal(b.core.zone.dirtyZones().length, 1);
  assert.equal(b.core.zone.flushAllDirtyZones(), true, 'still dirty: on panic only panic_write may write');
});

test('after a panic record only dmesg is written: pmsg and console get -EBUSY', () => {
  const { core } = rig(256 * K, { kmsgSize: 64, pmsgSize: 64 });
  core.dump(KmsgDumpReason.PANIC, logLines('p', 5));
  assert.equal(core.writePmsg(bytes('late\n')), -16);
});

test('before recovery nothing reaches the device; the write waits as a dirty zone', () => {
  const { dev, core } = rig(128 * K, { kmsgSize: 64, pmsgSize: 64 }, { mount: false });
  core.writePmsg(bytes('early\n'));
  assert.equal(dev.writes.length, 0);
  assert.deepEqual(core.zone.dirtyZones().map((z) => z.kind), ['pmsg']);
  core.zone.recovery();
  core.zone.flushAllDirtyZones();
  assert.equal(dev.writes.length, 1);
  assert.equal(decodePszBuffer(dev.bytes).datalen, 6);
});

test('a dump taken before recovery makes recovery fail, as zone.c\'s move path does', () => {
  const { core } = rig(256 * K, { kmsgSize: 64 }, { mount: false });
  core.dump(KmsgDumpReason.OOPS, logLines('early', 5));
  assert.notEqual(core.zone.recovery(), 0);
  assert.ok(core.zone.log.some((l) => /move zone from 0 to 1 failed/.test(l.text)));
  assert.ok(core.zone.log.some((l) => /recover failed/.test(l.text)));
});

test('pmsg and console are rings: wrapped contents come back oldest first, datalen = buffer_size', () => {
  const a = rig(256 * K, { kmsgSize: 64, pmsgSize: 8 });
  let all = '';
  for (let i = 0; i < 300; i++) {
    const s = `pmsg ${i} ${'.'.repeat(i % 37)}\n`;
    all += s;
    a.core.writePmsg(bytes(s));
  }
  const hdr = decodePszBuffer(a.dev.bytes);
  assert.equal(hdr.datalen, 8 * K - 12);
  const next = rig(256 * K, { kmsgSize: 64, pmsgSize: 8 }, { bytes: a.dev.bytes });
  const pmsg = next.core.readFiles().find((f) => f.name === 'pmsg-pstore_blk-0')!;
  assert.equal(text(pmsg.data), all.slice(all.length - (8 * K - 12)));
});

test('a chunk larger than the ring keeps only its newest buffer_size bytes', () => {
  const a = rig(64 * K, { kmsgSize: 4, consoleSize: 4 });
  const big = Array.from({ length: 9000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
  a.core.writeConsole(bytes(big));
  const f = rig(64 * K, { kmsgSize: 4, consoleSize: 4 }, { bytes: a.dev.bytes }).core.readFiles()[0]!;
  assert.equal(text(f.data), big.slice(big.length - (4 * K - 12)));
});

test('erasing a dmesg record rewrites only its 12-byte header; the payload stays on disk', () => {
  const a = rig(256 * K, { kmsgSize: 64 });
  a.core.dump(KmsgDumpReason.OOPS, logLines('e', 5));
  const before = a.dev.bytes.slice(12, 64 * K);
  const b = rig(256 * K, { kmsgSize: 64 }, { bytes: a.dev.bytes });
  const [file] = b.core.readFiles();
  assert.equal(b.core.eraseFile(file!), 0);
  assert.deepEqual(b.dev.writes, [{ pos: 0, length: 12, panic: false }]);
  assert.equal(decodePszBuffer(b.dev.bytes).datalen, 0);
  assert.deepEqual(b.dev.bytes.slice(12, 64 * K), before);
  assert.equal(rig(256 * K, { kmsgSize: 64 }, { bytes: b.dev.bytes }).core.readFiles().length, 0);
});

test('erasing a record the zone no longer holds (counter differs) writes nothing', () => {
  const a = rig(256 * K, { kmsgSize: 64 });
  a.core.dump(KmsgDumpReason.OOPS, logLines('e', 5));
  const b = rig(256 * K, { kmsgSize: 64 }, { bytes: a.dev.bytes });
  const [file] = b.core.readFiles();
  assert.equal(b.core.eraseFile({ ...file!, count: 99 }), 0);
  assert.equal(b.dev.writes.length, 0);
});

test('erasing pmsg writes an empty header when this boot wrote nothing there', () => {
  const a = rig(128 * K, { kmsgSize: 64, pmsgSize: 8 });
  a.core.writePmsg(bytes('old user message\n'));
  const b = rig(128 * K, { kmsgSize: 64, pmsgSize: 8 }, { bytes: a.dev.bytes });
  const f = b.core.readFiles().find((x) => x.typeName === 'pmsg')!;
  b.core.eraseFile(f);
  assert.deepEqual(decodePszBuffer(b.dev.bytes), { sig: zoneSignature(PstoreType.PMSG), datalen: 0, start: 0 });
});

test('ftrace zones merge into one record ordered by sequence, one line per call', () => {
  const a = rig(512 * K, { kmsgSize: 64, ftraceSize: 64 }, { nrCpus: 4 });
  for (let i = 0; i < 40; i++) a.core.writeFtrace(0xffff000000001000n + BigInt(i), 0xffff000000002000n, (i * 7) % 4);
  const f = rig(512 * K, { kmsgSize: 64, ftraceSize: 64 }, { bytes: a.dev.bytes, nrCpus: 4 }).core.readFiles().find((x) => x.typeName === 'ftrace')!;
  assert.equal(f.name, 'ftrace-pstore_blk-0');
  const lines = text(f.data).trimEnd().split('\n');
  assert.equal(lines.length, 40);
  assert.match(lines[0]!, /^CPU:0 ts:0 ffff000000001000  ffff000000002000  0xffff000000001000 <- 0xffff000000002000$/);
  assert.deepEqual(lines.map((l) => Number(/ts:(\d+)/.exec(l)![1])), Array.from({ length: 40 }, (_, i) => i));
});

test('an incompressible dump is stored plain: its first bufsize bytes (6.6+)', () => {
  const { core } = rig(64 * K, { kmsgSize: 4 });
  let s = 1;
  const noise = Array.from({ length: 200 }, () => {
    let l = '<6>[    1.000000] ';
    for (let j = 0; j < 80; j++) l += String.fromCharCode(33 + ((s = (s * 1103515245 + 12345) >>> 0) >>> 25) % 90);
    return l + '\n';
  });
  const r = core.dump(KmsgDumpReason.OOPS, new (class { private i = noise.length; getBuffer(size: number) { const out: string[] = []; let n = 0; while (this.i > 0 && n + noise[this.i - 1]!.length <= size - 1) { n += noise[--this.i]!.length; out.unshift(noise[this.i]!); } return out.length ? bytes(out.join('')) : null; } })());
  assert.equal(r.parts[0]!.compressed, false);
  assert.equal(r.parts[0]!.size, 4044);
  const f = core.readFiles()[0]!;
  assert.ok(text(f.data).startsWith('Oops: Total 1 times\nOops#1 Part1\n'));
});

test('reading the records twice gives the same bytes (pstorefs rescans)', () => {
  const a = rig(256 * K, { kmsgSize: 64, pmsgSize: 8 });
  a.core.writePmsg(bytes('pmsg text\n'));
  a.core.dump(KmsgDumpReason.OOPS, logLines('twice', 50));
  const b = rig(256 * K, { kmsgSize: 64, pmsgSize: 8 }, { bytes: a.dev.bytes });
  const first = b.core.readFiles().map((f) => [f.name, text(f.data)]);
  const second = b.core.readFiles().map((f) => [f.name, text(f.data)]);
  assert.equal(first.length, 2);
  assert.deepEqual(second, first);
});
