/**
 * The advisory lock on an image file, `<image>.lock`: one module, one staleness rule, for the
 * writers that take it (device/backing.ts FileBacking) and the readers that only check it
 * (reader/lock.ts). The lock holds JSON `{pid, host}` and is created whole (link(2) of a written
 * file); a live one raises `ImageLockedError`, optionally after waiting (polling on real time).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockOwner {
  pid: number;
  host: string;
}

export class ImageLockedError extends Error {
  static readonly code = 'EIMAGELOCKED';
  readonly code = ImageLockedError.code;
  constructor(
    readonly image: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      owner
        ? `image ${image} is locked by pid ${owner.pid} on ${owner.host} (${image}.lock)`
        : `image ${image} is locked (${image}.lock)`,
    );
    this.name = 'ImageLockedError';
  }
}

export const lockPathFor = (image: string): string => `${image}.lock`;

export function readLockOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && 'host' in parsed) {
      const { pid, host } = parsed as { pid: unknown; host: unknown };
      if (typeof pid === 'number' && typeof host === 'string') return { pid, host };
    }
  } catch {
    /* unreadable or half-written lock: see isStale */
  }
  return undefined;
}

/**
 * How old a lock without a readable owner must be to count as abandoned: locks are created
 * whole (link of a written file), and where the file system cannot link, written right after
 * the O_EXCL create; only a writer killed in between leaves one empty, and nobody fills it later.
 */
const UNREADABLE_LOCK_STALE_MS = 5000;

/**
 * A lock is stale only when we can prove its owner is dead: same host and no such pid, or no
 * owner written at all long after it was created.
 */
function isStale(owner: LockOwner | undefined, lockPath: string): boolean {
  if (!owner) {
    try {
      return Date.now() - fs.statSync(lockPath).mtimeMs > UNREADABLE_LOCK_STALE_MS;
    } catch {
      return false; // gone already: the next attempt takes it
    }
  }
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface LockOptions {
  /** seconds to keep retrying a live lock before failing (default 0) */
  waitSeconds?: number;
  /** real-time poll interval while waiting (default 100 ms) */
  pollMs?: number;
}

/**
 * Creates `lockPath` holding `content`, or throws EEXIST. The content is written to a private
 * file first and hard-linked into place, so the lock never exists empty: a writer killed at any
 * instant leaves either no lock or one naming it (at worst a stray `<lock>.<pid>` file).
 */
function createLockFile(lockPath: string, content: string): void {
  const tmp = `${lockPath}.${process.pid}`;
  fs.writeFileSync(tmp, content, { mode: 0o644 });
  try {
    fs.linkSync(tmp, lockPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
    // No hard links here (some FUSE and FAT mounts): O_EXCL create, then write.
    const fd = fs.openSync(lockPath, 'wx');
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Take `<image>.lock`; returns a release function. */
export function acquireImageLock(image: string, o: LockOptions = {}): () => void {
  const lockPath = lockPathFor(image);
  const me: LockOwner = { pid: process.pid, host: os.hostname() };
  const deadline = Date.now() + (o.waitSeconds ?? 0) * 1000;
  for (;;) {
    try {
      createLockFile(lockPath, JSON.stringify(me) + '\n');
      return () => {
        const owner = readLockOwner(lockPath);
        if (owner && owner.pid === me.pid && owner.host === me.host) {
          try {
            fs.unlinkSync(lockPath);
          } catch {
            /* already gone */
          }
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readLockOwner(lockPath);
    if (isStale(owner, lockPath)) {
      try {
        fs.unlinkSync(lockPath);
      } catch {
        /* someone else took it over first; retry */
      }
      continue;
    }
    if (Date.now() >= deadline) throw new ImageLockedError(image, owner);
    sleepMs(Math.min(o.pollMs ?? 100, Math.max(1, deadline - Date.now())));
  }
}

/**
 * The owner of a live lock on `image`, as readers see it: null when there is no lock or it is
 * stale (the same rule writers use to take it over); `{ owner: undefined }` for a live lock whose
 * owner cannot be read yet.
 */
export function liveLockHolder(image: string): { owner: LockOwner | undefined } | null {
  const lockPath = lockPathFor(image);
  if (!fs.existsSync(lockPath)) return null;
  const owner = readLockOwner(lockPath);
  if (!owner && !fs.existsSync(lockPath)) return null; // released meanwhile
  return isStale(owner, lockPath) ? null : { owner };
}
