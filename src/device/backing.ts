/**
 * Storage behind the eMMC card. The card only ever sees a `BlockBacking`; nothing above
 * src/device touches one directly (board.ts header).
 *
 * - `FileBacking`: positional fs.readSync/fs.writeSync on a file descriptor; the image is never
 *   loaded whole. Writers take an advisory lock `<image>.lock` (created whole by link(2), JSON
 *   `{pid, host}`); a lock whose pid is dead on this host is stale and taken over; a live one
 *   raises `ImageLockedError`, optionally after waiting (polling on real time — the only
 *   real-time behaviour in the device model).
 * - `MemoryBacking`: sparse in-memory pages, for tests and for partitions the image does not hold.
 * - `RegionBacking`: a window [offset, offset+size) of another backing (QEMU layout partitions).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';

export interface BlockBacking {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  flush(): void;
  close(): void;
  /** `parts` back to back from `offset`, in one positional call where the backing can (writev). */
  writeParts?(offset: number, parts: readonly Uint8Array[]): void;
  /** Fill `parts` back to back from `offset`, straight into them (readv): no intermediate buffer. */
  readParts?(offset: number, parts: readonly Uint8Array[]): void;
}

const totalLength = (parts: readonly Uint8Array[]): number => parts.reduce((n, p) => n + p.length, 0);

/** writeParts on any backing (one write per part where it has no writeParts of its own). */
export function writeParts(b: BlockBacking, offset: number, parts: readonly Uint8Array[]): void {
  if (b.writeParts) return b.writeParts(offset, parts);
  checkRange(offset, totalLength(parts), b.size);
  for (const p of parts) {
    b.write(offset, p);
    offset += p.length;
  }
}

/** readParts on any backing (one read and copy per part where it has no readParts of its own). */
export function readParts(b: BlockBacking, offset: number, parts: readonly Uint8Array[]): void {
  if (b.readParts) return b.readParts(offset, parts);
  checkRange(offset, totalLength(parts), b.size);
  for (const p of parts) {
    p.set(b.read(offset, p.length));
    offset += p.length;
  }
}

export class BackingRangeError extends RangeError {
  constructor(offset: number, length: number, size: number) {
    super(`access ${offset}+${length} outside backing of ${size} bytes`);
    this.name = 'BackingRangeError';
  }
}

export class ReadOnlyBackingError extends Error {
  constructor(what: string) {
    super(`${what} is read-only`);
    this.name = 'ReadOnlyBackingError';
  }
}

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

function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new BackingRangeError(offset, length, size);
  }
}

// ------------------------------------------------------------------------------------------------
// Advisory lock
// ------------------------------------------------------------------------------------------------

export const lockPathFor = (image: string): string => `${image}.lock`;

