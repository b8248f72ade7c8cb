/**
 * Storage behind the eMMC card. The card only ever sees a `BlockBacking`; nothing above
 * src/device touches one directly (board.ts header).
 *
 * - `FileBacking`: positional fs.readSync/fs.writeSync on a file descriptor; the image is never
 *   loaded whole. Writers take an advisory lock `<image>.lock` (created whole by link(2), JSON
 *   `{pid, host}`); a lock whose pid is dead on this host is stale and taken over; a live one
 *   raises `ImageLockedError`, optionally after waiting (polling on real time — the only
 *   real-time behaviour in the device model). A host I/O error (ENOSPC, EIO, ...) is thrown as
 *   `HostIoError` naming the file and kept as `hostError` (the card only reports its ERROR bit).
 *   A block device is sized from sysfs (lib/block-device.ts) and written only when opened O_EXCL,
 *   which is its lock (no `<device>.lock` in /dev).
 * - `MemoryBacking`: sparse in-memory pages, for tests and for partitions the image does not hold.
 * - `RegionBacking`: a window [offset, offset+size) of another backing (QEMU layout partitions).
 */

import * as fs from 'node:fs';
import { fdByteSize } from '../lib/block-device.js';
import { acquireImageLock, type LockOptions } from '../lib/image-lock.js';
import { HostIoError, hostIoCheck, hostIoErrorOf, type HostIoOp } from '../lib/host-io.js';

// The writer lock is one module for writers and readers alike (lib/image-lock.ts); its names stay
// importable from here, where the file backing takes it.
export { ImageLockedError, acquireImageLock, lockPathFor, type LockOptions, type LockOwner } from '../lib/image-lock.js';

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
  /**
   * The first host I/O error of the file behind it (ENOSPC, EIO, ...): the emulated card turns
   * it into its ERROR bit, so the run's owner asks here whether the host failed underneath.
   */
  readonly hostError?: HostIoError | undefined;
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

function checkRange(offset: number, length: number, size: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new BackingRangeError(offset, length, size);
  }
}

// ------------------------------------------------------------------------------------------------
// File backing
// ------------------------------------------------------------------------------------------------

export interface FileBackingOptions extends LockOptions {
  mode: 'ro' | 'rw';
  /** false: the caller holds `<image>.lock` already (or writes a private temporary file) */
  lock?: boolean;
  /**
   * false: flush() does not fsync (a scratch file whose durability nobody needs, such as a
   * benchmark's, which compares with plain positional writes). Default true: flush() — the
   * card's cache flush and the board's close — waits for the file to reach the disk.
   */
  durable?: boolean;
}

export class FileBacking implements BlockBacking {
  readonly size: number;
  readonly readOnly: boolean;
  private fd: number | undefined;
  private release: (() => void) | undefined;
  private firstHostError: HostIoError | undefined;
  private durable = true;

  private constructor(
    readonly path: string,
    fd: number,
    readOnly: boolean,
    release: (() => void) | undefined,
  ) {
    this.fd = fd;
    this.readOnly = readOnly;
    this.release = release;
    this.size = fdByteSize(fd);
  }

  static open(path: string, o: FileBackingOptions): FileBacking {
    const b = FileBacking.openFd(path, o);
    b.durable = o.durable ?? true;
    return b;
  }

  private static openFd(path: string, o: FileBackingOptions): FileBacking {
    if (o.mode === 'ro') return new FileBacking(path, fs.openSync(path, 'r'), true, undefined);
    if (isBlockDevice(path)) return new FileBacking(path, openBlockDeviceExclusive(path), false, undefined);
    const release = o.lock === false ? undefined : acquireImageLock(path, o);
    try {
      return new FileBacking(path, fs.openSync(path, 'r+'), false, release);
    } catch (e) {
      release?.();
      throw e;
    }
  }

  get hostError(): HostIoError | undefined {
    return this.firstHostError;
  }

  /** `fn` with host I/O errors recorded (the first one is kept) and rethrown as HostIoError. */
  private hostIo<T>(op: HostIoOp, fn: () => T): T {
    try {
      hostIoCheck(op, this.path);
      return fn();
    } catch (e) {
      const h = hostIoErrorOf(e, op, this.path);
      if (!h) throw e;
      this.firstHostError ??= h;
      throw h;
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
    const fd = this.handle;
    this.hostIo('write', () => {
      let done = 0;
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, offset + done);
    });
  }

  writeParts(offset: number, parts: readonly Uint8Array[]): void {
    if (this.readOnly) throw new ReadOnlyBackingError(this.path);
    checkRange(offset, totalLength(parts), this.size);
    if (parts.length === 1) return this.write(offset, parts[0]!);
    const fd = this.handle;
    const n = this.hostIo('write', () => fs.writevSync(fd, parts, offset));
    if (n < totalLength(parts)) this.write(offset + n, concatFrom(parts, n)); // short writev: the rest
  }

  readParts(offset: number, parts: readonly Uint8Array[]): void {
    const total = totalLength(parts);
    checkRange(offset, total, this.size);
    if (parts.length === 1) return void this.readInto(offset, parts[0]!);
    const fd = this.handle;
    const n = this.hostIo('read', () => fs.readvSync(fd, parts, offset));
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
    const fd = this.handle;
    let done = 0;
    while (done < out.length) {
      const n = this.hostIo('read', () => fs.readSync(fd, out, done, out.length - done, offset + done));
      if (n === 0) {
        out.fill(0, done);
        break;
      }
      done += n;
    }
    return out.length;
  }

  flush(): void {
    const fd = this.fd;
    if (!this.readOnly && this.durable && fd !== undefined) this.hostIo('fsync', () => fs.fsyncSync(fd));
  }

  /** Closes the file and releases the lock, the lock even when close(2) fails. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.closeSync(fd);
    } finally {
      this.release?.();
      this.release = undefined;
    }
  }
}

/** True for a path naming a block device (stat follows a symlink such as /dev/disk/by-partlabel/x). */
/** True for a block device (its exclusive open is its lock: no `<device>.lock` is taken for it). */
export function isBlockDevice(path: string): boolean {
  try {
    return fs.statSync(path).isBlockDevice();
  } catch {
    return false; // the open that follows reports it
  }
}

/**
 * A block device is written only when opened exclusively: O_EXCL without O_CREAT on a block
 * device fails with EBUSY while it is mounted or held by another exclusive opener, and keeps
 * others from mounting it meanwhile. That is its lock: no `<device>.lock` is created in /dev.
 */
function openBlockDeviceExclusive(path: string): number {
  return fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_EXCL);
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
  get hostError(): HostIoError | undefined {
    return this.parent.hostError;
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
