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
