/** Temporary directories for tests: created under the OS temp dir and always removed. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What node:test hands a test (`t`) or a suite: somewhere to register clean-up. */
export interface TestLike {
  after(fn: () => void): void;
}

const leftForExit = new Set<string>();
let exitHookInstalled = false;

/** Makes a directory a test made read-only writable again, so that it can be removed. */
function unlockDirs(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = path.join(dir, e.name);
    fs.chmodSync(sub, 0o755);
    unlockDirs(sub);
  }
}

export function removeTempDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  unlockDirs(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh directory, removed after test `t` ends; without `t`, when the process exits (for
 * helpers shared by several tests of a file).
 */
export function tempDir(t?: TestLike, prefix = 'mmcpstore-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (t) t.after(() => removeTempDir(dir));
  else {
    leftForExit.add(dir);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const d of leftForExit) removeTempDir(d);
      });
    }
  }
  return dir;
}
