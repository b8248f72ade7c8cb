import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { System } from '../../src/driver/system/system.js';
import { MemoryPstoreDevice } from '../../src/zone/device-info.js';
import { registerPstoreDevice } from '../../src/zone/blk.js';
import { mergeBlkParams, type BlkParams } from '../../src/zone/params.js';
import { PstoreCore, type PstoreFile } from '../../src/zone/platform.js';
import { KmsgDumpReason } from '../../src/zone/types.js';

const dec = new TextDecoder();

interface Rig {
  sys: System;
  dev: MemoryPstoreDevice;
  core: PstoreCore;
  params: BlkParams;
  compress: 'deflate' | 'none';
  /** The ring's syslog text when the PANIC dump began. */
  atDump: () => string;
}

function rig(options: { kmsgKiB: number; compress: 'deflate' | 'none'; consoleKiB?: number; runtimeLines?: number }): Rig {
  const sys = new System({ seed: 11 });
  sys.loadBootLog(options.runtimeLines ?? 60);
  const params = mergeBlkParams({ kmsgSize: options.kmsgKiB, consoleSize: options.consoleKiB ?? 0 });
  const dev = new MemoryPstoreDevice(256 * 1024);
  const { zone } = registerPstoreDevice(dev, params, { nrCpus: sys.cpus.nrCpus });
  const core = new PstoreCore(zone, { compress: options.compress, now: () => ({ sec: 1_700_000_000n, nsec: 0n }) });
  // Registered first, so it sees the log exactly as pstore's dumper does.
  let snapshot = '';
  sys.dumpers.register({
    name: 'snapshot',
    maxReason: KmsgDumpReason.MAX,
    dump: (d) => {
      if (d.reason === KmsgDumpReason.PANIC) snapshot = sys.ring.syslogText();
    },
  });
  return { sys, dev, core, params, compress: options.compress, atDump: () => snapshot };
}

/** The next boot: a fresh pstore/blk registration over the same bytes, read as pstorefs would. */
function reboot(r: Rig): PstoreFile[] {
  const { zone } = registerPstoreDevice(new MemoryPstoreDevice(r.dev.bytes), r.params, { nrCpus: r.sys.cpus.nrCpus });
  return new PstoreCore(zone, { compress: r.compress }).readFiles();
}

/** Splits syslog text into records' lines (each record here is one line). */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n/g) ?? [];
}

