/** mmcblk naming, dev_t allocation and every blkdev form pstore/blk and mmcpstore accept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BlkdevError,
  BlkdevNotFoundError,
  BlkdevSyntaxError,
  ExtMinorAllocator,
  formatDevT,
  hexDevT,
  mmcBlockDisk,
  mmcDiskName,
  newDecodeDev,
  newEncodeDev,
  partitionName,
  resolveBlkdev,
  type BlockDisk,
  type PartitionInfo,
} from '../../src/driver/mmc/partitions/index.js';

const gptPart = (n: number, label: string): PartitionInfo => ({
  number: n,
  firstLba: 2048 * n,
  sectors: 2048,
  partUuid: `0000000${n.toString(16)}-aaaa-4bbb-8ccc-dddddddddddd`.slice(-36),
  label,
});
const labels = ['bootloader', 'env', 'misc', 'boot_a', 'boot_b', 'pstore', 'rootfs', 'vendor', 'userdata', 'crash'];

function system(): { disks: BlockDisk[]; ext: ExtMinorAllocator } {
  const ext = new ExtMinorAllocator();
  const card0 = mmcBlockDisk({ hostIndex: 0, sectors: 1 << 20, partitions: labels.map((l, i) => gptPart(i + 1, l)), ext });
  const card1 = mmcBlockDisk({
    hostIndex: 1,
    sectors: 1 << 18,
    ext,
    partitions: [
      { number: 1, firstLba: 2048, sectors: 4096, partUuid: '1a2b3c4d-01', label: '' },
      { number: 2, firstLba: 8192, sectors: 2, partUuid: '', label: '' },
      { number: 5, firstLba: 10240, sectors: 4096, partUuid: '1a2b3c4d-05', label: '' },
    ],
  });
  return { disks: [card0, card1], ext };
}

test('disks are mmcblk<host index>; partitions of names ending in a digit get a p', () => {
  assert.equal(mmcDiskName(0), 'mmcblk0');
  assert.equal(mmcDiskName(2, 'boot0'), 'mmcblk2boot0');
  assert.equal(partitionName('mmcblk0', 5), 'mmcblk0p5');
  assert.equal(partitionName('mmcblk0boot1', 1), 'mmcblk0boot1p1');
  assert.equal(partitionName('sda', 3), 'sda3');
});

test('card N uses 179:(N*8+M) for partitions 1..7 and extended 259:x, lowest free first, past that', () => {
  const { disks, ext } = system();
  const [card0, card1] = disks;
  assert.equal(formatDevT(card0.devt), '179:0');
  assert.deepEqual(
    card0.partitions.map((p) => `${p.path} ${formatDevT(p.devt)}`),
    [
      '/dev/mmcblk0p1 179:1', '/dev/mmcblk0p2 179:2', '/dev/mmcblk0p3 179:3', '/dev/mmcblk0p4 179:4',
      '/dev/mmcblk0p5 179:5', '/dev/mmcblk0p6 179:6', '/dev/mmcblk0p7 179:7',
      '/dev/mmcblk0p8 259:0', '/dev/mmcblk0p9 259:1', '/dev/mmcblk0p10 259:2',
    ],
  );
  assert.equal(formatDevT(card1.devt), '179:8');
  assert.deepEqual(card1.partitions.map((p) => formatDevT(p.devt)), ['179:9', '179:10', '179:13']);
  assert.equal(ext.alloc(), 3, 'the shared allocator continues after the numbers handed out');
  ext.free(1);
  assert.equal(ext.alloc(), 1, 'a freed number is reused first');
});

test('perdev_minors and devidx change the numbering (boot areas take ids too)', () => {
  const d = mmcBlockDisk({ hostIndex: 1, devidx: 3, perdevMinors: 16, sectors: 100, partitions: [gptPart(9, 'x'), gptPart(16, 'y')] });
  assert.deepEqual([formatDevT(d.devt), ...d.partitions.map((p) => formatDevT(p.devt))], ['179:48', '179:57', '259:0']);
  assert.throws(() => mmcBlockDisk({ hostIndex: 0, perdevMinors: 3, sectors: 1, partitions: [] }), /perdev_minors 3 is outside 4\.\.256/);
});

test('the hex form is new_encode_dev() in hex', () => {
  assert.equal(hexDevT({ major: 179, minor: 5 }), 'b305');
  assert.equal(hexDevT({ major: 259, minor: 0 }), '10300');
  assert.equal(hexDevT({ major: 259, minor: 0x1234 }), '1210334');
  assert.deepEqual(newDecodeDev(newEncodeDev({ major: 259, minor: 0x12345 })), { major: 259, minor: 0x12345 });
});

test('every accepted blkdev form resolves to the right device', () => {
  const { disks } = system();
  const cases: [string, string, string][] = [
    ['/dev/mmcblk0p6', 'devname', 'mmcblk0p6'],
    ['mmcblk0p6', 'name', 'mmcblk0p6'],
    ['/dev/mmcblk0', 'devname', 'mmcblk0'],
    ['mmcblk1', 'name', 'mmcblk1'],
    ['/dev/mmcblk0p10', 'devname', 'mmcblk0p10'],
    ['179:6', 'devnum', 'mmcblk0p6'],
    ['179:6:0', 'devnum', 'mmcblk0p6'],
    ['179:8', 'devnum', 'mmcblk1'],
    ['259:1', 'devnum', 'mmcblk0p9'],
    ['b306', 'hex', 'mmcblk0p6'],
    ['B306', 'hex', 'mmcblk0p6'],
    ['0xb306', 'hex', 'mmcblk0p6'],
    ['10300', 'hex', 'mmcblk0p8'],
    ['b30d', 'hex', 'mmcblk1p5'],
    ['PARTUUID=00000006-aaaa-4bbb-8ccc-dddddddddddd', 'partuuid', 'mmcblk0p6'],
    ['PARTUUID=00000006-AAAA-4BBB-8CCC-DDDDDDDDDDDD', 'partuuid', 'mmcblk0p6'],
    ['PARTUUID=00000006', 'partuuid', 'mmcblk0p6'],
    ['PARTUUID=00000001-aaaa-4bbb-8ccc-dddddddddddd/PARTNROFF=5', 'partuuid', 'mmcblk0p6'],
    ['PARTUUID=00000007-aaaa-4bbb-8ccc-dddddddddddd/PARTNROFF=-1', 'partuuid', 'mmcblk0p6'],
    ['PARTUUID=00000001-aaaa-4bbb-8ccc-dddddddddddd/PARTNROFF=-1', 'partuuid', 'mmcblk0'],
    ['PARTUUID=1a2b3c4d-05', 'partuuid', 'mmcblk1p5'],
    ['PARTLABEL=pstore', 'partlabel', 'mmcblk0p6'],
    ['PARTLABEL=crash', 'partlabel', 'mmcblk0p10'],
  ];
  for (const [spec, form, name] of cases) {
    const r = resolveBlkdev(spec, disks);
    assert.deepEqual([r.form, r.name], [form, name], spec);
  }
  const r = resolveBlkdev('PARTLABEL=pstore', disks);
  assert.deepEqual([r.path, formatDevT(r.devt), r.startSector, r.sectors, r.partition?.partno], ['/dev/mmcblk0p6', '179:6', 12288, 2048, 6]);
  const whole = resolveBlkdev('/dev/mmcblk1', disks);
  assert.deepEqual([whole.partition, whole.startSector, whole.sectors], [undefined, 0, 1 << 18]);
});

test('unknown or malformed blkdev values throw typed errors that name the spec and what is available', () => {
  const { disks } = system();
  const cases: [string, typeof BlkdevSyntaxError | typeof BlkdevNotFoundError, RegExp][] = [
    ['', BlkdevSyntaxError, /empty value/],
    ['PARTUUID=', BlkdevSyntaxError, /Expected PARTUUID=<valid-uuid-id>\[\/PARTNROFF=%d\]/],
    ['PARTUUID=00000006/PARTNROFF=x', BlkdevSyntaxError, /Expected PARTUUID=/],
    ['PARTUUID=00000006/PARTNROFF=1junk', BlkdevSyntaxError, /Expected PARTUUID=/],
    ['PARTUUID=deadbeef-0000', BlkdevNotFoundError, /no partition's PARTUUID starts with deadbeef-0000/],
    ['PARTUUID=00000006/PARTNROFF=40', BlkdevNotFoundError, /PARTNROFF=40 gives partition 46, which mmcblk0 does not have/],
    ['PARTLABEL=', BlkdevSyntaxError, /empty PARTLABEL=/],
    ['PARTLABEL=PSTORE', BlkdevNotFoundError, /no partition is labelled "PSTORE"/],
    ['/dev/mmcblk1p3', BlkdevNotFoundError, /mmcblk1 has no partition 3 \(Linux would return 179:11 for it/],
    ['/dev/mmcblk1p12', BlkdevNotFoundError, /mmcblk1 has no partition 12; available/],
    ['/dev/mmcblk0p05', BlkdevNotFoundError, /may not start with 0/],
    ['/dev/mmcblk7p1', BlkdevNotFoundError, /no disk is named "mmcblk7p" or "mmcblk7"/],
    ['/dev/sda1', BlkdevNotFoundError, /no disk is named "sda"/],
    [`/dev/${'x'.repeat(32)}`, BlkdevSyntaxError, /longer than 31 characters/],
    ['179:99', BlkdevNotFoundError, /no disk or partition has device number 179:99/],
    ['8:1', BlkdevNotFoundError, /device number 8:1/],
    ['4096:1', BlkdevSyntaxError, /out of range/],
    ['b363', BlkdevNotFoundError, /device number 179:99/],
    ['179:6:0:x', BlkdevNotFoundError, /no disk is named/],
    ['emmc', BlkdevNotFoundError, /no disk is named "emmc"/],
  ];
  for (const [spec, cls, re] of cases) {
    assert.throws(
      () => resolveBlkdev(spec, disks),
      (e: unknown) => {
        assert.ok(e instanceof cls, `${spec}: ${String(e)}`);
        assert.ok(e instanceof BlkdevError);
        assert.match(e.message, re, spec);
        assert.equal(e.spec, spec);
        assert.ok(e.message.includes('available: /dev/mmcblk0 (179:0), /dev/mmcblk0p1 (179:1, PARTUUID='), spec);
        assert.ok(e.available.includes('/dev/mmcblk0p6 (179:6, PARTUUID=00000006-aaaa-4bbb-8ccc-dddddddddddd, PARTLABEL=pstore)'));
        assert.equal(e.errno, cls === BlkdevSyntaxError ? -22 : -19);
        assert.equal(e.toJSON().code, cls === BlkdevSyntaxError ? 'BLKDEV_INVALID' : 'BLKDEV_NOT_FOUND');
        return true;
      },
      spec,
    );
  }
  assert.throws(() => resolveBlkdev('/dev/mmcblk0p6', []), /available: \(no block devices\)/);
});
