/**
 * Every scenario switch of `panic` on every mmcpstore version: docs/scenarios.md's table is parsed
 * and each cell run through the CLI (in this process: main() of src/cli.ts), so the doc and the
 * behaviour cannot drift apart. Plus the --driver names and the switches that are not cells.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from '../../src/reader/errors.js';
import { OPTIONS } from '../../src/commands/option-table.js';
import { MMCPSTORE_VERSIONS } from '../../src/driver/board/index.js';
import { runMain } from '../helpers/cli-io.js';
import { ROOT } from '../helpers/paths.js';
import { blankCard, mmcpstore, tmpDir } from './helpers.js';

type Want = { kind: 'written'; driver: string } | { kind: 'lost'; text: string };

interface TableRow {
  label: string;
  args: string[];
  cells: Record<string, Want>;
}

function parseCell(cell: string): Want {
  const written = /^written(?:, driver returned (\S+))?$/.exec(cell);
  if (written) return { kind: 'written', driver: written[1] ?? 'ok' };
  const lost = /^lost: (.+)$/.exec(cell);
  if (lost) return { kind: 'lost', text: lost[1]! };
  throw new Error(`docs/scenarios.md: a cell is "written", "written, driver returned E" or "lost: TEXT", not "${cell}"`);
}

/** The table between the scenario-table markers of docs/scenarios.md. */
function scenarioTable(): { versions: string[]; rows: TableRow[] } {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'scenarios.md'), 'utf8');
  const m = /<!-- scenario-table:start -->\n([\s\S]*?)<!-- scenario-table:end -->/.exec(doc);
  if (!m) throw new Error('docs/scenarios.md has no scenario table');
  const lines = m[1]!.trim().split('\n');
  const split = (l: string) => l.replace(/^\||\|$/g, '').split(' | ').map((c) => c.trim());
  const versions = split(lines[0]!).slice(1);
  const rows = lines.slice(2).map((l) => {
    const [label, ...cells] = split(l);
    const flags = /^`(.*)`$/.exec(label!)?.[1];
    return { label: label!, args: flags ? flags.split(' ') : [], cells: Object.fromEntries(versions.map((v, i) => [v, parseCell(cells[i]!)])) };
  });
  return { versions, rows };
}

const table = scenarioTable();

interface PanicJson {
  driver: string;
  panic: { outcome: string; reason?: string; driverResult: string; onCard: boolean; notes: string[]; atomicSleeps: string[] };
}

describe('docs/scenarios.md: every switch on every version', () => {
  it('the table has a column for every version and a row for every scenario switch and value', () => {
    assert.deepEqual(table.versions, [...MMCPSTORE_VERSIONS]);
    const used = table.rows.map((r) => ` ${r.args.join(' ')} `).join('');
    for (const o of OPTIONS.filter((x) => x.commands.length === 1 && x.commands[0] === 'panic')) {
      const values = 'arg' in o && o.arg ? o.arg.split('|').filter((v) => v !== ('default' in o ? o.default : undefined)) : [];
      if (values.length === 0) assert.ok(used.includes(` --${o.long} `), `no row for --${o.long}`);
      // a placeholder (SPEC, BYTES, N) takes any value: a row with the option will do
      for (const v of values) assert.ok(used.includes(` --${o.long} ${v} `) || (/^[A-Z]+$/.test(v) && used.includes(` --${o.long} `)), `no row for --${o.long} ${v}`);
    }
  });

  for (const row of table.rows) {
    for (const version of table.versions) {
      const want = row.cells[version]!;
      const title = want.kind === 'written' ? `written${want.driver === 'ok' ? '' : `, driver ${want.driver}`}, exit 0` : `lost, exit ${EXIT.failure}`;
      it(`${version} ${row.label}: ${title}`, async () => {
        const img = blankCard(tmpDir('sc'));
        const r = await runMain(['panic', '--image', img, '--driver', version, '--json', ...row.args]);
        const rep = JSON.parse(r.stdout.toString('utf8')) as PanicJson;
        assert.equal(rep.driver, version);
        if (want.kind === 'written') {
          assert.equal(r.status, EXIT.ok, r.stderr);
          assert.deepEqual([rep.panic.outcome, rep.panic.onCard, rep.panic.driverResult], ['written', true, want.driver], rep.panic.reason);
          assert.deepEqual(rep.panic.atomicSleeps, []);
          assert.match(r.stderr, /panic: written: kmsg zone 0/);
          if (want.driver !== 'ok') assert.match(r.stderr, new RegExp(`panic: driver returned ${want.driver}.*; record is on the card`));
        } else {
          assert.equal(r.status, EXIT.failure, r.stderr);
          assert.deepEqual([rep.panic.outcome, rep.panic.onCard], ['lost', false]);
          assert.ok(rep.panic.reason?.includes(want.text), `reason "${rep.panic.reason}" lacks "${want.text}"`);
          assert.ok(r.stderr.includes(`mmcpstore: panic record not written: `), r.stderr);
        }
        if (row.args[0] === '--cqe') assert.ok(rep.panic.notes.some((n) => /H6: blk-mq on CPU1 queued 4 write task\(s\)/.test(n)), rep.panic.notes.join('\n'));
      });
    }
  }
});

