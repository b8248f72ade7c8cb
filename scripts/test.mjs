// npm test: node's test runner over the files given, as many at a time as there are cores.
// Node 20's default is one less than the cores, so on a 2-core machine it ran one file at a
// time and left a core idle; most files wait on the CLI processes they spawn, so a core per
// file keeps both busy (docs/performance.md, "Test suite").
// Usage: node scripts/test.mjs [node --test options] FILE...
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** At least two files at a time, even on one core: a file waiting on a child leaves it idle. */
const MIN_CONCURRENCY = 2;
const concurrency = Math.max(MIN_CONCURRENCY, availableParallelism());
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
