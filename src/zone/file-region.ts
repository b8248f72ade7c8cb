/**
 * A byte range of an image file as a block device: positional reads and
 * writes on one descriptor, never the whole file in memory. Opened read-only
 * unless a write is wanted, so reading commands cannot change the image.
 */
import * as fs from 'node:fs';
import { blockDeviceSize } from '../lib/block-device.js';

export interface BlockRegion {
  readonly size: number;
  readAt(buf: Uint8Array, pos: number): number;
  writeAt(buf: Uint8Array, pos: number): number;
  sync(): void;
  close(): void;
}

export class FileRegion implements BlockRegion {
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
    readonly offset: number,
    readonly size: number,
    readonly writable: boolean,
  ) {
    this.fd = fd;
  }

  /**
   * Opens `path` and checks that [offset, offset+size) lies inside it; size
   * defaults to the rest of the file. Errors are Node's (ENOENT, EISDIR,
   * EACCES) or RangeError for a region that does not fit.
   */
  static open(path: string, opts: { offset?: number; size?: number; writable?: boolean } = {}): FileRegion {
    const fd = fs.openSync(path, opts.writable ? 'r+' : 'r');
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), { code: 'EISDIR' });
      const offset = opts.offset ?? 0;
      const fileSize = st.isBlockDevice() ? blockDeviceSize(fd, st) : st.size;
      if (offset < 0 || offset > fileSize) throw new RangeError(`offset ${offset} is outside the ${fileSize}-byte file`);
      const size = opts.size ?? fileSize - offset;
      if (size < 0 || offset + size > fileSize) throw new RangeError(`region ${offset}+${size} runs past the end of the ${fileSize}-byte file`);
      return new FileRegion(fd, path, offset, size, !!opts.writable);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  private get handle(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: already closed`);
    return this.fd;
  }

  readAt(buf: Uint8Array, pos: number): number {
    if (pos < 0 || pos > this.size) return 0;
    const want = Math.min(buf.length, this.size - pos);
    let done = 0;
    while (done < want) {
      const n = fs.readSync(this.handle, buf, done, want - done, this.offset + pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  writeAt(buf: Uint8Array, pos: number): number {
    if (!this.writable) throw new Error(`${this.path}: opened read-only`);
    if (pos < 0 || pos > this.size) return 0;
    const want = Math.min(buf.length, this.size - pos);
    let done = 0;
    while (done < want) done += fs.writeSync(this.handle, buf, done, want - done, this.offset + pos + done);
    return done;
  }

  sync(): void {
    if (this.writable) fs.fsyncSync(this.handle);
  }

  close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** An in-memory region, for tests and generated images. */
export class MemoryRegion implements BlockRegion {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  readAt(buf: Uint8Array, pos: number): number {
    const n = Math.max(0, Math.min(buf.length, this.bytes.length - pos));
    buf.set(this.bytes.subarray(pos, pos + n));
    return n;
  }
  writeAt(buf: Uint8Array, pos: number): number {
    const n = Math.max(0, Math.min(buf.length, this.bytes.length - pos));
    this.bytes.set(buf.subarray(0, n), pos);
    return n;
  }
  sync(): void {}
  close(): void {}
}
