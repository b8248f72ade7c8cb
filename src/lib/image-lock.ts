/**
 * The advisory lock on an image file, `<image>.lock`: one module, one liveness rule, for the
 * writers that take it (device/backing.ts FileBacking, the CLI's board runs) and the readers that
 * only check it (reader/lock.ts). The lock holds JSON `{pid, host, cmd}` and is created whole
 * (link(2) of a written file). A lock is live only while its owner may still be writing:
 * - on this host, its pid is alive and is still the mmcpstore process that took it
 *   (`/proc/PID/cmdline` is the `cmd` the lock recorded: a reused pid is not the holder);
 * - on another host, always (we cannot look; the error names the holder so a user can decide);
 * - without a readable owner, for UNREADABLE_LOCK_STALE_MS after it was created.
 * Anything else is stale and taken over. A live one raises `ImageLockedError`, optionally after
 * waiting (polling on real time). A held lock is released by a terminating signal too
 * (lib/exit-cleanup.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { registerCleanup } from './exit-cleanup.js';
import { hostIoCheck, hostIoErrorOf } from './host-io.js';

export interface LockOwner {
  pid: number;
  host: string;
  /** the owner's command line (`/proc/self/cmdline`, NULs as spaces) */
  cmd?: string;
}

/** Most of the holder's command line a message shows. */
const SHOWN_CMD_CHARS = 80;

/** How a lock names its holder in messages: `pid P on HOST, running 'CMD'`. */
export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'another process';
  // the end of a long one: the program's arguments say more than the interpreter's path
  const cmd = owner.cmd && owner.cmd.length > SHOWN_CMD_CHARS ? `...${owner.cmd.slice(-(SHOWN_CMD_CHARS - 3))}` : owner.cmd;
  return `pid ${owner.pid} on ${owner.host}${cmd ? `, running '${cmd}'` : ''}`;
}

export class ImageLockedError extends Error {
  static readonly code = 'EIMAGELOCKED';
  readonly code = ImageLockedError.code;
  constructor(
    readonly image: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(`image ${image} is locked by ${describeOwner(owner)} (${image}.lock)`);
    this.name = 'ImageLockedError';
  }
}

export const lockPathFor = (image: string): string => `${image}.lock`;

/** Longest command line a lock records (the rest is cut: it only has to tell processes apart). */
const MAX_CMD_CHARS = 200;

/** A process's command line from /proc, NULs as spaces; undefined where /proc cannot tell. */
export function procCmdline(pid: number | 'self'): string | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return raw.replace(/\0+$/, '').replace(/\0/g, ' ').slice(0, MAX_CMD_CHARS);
  } catch {
    return undefined;
  }
}

function myOwner(): LockOwner {
  const cmd = procCmdline('self') ?? process.argv.join(' ').slice(0, MAX_CMD_CHARS);
  return { pid: process.pid, host: os.hostname(), cmd };
}

export function readLockOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && 'host' in parsed) {
      const { pid, host, cmd } = parsed as { pid: unknown; host: unknown; cmd?: unknown };
      if (typeof pid === 'number' && typeof host === 'string') return { pid, host, ...(typeof cmd === 'string' ? { cmd } : {}) };
    }
  } catch {
    /* unreadable or half-written lock: see lockIsLive */
  }
  return undefined;
}

/**
 * How old a lock without a readable owner must be to count as abandoned: locks are created
 * whole (link of a written file), and where the file system cannot link, written right after
 * the O_EXCL create; only a writer killed in between leaves one empty, and nobody fills it later.
 */
const UNREADABLE_LOCK_STALE_MS = 5000;

