/**
 * A streamed or compressed image, written once into a temporary file the readers can open like
 * any image (they read at offsets; a pipe has none). The file is sparse: runs of zero pages, most
 * of a mostly empty card, are skipped rather than written. Bounded: past `maxSize` bytes the
 * spool stops with one DataError, so a decompression bomb or an endless pipe cannot fill the disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, DataError, IoError, errnoCode, strerror } from '../errors.js';
import type { Chunks } from './decompress.js';
import { tempDir } from './temp.js';

/** Granularity of the zero check: a page, the unit a sparse file's holes come in. */
const ZERO_RUN = 4096;
const ZEROS = new Uint8Array(ZERO_RUN);

export interface Spool {
  /** the temporary copy to open */
  file: string;
  size: number;
  /** Deletes the copy and its directory (also done at exit, or on SIGINT/SIGTERM/SIGHUP). */
  remove(): void;
}

export interface SpoolOptions {
  /** the input as the user named it, for messages */
  name: string;
  maxSize: number;
  /** words after the size in the --max-size message ("once decompressed") */
  sizeNote?: string;
}

function isZero(b: Uint8Array): boolean {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(ZEROS.subarray(0, b.length));
}

/** Writes the non-zero pages of `chunk` at `pos`. */
function writeSparse(fd: number, chunk: Uint8Array, pos: number): void {
  for (let at = 0; at < chunk.length; ) {
    const end = Math.min(chunk.length, at + ZERO_RUN);
    const piece = chunk.subarray(at, end);
    if (!isZero(piece)) {
      let done = 0;
      while (done < piece.length) done += fs.writeSync(fd, piece, done, piece.length - done, pos + at + done);
    }
    at = end;
  }
}

/** Spools `chunks` into a new temporary file; on any error the file is gone before the error leaves. */
export async function spool(chunks: Chunks, o: SpoolOptions): Promise<Spool> {
  const tmp = tempDir('mmcpstore-input-');
  const file = path.join(tmp.dir, 'image');
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
    let size = 0;
    for await (const chunk of chunks) {
      if (size + chunk.length > o.maxSize) {
        throw new DataError(`'${o.name}' is larger than --max-size ${o.maxSize} bytes${o.sizeNote ? ` ${o.sizeNote}` : ''}; give a larger --max-size if the image really is`, {
          maxSize: o.maxSize,
        });
      }
      writeSparse(fd, chunk, size);
      size += chunk.length;
    }
    fs.ftruncateSync(fd, size); // a trailing run of zeros is a hole too
    fs.closeSync(fd);
    fd = undefined;
    return { file, size, remove: tmp.remove };
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    tmp.remove();
    if (errnoCode(e) && !(e instanceof CliError)) {
      throw new IoError(`cannot copy '${o.name}' into a temporary file in ${path.dirname(tmp.dir)}: ${strerror(e)}`, { code: errnoCode(e) });
    }
    throw e;
  }
}
