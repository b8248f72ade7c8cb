/**
 * The published package: `npm pack` makes a tarball with the compiled CLI
 * (bin + dist), the docs and the man page, and no tests or fixtures; it
 * installs into an empty directory, where `npx mmcpstore --help` and
 * `recover` run. (~20 s: a build, a pack and an install.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, cleanEnv, kernelReadDir, sidecar, tempDir, unpack } from './helpers.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('npm pack installs into an empty directory and runs from there', { timeout: 180_000 }, (t) => {
  const dir = tempDir(t);
  // The build `prepare` would run; tsc still emits when a module elsewhere in the tree has a type error.
  run(npm, ['run', 'build'], ROOT);
  const pack = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const need of ['bin/mmcpstore.js', 'dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist/commands/worker.js', 'man/mmcpstore.1', 'docs/cli.md', 'package.json']) {
    assert.ok(files.includes(need), `the tarball has ${need}`);
  }
  assert.ok(!files.some((f) => /^(test|fixtures|src|scripts)\//.test(f)), 'no tests, fixtures or sources');

  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","type":"module"}\n');
  const install = run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, info!.filename)], app);
  assert.equal(install.status, 0, install.stderr);

  const help = run(npm, ['exec', '--offline', '--', 'mmcpstore', '--help'], app);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: mmcpstore/);
  assert.match(help.stdout, /Examples:\n/);

  const name = 'mmc-256k-kmsg64-wrap';
  const image = unpack(name, dir);
  const out = path.join(dir, 'pstore');
  const rec = run(npm, ['exec', '--offline', '--', 'mmcpstore', 'recover', '-i', image, '--kmsg-size', '64', '--out', out], app);
  assert.equal(rec.status, 0, rec.stderr);
  for (const k of sidecar(name).records_reported_by_kernel) {
    assert.deepEqual(fs.readFileSync(path.join(out, k.name)), fs.readFileSync(path.join(kernelReadDir(name), k.name)), k.name);
  }
  // The library entry point resolves with its types.
  const lib = run(process.execPath, ['--input-type=module', '-e', "import('mmcpstore').then((m) => console.log(typeof m.recoverImage, typeof m.streamRecords))"], app);
  assert.equal(lib.stdout.trim(), 'function function', lib.stderr);
  assert.ok(fs.existsSync(path.join(app, 'node_modules/mmcpstore/dist/index.d.ts')));
});
