/**
 * `mmcpstore recover` against images a real kernel wrote: what it extracts
 * must be what Linux showed in /sys/fs/pstore (fixtures/<name>.kernel-read/),
 * byte for byte, with the record times as mtimes (docs/cli.md "recover").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLI_FROM_SOURCE,
  FIXTURE_NAMES,
  kernelReadDir,
  runCli,
  runShell,
  sha256,
  sidecar,
  tempDir,
  unpack,
} from './helpers.js';

function kernelFiles(name: (typeof FIXTURE_NAMES)[number]): string[] {
  return fs.readdirSync(kernelReadDir(name)).filter((f) => f !== 'index.json').sort();
}

for (const name of FIXTURE_NAMES) {
  test(`recover --out of ${name} equals the kernel's pstorefs, file for file, with the record times`, (t) => {
    const dir = tempDir(t);
    const image = unpack(name, dir);
    const out = path.join(dir, 'out');
    const r = runCli(['recover', '--image', image, '--kmsg-size', '64', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.length, 0, 'no data on stdout with --out');
    assert.deepEqual(fs.readdirSync(out).sort(), kernelFiles(name), 'exactly the kernel\'s files, nothing else');
    const side = sidecar(name);
    for (const rec of side.records_reported_by_kernel) {
      const file = path.join(out, rec.name);
      const bytes = fs.readFileSync(file);
      assert.deepEqual(bytes, fs.readFileSync(path.join(kernelReadDir(name), rec.name)), `${rec.name} contents`);
      assert.equal(sha256(bytes), rec.sha256);
      const st = fs.statSync(file);
      assert.equal(Math.floor(st.mtimeMs / 1000), rec.mtime, `${rec.name} mtime`);
      assert.equal(st.mode & 0o777, 0o444, `${rec.name} is read-only like pstorefs`);
    }
  });
}

test('--params "pstore_blk.kmsg_size=64" gives the same files as --kmsg-size 64', (t) => {
  const dir = tempDir(t);
  const image = unpack('mmc-256k-kmsg64-wrap', dir);
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  assert.equal(runCli(['recover', '-i', image, '--kmsg-size', '64', '--out', a]).status, 0);
  const r = runCli(['recover', '-i', image, '--params', 'pstore_blk.kmsg_size=64', '--out', b]);
  assert.equal(r.status, 0, r.stderr);
  const names = fs.readdirSync(a).sort();
  assert.deepEqual(fs.readdirSync(b).sort(), names);
  for (const n of names) assert.deepEqual(fs.readFileSync(path.join(b, n)), fs.readFileSync(path.join(a, n)), n);
});

test('an explicit flag overrides the same parameter in --params', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  // kmsg_size=128 alone would read 64 KiB zones as 128 KiB ones and find fewer records.
  const r = runCli(['recover', '-i', image, '--params', 'pstore_blk.kmsg_size=128', '--kmsg-size', '64', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.toString().trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name);
  assert.deepEqual(names, sidecar('virtio-1m-kmsg64-plain').records_reported_by_kernel.map((k) => k.name));
});

for (const name of FIXTURE_NAMES) {
  test(`recover --json of ${name} is NDJSON with the kernel's names, sizes and hashes`, (t) => {
    const dir = tempDir(t);
    const image = unpack(name, dir);
    const r = runCli(['recover', '-i', image, '--kmsg-size', '64', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no banners with --json');
    const lines = r.stdout.toString('utf8').split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const kernel = sidecar(name).records_reported_by_kernel;
    assert.equal(objs.length, kernel.length);
    objs.forEach((o, i) => {
      const k = kernel[i]!;
      assert.equal(o['schema'], 1);
      assert.equal(o['name'], k.name);
      assert.equal(o['size'], k.size);
      assert.equal(o['type'], 'dmesg');
      assert.equal(o['reason'], k.reason);
      assert.equal(o['timeSec'], k.mtime);
      assert.equal(o['time'], new Date(k.mtime * 1000).toISOString().replace('.000Z', 'Z'));
      assert.equal(o['encoding'], 'utf-8');
      assert.equal(sha256(Buffer.from(o['data'] as string, 'utf8')), k.sha256, `${k.name} data`);
      assert.ok(Array.isArray(o['zones']) && (o['zones'] as unknown[]).length === 1);
    });
  });
}

test('recover to stdout writes every record in order, all of it, with one banner per record on stderr', (t) => {
  const dir = tempDir(t);
  const name = 'virtio-1m-kmsg64-deflate';
  const image = unpack(name, dir);
  const r = runCli(['recover', '-i', image]);
  assert.equal(r.status, 0, r.stderr);
  // ~110 KB: more than a pipe holds, so this also checks the output drains before exit.
  const expected = Buffer.concat(kernelFiles(name).map((f) => fs.readFileSync(path.join(kernelReadDir(name), f))));
  assert.equal(r.stdout.length, expected.length);
  assert.deepEqual(r.stdout, expected);
  const banners = r.stderr.trimEnd().split('\n');
  assert.deepEqual(banners, [
    '==> dmesg-pstore_blk-0 (Shutdown#0, 2025-01-01T00:00:03Z, 25410 bytes) <==',
    '==> dmesg-pstore_blk-1 (Oops#1, 2025-01-01T00:10:03Z, 29268 bytes) <==',
    '==> dmesg-pstore_blk-2 (Shutdown#0, 2025-01-01T00:20:03Z, 25511 bytes) <==',
    '==> dmesg-pstore_blk-3 (Oops#2, 2025-01-01T00:20:05Z, 29138 bytes) <==',
  ]);
});

test('--quiet drops the banners but not the data', (t) => {
  const dir = tempDir(t);
  const image = unpack('mmc-256k-kmsg64-wrap', dir);
  const r = runCli(['recover', '-i', image, '--quiet']);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.length, sidecar('mmc-256k-kmsg64-wrap').records_reported_by_kernel.reduce((n, k) => n + k.size, 0));
});

test('a reader that closes the pipe early (| head -1) ends recover quietly with status 0', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  for (const mode of ['--json', '--quiet']) {
    const r = runShell(`${CLI_FROM_SOURCE} recover -i ${JSON.stringify(image)} ${mode} 2>${JSON.stringify(path.join(dir, 'err'))} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`);
    assert.equal(r.stdout.trim(), '0', `${mode}: exit status of recover`);
    assert.equal(fs.readFileSync(path.join(dir, 'err'), 'utf8'), '', `${mode}: nothing on stderr`);
  }
});

test('recover and inspect leave the image untouched (hash and mtime)', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-deflate', dir);
  const past = new Date('2024-06-01T12:00:00Z');
  fs.utimesSync(image, past, past);
  const before = sha256(fs.readFileSync(image));
  for (const args of [['recover', '-i', image], ['recover', '-i', image, '--out', path.join(dir, 'o')], ['inspect', '-i', image, '--json']]) {
    assert.equal(runCli(args).status, 0, args.join(' '));
  }
  assert.equal(sha256(fs.readFileSync(image)), before);
  assert.equal(before, sidecar('virtio-1m-kmsg64-deflate').image_sha256);
  assert.equal(fs.statSync(image).mtimeMs, past.getTime());
  assert.deepEqual(fs.readdirSync(dir).sort(), ['o', 'virtio-1m-kmsg64-deflate.img'], 'no lock or temp file next to the image');
});

test('--out refuses a non-empty directory (73) and --force replaces an earlier run\'s records', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  // A stale record from an earlier run, and it must not survive --force.
  fs.writeFileSync(path.join(out, 'dmesg-pstore_blk-9'), 'old');
  const refused = runCli(['recover', '-i', image, '--out', out]);
  assert.equal(refused.status, 73);
  assert.match(refused.stderr, /^mmcpstore: output directory '.*out' is not empty \(1 entries\); use --force/);
  assert.deepEqual(fs.readdirSync(out), ['dmesg-pstore_blk-9'], 'nothing written when refused');

  const forced = runCli(['recover', '-i', image, '--out', out, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), kernelFiles('virtio-1m-kmsg64-plain'));

  // Twice in a row with --force: the read-only files of the first run are replaced.
  assert.equal(runCli(['recover', '-i', image, '--out', out, '--force']).status, 0);
  assert.deepEqual(fs.readdirSync(out).sort(), kernelFiles('virtio-1m-kmsg64-plain'));
});

test('--force does not delete files that are not pstore records', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
  const r = runCli(['recover', '-i', image, '--out', out, '--force']);
  assert.equal(r.status, 73);
  assert.match(r.stderr, /--force replaces only pstore record files, and '.*notes\.txt' is not one/);
  assert.deepEqual(fs.readdirSync(out), ['notes.txt']);
});

test('--out never writes through a symlink: a symlinked DIR is refused, a symlinked record name is replaced', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const real = path.join(dir, 'real');
  fs.mkdirSync(real);
  fs.symlinkSync(real, path.join(dir, 'link'));
  const r = runCli(['recover', '-i', image, '--out', path.join(dir, 'link')]);
  assert.equal(r.status, 73);
  assert.match(r.stderr, /is a symbolic link/);

  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  fs.symlinkSync(victim, path.join(out, 'dmesg-pstore_blk-0'));
  // The entry is a symlink, not a record file: --force refuses to touch it.
  const f = runCli(['recover', '-i', image, '--out', out, '--force']);
  assert.equal(f.status, 73);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
});
