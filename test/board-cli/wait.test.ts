/** --wait SECONDS: a writer waits for another writer's lock, then gives up with exit 75. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { test } from 'node:test';
import { EPOCH, blankCard, mmcpstore, sha256File, tmpDir } from './helpers.js';
import { spawnCli } from '../helpers/run-cli.js';

/** A lock file naming this (live) test process, as a running writer leaves it. */
function holdLock(image: string): string {
  const lock = `${image}.lock`;
  fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname() }));
  return lock;
}

test('a writer with --wait gives up after the wait with exit 75 and leaves the image alone', () => {
  const dir = tmpDir('wait');
  const image = blankCard(dir);
  const before = sha256File(image);
  const lock = holdLock(image);
  const t0 = Date.now();
  const r = mmcpstore(['panic', '--image', image, '--wait', '0.5', '--message', 'blocked']);
  assert.equal(r.status, 75, r.stderr);
  assert.ok(Date.now() - t0 >= 500, 'it waited');
  assert.match(r.stderr, /is locked by pid \d+/);
  assert.equal(sha256File(image), before);
  fs.rmSync(lock);
});

test('a writer with --wait proceeds once the other writer lets go', async () => {
  const dir = tmpDir('wait2');
  const image = blankCard(dir);
  const lock = holdLock(image);
  const child = spawnCli(['panic', '--image', image, '--wait', '20', '--message', 'after the wait'], { env: { NO_COLOR: '1', SOURCE_DATE_EPOCH: EPOCH } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  setTimeout(() => fs.rmSync(lock), 1500);
  const status = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  assert.equal(status, 0, stderr);
  const r = mmcpstore(['recover', '--image', image]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Kernel panic - not syncing: after the wait/);
});

test('--wait takes seconds from 0 to 3600', () => {
  const r = mmcpstore(['panic', '--image', '/nonexistent.img', '--wait', 'soon']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--wait: 'soon' is not a number of seconds/);
});
