/**
 * The bundle's V8 code cache belongs to the Node that built it: bin/load-bundle.js names the file
 * after that Node's version, V8 and architecture. Whatever cache is there, a user sees the same
 * thing: a cache named for another Node is not even read, one V8 refuses under this Node's name
 * (a cache of another script, a damaged file) is compiled around, and no cache at all is a plain
 * compile; each prints byte for byte what a run with the right cache prints, on stdout and stderr,
 * with the same exit status, and no warning. The cases run on a copy of the installed layout
 * (bin/, dist/bundle/, package.json), so the build the other tests use is left alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { ROOT, cleanEnv, unpack } from './helpers.js';

/** Where this Node's cache lives in the checkout; the copy's is the same name under PKG. */
const { CODE_CACHE } = createRequire(import.meta.url)(path.join(ROOT, 'bin/load-bundle.js')) as { CODE_CACHE: string };
const CACHE_NAME = path.basename(CODE_CACHE);
const FIXTURE = 'mmc-256k-kmsg64-wrap';

let work = '';
let pkg = '';
let image = '';

before(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist/bundle/cli.cjs')) || !fs.existsSync(CODE_CACHE)) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['run', 'build'], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
    if (r.status !== 0) process.stderr.write(`# npm run build exited ${r.status}:\n${r.stdout}${r.stderr}\n`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mmcpstore-code-cache-'));
  pkg = path.join(work, 'pkg');
  fs.cpSync(path.join(ROOT, 'bin'), path.join(pkg, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist/bundle'), path.join(pkg, 'dist/bundle'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  assert.ok(fs.existsSync(path.join(pkg, 'dist/bundle', CACHE_NAME)), `the build made dist/bundle/${CACHE_NAME}`);
  image = unpack(FIXTURE, work);
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The runs compared: the text and NDJSON reads every start-up shares, a zone listing, an error exit. */
function runs(): Run[] {
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
function cacheRejected(): boolean | null {
  const loader = JSON.stringify(path.join(pkg, 'bin/load-bundle.js'));
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${loader}).loadBundle().cacheRejected))`], {
    env: cleanEnv(),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as boolean | null;
}

/** Leaves `files` (name -> bytes) as the only caches in the copy's dist/bundle/. */
function setCaches(files: Record<string, Uint8Array>): void {
  const dir = path.join(pkg, 'dist/bundle');
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.cache')) fs.rmSync(path.join(dir, f));
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
}

/** The name another Node's build gives its cache (another major version, hence another V8). */
function otherNodeName(): string {
  const major = Number(process.versions.node.split('.')[0]);
  return CACHE_NAME.replace(process.version, `v${major + 2}.0.0`);
}

test('a missing, foreign, refused or damaged code cache prints exactly what the right one does, and no warning', () => {
  const right = new Uint8Array(fs.readFileSync(path.join(pkg, 'dist/bundle', CACHE_NAME)));
  setCaches({ [CACHE_NAME]: right });
  assert.equal(cacheRejected(), false, 'this Node takes the cache it made');
  const want = runs();
  assert.deepEqual(
    want.map((r) => r.status),
    [0, 0, 0, 66],
  );
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
    setCaches(c.caches);
    assert.equal(cacheRejected(), c.rejected, `${c.what}: what the loader did with it`);
    assert.deepEqual(runs(), want, `${c.what}: the same output, statuses and stderr`);
  }
});
