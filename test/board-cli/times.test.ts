/**
 * Times as the kernel shows them (issue 15 item 6): a dmesg record carries the wall clock of the
 * panic (ktime_get_real() in pstore_dump), never the boot's minutes of virtual uptime added on;
 * pmsg and console records carry no time, so pstorefs gives them the read time, on the card
 * path as on the file path; SOURCE_DATE_EPOCH stands in for the clock everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EPOCH, ZONES, blankCard, mmcpstore, tmpDir } from './helpers.js';

const mtimeSec = (dir: string, name: string): number => Math.floor(fs.statSync(path.join(dir, name)).mtimeMs / 1000);
const clockSec = (): number => Math.floor(Date.now() / 1000);
/** The panic path's virtual time between pstore_dump and the end of the run: milliseconds. */
const PANIC_PATH_SLACK_SEC = 1;

function writeAll(img: string, env: Record<string, string | undefined>): void {
  for (const [cmd, input] of [['pmsg', 'from userspace\n'], ['console', 'console line\n']] as const) {
    const r = mmcpstore([cmd, '--image', img, ...ZONES, '-q'], { input, env });
    assert.equal(r.status, 0, r.stderr);
  }
  const p = mmcpstore(['panic', '--image', img, ...ZONES, '-q', '-m', 'timed'], { env });
  assert.equal(p.status, 0, p.stderr);
}

test('with SOURCE_DATE_EPOCH: the dmesg record has that time, pmsg and console read time is it too', () => {
  const d = tmpDir('times-sde');
  const img = blankCard(d);
  writeAll(img, {});
  const out = path.join(d, 'out');
  const r = mmcpstore(['recover', '--image', img, ...ZONES, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const epoch = Number(EPOCH);
  const dmesg = mtimeSec(out, 'dmesg-pstore_blk-0');
  assert.ok(dmesg >= epoch && dmesg <= epoch + PANIC_PATH_SLACK_SEC, `dmesg stamped ${dmesg - epoch} s after SOURCE_DATE_EPOCH (the boot's uptime must not be added)`);
  assert.equal(mtimeSec(out, 'pmsg-pstore_blk-0'), epoch, 'pmsg: the read time, not a fixed date');
  assert.equal(mtimeSec(out, 'console-pstore_blk-0'), epoch, 'console: the read time, not a fixed date');
});

test('on the real clock: the dmesg record is never stamped in the future; pmsg and console get the read time on the card path', () => {
  const d = tmpDir('times-clock');
  const img = blankCard(d);
  const noEpoch = { SOURCE_DATE_EPOCH: undefined };
  const beforeWrite = clockSec();
  writeAll(img, noEpoch);
  const afterWrite = clockSec();
  const out = path.join(d, 'out');
  const beforeRead = clockSec();
  const r = mmcpstore(['recover', '--image', img, ...ZONES, '--out', out], { env: noEpoch });
  const afterRead = clockSec();
  assert.equal(r.status, 0, r.stderr);
  const dmesg = mtimeSec(out, 'dmesg-pstore_blk-0');
  assert.ok(dmesg >= beforeWrite && dmesg <= afterWrite + PANIC_PATH_SLACK_SEC, `dmesg ${dmesg} not within the panic run [${beforeWrite}, ${afterWrite}]`);
  for (const name of ['pmsg-pstore_blk-0', 'console-pstore_blk-0']) {
    const t = mtimeSec(out, name);
    assert.ok(t >= beforeRead && t <= afterRead, `${name} ${t} is not the read time [${beforeRead}, ${afterRead}]`);
  }
});
