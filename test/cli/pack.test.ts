/**
 * The published package: `npm pack` (its prepack script builds dist/ afresh)
 * makes a tarball with the compiled CLI (bin + dist), the user docs and the
 * man page, and no tests, fixtures or contributor docs; its package.json says
 * where the project lives and has no `prepare` script. It installs into an
 * empty directory with no warning, and `npx mmcpstore --help` and `recover`
 * run there. (~30 s: a build, a pack and an install.)
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
  // The pack a publisher makes: prepack builds, and ships package.json without `prepare`.
  const before = fs.readFileSync(path.join(ROOT, 'package.json'));
  const pack = run(npm, ['pack', '--json', '--pack-destination', dir], ROOT);
  assert.equal(pack.status, 0, pack.stderr);
  assert.deepEqual(fs.readFileSync(path.join(ROOT, 'package.json')), before, 'postpack put the checkout\'s package.json back');
  // The lifecycle scripts print on stdout too, before the JSON.
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const need of ['bin/mmcpstore.js', 'dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist/commands/worker.js', 'man/mmcpstore.1', 'docs/cli.md', 'package.json']) {
    assert.ok(files.includes(need), `the tarball has ${need}`);
  }
  assert.ok(!files.some((f) => /^(test|fixtures|src|scripts)\//.test(f)), 'no tests, fixtures or sources');
  for (const dev of ['docs/architecture.md', 'docs/performance.md', 'docs/report.png']) assert.ok(!files.includes(dev), `nothing a user does not need: ${dev}`);

  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","type":"module"}\n');
  const install = run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, info!.filename)], app);
  assert.equal(install.status, 0, install.stderr);
  // Nothing for a user to act on: no install script to approve, no engine or deprecation notice.
  assert.doesNotMatch(`${install.stdout}${install.stderr}`, /\bwarn/i);
  const manifest = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/mmcpstore/package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
    repository?: { url: string };
    bugs?: { url: string };
    keywords?: string[];
    engines?: { node: string };
  };
  assert.equal(manifest.scripts?.['prepare'], undefined, 'the shipped package.json has no prepare script');
  assert.match(manifest.repository?.url ?? '', /github\.com/);
  assert.match(manifest.bugs?.url ?? '', /\/issues$/);
  assert.ok((manifest.keywords ?? []).includes('pstore'));
  assert.ok(manifest.engines?.node.includes(`^${process.versions.node.split('.')[0]}.`), `engines names Node ${process.version}`);

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