/** The one rule (see the header): readers and writers both ask this. */
export function lockIsLive(owner: LockOwner | undefined, lockPath: string): boolean {
  if (!owner) {
    try {
      return Date.now() - fs.statSync(lockPath).mtimeMs <= UNREADABLE_LOCK_STALE_MS;
    } catch {
      return false; // gone already: the next attempt takes it
    }
  }
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // alive (or not ours to signal): is it still the process that took the lock, not a reused pid?
  const cmd = procCmdline(owner.pid);
  // no /proc here, or the process is gone this instant; a lock without `cmd` (older mmcpstore, or
  // written by hand) cannot be checked further
  if (cmd === undefined || owner.cmd === undefined) return true;
  return cmd === owner.cmd;
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
 * instant leaves either no lock or one naming it (at worst a stray `<lock>.<pid>` file). A host
 * I/O error is a HostIoError naming the lock file; the private file is removed.
 */
function createLockFile(lockPath: string, content: string): void {
  const tmp = `${lockPath}.${process.pid}`;
  try {
    hostIoCheck('create', lockPath);
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
      } catch (w) {
        fs.rmSync(lockPath, { force: true });
        throw w;
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw e;
    throw hostIoErrorOf(e, 'create', lockPath) ?? e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** One attempt: the release function, or the live owner (undefined: unreadable) of the lock. */
function tryLock(lockPath: string, me: LockOwner): { release: () => void } | { owner: LockOwner | undefined } {
  for (;;) {
    try {
      createLockFile(lockPath, JSON.stringify(me) + '\n');
      return { release: releaser(lockPath, me) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readRaw(lockPath);
    if (seen === undefined) continue; // released meanwhile
    const owner = readLockOwner(lockPath);
    if (lockIsLive(owner, lockPath)) return { owner };
    breakStaleLock(lockPath, seen);
  }
}

function readRaw(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** How long a `<lock>.break` may exist before it counts as left by a killed breaker. */
const BREAK_LOCK_STALE_MS = 5000;

/**
 * Removes the stale lock whose bytes were `seen`, unless it changed meanwhile. Several waiters
 * may find the same stale lock: breakers take `<lock>.break` (O_EXCL) first, so only one
 * removes it, and one that comes later finds the new holder's lock instead of removing it (two
 * writers would otherwise both believe they hold the image).
 */
function breakStaleLock(lockPath: string, seen: string): void {
  const breakPath = `${lockPath}.break`;
  try {
    hostIoCheck('create', breakPath);
    fs.writeFileSync(breakPath, '', { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw hostIoErrorOf(e, 'create', breakPath) ?? e;
    try {
      if (Date.now() - fs.statSync(breakPath).mtimeMs > BREAK_LOCK_STALE_MS) fs.rmSync(breakPath, { force: true });
    } catch {
      /* gone meanwhile */
    }
    sleepMs(1); // another waiter is breaking it: look again
    return;
  }
  try {
    if (readRaw(lockPath) === seen) fs.unlinkSync(lockPath);
  } catch {
    /* gone meanwhile */
  } finally {
    fs.rmSync(breakPath, { force: true });
  }
}

/** Removes the lock if it is still ours; also run by a terminating signal until then. */
function releaser(lockPath: string, me: LockOwner): () => void {
  let unregister = (): void => {};
  const release = (): void => {
    unregister();
    const owner = readLockOwner(lockPath);
    if (owner && owner.pid === me.pid && owner.host === me.host) {
      try {
        fs.unlinkSync(lockPath);
      } catch {
        /* already gone */
      }
    }
  };
  unregister = registerCleanup(release);
  return release;
}

/** Take `<image>.lock`; returns a release function. Waits by blocking this thread. */
export function acquireImageLock(image: string, o: LockOptions = {}): () => void {
  const lockPath = lockPathFor(image);
  const me = myOwner();
  const deadline = Date.now() + (o.waitSeconds ?? 0) * 1000;
  for (;;) {
    const r = tryLock(lockPath, me);
    if ('release' in r) return r.release;
    if (Date.now() >= deadline) throw new ImageLockedError(image, r.owner);
    sleepMs(Math.min(o.pollMs ?? 100, Math.max(1, deadline - Date.now())));
  }
}

export interface AsyncLockOptions extends LockOptions {
  /** called once when the lock is live and the caller will wait for it */
  onWait?: (owner: LockOwner | undefined) => void | Promise<void>;
}

/**
 * Take `<image>.lock` as acquireImageLock does, waiting on timers instead of blocking: the
 * process stays responsive (a terminating signal ends the wait and the process).
 */
export async function acquireImageLockAsync(image: string, o: AsyncLockOptions = {}): Promise<() => void> {
  const lockPath = lockPathFor(image);
  const me = myOwner();
  const deadline = Date.now() + (o.waitSeconds ?? 0) * 1000;
  let told = false;
  for (;;) {
    const r = tryLock(lockPath, me);
    if ('release' in r) return r.release;
    if (Date.now() >= deadline) throw new ImageLockedError(image, r.owner);
    if (!told) {
      told = true;
      await o.onWait?.(r.owner);
    }
    const ms = Math.min(o.pollMs ?? 100, Math.max(1, deadline - Date.now()));
    await new Promise((resolve) => setTimeout(resolve, ms));
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
  return lockIsLive(owner, lockPath) ? { owner } : null;
}