function readLockOwner(lockPath: string): LockOwner | undefined {
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

// ------------------------------------------------------------------------------------------------
// File backing
// ------------------------------------------------------------------------------------------------

export interface FileBackingOptions extends LockOptions {
  mode: 'ro' | 'rw';
}

export class FileBacking implements BlockBacking {
  readonly size: number;
  readonly readOnly: boolean;
  private fd: number | undefined;
  private release: (() => void) | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    readOnly: boolean,
    release: (() => void) | undefined,
  ) {
    this.fd = fd;
    this.readOnly = readOnly;
    this.release = release;
    this.size = fs.fstatSync(fd).size;
  }

  static open(path: string, o: FileBackingOptions): FileBacking {
    if (o.mode === 'ro') return new FileBacking(path, fs.openSync(path, 'r'), true, undefined);
    const release = acquireImageLock(path, o);
    try {
      return new FileBacking(path, fs.openSync(path, 'r+'), false, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  private get handle(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: backing is closed`);
    return this.fd;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size);
    const out = new Uint8Array(length);
    this.readInto(offset, out); // file shrank underneath us: rest reads as zero
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new ReadOnlyBackingError(this.path);
    checkRange(offset, data.length, this.size);
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.handle, data, done, data.length - done, offset + done);
  }

  writeParts(offset: number, parts: readonly Uint8Array[]): void {
    if (this.readOnly) throw new ReadOnlyBackingError(this.path);
    checkRange(offset, totalLength(parts), this.size);
    if (parts.length === 1) return this.write(offset, parts[0]!);
    const n = fs.writevSync(this.handle, parts, offset);
    if (n < totalLength(parts)) this.write(offset + n, concatFrom(parts, n)); // short writev: the rest
  }

  readParts(offset: number, parts: readonly Uint8Array[]): void {
    const total = totalLength(parts);
    checkRange(offset, total, this.size);
    if (parts.length === 1) return void this.readInto(offset, parts[0]!);
    const n = fs.readvSync(this.handle, parts, offset);
    if (n === total) return;
    // short readv (file shrank, or the kernel stopped early): the rest part by part
    let at = 0;
    for (const p of parts) {
      if (at + p.length > n) {
        const from = Math.max(0, n - at);
        this.readInto(offset + at + from, p.subarray(from));
      }
      at += p.length;
    }
  }

  /** Fill `out` from `offset`; past the end of the file reads as zero. Returns out.length. */
  private readInto(offset: number, out: Uint8Array): number {
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(this.handle, out, done, out.length - done, offset + done);
      if (n === 0) {
        out.fill(0, done);
        break;
      }
      done += n;
    }
    return out.length;
  }

  flush(): void {
    if (!this.readOnly && this.fd !== undefined) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    this.release?.();
    this.release = undefined;
  }
}

/** The bytes of `parts` from byte `skip` on, as one buffer (the rare short-writev path). */
function concatFrom(parts: readonly Uint8Array[], skip: number): Uint8Array {
  const out = new Uint8Array(totalLength(parts) - skip);
  let at = -skip;
  for (const p of parts) {
    if (at + p.length > 0) out.set(at >= 0 ? p : p.subarray(-at), Math.max(0, at));
    at += p.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Memory and region backings
// ------------------------------------------------------------------------------------------------

const MEM_PAGE = 4096;

export class MemoryBacking implements BlockBacking {
  readonly size: number;
  readonly readOnly: boolean;
  private pages = new Map<number, Uint8Array>();
  writes = 0;

  constructor(sizeOrContent: number | Uint8Array, o: { readOnly?: boolean } = {}) {
    this.readOnly = o.readOnly ?? false;
    if (typeof sizeOrContent === 'number') {
      this.size = sizeOrContent;
    } else {
      this.size = sizeOrContent.length;
      this.store(0, sizeOrContent);
    }
  }

  private store(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const a = offset + done;
      const p = Math.floor(a / MEM_PAGE);
      const inPage = a - p * MEM_PAGE;
      const n = Math.min(data.length - done, MEM_PAGE - inPage);
      let page = this.pages.get(p);
      if (!page) {
        page = new Uint8Array(MEM_PAGE);
        this.pages.set(p, page);
      }
      page.set(data.subarray(done, done + n), inPage);
      done += n;
    }
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = offset + done;
      const p = Math.floor(a / MEM_PAGE);
      const inPage = a - p * MEM_PAGE;
      const n = Math.min(length - done, MEM_PAGE - inPage);
      const page = this.pages.get(p);
      if (page) out.set(page.subarray(inPage, inPage + n), done);
      done += n;
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readOnly) throw new ReadOnlyBackingError('memory backing');
    checkRange(offset, data.length, this.size);
    this.store(offset, data);
    this.writes++;
  }

  flush(): void {}
  close(): void {}
}

export class RegionBacking implements BlockBacking {
  constructor(
    readonly parent: BlockBacking,
    readonly offset: number,
    readonly size: number,
  ) {
    checkRange(offset, size, parent.size);
  }
  get readOnly(): boolean {
    return this.parent.readOnly;
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length, this.size);
    return this.parent.read(this.offset + offset, length);
  }
  write(offset: number, data: Uint8Array): void {
    checkRange(offset, data.length, this.size);
    this.parent.write(this.offset + offset, data);
  }
  writeParts(offset: number, parts: readonly Uint8Array[]): void {
    checkRange(offset, totalLength(parts), this.size);
    writeParts(this.parent, this.offset + offset, parts);
  }
  readParts(offset: number, parts: readonly Uint8Array[]): void {
    checkRange(offset, totalLength(parts), this.size);
    readParts(this.parent, this.offset + offset, parts);
  }
  flush(): void {
    this.parent.flush();
  }
  /** The parent owns the file; closing a region does nothing. */
  close(): void {}
}
