/** The verdicts keep apart what the driver returned and whether the record is on the card (read back through a second boot). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { runOops, runPanic, shutdownBoard, writePmsg, zonesOnCard } from '../../src/driver/board/index.js';
import { blankCard, session } from './helpers.js';

describe('panic: driver result and card apart', () => {
  it('busy:forever@cmd25: every block is on the card, the driver returns -ETIMEDOUT: written, and both are said', () => {
    const { image, blkdev } = blankCard();
    const rep = runPanic(session(new MemoryBacking(image), blkdev, {}, { driver: 'v5' }), { message: 'busy', scenario: { fault: 'busy:forever@cmd25' } });
    assert.deepEqual([rep.outcome, rep.onCard, rep.driverResult, rep.driverReturned], ['written', true, '-ETIMEDOUT', -110]);
    assert.match(rep.reason ?? '', /^driver returned -ETIMEDOUT .*; record is on the card$/);
  });

  it('a silent loss: the driver says ok, the card does not hold the record', () => {
    const { image, blkdev } = blankCard();
    const rep = runPanic(session(new MemoryBacking(image), blkdev, {}, { driver: 'v4' }), { message: 'cmd23', scenario: { fault: 'cmd-timeout@cmd23~1' } });
    assert.deepEqual([rep.outcome, rep.onCard, rep.driverResult], ['lost', false, 'ok']);
    assert.equal(rep.driverReturned, 65536);
  });

  it('a hang: the first panic_write never returns', () => {
    const { image, blkdev } = blankCard();
    const rep = runPanic(session(new MemoryBacking(image), blkdev, {}, { driver: 'v3' }), { message: 'hang', scenario: { lockHeld: 'sdhci' } });
    assert.deepEqual([rep.outcome, rep.onCard, rep.driverResult, rep.driverReturned], ['lost', false, 'hung', undefined]);
  });
});

describe('oops and ring zones: read back after the shutdown', () => {
  it('max_reason 1: the oops is not dumped, nothing is written, and the verdict says so', () => {
    const { image, blkdev } = blankCard();
    const s = session(new MemoryBacking(image), blkdev, {}, { driver: 'v5', params: { kmsgSize: 64, maxReason: 1 } });
    const rep = runOops(s, 'Unable to handle kernel paging request');
    assert.deepEqual([rep.outcome, rep.onCard, rep.driverResult, rep.zone], ['lost', false, 'not called', undefined]);
    assert.match(rep.reason ?? '', /not dumped: pstore_blk\.max_reason=1/);
  });

  for (const driver of ['v3', 'v5', 'proposed'] as const) {
    it(`${driver}: an oops deferred with -EBUSY is on the card after the flusher and the shutdown`, () => {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver });
      const rep = runOops(s, 'Unable to handle kernel NULL pointer dereference');
      assert.deepEqual([rep.outcome, rep.onCard, rep.driverResult, rep.zone], ['written', true, 'ok', 0]);
      assert.equal(s.shutDown, true, 'runOops ends with the clean shutdown');
    });
  }

  it('a pmsg zone that never reached the card is not on it (pstorefs never mounted: nothing is sent to the device)', () => {
    const { image, blkdev } = blankCard();
    const s = session(new MemoryBacking(image), blkdev, {}, { driver: 'v5', mount: false, params: { kmsgSize: 64, pmsgSize: 16 } });
    assert.equal(writePmsg(s, 'kept in RAM only\n'), 0);
    shutdownBoard(s);
    const [check] = zonesOnCard(s, [s.pstore!.core.zone.ppsz!]);
    assert.deepEqual([check!.zone, check!.onCard], ['pmsg 0', false]);
  });

  it('a pmsg written at once is on the card, header and data', () => {
    const { image, blkdev } = blankCard();
    const s = session(new MemoryBacking(image), blkdev, {}, { driver: 'v4', params: { kmsgSize: 64, pmsgSize: 16 } });
    assert.equal(writePmsg(s, 'on the card\n'), 0);
    shutdownBoard(s);
    assert.deepEqual(zonesOnCard(s, [s.pstore!.core.zone.ppsz!]), [{ zone: 'pmsg 0', onCard: true }]);
  });
});