describe('panic → pstore_dump → pstore/zone → device', () => {
  it('recovers to the whole ring text under the "Panic#1 Part1" header when it all fits', () => {
    const r = rig({ kmsgKiB: 64, compress: 'none', runtimeLines: 10 });
    const att = r.sys.attachPstore(r.core);
    const res = r.sys.panic('sysrq triggered crash');
    assert.equal(res.outcome, 'halted');
    assert.equal(att.results.length, 1);
    assert.equal(att.results[0]!.parts[0]!.ret, 0);
    assert.ok(r.dev.writes.length > 0 && r.dev.writes.every((w) => w.panic), 'only panic_write touched the device');

    const files = reboot(r);
    const dmesg = files.find((f) => f.name === 'dmesg-pstore_blk-0');
    assert.ok(dmesg, `files: ${files.map((f) => f.name).join(', ')}`);
    assert.equal(dmesg.reasonName, 'Panic');
    assert.equal(dmesg.count, 1);
    // psz_kmsg_read() puts "<reason>: Total N times" before an uncompressed record.
    assert.equal(dec.decode(dmesg.data), `Panic: Total 1 times\nPanic#1 Part1\n${r.atDump()}`);
    assert.ok(dec.decode(dmesg.data).includes('Kernel panic - not syncing: sysrq triggered crash\n'));
  });

  it('keeps the newest whole records that fit the zone when the log is larger (uncompressed)', () => {
    const r = rig({ kmsgKiB: 4, compress: 'none', runtimeLines: 200 });
    r.sys.attachPstore(r.core);
    r.sys.panic('boom');
    const dmesg = reboot(r).find((f) => f.name === 'dmesg-pstore_blk-0')!;
    const zoneHeader = 'Panic: Total 1 times\n';
    const header = 'Panic#1 Part1\n';
    const text = dec.decode(dmesg.data);
    assert.ok(text.startsWith(zoneHeader + header));
    const body = text.slice(zoneHeader.length + header.length);
    const all = r.atDump();
    assert.ok(all.endsWith(body), 'the body is the newest part of the log');
    const kept = splitLines(body);
    const lines = splitLines(all);
    assert.ok(kept.length > 0 && kept.length < lines.length);
    assert.equal(kept[0], lines[lines.length - kept.length], 'it starts on a whole record');
    // It is as much as fits: one older record more would pass size - 1.
    const limit = r.core.zone.bufsize - header.length - 1;
    const olderLen = Buffer.byteLength(lines[lines.length - kept.length - 1]!);
    assert.ok(Buffer.byteLength(body) <= limit);
    assert.ok(Buffer.byteLength(body) + olderLen > limit);
  });

  it('recovers the same through deflate, holding more of the log than the zone size', () => {
    const r = rig({ kmsgKiB: 4, compress: 'deflate', runtimeLines: 200 });
    const att = r.sys.attachPstore(r.core);
    r.sys.panic('boom');
    assert.equal(att.results[0]!.parts[0]!.compressed, true);
    const dmesg = reboot(r).find((f) => f.name === 'dmesg-pstore_blk-0')!;
    assert.equal(dmesg.compressed, false, 'it inflated');
    const text = dec.decode(dmesg.data);
    assert.ok(text.startsWith('Panic#1 Part1\n'), 'no "Total N times" line for a record that was compressed');
    const body = text.slice('Panic#1 Part1\n'.length);
    assert.ok(r.atDump().endsWith(body));
    assert.ok(Buffer.byteLength(body) > r.core.zone.bufsize, 'compression let more text in than the zone holds');
    assert.ok(body.startsWith('<'), 'whole records');
  });

  it('skips the panic dump, writing nothing, when a stopped CPU holds pstore\'s buf_lock', () => {
    const r = rig({ kmsgKiB: 64, compress: 'none', runtimeLines: 5 });
    const att = r.sys.attachPstore(r.core);
    r.sys.cpus.runOn(1, () => att.bufLock.lock(), 'in pstore_dump() for an oops');
    const res = r.sys.panic('boom');
    assert.equal(res.outcome, 'halted', 'a trylock, so no hang');
    assert.deepEqual(att.results, []);
    assert.deepEqual(att.skipped.map((s) => s.message), ['pstore: dump skipped in Panic path because of concurrent dump']);
    assert.equal(r.dev.writes.length, 0);
  });

  it('stores an oops through the normal writer, counted as Oops#1', () => {
    const r = rig({ kmsgKiB: 64, compress: 'none', runtimeLines: 5 });
    const att = r.sys.attachPstore(r.core);
    r.sys.oops('Unable to handle kernel paging request');
    assert.equal(att.results.length, 1);
    assert.equal(att.results[0]!.reason, KmsgDumpReason.OOPS);
    assert.ok(r.dev.writes.every((w) => !w.panic));
  });

  it('feeds console text to pstore\'s console front end, refused once the panic dump began', () => {
    const r = rig({ kmsgKiB: 16, compress: 'none', consoleKiB: 8, runtimeLines: 5 });
    const att = r.sys.attachPstore(r.core);
    assert.ok(att.console);
    const before = att.consoleWrites.length;
    assert.ok(before > 0, 'CON_PRINTBUFFER replayed the boot log');
    r.sys.panic('boom');
    const after = att.consoleWrites.slice(before);
    const last = after.at(-1)!;
    assert.equal(last.ret, -16, 'pstore/zone refuses non-dmesg writes after a panic dump (-EBUSY)');
  });
});
