import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBacking } from '../../src/device/backing.js';
import { createLayout, ImageLayoutError, PARTITION_ACCESS, qemuLayout, userAreaLayout } from '../../src/device/emmc/image-layout.js';

const KiB = 1024;
const MiB = 1024 * KiB;

test('the default layout is the user area only, with boot and RPMB partitions in memory', () => {
  const img = new MemoryBacking(8 * MiB);
  const l = createLayout(img);
  assert.equal(l.kind, 'user-area');
  assert.equal(l.partitions.get(PARTITION_ACCESS.user), img);
  assert.equal(l.userSize, 8 * MiB);
  assert.equal(l.where['boot0'], 'memory');
  assert.equal(l.partitions.get(PARTITION_ACCESS.boot0)!.size, 4 * MiB);
  assert.equal(l.partitions.has(PARTITION_ACCESS.gp1), false);
  const gp = userAreaLayout(img, { gpSizes: [512 * KiB], bootSize: 0, rpmbSize: 0 });
  assert.equal(gp.partitions.get(PARTITION_ACCESS.gp1)!.size, 512 * KiB);
  assert.equal(gp.partitions.has(PARTITION_ACCESS.boot0), false);
});

test('the QEMU layout is boot0 | boot1 | RPMB | user in one file (spec §6.1)', () => {
  const B = 256 * KiB;
  const Rp = 128 * KiB;
  const img = new MemoryBacking(2 * B + Rp + 4 * MiB);
  const l = qemuLayout(img, { bootSize: B, rpmbSize: Rp });
  assert.deepEqual(l.where, { boot0: 'image @0x0', boot1: 'image @0x40000', rpmb: 'image @0x80000', user: 'image @0xa0000' });
  assert.equal(l.userSize, 4 * MiB);
  l.partitions.get(PARTITION_ACCESS.rpmb)!.write(0, new Uint8Array([3]));
  assert.equal(img.read(2 * B, 1)[0], 3);
});

test('the QEMU layout enforces QEMU size rules', () => {
  const img = (n: number): MemoryBacking => new MemoryBacking(n);
  assert.throws(() => qemuLayout(img(4 * MiB), { bootSize: 100 * KiB, rpmbSize: 0 }), ImageLayoutError, 'boot not a 128 KiB multiple');
  assert.throws(() => qemuLayout(img(64 * MiB), { bootSize: 256 * 128 * KiB, rpmbSize: 0 }), ImageLayoutError, 'boot too large');
  assert.throws(() => qemuLayout(img(64 * MiB), { bootSize: 0, rpmbSize: 129 * 128 * KiB }), ImageLayoutError, 'RPMB too large');
  assert.throws(() => qemuLayout(img(3 * MiB), { bootSize: 0, rpmbSize: 0 }), ImageLayoutError, 'user ≤ 2 GiB must be a power of two');
  assert.doesNotThrow(() => qemuLayout(img(3 * MiB), { bootSize: 0, rpmbSize: 0, allowAnyUserSize: true }));
  assert.throws(() => qemuLayout(img(256 * KiB), { bootSize: 128 * KiB, rpmbSize: 0 }), ImageLayoutError, 'smaller than its boot partitions');
  const none = qemuLayout(img(MiB), { bootSize: 0, rpmbSize: 0 });
  assert.equal(none.partitions.has(PARTITION_ACCESS.boot0), false, 'size 0: partition absent');
});
