/**
 * The readers' side of the writer lock: a reader does not take `<image>.lock` (that would create
 * a file next to the image), but refuses to read bytes a live writer is changing. Live and stale
 * are decided by the writers' own rule (lib/image-lock.ts).
 */
import { liveLockHolder, lockPathFor } from '../lib/image-lock.js';
import { LockedError } from './errors.js';

/** Throws LockedError when a live writer holds `<image>.lock`. */
export function checkImageLock(image: string): void {
  const holder = liveLockHolder(image);
  if (!holder) return;
  const { owner } = holder;
  const lockPath = lockPathFor(image);
  const who = owner ? `pid ${owner.pid} on ${owner.host}` : 'another process';
  throw new LockedError(`image '${image}' is locked by ${who} (${lockPath}); try again when it has finished`, { lock: lockPath, ...(owner ? { owner } : {}) });
}
