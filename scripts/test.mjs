// npm test: node's test runner over the files given, as many at a time as there are cores.
// Node 20's default is one less than the cores, so on a 2-core machine it ran one file at a
// time and left a core idle; most files wait on the CLI processes they spawn, so a core per
// file keeps both busy (docs/performance.md, "Test suite").
// Two things are built first, each into a temporary directory of its own, so that the ~170
// test processes and ~1000 CLI processes they start do not each compile TypeScript again:
// - the CLI bundled from the current src/ (scripts/bundle.mjs --outdir; not dist/bundle, which
//   the npm pack test rebuilds while other files run): a CLI process costs ~0.1 s of CPU where
//   `node --import tsx src/cli.ts` cost ~1.3 s. test/helpers/run-cli.ts runs it when
//   MMCPSTORE_TEST_BUNDLE names it, and src/ through tsx otherwise (a test file run alone);
// - every .ts file of src/, test/, scripts/ and bench/ compiled to JavaScript by esbuild in one
//   call, which the test processes load through scripts/test-loader.mjs (MMCPSTORE_TEST_COMPILED);
//   a test process started with tsx instead cost ~0.3-1 s of CPU more.
// A nested run (test/architecture/test-runner.test.ts) reuses the directories it inherits.
// Usage: node scripts/test.mjs [node --test options] FILE...
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** At least two files at a time, even on one core: a file waiting on a child leaves it idle. */
const MIN_CONCURRENCY = 2;
/** The folders whose TypeScript a test can import. */
const TS_FOLDERS = ['src', 'test', 'scripts', 'bench'];
const root = fileURLToPath(new URL('..', import.meta.url));
const concurrency = Math.max(MIN_CONCURRENCY, availableParallelism());

const made = [];
/** The directory `env` names, or a new one filled by `fill`. */
function directory(env, prefix, fill) {
  if (process.env[env]) return process.env[env];
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  fill(dir);
  return dir;
}

try {
  const bundle = directory('MMCPSTORE_TEST_BUNDLE', 'mmcpstore-test-bundle-', (dir) => {
    const built = spawnSync(process.execPath, [join(root, 'scripts/bundle.mjs'), '--outdir', dir], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error(`bundling src/ for the tests failed (exit ${built.status})`);
  });
  const compiled = directory('MMCPSTORE_TEST_COMPILED', 'mmcpstore-test-js-', (dir) => {
    const entryPoints = TS_FOLDERS.flatMap((folder) =>
      readdirSync(join(root, folder), { recursive: true })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
        .map((f) => join(root, folder, f)),
    );
    buildSync({ entryPoints, outdir: dir, outbase: root, format: 'esm', platform: 'node', target: 'node20', sourcemap: 'inline', logLevel: 'warning' });
  });
  const loader = join(root, 'scripts/test-loader.mjs');
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--import', loader, '--test', `--test-concurrency=${concurrency}`, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MMCPSTORE_TEST_BUNDLE: bundle, MMCPSTORE_TEST_COMPILED: compiled },
  });
  process.exitCode = r.status ?? 1;
} finally {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
}