describe('--driver', () => {
  const driverOf = async (args: string[]) => {
    const img = blankCard(tmpDir('drv'));
    const r = await runMain(['panic', '--image', img, '--json', '-q', ...args]);
    return { status: r.status, driver: (JSON.parse(r.stdout.toString('utf8')) as PanicJson).driver, stderr: r.stderr };
  };

  it('defaults to v5, the latest posted version, and names it in the text report', async () => {
    assert.equal((await driverOf([])).driver, 'v5');
    const img = blankCard(tmpDir('drvtext'));
    const r = await runMain(['panic', '--image', img]);
    assert.match(r.stderr, /mmcpstore \(v5, posted 22 Apr 2026\) on \/dev\/mmcblk0p/);
  });

  it('posted is v5 and fixed is proposed', async () => {
    assert.equal((await driverOf(['--driver', 'posted'])).driver, 'v5');
    assert.equal((await driverOf(['--driver', 'fixed'])).driver, 'proposed');
    const img = blankCard(tmpDir('drvp'));
    assert.match((await runMain(['panic', '--image', img, '--driver', 'proposed'])).stderr, /mmcpstore \(proposed, not posted: our corrections\)/);
  });

  it('its help names every version of versions.ts, with the dates', () => {
    const o = OPTIONS.find((x) => x.long === 'driver')!;
    assert.equal('arg' in o ? o.arg : '', MMCPSTORE_VERSIONS.join('|'));
    assert.match(o.description, /v3, v4, v5 as posted to LKML \(19 Mar 2026, 20 Mar 2026, 22 Apr 2026\), or proposed/);
  });

  it('an unknown version is a usage error naming the choices', async () => {
    const img = blankCard(tmpDir('drvbad'));
    const r = await runMain(['panic', '--image', img, '--driver', 'v6']);
    assert.equal(r.status, EXIT.usage);
    assert.match(r.stderr, /--driver: 'v6' is not one of v3, v4, v5, proposed, posted \(= v5\), fixed \(= proposed\)/);
  });

  it('--claim is gone: the claim path follows the version', async () => {
    const img = blankCard(tmpDir('claim'));
    assert.equal((await runMain(['panic', '--image', img, '--claim', 'v5'])).status, EXIT.usage);
  });
});

describe('panic switches beyond the table', () => {
  it('--before-mount: no recovery ran, the record goes to kmsg zone 0 over the earlier one', () => {
    const img = blankCard(tmpDir('h12'));
    mmcpstore(['panic', '--image', img, '-q']);
    const r = mmcpstore(['panic', '--image', img, '--before-mount', '--json']);
    const rep = JSON.parse(r.stdout) as { recovered: string[]; beforeMount: boolean; panic: { zone: number } };
    assert.deepEqual([rep.beforeMount, rep.recovered, rep.panic.zone], [true, [], 0]);
    assert.match(r.stderr, /pstorefs not mounted before the panic \(H12\)/);
  });

  it('--cache-size must be whole KiB (EXT_CSD CACHE_SIZE counts KiB): a usage error otherwise', () => {
    const img = blankCard(tmpDir('badcache'));
    const r = mmcpstore(['panic', '--image', img, '--cache-size', '1000']);
    assert.equal(r.status, EXIT.usage);
    assert.match(r.stderr, /--cache-size: '1000' is not a whole number of KiB/);
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
