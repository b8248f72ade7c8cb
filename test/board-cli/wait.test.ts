/** --wait SECONDS: a writer waits for another writer's lock, then gives up with exit 75. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { EPOCH, ROOT, blankCard, mmcpstore, sha256, tmpDir } from './helpers.js';

/** A lock file naming this (live) test process, as a running writer leaves it. */
function holdLock(image: string): string {
  const lock = `${image}.lock`;
  fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname() }));
  return lock;
}

test('a writer with --wait gives up after the wait with exit 75 and leaves the image alone', () => {
  const dir = tmpDir('wait');
  const image = blankCard(dir);
  const before = sha256(image);
  const lock = holdLock(image);
  const t0 = Date.now();
  const r = mmcpstore(['panic', '--image', image, '--wait', '0.5', '--message', 'blocked']);
  assert.equal(r.status, 75, r.stderr);
  assert.ok(Date.now() - t0 >= 500, 'it waited');
  assert.match(r.stderr, /is locked by pid \d+/);
  assert.equal(sha256(image), before);
  fs.rmSync(lock);
});

test('a writer with --wait proceeds once the other writer lets go', async () => {
  const dir = tmpDir('wait2');
  const image = blankCard(dir);
  const lock = holdLock(image);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'panic', '--image', image, '--wait', '20', '--message', 'after the wait'], {
    env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: EPOCH },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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
