/**
 * mkimage → panic → recover, zone rotation, every front end, determinism, erase, read-only
 * guarantees: each through the real CLI on a card image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT } from '../../src/reader/errors.js';
import { ZONES, blankCard, mmcpstore, sha256File, tmpDir } from './helpers.js';

test('mkimage prints the table and the blkdev, refuses an existing file without --force', () => {
  const d = tmpDir('mk');
  const img = path.join(d, 'disk.img');
  const r = mmcpstore(['mkimage', '--image', img, '--size', '16M', '--pstore-size', '1M']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /pstore_blk\.blkdev=\/dev\/mmcblk0p6/);
  for (const n of ['bootloader', 'env', 'misc', 'boot_a', 'boot_b', 'pstore', 'rootfs']) assert.match(r.stdout, new RegExp(`\\b${n}\\b`));
  assert.equal(fs.statSync(img).size, 16 << 20);
  const again = mmcpstore(['mkimage', '--image', img, '--size', '16M']);
  assert.equal(again.status, EXIT.cantCreat);
  assert.match(again.stderr, /exists; give --force/);
  const j = mmcpstore(['mkimage', '--image', img, '--size', '16M', '--force', '--json', '--layout', 'qemu']);
  assert.equal(j.status, 0, j.stderr);
  const rep = JSON.parse(j.stdout) as { fileSize: number; blkdev: string; partitions: { name: string }[] };
  assert.equal(rep.fileSize, (16 << 20) + (2 << 20) + (128 << 10));
  assert.equal(rep.partitions[5]!.name, 'pstore');
  // the qemu layout is found again by the board commands
  const p = mmcpstore(['panic', '--image', img, '-m', 'qemu layout panic']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(mmcpstore(['recover', '--image', img]).stdout, /Kernel panic - not syncing: qemu layout panic/);
});

test('mkimage → panic → recover prints the panic log back', () => {
  const d = tmpDir('flow');
  const img = blankCard(d);
  const log = path.join(d, 'user.log');
  fs.writeFileSync(log, 'my_driver: probe ok\nmy_driver: about to crash\n');
  const p = mmcpstore(['panic', '--image', img, '--message', 'the end of the world', '--log', log]);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stderr, /panic: written: kmsg zone 0 at partition offset 0x0, 65536 bytes \(deflate \d+ bytes of \d+ bytes of text\), counter 1/);
  assert.match(p.stderr, /ms on the modelled card \(virtual time\)/);
  const r = mmcpstore(['recover', '--image', img]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.includes('Kernel panic - not syncing: the end of the world'));
  assert.ok(at > 0, 'the panic message is in the record');
  assert.ok(lines.findIndex((l) => l.includes('my_driver: about to crash')) < at, 'user lines come before the panic');
  assert.ok(lines.length - at < 40, 'the panic is at the end of the log');
  assert.match(lines[0]!, /^Panic#1 Part1$/);
});

test('panic twice rotates zones with growing counters; earlier records survive', () => {
  const d = tmpDir('rot');
  const img = blankCard(d);
  const reps = [1, 2, 3].map((i) => {
    const r = mmcpstore(['panic', '--image', img, '--json', '-q', '-m', `panic ${i}`]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { recovered: string[]; panic: { zone: number; counter: number; outcome: string } };
  });
  assert.deepEqual(reps.map((r) => r.panic.zone), [0, 1, 2]);
  assert.deepEqual(reps.map((r) => r.panic.counter), [1, 2, 3]);
  assert.deepEqual(reps[2]!.recovered, ['dmesg-pstore_blk-0', 'dmesg-pstore_blk-1']);
  const j = mmcpstore(['recover', '--image', img, '--json']);
  const recs = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name?: string; count?: number });
  assert.deepEqual(recs.filter((x) => x.name).map((x) => [x.name, x.count]), [['dmesg-pstore_blk-0', 1], ['dmesg-pstore_blk-1', 2], ['dmesg-pstore_blk-2', 3]]);
});

test('pmsg + console, then panic: all three survive; oops is stored by the flusher', () => {
  const d = tmpDir('fe');
  const img = blankCard(d);
  assert.equal(mmcpstore(['pmsg', '--image', img, ...ZONES, 'hello pmsg']).status, 0);
  const c = mmcpstore(['console', '--image', img, ...ZONES, '-'], { input: 'hello console\n' });
  assert.equal(c.status, 0, c.stderr);
  const mid = mmcpstore(['recover', '--image', img, ...ZONES, '--type', 'console']);
  assert.match(mid.stdout, /\] hello console\n/);
  assert.equal(mmcpstore(['panic', '--image', img, ...ZONES, '-q']).status, 0);
  const r = mmcpstore(['recover', '--image', img, ...ZONES, '--json']);
  const names = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { name?: string }).name).filter(Boolean);
  assert.deepEqual(names.sort(), ['console-pstore_blk-0', 'dmesg-pstore_blk-0', 'pmsg-pstore_blk-0']);
  assert.equal(mmcpstore(['recover', '--image', img, ...ZONES, '--type', 'pmsg']).stdout, 'hello pmsg\n');
  const o = mmcpstore(['oops', '--image', img, ...ZONES, '-m', 'Unable to handle kernel NULL pointer dereference', '--json']);
  assert.equal(o.status, 0, o.stderr);
  assert.equal((JSON.parse(o.stdout) as { oops: { outcome: string } }).oops.outcome, 'written');
  const rec = mmcpstore(['recover', '--image', img, ...ZONES, '--record', 'dmesg-pstore_blk-1']);
  assert.match(rec.stdout, /^Oops#1 Part1\n/);
  // pmsg without a pmsg zone is a usage error
  assert.equal(mmcpstore(['pmsg', '--image', img, 'x']).status, EXIT.usage);
});

test('pmsg, console and oops read their record back: the verdict follows the card, the driver\'s answer is reported beside it', () => {
  const img = blankCard(tmpDir('verdict'));
  const p = mmcpstore(['pmsg', '--image', img, ...ZONES, '--json', 'to the card']);
  assert.equal(p.status, 0, p.stderr);
  assert.deepEqual(
    (({ driver, outcome, onCard, driverResult }) => ({ driver, outcome, onCard, driverResult }))(JSON.parse(p.stdout) as Record<string, unknown>),
    { driver: 'v5', outcome: 'written', onCard: true, driverResult: 'ok' },
  );
  assert.match(p.stderr, /pmsg: written: 12 bytes, on the card after the shutdown/);
  // printk under the console lock: the driver says -EBUSY, pstore's flusher stores it 500 ms later
  const c = mmcpstore(['console', '--image', img, ...ZONES, '--driver', 'v4', '--json', 'deferred line']);
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual((({ outcome, driverResult }) => ({ outcome, driverResult }))(JSON.parse(c.stdout) as Record<string, unknown>), { outcome: 'written', driverResult: 'deferred to the flusher' });
  assert.match(c.stderr, /console: written: 1 line\(s\) printk'd; driver: deferred to the flusher; the zone is on the card/);
  // max_reason 1 (panic only): the oops is never dumped, and the verdict says so (exit 1)
  const o = mmcpstore(['oops', '--image', img, ...ZONES, '--max-reason', '1', '--json']);
  assert.equal(o.status, EXIT.failure, o.stderr);
  const rep = (JSON.parse(o.stdout) as { oops: { outcome: string; onCard: boolean; driverResult: string; reason: string } }).oops;
  assert.deepEqual([rep.outcome, rep.onCard, rep.driverResult], ['lost', false, 'not called']);
  assert.match(rep.reason, /not dumped: pstore_blk\.max_reason=1/);
  assert.match(o.stderr, /mmcpstore: oops record not written: not dumped/);
  const names = mmcpstore(['recover', '--image', img, ...ZONES, '--json']).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { name?: string }).name);
  assert.ok(!names.some((n) => n?.startsWith('dmesg')), 'no dmesg record on the card');
});

test('the same command lines give the same image bytes (SOURCE_DATE_EPOCH)', () => {
  const sums = [0, 1].map(() => {
    const d = tmpDir('det');
    const img = path.join(d, 'disk.img');
    assert.equal(mmcpstore(['mkimage', '--image', img, '--size', '16M', '--seed', '7', '-q']).status, 0);
    assert.equal(mmcpstore(['panic', '--image', img, ...ZONES, '--seed', '7', '-q']).status, 0);
    assert.equal(mmcpstore(['pmsg', '--image', img, ...ZONES, '--seed', '7', 'x', '-q']).status, 0);
    return sha256File(img);
  });
  assert.equal(sums[0], sums[1]);
  // another epoch: other record times, other bytes
  const d = tmpDir('det2');
  const img = path.join(d, 'disk.img');
  mmcpstore(['mkimage', '--image', img, '--size', '16M', '--seed', '7', '-q']);
  mmcpstore(['panic', '--image', img, ...ZONES, '--seed', '7', '-q'], { env: { SOURCE_DATE_EPOCH: '1600000000' } });
  mmcpstore(['pmsg', '--image', img, ...ZONES, '--seed', '7', 'x', '-q']);
  assert.notEqual(sha256File(img), sums[0]);
});

test('erase: NAME is validated and must be a record; --all empties pstorefs', () => {
  const d = tmpDir('erase');
  const img = blankCard(d);
  mmcpstore(['panic', '--image', img, '-q']);
  mmcpstore(['panic', '--image', img, '-q']);
  for (const bad of ['../dmesg-pstore_blk-0', 'a/b', '..']) {
    const r = mmcpstore(['erase', '--image', img, bad]);
    assert.equal(r.status, EXIT.usage, bad);
    assert.match(r.stderr, /not a pstorefs file name/);
  }
  assert.equal(mmcpstore(['erase', '--image', img]).status, EXIT.usage);
  const none = mmcpstore(['erase', '--image', img, 'dmesg-pstore_blk-9']);
  assert.equal(none.status, EXIT.noData);
  assert.match(none.stderr, /records: dmesg-pstore_blk-0, dmesg-pstore_blk-1/);
  assert.equal(mmcpstore(['erase', '--image', img, 'dmesg-pstore_blk-0']).status, 0);
  const left = mmcpstore(['recover', '--image', img, '--json']).stdout;
  assert.doesNotMatch(left, /dmesg-pstore_blk-0/);
  assert.match(left, /dmesg-pstore_blk-1/);
  assert.equal(mmcpstore(['erase', '--image', img, '--all']).status, 0);
  assert.equal(mmcpstore(['recover', '--image', img]).status, EXIT.noData);
});

test('read-only commands leave the image bytes and mtime unchanged', () => {
  const d = tmpDir('ro');
  const img = blankCard(d);
  mmcpstore(['panic', '--image', img, '-q']);
  const old = new Date('2020-01-01T00:00:00Z');
  fs.utimesSync(img, old, old);
  const before = sha256File(img);
  for (const args of [['recover'], ['inspect'], ['inspect', '--card'], ['recover', '--blkdev', '179:6', '--json'], ['inspect', '--card', '--json']]) {
    const r = mmcpstore([args[0]!, '--image', img, ...args.slice(1)]);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(sha256File(img), before);
  assert.equal(fs.statSync(img).mtimeMs, old.getTime());
  assert.equal(fs.existsSync(`${img}.lock`), false);
});
