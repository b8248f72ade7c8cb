import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, MmcpstoreAttachError, openBoard } from '../../src/driver/board/index.js';
import { parseBaseName, parsePartno } from '../../src/driver/mmcpstore/blkdev.js';
import { EINVAL, ENAMETOOLONG, ENODEV, ENOENT } from '../../src/lib/errno.js';
import { blankCard } from './helpers.js';

describe('blkdev parsing (§1.2)', () => {
  it('base name and partition number', () => {
    assert.equal(parseBaseName('/dev/mmcblk0p6'), 'mmcblk0');
    assert.equal(parseBaseName('mmcblk1p12'), 'mmcblk1');
    assert.equal(parseBaseName('/dev/mmcblk0'), 'mmcblk0');
    assert.equal(parseBaseName('/dev/mmcblk0boot0'), 'mmcblk0boot0');
    assert.equal(parseBaseName('PARTUUID=0a1b-02'), 'PARTUUID=0a1b-02');
    assert.equal(parseBaseName('x'.repeat(32)), -ENAMETOOLONG);
    assert.equal(parsePartno('/dev/mmcblk0p6'), 6);
    assert.equal(parsePartno('mmcblk0p12'), 12);
    assert.equal(parsePartno('/dev/mmcblk0'), -1);
    assert.equal(parsePartno('/dev/mmcblk0boot0'), -1);
    assert.equal(parsePartno('179:5'), -1);
  });
});

function attachErr(blkdev: string, o: { builtIn?: boolean; params?: object; sectorOffset?: number; sectorCount?: number } = {}): { errno: number; log: string } {
  const { image } = blankCard();
  const s = openBoard({ image: new MemoryBacking(image), seed: 1 });
  try {
    attachPstore(s, { blkdev, params: { kmsgSize: 64 }, ...o });
    return { errno: 0, log: s.kernelLog.join('\n') };
  } catch (e) {
    assert.ok(e instanceof MmcpstoreAttachError, String(e));
    return { errno: e.errno, log: e.kernelLines.join('\n') };
  }
}

describe('registration (§1.3) and its refusals', () => {
  it('built-in: /dev/mmcblk0p6 and mmcblk0p6 register; the log says where', () => {
    for (const dev of ['/dev/mmcblk0p6', 'mmcblk0p6']) {
      const r = attachErr(dev);
      assert.equal(r.errno, 0);
      assert.match(r.log, /mmcpstore: MMC pstore backend registered successfully/);
      assert.match(r.log, /Size: 1048576 bytes \(1024 KB\)/);
      assert.match(r.log, /registered pstore_blk as backend for kmsg\(Oops,panic_write\)/);
    }
  });
  it('built-in: whole disk → "Cannot parse partition" -EINVAL; missing partition → -ENODEV; other forms never match', () => {
    assert.equal(attachErr('/dev/mmcblk0').errno, -EINVAL);
    assert.match(attachErr('/dev/mmcblk0').log, /Cannot parse partition/);
    const r = attachErr('/dev/mmcblk0p9');
    assert.equal(r.errno, -ENODEV);
    assert.match(r.log, /Partition 9 not found/);
    assert.equal(attachErr('PARTUUID=1234abcd-06').errno, -ENODEV);
    assert.equal(attachErr('179:6').errno, -ENODEV);
    assert.equal(attachErr(`/dev/${'m'.repeat(40)}`).errno, -ENAMETOOLONG);
  });
  it('module: whole disk works, a bare name fails to open, boot areas and PARTUUID are refused', () => {
    assert.equal(attachErr('/dev/mmcblk0', { builtIn: false }).errno, 0);
    assert.equal(attachErr('/dev/mmcblk0p6', { builtIn: false }).errno, 0);
    assert.equal(attachErr('mmcblk0p6', { builtIn: false }).errno, -ENOENT);
    assert.equal(attachErr('/dev/mmcblk0boot0', { builtIn: false }).errno, -EINVAL);
    assert.equal(attachErr('PARTUUID=1234abcd-06', { builtIn: false }).errno, -ENODEV);
  });
  it('too-small partition → -EINVAL', () => {
    const r = attachErr('/dev/mmcblk0p6', { params: { kmsgSize: 64, pmsgSize: 1024 } });
    assert.equal(r.errno, -EINVAL);
    assert.match(r.log, /Partition too small/);
  });
  it('sector window: both or neither, inside the partition', () => {
    assert.equal(attachErr('/dev/mmcblk0p6', { sectorOffset: 8 }).errno, -EINVAL);
    assert.equal(attachErr('/dev/mmcblk0p6', { sectorOffset: 4096, sectorCount: 8 }).errno, -EINVAL);
    assert.equal(attachErr('/dev/mmcblk0p6', { sectorOffset: 8, sectorCount: 4096 }).errno, -EINVAL);
    const ok = attachErr('/dev/mmcblk0p6', { sectorOffset: 1024, sectorCount: 1024 });
    assert.equal(ok.errno, 0);
    assert.match(ok.log, /Size: 524288 bytes/);
    // not a multiple of 4 KiB: pstore/zone refuses it
    assert.equal(attachErr('/dev/mmcblk0p6', { sectorOffset: 8, sectorCount: 1001 }).errno, -EINVAL);
  });
});
