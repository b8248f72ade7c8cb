/**
 * deferKmsgData (the image readers' mode): recovery reads only the zone
 * headers, each kmsg record's data is read when that record is, and what
 * pstorefs shows is the same as with the kernel's read-everything recovery.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRegion, PSZ_BUFFER, PSZ_KMSG_HEADER, PstoreCore, genericBlkDevice, registerPstoreDevice, type BlockRegion } from '../../src/zone/index.js';
import { listFixtures, loadFixture } from '../helpers/fixtures.js';

/** A region that counts the bytes read from it. */
function counting(image: Uint8Array): { region: BlockRegion; bytesRead: () => number } {
  const inner = new MemoryRegion(image);
  let n = 0;
  const region: BlockRegion = {
    get size() {
      return inner.size;
    },
    readAt: (buf, pos) => {
      const r = inner.readAt(buf, pos);
      if (r > 0) n += r;
      return r;
    },
    writeAt: (buf, pos) => inner.writeAt(buf, pos),
    sync: () => inner.sync(),
    close: () => inner.close(),
  };
  return { region, bytesRead: () => n };
}

for (const name of listFixtures()) {
  test(`${name}: deferred kmsg reads show exactly what the kernel's recovery shows`, () => {
    const fx = loadFixture(name);
    const opts = { nrCpus: fx.cpus, configPstoreFtrace: fx.sidecar.reader_kernel_config?.CONFIG_PSTORE_FTRACE ?? true };
    // Records without a time of their own are dated by the clock: fix it.
    const now = () => ({ sec: 1_767_225_600n, nsec: 0n });
    const eager = new PstoreCore(registerPstoreDevice(genericBlkDevice(new MemoryRegion(fx.image)), fx.params, opts).zone, { now }).readFiles();
    const deferred = new PstoreCore(registerPstoreDevice(genericBlkDevice(new MemoryRegion(fx.image)), fx.params, { ...opts, deferKmsgData: true }).zone, { now }).readFiles();
    assert.deepEqual(deferred, eager);
  });
}

test('recovery reads the kmsg headers only; each record\'s data is read as the record is', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const { region, bytesRead } = counting(fx.image);
  const reg = registerPstoreDevice(genericBlkDevice(region), fx.params, { nrCpus: fx.cpus, deferKmsgData: true });
  const kmsgZones = reg.zone.layout.kmsg.length;
  const it = new PstoreCore(reg.zone).iterFiles();
  const first = it.next();
  assert.equal(first.done, false);
  const header = PSZ_BUFFER.size + PSZ_KMSG_HEADER.size;
  const afterFirst = bytesRead();
  // The meta phase's headers, plus the first record's data (no more than one zone).
  assert.ok(afterFirst >= kmsgZones * header, `${afterFirst} bytes read`);
  assert.ok(afterFirst <= kmsgZones * header + reg.zone.layout.kmsg[0]!.size, `${afterFirst} bytes read after one record of ${kmsgZones} zones`);
  let records = 1;
  while (!it.next().done) records++;
  assert.ok(records > 1);
  assert.ok(bytesRead() > afterFirst, 'later records were read later');
});

/** The deferred registration of a fixture, its clock fixed (records without a time take it). */
function deferredCore(name: string, region?: BlockRegion): PstoreCore {
  const fx = loadFixture(name);
  const opts = { nrCpus: fx.cpus, configPstoreFtrace: fx.sidecar.reader_kernel_config?.CONFIG_PSTORE_FTRACE ?? true, deferKmsgData: true };
  const reg = registerPstoreDevice(genericBlkDevice(region ?? new MemoryRegion(fx.image)), fx.params, opts);
  return new PstoreCore(reg.zone, { now: () => ({ sec: 1_767_225_600n, nsec: 0n }) });
}

for (const name of listFixtures()) {
  test(`${name}: streaming with reused buffers shows the same files, each read before the next`, () => {
    const owned = deferredCore(name).readFiles();
    const streamed = [...mapNow(deferredCore(name).iterFiles({ reuseBuffers: true }), (f) => ({ ...f, data: f.data.slice() }))];
    assert.deepEqual(streamed, owned);
  });
}

