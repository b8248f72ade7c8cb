/**
 * Shared by the reliability tests (not a test file): what they check on the CLI's stderr and on a
 * directory tree, and their defaults (colour off, a 30 s limit per CLI run) for the runner, temp
 * dirs, fixtures and hashes of test/helpers/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { sha256 } from '../helpers/hash.js';
import { runCli as runCliProcess, type CliRun, type RunCliOptions } from '../helpers/run-cli.js';

export { ROOT } from '../helpers/paths.js';
export { tempDir } from '../helpers/temp-dir.js';
export { sha256 } from '../helpers/hash.js';
export { unpackFixture } from '../helpers/fixtures.js';
export { runMain } from '../helpers/cli-io.js';

export const IS_ROOT = os.userInfo().uid === 0;
/** A CLI run that takes longer than this is a hang: killed (SIGKILL) and reported. */
const CLI_TIMEOUT_MS = 30_000;

/** The CLI from source, in its own process; killed (SIGKILL) after `timeoutMs`. */
export function runCli(args: string[], o: Pick<RunCliOptions, 'cwd' | 'timeoutMs'> = {}): CliRun {
  return runCliProcess(args, { cwd: o.cwd, env: { NO_COLOR: '1' }, timeoutMs: o.timeoutMs ?? CLI_TIMEOUT_MS });
}

/** One line on stderr, `mmcpstore: ...`, no stack trace; returns it. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n');
  assert.equal(lines.pop(), '', `ends with a newline: ${JSON.stringify(stderr)}`);
  assert.equal(lines.length, 1, `exactly one line, got: ${stderr}`);
  assert.match(lines[0]!, /^mmcpstore: /);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
}

/** Every file under `dir` (relative path → sha256 of its bytes, or '->target' for a symlink). */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isSymbolicLink()) out[rel] = `->${fs.readlinkSync(p)}`;
      else if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(p);
      } else out[rel] = sha256(fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}
