/** A read of a card probes its partition table once: the kept probe answers only its own request. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { cardProbeOnce, keepCardProbe } from '../../src/reader/card-probe.js';
import { blankCard, tmpDir } from './helpers.js';

test('cardProbeOnce reuses the kept probe for the same request and probes again for another', () => {
  const d = tmpDir('probe-once');
  const img = blankCard(d);
  const other = blankCard(d, 'other.img');
  const kept = keepCardProbe({ image: img }, {});
  assert.ok(kept, 'a blank card has a partition labelled pstore');
  assert.equal(kept.probe.pstoreNumber, 6);
  // the very object kept: the partition table is not read again
  assert.equal(cardProbeOnce({ image: img, cardProbe: kept }, {}), kept.probe);
  // another file, a --blkdev, or an explicit window is another request: probed afresh
  const again = cardProbeOnce({ image: other, cardProbe: kept }, {});
  assert.ok(again && again !== kept.probe);
  assert.deepEqual(again.scan.partitions.map((p) => p.number), kept.probe.scan.partitions.map((p) => p.number));
  const blkdev = cardProbeOnce({ image: img, blkdev: '/dev/mmcblk0p6', cardProbe: kept }, {});
  assert.ok(blkdev && blkdev !== kept.probe);
  assert.equal(cardProbeOnce({ image: img, offset: 0, size: 1 << 20, cardProbe: kept }, {}), null);
  assert.equal(cardProbeOnce({ image: img, cardProbe: kept }, { offset: 0, size: 1 << 20 }), null);
  assert.equal(keepCardProbe({ image: path.join(d, 'missing.img') }, {}), null);
});
