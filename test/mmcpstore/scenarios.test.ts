import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { runPanic, UNREACHABLE, UnreachableScenarioError, type MmcpstoreVersion, type OpenBoardOptions, type PanicReport, type PanicScenario } from '../../src/driver/board/index.js';
import { blankCard, session } from './helpers.js';

function panicWith(driver: MmcpstoreVersion, scenario: PanicScenario, board: Partial<OpenBoardOptions> = {}): PanicReport {
  const { image, blkdev } = blankCard();
  const s = session(new MemoryBacking(image), blkdev, board, { driver });
  return runPanic(s, { message: `scenario ${JSON.stringify(scenario)}`, scenario });
}

interface Row {
  name: string;
  scenario: PanicScenario;
  /** the board the state needs (docs/scenarios.md): aggressive PM, HS200, gated MMIO */
  board?: Partial<OpenBoardOptions>;
  posted: 'written' | RegExp;
  fixed: 'written' | RegExp;
}

// what the posted driver does (v4 here; every version × switch is docs/scenarios.md's table,
// test/board-cli/scenarios.test.ts) vs the proposed one, per hazard
const ROWS: Row[] = [
  { name: 'none', scenario: {}, posted: 'written', fixed: 'written' },
  { name: 'H1 inflight', scenario: { inflight: true }, posted: /CMD23 failed.*sbc\.error is not examined/, fixed: 'written' },
  { name: 'H2a lockHeld host', scenario: { lockHeld: 'host' }, posted: 'written', fixed: 'written' },
  { name: 'H2b lockHeld sdhci', scenario: { lockHeld: 'sdhci' }, posted: /hung: deadlock: CPU0 spins on sdhci_host->lock, held by stopped CPU1/, fixed: 'written' },
  { name: 'H2b lockHeld sdhci + lockReinit', scenario: { lockHeld: 'sdhci', lockReinit: true }, posted: 'written', fixed: 'written' },
  { name: 'H2c lockHeld claim', scenario: { lockHeld: 'claim' }, posted: 'written', fixed: 'written' },
  { name: 'H3 suspended host', scenario: { suspended: 'host' }, posted: /-ETIMEDOUT.*request failed/, fixed: 'written' },
  { name: 'H3 suspended host, MMIO all-ones', scenario: { suspended: 'host' }, board: { gatedMmio: 'all-ones' }, posted: /-EBUSY.*Failed to prepare host/, fixed: /panic_prepare failed: -EBUSY/ },
  { name: 'H3 suspended host, MMIO faults', scenario: { suspended: 'host' }, board: { gatedMmio: 'fault' }, posted: /hung: Internal error: synchronous external abort/, fixed: /hung: Internal error: synchronous external abort/ },
  { name: 'H3 suspended HS200 host (re-tune flagged)', scenario: { suspended: 'host' }, board: { busMode: 'hs200' }, posted: /hung: BUG: sleeping function called from invalid context \(sdhci_send_tuning/, fixed: 'written' },
  { name: 'H4 suspended card (aggressive PM: slept, powered off)', scenario: { suspended: 'card' }, board: { aggressivePm: true }, posted: /-ETIMEDOUT.*request failed/, fixed: /card re-initialisation failed \(-ETIMEDOUT\)/ },
  { name: 'H5 partition boot0', scenario: { partition: 'boot0' }, posted: 'written', fixed: 'written' },
  { name: 'H5 partition rpmb', scenario: { partition: 'rpmb' }, posted: 'written', fixed: 'written' },
  { name: 'H5(i) switch fails', scenario: { partition: 'boot1', fault: 'cmd-timeout@cmd6' }, posted: /request failed/, fixed: 'written' },
  { name: 'H5(i) switch always fails', scenario: { partition: 'boot1', fault: 'cmd-timeout@cmd6~1' }, posted: /request failed/, fixed: /card may still be on a boot\/RPMB partition: record not written/ },
  { name: 'H7 CMD23 timeout', scenario: { fault: 'cmd-timeout@cmd23' }, posted: /CMD23 failed/, fixed: 'written' },
  { name: 'H7 CMD23 always times out', scenario: { fault: 'cmd-timeout@cmd23~1' }, posted: /CMD23 failed/, fixed: /sbc -ETIMEDOUT/ },
  { name: 'H7 data CRC', scenario: { fault: 'data-crc:3@cmd25' }, posted: /-EILSEQ/, fixed: 'written' },
  { name: 'H7 no panic ops', scenario: { noPanicOps: true }, posted: 'written', fixed: /-EOPNOTSUPP.*no panic_prepare\/panic_poll_completion/ },
  { name: 'H8 busy 5 ms', scenario: { fault: 'busy:5ms@cmd25' }, posted: 'written', fixed: 'written' },
  { name: 'H8 busy forever', scenario: { fault: 'busy:forever@cmd25' }, posted: 'written', fixed: 'written' },
  { name: 'H9 power loss after 20 blocks', scenario: { fault: 'power-loss:20' }, posted: 'written', fixed: 'written' },
  { name: 'H9 power loss after 2 blocks', scenario: { fault: 'power-loss:2' }, posted: /panic_write returned -ETIMEDOUT/, fixed: /panic_write returned -ETIMEDOUT/ },
  { name: 'H10 pmSuspendWindow', scenario: { pmSuspendWindow: true }, posted: /-ENODEV/, fixed: 'written' },
  { name: 'H11 retunePending (HS200)', scenario: { retunePending: true }, board: { busMode: 'hs200' }, posted: /hung: BUG: sleeping function called from invalid context \(sdhci_send_tuning/, fixed: 'written' },
  { name: 'Q3 resetMask all', scenario: { resetMask: 'all' }, posted: /CMD23 failed/, fixed: 'written' },
];

describe('hazard scenarios: posted v4 vs proposed', () => {
  for (const row of ROWS) {
    for (const [driver, key] of [['v4', 'posted'], ['proposed', 'fixed']] as const) {
      const want = row[key];
      it(`${row.name} — ${driver}: ${want === 'written' ? 'record intact' : 'lost, as documented'}`, () => {
        const rep = panicWith(driver, row.scenario, row.board);
        if (want === 'written') {
          assert.equal(rep.outcome, 'written', rep.reason);
          assert.deepEqual(rep.atomicSleeps, []);
        } else {
          assert.equal(rep.outcome, 'lost');
          assert.match(rep.reason ?? '', want);
        }
      });
    }
  }

  it('H1: the fixed driver tells the card to stop (CMD12) before writing', () => {
    const rep = panicWith('proposed', { inflight: true });
    assert.ok(rep.phases.some((p) => p.name === 'stop' && /CMD12 \(card in rcv\)/.test(p.detail ?? '')));
    assert.ok(rep.driverLog.some((l) => l.includes('interrupted transfer')));
  });

  it('H4 / H11: states the board cannot reach are refused with the line the command prints', () => {
    assert.throws(() => panicWith('proposed', { suspended: 'card' }), (e: unknown) => e instanceof UnreachableScenarioError && e.message === UNREACHABLE.cardSuspend);
    assert.throws(() => panicWith('proposed', { retunePending: true }), (e: unknown) => e instanceof UnreachableScenarioError && e.message === UNREACHABLE.retune);
  });

  it('H6 on a board opened without a CQE: a note says nothing was queued (the real rows: cqe.test.ts)', () => {
    const rep = panicWith('proposed', { cqe: true });
    assert.ok(rep.notes.some((n) => n.includes('no command-queue engine in use')), rep.notes.join('\n'));
    assert.equal(rep.outcome, 'written', rep.reason);
  });

  it('v5 claim logs what it steals', () => {
    const { image, blkdev } = blankCard();
    const s = session(new MemoryBacking(image), blkdev, {}, { driver: 'v5' });
    const rep = runPanic(s, { message: 'v5', scenario: { lockHeld: 'claim' } });
    assert.ok(rep.hostLog.some((l) => /panic claim: claimed=1 \(by kworker\/1:2/.test(l)), rep.hostLog.join('\n'));
  });
});

describe('the versions differ where the series differs', () => {
  const run = (driver: MmcpstoreVersion) => panicWith(driver, {});
  const names = (rep: PanicReport, what: string) => rep.phases.filter((p) => p.name === what);

  it('v3 and v4: panic_prepare from the driver, then a force-claim per panic_write and again per request, panic_complete before and after it', () => {
    for (const v of ['v3', 'v4'] as const) {
      const rep = run(v);
      assert.equal(rep.outcome, 'written', rep.reason);
      assert.ok(names(rep, 'prepare').every((p) => !/v5 claim/.test(p.detail ?? '')), v);
      assert.ok(names(rep, 'claim').some((p) => p.detail === `forced (${v})`), v);
      assert.ok(names(rep, 'claim').some((p) => /before the request \(P7\)/.test(p.detail ?? '')), `${v}: re-claim per request`);
      assert.ok(names(rep, 'complete').some((p) => /before the request \(P9\)/.test(p.detail ?? '')), `${v}: panic_complete before the request`);
      assert.ok(!rep.hostLog.some((l) => /panic claim:/.test(l)), 'v3/v4 claim logs nothing');
    }
  });

  it('v5: mmc_panic_claim_host logs the host state and calls panic_prepare itself (one prepare per panic_write)', () => {
    const rep = run('v5');
    assert.equal(rep.outcome, 'written', rep.reason);
    assert.ok(names(rep, 'prepare').every((p) => /\(v5 claim\)/.test(p.detail ?? '')));
    assert.equal(names(rep, 'prepare').length, rep.writes.length);
    assert.ok(rep.hostLog.some((l) => /panic claim: claimed=/.test(l)), rep.hostLog.join('\n'));
    assert.ok(!rep.phases.some((p) => /\(P7\)|\(P9\)/.test(p.detail ?? '')), 'no per-request claim, no panic_complete before the request');
  });

  it('v3 and v4 give the same outcome and the same bytes in every hazard (the series changed only kernel-doc between them)', () => {
    for (const sc of [{}, { inflight: true }, { suspended: 'host' as const }, { fault: 'data-crc' }]) {
      const [a, b] = (['v3', 'v4'] as const).map((v) => panicWith(v, sc));
      assert.deepEqual([a!.outcome, a!.driverResult, a!.writes.map((w) => w.ret)], [b!.outcome, b!.driverResult, b!.writes.map((w) => w.ret)], JSON.stringify(sc));
    }
  });
});
