/**
 * The read-only card path leaves pstore's console out when nothing traces the bus: the records,
 * their times included, stay those of a traced read (which registers it, as the kernel does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, closeBoard, openBoard } from '../../src/driver/board/index.js';
import { blankCard as blankCardImage } from '../helpers/blank-card.js';
import { blankCard, mmcpstore, tmpDir, ZONES } from './helpers.js';

test('attachPstore console: false registers no console and still fixes the present at attach', () => {
  const { image, blkdev } = blankCardImage();
  const times = (console: boolean | undefined): { registered: boolean; nsec: bigint } => {
    const s = openBoard({ image: new MemoryBacking(image), seed: 1, readOnly: true, bootLogLines: 0 });
    try {
      const st = attachPstore(s, { blkdev, params: { kmsgSize: 64, consoleSize: 64 }, mount: false, ...(console === undefined ? {} : { console }) });
      s.board.clock.advance(1_000_000); // 1 ms of virtual time after the attach
      return { registered: st.attachment.console !== undefined, nsec: s.wallNow().nsec };
    } finally {
      closeBoard(s);
    }
  };
  const withConsole = times(undefined);
  const without = times(false);
  assert.equal(withConsole.registered, true);
  assert.equal(without.registered, false);
  assert.ok(without.nsec >= 1_000_000n, `the present is the attach, not the first wall-clock read (${without.nsec} ns)`);
  assert.equal(without.nsec, withConsole.nsec);
});

test('recover of a card: the same records, times included, with and without --trace', () => {
  const d = tmpDir('console');
  const img = blankCard(d);
  assert.equal(mmcpstore(['panic', '--image', img, '-q', '-m', 'console', ...ZONES]).status, 0);
  const plain = mmcpstore(['recover', '--image', img, '--json', ...ZONES]);
  const traced = mmcpstore(['recover', '--image', img, '--json', '--trace', ...ZONES]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(traced.status, 0, traced.stderr);
  assert.match(traced.stderr, /sdhci_send_command CMD25/, 'the traced read registers the console, whose flush the read-only image refuses');
  assert.equal(plain.stdout, traced.stdout);
  const consoleRecord = plain.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type?: string; timeNsec?: number }).find((r) => r.type === 'console');
  assert.ok(consoleRecord && consoleRecord.timeNsec! > 0, 'the console record is stamped at the read, after the attach');
});