/** Maps each item as it is produced (before the generator is resumed). */
function* mapNow<T, U>(it: Iterable<T>, fn: (x: T) => U): Generator<U> {
  for (const x of it) yield fn(x);
}

test('reused buffers: the dmesg records share a buffer (compressed and plain), owned files do not', () => {
  for (const name of ['virtio-1m-kmsg64-deflate', 'virtio-1m-kmsg64-plain']) {
    const seen: { view: Uint8Array; copy: Uint8Array }[] = [];
    for (const f of deferredCore(name).iterFiles({ reuseBuffers: true })) if (f.typeName === 'dmesg') seen.push({ view: f.data, copy: f.data.slice() });
    assert.ok(seen.length >= 3, `${name}: ${seen.length} dmesg records`);
    const buffers = new Set(seen.map((s) => s.view.buffer));
    // The buffer grows (doubling) for a longer record, so a few buffers at most.
    assert.ok(buffers.size < seen.length, `${name}: ${buffers.size} buffers for ${seen.length} records`);
    const overwritten = seen.filter((s, i) => seen.slice(i + 1).some((t) => t.view.buffer === s.view.buffer));
    assert.ok(overwritten.length > 0);
    assert.ok(overwritten.some((s) => Buffer.compare(s.view, s.copy) !== 0), `${name}: an earlier record's view shows a later record`);
    const owned = deferredCore(name).readFiles();
    assert.equal(new Set(owned.map((f) => f.data.buffer)).size, owned.length, `${name}: readFiles() gives each file its own bytes`);
  }
});

test('a dmesg record whose data cannot be read ends the listing there, with the kernel-style line, with and without reused buffers', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const header = PSZ_BUFFER.size + PSZ_KMSG_HEADER.size;
  const reg0 = registerPstoreDevice(genericBlkDevice(new MemoryRegion(fx.image)), fx.params, { nrCpus: fx.cpus, deferKmsgData: true });
  const second = reg0.zone.layout.kmsg[1]!.off;
  const inner = new MemoryRegion(fx.image);
  // The second zone's header reads; its data (past the header) does not.
  const region: BlockRegion = {
    get size() {
      return inner.size;
    },
    readAt: (buf, pos) => (pos >= second + header && pos < second + reg0.zone.layout.kmsg[1]!.size ? -5 : inner.readAt(buf, pos)),
    writeAt: (buf, pos) => inner.writeAt(buf, pos),
    sync: () => undefined,
    close: () => undefined,
  };
  const all = deferredCore('virtio-1m-kmsg64-deflate').readFiles().filter((f) => f.typeName === 'dmesg');
  assert.ok(all.length >= 2);
  for (const reuseBuffers of [false, true]) {
    const core = deferredCore('virtio-1m-kmsg64-deflate', region);
    const names = [...core.iterFiles({ reuseBuffers })].map((f) => f.name);
    assert.deepEqual(names, [all[0]!.name], `reuseBuffers ${reuseBuffers}: only the record before the unreadable one`);
    assert.ok(core.zone.log.some((l) => l.level === 'err' && l.text === 'pstore_zone: read dmesg with id 1 failed'), `reuseBuffers ${reuseBuffers}: ${core.zone.log.map((l) => l.text).join(' | ')}`);
  }
});

test('reused buffers: a ring record is a view of the zone\'s old contents; readFiles() copies it', () => {
  const name = 'engine-512k-pmsg-console-wrap';
  const isRing = (f: { typeName: string }): boolean => f.typeName === 'pmsg' || f.typeName === 'console';
  // Judged as each file is produced: is its data the whole of its buffer, or a view into a larger one?
  const streamed = [...mapNow(deferredCore(name).iterFiles({ reuseBuffers: true }), (f) => ({ f, whole: f.data.byteLength === f.data.buffer.byteLength }))].filter((x) => isRing(x.f));
  assert.equal(streamed.length, 2);
  for (const { f, whole } of streamed) assert.equal(whole, false, `${f.typeName}: a view into the oldbuf (header and all), no copy`);
  for (const f of deferredCore(name).readFiles().filter(isRing)) assert.equal(f.data.byteLength, f.data.buffer.byteLength, `${f.typeName}: readFiles() gives an exact copy`);
});
