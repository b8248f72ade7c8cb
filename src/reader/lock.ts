/**
 * The readers' side of the writer lock, and the one wording of a held lock for every command: a
 * reader does not take `<image>.lock` (that would create a file next to the image), but refuses to
 * read bytes a live writer is changing. Live and stale are decided by the writers' own rule
 * (lib/image-lock.ts lockIsLive).
 */
import { describeOwner, liveLockHolder, lockPathFor, type LockOwner } from '../lib/image-lock.js';
import { LockedError } from './errors.js';

/** Exit 75, naming the holder: `image 'X' is locked by pid P on HOST, running 'CMD' (X.lock); ...`. */
export function lockedError(image: string, owner: LockOwner | undefined): LockedError {
  const lock = lockPathFor(image);
  return new LockedError(`image '${image}' is locked by ${describeOwner(owner)} (${lock}); try again when it has finished`, { lock, ...(owner ? { owner } : {}) });
}

/** Throws LockedError when a live writer holds `<image>.lock`. */
export function checkImageLock(image: string): void {
  const holder = liveLockHolder(image);
  if (holder) throw lockedError(image, holder.owner);
}
