/**
 * Images written (or read) by a real Linux kernel decode to exactly what the
 * kernel showed in /sys/fs/pstore: names, bytes, sizes, sha256 and times.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listFixtures, loadFixture, readFixture } from '../helpers/fixtures.js';
import { sha256 } from '../helpers/hash.js';

const names = listFixtures();

test('the fixture set includes the three images written by Linux and the engine images Linux read', () => {
  assert.ok(names.includes('mmc-256k-kmsg64-wrap'));
  assert.ok(names.includes('virtio-1m-kmsg64-deflate'));
  assert.ok(names.includes('virtio-1m-kmsg64-plain'));
  assert.ok(names.filter((n) => n.startsWith('engine-')).length >= 5);
});

for (const name of names) {
  describe(name, () => {
    const fx = loadFixture(name);

    test('the image is the one the sidecar describes', () => {
      assert.equal(sha256(fx.image), fx.sidecar.image_sha256);
    });

    test('recovers the same set of file names the kernel showed', () => {
      const ours = readFixture(fx).map((f) => f.name).sort();
      assert.deepEqual(ours, [...fx.kernelFiles.keys()].sort());
    });

    test('every record has the kernel bytes, size and sha256', () => {
      const files = readFixture(fx);
      for (const f of files) {
        const want = fx.kernelFiles.get(f.name);
        assert.ok(want, `${f.name} not shown by the kernel`);
        assert.equal(f.data.length, want.length, `${f.name} size`);
        assert.ok(Buffer.from(f.data).equals(want), `${f.name} bytes differ`);
        const rec = fx.sidecar.records_reported_by_kernel.find((r) => r.name === f.name);
        assert.ok(rec, `${f.name} missing from the sidecar`);
        assert.equal(sha256(f.data), rec.sha256);
        assert.equal(f.size, rec.size);
      }
    });

    test('dmesg records carry the kernel mtime (pmsg/console have none on disk)', () => {
      const files = readFixture(fx);
      for (const f of files.filter((x) => x.typeName === 'dmesg')) {
        const rec = fx.sidecar.records_reported_by_kernel.find((r) => r.name === f.name)!;
        assert.equal(Number(f.time.sec), rec.mtime, f.name);
      }
    });
  });
}
