/**
 * Temporary directories that must not outlive the process: removed by their owner when done, and
 * otherwise when the process exits or is ended by SIGINT, SIGTERM or SIGHUP (the signal is then
 * raised again, so the exit status still tells the signal). The signal handlers are installed
 * only while such a directory exists, so they change nothing for a run that spools nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const live = new Set<string>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

function removeAll(): void {
  for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  unhook();
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  // A worker thread gets no signals; its process's main thread is what they end.
  if (isMainThread) for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.removeListener('exit', removeAll);
  if (isMainThread) for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/** A new private directory under the system's temporary directory; `remove()` deletes it and all in it. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  live.add(dir);
  hook();
  let removed = false;
  return {
    dir,
    remove(): void {
      if (removed) return;
      removed = true;
      fs.rmSync(dir, { recursive: true, force: true });
      live.delete(dir);
      if (!live.size) unhook();
    },
  };
}

/** How many temporary directories are still to be removed (tests). */
export function liveTempDirs(): number {
  return live.size;
}
