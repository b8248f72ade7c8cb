/**
 * scripts/test.mjs (`npm test`): runs test files at least two at a time, and its exit status is
 * the test runner's, so a failing test still fails `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';

const RUNNER = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../scripts/test.mjs');
/** How long a file waits for the other before it gives up (they only meet if run at once; generous for a loaded machine). */
const MEET_TIMEOUT_MS = 60_000;

/** The runner as `npm test` starts it, outside this test run (node refuses a nested one). */
function runTests(files: string[]): SpawnSyncReturns<string> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, [RUNNER, '--test-reporter=tap', ...files], { encoding: 'utf8', env });
}

/** A test file that marks `me` and passes once `other` is marked too. */
function meetingFile(dir: string, me: string, other: string): string {
  const file = path.join(dir, `${me}.test.mjs`);
  fs.writeFileSync(
    file,
    `import { test } from 'node:test';
import * as fs from 'node:fs';
test('${me} meets ${other}', async () => {
  fs.writeFileSync(${JSON.stringify(path.join(dir, me))}, '');
  const until = Date.now() + ${MEET_TIMEOUT_MS};
  while (!fs.existsSync(${JSON.stringify(path.join(dir, other))})) {
    if (Date.now() > until) throw new Error('${other} did not run at the same time');
    await new Promise((r) => setTimeout(r, 20));
  }
});
`,
  );
  return file;
}

test('scripts/test.mjs runs two files at the same time (two files that wait for each other pass)', (t) => {
  const dir = tempDir(t);
  const r = runTests([meetingFile(dir, 'a', 'b'), meetingFile(dir, 'b', 'a')]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /# pass 2/);
});

test('scripts/test.mjs exits non-zero when a test fails', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'fails.test.mjs');
  fs.writeFileSync(file, "import { test } from 'node:test';\ntest('fails', () => { throw new Error('expected'); });\n");
  const r = runTests([file]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /# fail 1/);
});

test('scripts/test.mjs runs TypeScript: a .js import names the .ts file, and a failure points at the .ts line', (t) => {
  // A folder outside the tree compiled at the start of the run: scripts/test-loader-hooks.mjs
  // compiles these files as they are imported.
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'twice.ts'), 'export const twice = (n: number): number => 2 * n;\n');
  const file = path.join(dir, 'typed.test.ts');
  fs.writeFileSync(
    file,
    [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { twice } from './twice.js';",
      'interface Case { n: number; want: number }',
      "test('typed', () => {",
      '  const c: Case = { n: 2, want: 5 };',
      '  assert.equal(twice(c.n), c.want);',
      '});',
      '',
    ].join('\n'),
  );
  const r = runTests([file]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /# fail 1/);
  assert.match(r.stdout, /actual: 4/);
  // line 7 of the TypeScript source, not of esbuild's output
  assert.ok(r.stdout.includes(`${file}:7:`), r.stdout);
});
