/**
 * The installed entry point: the bundle (scripts/bundle.mjs, part of `npm run build`), then bin/mmcpstore.js (which
 * runs the bundle dist/bundle/cli.cjs with its V8 code cache) recovers a
 * kernel-written image exactly as the kernel showed it, runs the worker pool
 * from the bundle, and passes the exit status through. The code cache is the
 * running Node's own (named after it), and any other cache, or none, changes
 * nothing a user sees.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { ROOT, cleanEnv, fakeIo, kernelReadDir, sidecar, tempDir, unpack } from './helpers.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';

/** The code cache file for this Node (named after its version, V8 and architecture). */
const { CODE_CACHE } = createRequire(import.meta.url)(path.join(ROOT, 'bin/load-bundle.js')) as { CODE_CACHE: string };
const CACHE_NAME = path.basename(CODE_CACHE);

before(() => {
  // What bin/ runs: the bundle of the current src/ (`npm run build` also compiles the library to
  // dist/ with tsc; test/cli/pack.test.ts builds and checks that, through npm pack's prepack).
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/bundle.mjs exited ${r.status}:\n${r.stdout}${r.stderr}`);
  for (const f of ['cli.cjs', CACHE_NAME, 'worker.js']) assert.ok(fs.existsSync(path.join(ROOT, 'dist/bundle', f)), `the build produced dist/bundle/${f}`);
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

test('bin/mmcpstore.js reads a gzip image: the bundle loads node:zlib without a dynamic import()', (t) => {
  // The bundle runs in a vm.Script, which has no loader for an import() left in its code.
  const dir = tempDir(t);
  const name = 'mmc-256k-kmsg64-wrap';
  const image = unpack(name, dir);
  const gz = path.join(ROOT, 'fixtures', `${name}.img.gz`);
  const fromGz = bin(['recover', '--image', gz, '--kmsg-size', '64']);
  assert.equal(fromGz.status, 0, fromGz.stderr);
  const raw = bin(['recover', '--image', image, '--kmsg-size', '64']);
  assert.equal(raw.status, 0, raw.stderr);
  assert.ok(raw.stdout.length > 0);
  assert.deepEqual(fromGz.stdout, raw.stdout);
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
  assert.equal(b.cacheRejected, false, `V8 took dist/bundle/${CACHE_NAME}`);
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

// Start-up loads only what a read uses (scripts/bundle.mjs): node:child_process (with net and
// dgram), node:worker_threads and node:tty load on first use, which a read of one image never
// makes; the output is what it was.
test('a read of one image loads no child_process, net, worker_threads or tty, and prints its records', (t) => {
  const dir = tempDir(t);
  const name = 'virtio-1m-kmsg64-deflate';
  const image = unpack(name, dir);
  const list = path.join(dir, 'modules.txt');
  const hook = path.join(dir, 'hook.cjs');
  fs.writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
  // Output to files, as a pipe would itself load node:net for process.stdout.
  const [out, err] = ['out', 'err'].map((f) => path.join(dir, f));
  const fds = [out, err].map((f) => fs.openSync(f, 'w'));
  const r = spawnSync(process.execPath, ['--require', hook, path.join(ROOT, 'bin/mmcpstore.js'), 'recover', '--image', image, '--kmsg-size', '64'], { env: cleanEnv({ NO_COLOR: '1' }), stdio: ['ignore', fds[0]!, fds[1]!] });
  for (const fd of fds) fs.closeSync(fd);
  assert.equal(r.status, 0, fs.readFileSync(err, 'utf8'));
  const stdout = fs.readFileSync(out, 'latin1');
  assert.equal(stdout, bin(['recover', '--image', image, '--kmsg-size', '64']).stdout.toString('latin1'));
  assert.ok(stdout.includes(fs.readFileSync(path.join(kernelReadDir(name), 'dmesg-pstore_blk-0'), 'latin1')), "the kernel's record was printed");
  const loaded = fs.readFileSync(list, 'utf8').split('\n');
  assert.ok(loaded.includes('NativeModule vm'), 'the list is of this process (the loader uses node:vm)');
  for (const m of ['child_process', 'net', 'dgram', 'worker_threads', 'tty']) assert.ok(!loaded.includes(`NativeModule ${m}`), `node:${m} was not loaded`);
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The runs compared, of the installed layout copied to `pkg`: reads, a zone listing, an error exit. */
function cacheRuns(pkg: string, image: string, work: string): Run[] {
  const argvs = [
    ['recover', '--image', image, '--kmsg-size', '64'],
    ['recover', '--image', image, '--kmsg-size', '64', '--json'],
    ['inspect', '--image', image, '--kmsg-size', '64'],
    ['inspect', '-i', path.join(work, 'missing.img')],
  ];
  return argvs.map((argv) => {
    const r = spawnSync(process.execPath, [path.join(pkg, 'bin/mmcpstore.js'), ...argv], {
      cwd: work,
      env: cleanEnv({ NO_COLOR: '1' }),
      encoding: 'latin1',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  });
}

/** What the copy's loader did with the cache: null (none read), false (taken), true (refused). */
function cacheRejected(pkg: string): boolean | null {
  const loader = JSON.stringify(path.join(pkg, 'bin/load-bundle.js'));
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${loader}).loadBundle().cacheRejected))`], {
    env: cleanEnv(),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as boolean | null;
}

/** Leaves `files` (name -> bytes) as the only caches in the copy's dist/bundle/. */
function setCaches(pkg: string, files: Record<string, Uint8Array>): void {
  const dir = path.join(pkg, 'dist/bundle');
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.cache')) fs.rmSync(path.join(dir, f));
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
}

/** The name another Node's build gives its cache (another major version, hence another V8). */
function otherNodeName(): string {
  const major = Number(process.versions.node.split('.')[0]);
  return CACHE_NAME.replace(process.version, `v${major + 2}.0.0`);
}

// Whatever cache is there, a user sees the same thing: a cache named for another Node is not even
// read, one V8 refuses under this Node's name (a cache of another script, a damaged file) is
// compiled around, and no cache at all is a plain compile; each prints byte for byte what a run
// with the right cache prints, on stdout and stderr, with the same exit status, and no warning.
// The cases run on a copy of the installed layout, so the build the other tests use stays as it is.
test('a missing, foreign, refused or damaged code cache prints exactly what the right one does, and no warning', (t) => {
  const work = tempDir(t);
  const pkg = path.join(work, 'pkg');
  fs.cpSync(path.join(ROOT, 'bin'), path.join(pkg, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist/bundle'), path.join(pkg, 'dist/bundle'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  const image = unpack('mmc-256k-kmsg64-wrap', work);
  const right = new Uint8Array(fs.readFileSync(path.join(pkg, 'dist/bundle', CACHE_NAME)));
  setCaches(pkg, { [CACHE_NAME]: right });
  assert.equal(cacheRejected(pkg), false, 'this Node takes the cache it made');
  const want = cacheRuns(pkg, image, work);
  assert.deepEqual(want.map((r) => r.status), [0, 0, 0, 66]);
  for (const r of want) assert.doesNotMatch(r.stderr, /warn/i);

  const cases: { what: string; caches: Record<string, Uint8Array>; rejected: boolean | null }[] = [
    { what: 'no cache', caches: {}, rejected: null },
    // As after a Node upgrade, or from a tarball packed on another Node: never opened.
    { what: "another Node's cache", caches: { [otherNodeName()]: right }, rejected: null },
    // A well-formed cache of another script: V8 refuses it as it does a foreign build's.
    { what: 'a cache V8 refuses', caches: { [CACHE_NAME]: new Uint8Array(new vm.Script('"not the CLI"').createCachedData()) }, rejected: true },
    { what: 'a truncated cache', caches: { [CACHE_NAME]: right.subarray(0, right.length >> 1) }, rejected: true },
  ];
  for (const c of cases) {
    setCaches(pkg, c.caches);
    assert.equal(cacheRejected(pkg), c.rejected, `${c.what}: what the loader did with it`);
    assert.deepEqual(cacheRuns(pkg, image, work), want, `${c.what}: the same output, statuses and stderr`);
  }
});
