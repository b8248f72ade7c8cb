/**
 * The readers' side of the writer lock: a reader does not take `<image>.lock` (that would create
 * a file next to the image), but refuses to read bytes a live writer is changing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { LockedError, errnoCode } from './errors.js';

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Writers take `<image>.lock` ({pid, host}, created O_EXCL). A lock whose owner is provably dead
 * (same host, no such pid) is stale and ignored.
 */
export function checkImageLock(image: string): void {
  const lockPath = `${image}.lock`;
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return;
  }
  let owner: LockOwner | undefined;
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') owner = { pid: v.pid, host: v.host };
  } catch {
    /* half-written: treated as live, as the writers do */
  }
  if (owner && owner.host === os.hostname() && owner.pid !== process.pid) {
    try {
      process.kill(owner.pid, 0);
    } catch (e) {
      if (errnoCode(e) === 'ESRCH') return;
    }
  }
  const who = owner ? `pid ${owner.pid} on ${owner.host}` : 'another process';
  throw new LockedError(`image '${image}' is locked by ${who} (${lockPath}); try again when it has finished`, { lock: lockPath, ...(owner ? { owner } : {}) });
}
