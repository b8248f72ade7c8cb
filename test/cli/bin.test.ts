/**
 * The installed entry point: `npm run build`, then bin/mmcpstore.js (which
 * runs the bundle dist/bundle/cli.cjs with its V8 code cache) recovers a
 * kernel-written image exactly as the kernel showed it, runs the worker pool
 * from the bundle, and passes the exit status through.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, cleanEnv, fakeIo, kernelReadDir, sidecar, tempDir, unpack } from './helpers.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';

before(() => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build'], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
  // tsc still emits when another module has a type error; `npm run typecheck` is where those fail.
  if (r.status !== 0) process.stderr.write(`# npm run build exited ${r.status}:\n${r.stdout}${r.stderr}\n`);
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/cli.js')), 'the build produced dist/cli.js');
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/commands/recover.js')), 'and the command modules');
  for (const f of ['cli.cjs', 'cli.cache', 'worker.js']) assert.ok(fs.existsSync(path.join(ROOT, 'dist/bundle', f)), `and dist/bundle/${f}`);
});

function bin(args: string[]): CliRun {
  return runCli(args, { entry: 'bin' });
}

test('bin/mmcpstore.js recover --out reproduces the kernel\'s /sys/fs/pstore', (t) => {
  const dir = tempDir(t);
  const name = 'mmc-256k-kmsg64-wrap';
  const image = unpack(name, dir);
  const out = path.join(dir, 'pstore');
  const r = bin(['recover', '--image', image, '--kmsg-size', '64', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  for (const rec of sidecar(name).records_reported_by_kernel) {
    assert.deepEqual(fs.readFileSync(path.join(out, rec.name)), fs.readFileSync(path.join(kernelReadDir(name), rec.name)), rec.name);
    assert.equal(Math.floor(fs.statSync(path.join(out, rec.name)).mtimeMs / 1000), rec.mtime);
  }
});

test('bin/mmcpstore.js passes exit statuses through: --version 0, unknown option 2, missing image 66', () => {
  const v = bin(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout.toString().trim(), (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  const u = bin(['inspect', '--nope']);
  assert.equal(u.status, 2);
  assert.equal(u.stderr, "mmcpstore: unknown option '--nope' (see 'mmcpstore --help')\n");
  const m = bin(['inspect', '-i', 'missing.img']);
  assert.equal(m.status, 66);
  assert.equal(m.stderr, "mmcpstore: cannot open 'missing.img': No such file or directory\n");
});

test('the entry point answers --version itself with what the full command tree prints', async () => {
  const fast = bin(['--version']).stdout.toString();
  const fastShort = bin(['-V']).stdout.toString();
  const { main } = await import('../../src/cli.js');
  const { io, out } = fakeIo();
  assert.equal(await main(['--version'], io), 0);
  assert.equal(fast, out.text);
  assert.equal(fastShort, fast);
});

test('the bundle\'s code cache is accepted by this Node, and the bundle exports main', async () => {
  const { loadBundle } = (await import(path.join(ROOT, 'bin/load-bundle.js'))) as { loadBundle: () => { main: unknown; cacheRejected: boolean | null } };
  const b = loadBundle();
  assert.equal(b.cacheRejected, false, 'V8 took dist/bundle/cli.cache');
  assert.equal(typeof b.main, 'function');
});

test('bin/mmcpstore.js runs several images on the worker pool from the bundle', (t) => {
  const dir = tempDir(t);
  const a = unpack('virtio-1m-kmsg64-deflate', dir);
  const b = unpack('mmc-256k-kmsg64-wrap', dir);
  const r = bin(['recover', '-i', a, '-i', b, '--kmsg-size', '64', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { image: string; name: string });
  const expected = [a, b].flatMap((img, i) => sidecar(i === 0 ? 'virtio-1m-kmsg64-deflate' : 'mmc-256k-kmsg64-wrap').records_reported_by_kernel.map((rec) => `${img} ${rec.name}`));
  assert.deepEqual(lines.map((l) => `${l.image} ${l.name}`).sort(), expected.sort());
});
