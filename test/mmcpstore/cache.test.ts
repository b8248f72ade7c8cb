import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { runPanic, type OpenBoardOptions } from '../../src/driver/board/index.js';
import { MMC_CAP_CMD23 } from '../../src/driver/mmc/types.js';
import { blankCard, session } from './helpers.js';

const CACHE = 1 << 20;

function panicOn(driver: 'proposed' | 'v5', board: Partial<OpenBoardOptions>) {
  const { image, blkdev } = blankCard();
  const s = session(new MemoryBacking(image), blkdev, board, { driver });
  return { rep: runPanic(s, { message: 'H9 cache' }), s };
}

describe('H9: the card\'s volatile cache and the power cycle after the panic', () => {
  it('a host without CMD23 (SDHCI_QUIRK2_HOST_NO_CMD23) has no MMC_CAP_CMD23', () => {
    const { s } = panicOn('proposed', { hostNoCmd23: true });
    assert.equal(s.stack.host.caps & MMC_CAP_CMD23, 0);
  });

  it('posted, cache on, no CMD23: no forced programming, no flush → the record dies in the cache; the report says so', () => {
    const { rep, s } = panicOn('v5', { cacheSize: CACHE, hostNoCmd23: true });
    assert.equal(rep.outcome, 'lost');
    assert.match(rep.reason ?? '', /written without CMD23 forced programming into the card's volatile cache, never flushed, and lost at the power cycle/);
    assert.ok(!rep.phases.some((p) => /FLUSH_CACHE/.test(p.detail ?? '')));
    assert.equal(s.board.card.state, 'rcv', 'no stop command: the card still receives');
  });

  it('proposed, cache on, no CMD23: CMD12 ends the open-ended write and CMD6 FLUSH_CACHE commits it → written', () => {
    const { rep, s } = panicOn('proposed', { cacheSize: CACHE, hostNoCmd23: true });
    assert.equal(rep.outcome, 'written', rep.reason);
    assert.ok(rep.phases.some((p) => p.name === 'switch' && p.detail === 'panic CMD6 FLUSH_CACHE: 0'), rep.phases.map((p) => `${p.name}: ${p.detail}`).join(' | '));
    assert.ok(rep.phases.some((p) => p.name === 'request' && /^CMD25 .*cmd 0, data 0 in /.test(p.detail ?? '')));
    assert.deepEqual(rep.atomicSleeps, []);
    assert.equal(s.board.card.state, 'tran', 'CMD12 closed the open-ended write');
  });

  it('cache on with CMD23: forced programming bypasses the cache → written by every version', () => {
    for (const driver of ['v5', 'proposed'] as const) {
      const { rep } = panicOn(driver, { cacheSize: CACHE });
      assert.equal(rep.outcome, 'written', `${driver}: ${rep.reason}`);
    }
  });

  it('no cache, no CMD23: the open-ended write is programmed at once → written by every version', () => {
    for (const driver of ['v5', 'proposed'] as const) {
      const { rep } = panicOn(driver, { hostNoCmd23: true });
      assert.equal(rep.outcome, 'written', `${driver}: ${rep.reason}`);
      assert.ok(!rep.phases.some((p) => /FLUSH_CACHE/.test(p.detail ?? '')), 'no flush without a cache');
    }
  });
});
