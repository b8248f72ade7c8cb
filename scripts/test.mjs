// npm test: node's test runner over the files given, as many at a time as there are cores.
// Node 20's default is one less than the cores, so on a 2-core machine it ran one file at a
// time and left a core idle; most files wait on the CLI processes they spawn, so a core per
// file keeps both busy (docs/performance.md, "Test suite").
// The CLI those processes run is bundled from the current src/ first, into a directory of its
// own (not dist/bundle, which the npm pack test rebuilds while other files run): starting it
// costs ~0.1 s where `node --import tsx src/cli.ts` costs ~1.3 s of CPU, in each of ~1000
// processes. test/helpers/run-cli.ts runs it when MMCPSTORE_TEST_BUNDLE names it, and src/
// through tsx otherwise (a test file run alone with `node --import tsx --test`).
// Usage: node scripts/test.mjs [node --test options] FILE...
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** At least two files at a time, even on one core: a file waiting on a child leaves it idle. */
const MIN_CONCURRENCY = 2;
const concurrency = Math.max(MIN_CONCURRENCY, availableParallelism());
const bundleDir = mkdtempSync(join(tmpdir(), 'mmcpstore-test-bundle-'));
try {
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('bundle.mjs', import.meta.url)), '--outdir', bundleDir], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`bundling src/ for the tests failed (exit ${built.status})`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MMCPSTORE_TEST_BUNDLE: bundleDir },
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(bundleDir, { recursive: true, force: true });
}
