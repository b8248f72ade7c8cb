/** Every scenario switch of `panic` with its documented outcome and exit code (docs/scenarios.md). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../../src/reader/errors.js';
import { blankCard, mmcpstore, tmpDir } from './helpers.js';

interface Row {
  args: string[];
  fixed: 'written' | RegExp;
  posted?: 'written' | RegExp;
}

const ROWS: Row[] = [
  { args: [], fixed: 'written', posted: 'written' },
  { args: ['--inflight'], fixed: 'written', posted: /CMD23 failed, the data command was never sent, and sbc\.error is not examined/ },
  { args: ['--lock-held', 'host'], fixed: 'written' },
  { args: ['--lock-held', 'sdhci'], fixed: 'written', posted: /panic path hung: deadlock: CPU0 spins on sdhci_host->lock/ },
  { args: ['--lock-held', 'claim'], fixed: 'written' },
  { args: ['--suspended', 'host'], fixed: 'written', posted: /-ETIMEDOUT/ },
  { args: ['--suspended', 'host', '--gated-mmio', 'all-ones'], fixed: /panic_prepare failed: -EBUSY/, posted: /-EBUSY/ },
  { args: ['--suspended', 'host', '--gated-mmio', 'fault'], fixed: /synchronous external abort/, posted: /synchronous external abort/ },
  { args: ['--suspended', 'host', '--bus-mode', 'hs200'], fixed: 'written', posted: /sleeping function called from invalid context/ },
  { args: ['--suspended', 'card', '--aggressive-pm'], fixed: /card re-initialisation failed/, posted: /-ETIMEDOUT/ },
  { args: ['--partition', 'boot0'], fixed: 'written' },
  { args: ['--partition', 'rpmb'], fixed: 'written' },
  { args: ['--partition', 'boot1', '--fault', 'cmd-timeout@cmd6~1'], fixed: /card may still be on a boot\/RPMB partition/ },
  { args: ['--cqe'], fixed: 'written' },
  { args: ['--fault', 'data-crc'], fixed: 'written', posted: /-EILSEQ/ },
  { args: ['--fault', 'cmd-timeout@cmd23~1'], fixed: /sbc -ETIMEDOUT/ },
  { args: ['--fault', 'busy:forever@cmd25'], fixed: /card busy \(DAT0 low\) for 2000 ms/ },
  { args: ['--fault', 'busy:5ms@cmd25'], fixed: 'written' },
  { args: ['--fault', 'power-loss:20'], fixed: /card re-initialisation failed/ },
  { args: ['--retune-pending', '--bus-mode', 'hs200'], fixed: 'written', posted: /sleeping function called from invalid context/ },
  { args: ['--bus-mode', 'hs200'], fixed: 'written', posted: 'written' },
  { args: ['--aggressive-pm'], fixed: 'written', posted: 'written' },
  { args: ['--pm-suspend-window'], fixed: 'written', posted: /-ENODEV/ },
  { args: ['--before-mount'], fixed: 'written' },
  { args: ['--reset-mask', 'all'], fixed: 'written', posted: /CMD23 failed/ },
  { args: ['--lock-held', 'sdhci', '--lock-reinit', 'on'], fixed: 'written', posted: 'written' },
  { args: ['--claim', 'v5'], fixed: 'written' },
  { args: ['--without-panic-ops'], fixed: /-EOPNOTSUPP/, posted: 'written' },
];

describe('panic scenario switches', () => {
  for (const row of ROWS) {
    for (const driver of ['fixed', 'posted'] as const) {
      const want = row[driver];
      if (want === undefined) continue;
      it(`${driver} ${row.args.join(' ') || '(none)'}: ${want === 'written' ? 'written, exit 0' : `lost, exit ${EXIT.failure}`}`, () => {
        const img = blankCard(tmpDir('sc'));
        const r = mmcpstore(['panic', '--image', img, '--driver', driver, '--json', ...row.args]);
        const rep = JSON.parse(r.stdout) as { panic: { outcome: string; reason?: string; notes: string[]; atomicSleeps: string[] } };
        if (want === 'written') {
          assert.equal(r.status, 0, r.stderr);
          assert.equal(rep.panic.outcome, 'written');
          assert.deepEqual(rep.panic.atomicSleeps, []);
          assert.match(r.stderr, /panic: written: kmsg zone 0/);
        } else {
          assert.equal(r.status, EXIT.failure, r.stderr);
          assert.equal(rep.panic.outcome, 'lost');
          assert.match(rep.panic.reason ?? '', want);
          assert.match(r.stderr, /mmcpstore: panic record not written: /);
          assert.match(r.stderr, want);
        }
        if (row.args[0] === '--cqe') assert.ok(rep.panic.notes.some((n) => n.includes('command queueing')));
      });
    }
  }

  it('--before-mount: no recovery ran, the record goes to kmsg zone 0 over the earlier one', () => {
    const img = blankCard(tmpDir('h12'));
    mmcpstore(['panic', '--image', img, '-q']);
    const r = mmcpstore(['panic', '--image', img, '--before-mount', '--json']);
    const rep = JSON.parse(r.stdout) as { recovered: string[]; beforeMount: boolean; panic: { zone: number } };
    assert.deepEqual([rep.beforeMount, rep.recovered, rep.panic.zone], [true, [], 0]);
    assert.match(r.stderr, /pstorefs not mounted before the panic \(H12\)/);
  });

  it('states the board cannot reach are refused with one line, exit 2', () => {
    const img = blankCard(tmpDir('unreachable'));
    for (const [args, line] of [
      [['--suspended', 'card'], 'card runtime suspend needs MMC_CAP_AGGRESSIVE_PM: add --aggressive-pm'],
      [['--retune-pending'], 're-tuning needs a host that tuned (HS200; can_retune): add --bus-mode hs200'],
      [['--retune-pending', '--bus-mode', 'hs'], 're-tuning needs a host that tuned (HS200; can_retune): add --bus-mode hs200'],
    ] as const) {
      const r = mmcpstore(['panic', '--image', img, ...args]);
      assert.equal(r.status, EXIT.usage, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(line), r.stderr);
    }
  });

  it('a bad --fault spec is a usage error', () => {
    const img = blankCard(tmpDir('badfault'));
    const r = mmcpstore(['panic', '--image', img, '--fault', 'busy']);
    assert.equal(r.status, EXIT.usage);
    assert.match(r.stderr, /--fault: .*busy needs a duration/);
  });
});
