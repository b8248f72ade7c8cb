import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, closeBoard, mkimage, openBoard, recoverFiles } from '../../src/driver/board/index.js';
import { listFixtures, loadFixture } from '../helpers/fixtures.js';

const CARD = 16 << 20;

describe('kernel-written fixtures in the pstore partition recover through the emulated stack', () => {
  for (const name of listFixtures()) {
    it(name, () => {
      const fx = loadFixture(name);
      const back = new MemoryBacking(CARD);
      const { blkdev } = mkimage({ image: back, size: CARD, pstoreSize: fx.image.length, seed: 2 });
      // place the image into the partition through the block layer (CMD25 over the registers)
      const w = openBoard({ image: back, bootLogLines: 0 });
      const part = w.stack.partitions.find((p) => `/dev/${p.name}` === blkdev)!;
      part.writeSectors(0, fx.image);
      closeBoard(w);

      const s = openBoard({ image: back, seed: 5 });
      attachPstore(s, { blkdev, params: fx.params, nrCpus: fx.cpus, related: { compress: fx.compress } });
      const files = recoverFiles(s);
      for (const [fname, bytes] of fx.kernelFiles) {
        const f = files.find((x) => x.name === fname);
        assert.ok(f, `${fname} missing; have ${files.map((x) => x.name).join(', ')}`);
        assert.deepEqual(Buffer.from(f.data), bytes, fname);
      }
      assert.equal(s.pstore!.ctx.stats.requests > 0, true, 'read through mmcpstore requests');
    });
  }
});
