/**
 * Opening the region a read works on: read-only, with Node's and the range's errors worded for a
 * user, and read errors during recovery reported as our I/O errors (not as kernel verdicts).
 */
import * as fs from 'node:fs';
import { FileRegion, type BlockRegion } from '../zone/file-region.js';
import { DataError, IoError, errnoCode, strerror, inputFileError } from './errors.js';

/** Opens the region read-only; Node and range errors become CLI errors. */
export function openRegion(path: string, offset: number | undefined, size: number | undefined): { region: FileRegion; fileSize: number | null } {
  let region: FileRegion;
  try {
    const o: { offset?: number; size?: number; writable: boolean } = { writable: false };
    if (offset !== undefined) o.offset = offset;
    if (size !== undefined) o.size = size;
    region = FileRegion.open(path, o);
  } catch (e) {
    if (e instanceof RangeError) {
      let fileSize = '?';
      try {
        fileSize = String(fs.statSync(path).size);
      } catch {
        /* keep '?' */
      }
      throw new DataError(
        `region does not fit in '${path}': --offset ${offset ?? 0} + --size ${size ?? `${fileSize} - ${offset ?? 0}`} runs past the end of the ${fileSize}-byte file`,
        { offset, size, fileSize },
      );
    }
    if (errnoCode(e)) throw inputFileError(`cannot open '${path}': ${strerror(e)}`, e);
    throw e;
  }
  let fileSize: number | null = null;
  try {
    const st = fs.statSync(path);
    if (st.isFile()) fileSize = st.size;
  } catch {
    /* reported as unknown */
  }
  return { region, fileSize };
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
