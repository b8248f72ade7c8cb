/**
 * What an `--image` names, decided before anything reads it: a regular file (raw, or compressed
 * by its magic), a block device (its size from sysfs: stat says 0), a pipe or FIFO or `-`
 * (standard input), read once as a stream; or something no image can be (a directory, a
 * character device, a socket), refused in one line. Nothing here blocks: a FIFO is only stat'ed.
 */
import * as fs from 'node:fs';
import { fdByteSize, SYSFS_ROOT } from '../../lib/block-device.js';
import { InputError, inputFileError, strerror } from '../errors.js';
import { compressionOf, MAGIC_BYTES, type Compression } from './magic.js';

/** `-` names standard input. */
export const STDIN_NAME = '-';

export type ImageInput =
  | { kind: 'file'; path: string; size: number }
  | { kind: 'block'; path: string; size: number }
  | { kind: 'compressed'; path: string; compression: Compression }
  | { kind: 'stream'; path: string; from: 'stdin' | 'fifo' };

export interface ClassifyOptions {
  /** where sysfs is mounted (tests) */
  sysfsRoot?: string;
}

/** The first bytes of an open regular file. */
function head(fd: number): Uint8Array {
  const buf = new Uint8Array(MAGIC_BYTES);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n);
}

/** What kind of input `path` is; InputError (66) for one that is missing or can hold no image. */
export function classifyImage(path: string, o: ClassifyOptions = {}): ImageInput {
  if (path === STDIN_NAME) return { kind: 'stream', path, from: 'stdin' };
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw inputFileError(`cannot open '${path}': ${strerror(e)}`, e);
  }
  if (st.isFIFO()) return { kind: 'stream', path, from: 'fifo' };
  if (st.isDirectory()) throw new InputError(`cannot open '${path}': Is a directory`, { code: 'EISDIR' });
  if (st.isSocket()) throw notAnImage(path, 'a socket');
  if (st.isCharacterDevice()) throw notAnImage(path, 'a character device');
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw inputFileError(`cannot open '${path}': ${strerror(e)}`, e);
  }
  try {
    if (st.isBlockDevice()) return { kind: 'block', path, size: fdByteSize(fd, st, o.sysfsRoot ?? SYSFS_ROOT) };
    const compression = compressionOf(head(fd));
    return compression ? { kind: 'compressed', path, compression } : { kind: 'file', path, size: st.size };
  } catch (e) {
    throw inputFileError(`cannot read '${path}': ${strerror(e)}`, e);
  } finally {
    fs.closeSync(fd);
  }
}

function notAnImage(path: string, what: string): InputError {
  return new InputError(`'${path}' is ${what}, not an image file, block device or pipe`, { kind: what.replace(/^an? /, '') });
}

/** How a message names an input kind. */
export function describeInput(input: ImageInput): string {
  switch (input.kind) {
    case 'file':
      return 'an image file';
    case 'block':
      return 'a block device';
    case 'compressed':
      return `${input.compression === 'xz' ? 'an' : 'a'} ${input.compression}-compressed image`;
    case 'stream':
      return input.from === 'stdin' ? 'standard input' : 'a FIFO';
  }
}
