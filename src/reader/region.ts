/**
 * Opening the region a read works on: read-only, with Node's and the range's errors worded for a
 * user, and read errors during recovery reported as our I/O errors (not as kernel verdicts).
 */
import * as fs from 'node:fs';
import { fdByteSize } from '../lib/block-device.js';
import { FileRegion, type BlockRegion } from '../zone/file-region.js';
import { DataError, IoError, errnoCode, strerror, inputFileError } from './errors.js';

/** Bytes of the image file or block device at `path`, or null when it cannot be told. */
function imageByteSize(path: string): number | null {
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const st = fs.fstatSync(fd);
      return st.isFile() || st.isBlockDevice() ? fdByteSize(fd, st) : null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * Opens the region of `path` read-only; Node and range errors become CLI errors naming `name`
 * (the image as the user gave it, when `path` is its temporary copy).
 */
export function openRegion(path: string, offset: number | undefined, size: number | undefined, name = path): { region: FileRegion; fileSize: number | null } {
  let region: FileRegion;
  try {
    const o: { offset?: number; size?: number; writable: boolean } = { writable: false };
    if (offset !== undefined) o.offset = offset;
    if (size !== undefined) o.size = size;
    region = FileRegion.open(path, o);
  } catch (e) {
    if (e instanceof RangeError) {
      const known = imageByteSize(path);
      const fileSize = known === null ? '?' : String(known);
      throw new DataError(
        `region does not fit in '${name}': --offset ${offset ?? 0} + --size ${size ?? `${fileSize} - ${offset ?? 0}`} runs past the end of the ${fileSize}-byte file`,
        { offset, size, fileSize },
      );
    }
    if (errnoCode(e)) throw inputFileError(`cannot open '${name}': ${strerror(e)}`, e);
    throw e;
  }
  return { region, fileSize: imageByteSize(path) };
}

/** A read error inside recovery is an I/O error of ours, not a kernel verdict. */
export function guarded(region: BlockRegion, path: string): BlockRegion {
  return {
    get size() {
      return region.size;
    },
    readAt(buf, pos) {
      try {
        return region.readAt(buf, pos);
      } catch (e) {
        throw new IoError(`cannot read '${path}' at region offset ${pos}: ${strerror(e)}`, { code: errnoCode(e), pos });
      }
    },
    writeAt() {
      throw new Error('internal: a read-only command tried to write the image');
    },
    sync() {},
    close() {
      region.close();
    },
  };
}
