/**
 * `recover --out DIR`: one file per record, as pstorefs shows them (name,
 * contents, mtime = record time, mode 0444), and nothing else in DIR, so
 * `diff -r DIR saved-copy-of-/sys/fs/pstore` is clean.
 *
 * Safety: DIR itself must not be a symlink; every file is created under a
 * temporary name with O_EXCL|O_NOFOLLOW and renamed into place (a rename
 * replaces a symlink, it never writes through one); names are checked to be
 * plain file names, so nothing lands outside DIR. A non-empty DIR is refused
 * unless --force, and --force only replaces files that look like records.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PstoreFile } from '../zone/index.js';
import { IoError, OutputError, errnoCode, strerror } from './errors.js';

/** `<type>-<backend>-<id>[.enc.z]`, e.g. `dmesg-pstore_blk-0`, `powerpc-ofw-pstore_blk-1`. */
export const RECORD_FILE_RE = /^[a-z][a-z0-9-]*-[A-Za-z0-9_]+-\d+(\.enc\.z)?$/;
const TMP_MARK = '.mmcpstore-tmp-';

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export interface WrittenFile {
  path: string;
  size: number;
}

function prepareDir(dir: string, force: boolean): string[] {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new OutputError(`cannot use output directory '${dir}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  if (!st) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw new OutputError(`cannot create output directory '${dir}': ${strerror(e)}`, { code: errnoCode(e) });
    }
    return [];
  }
  if (st.isSymbolicLink()) throw new OutputError(`output directory '${dir}' is a symbolic link; give the directory it points to`);
  if (!st.isDirectory()) throw new OutputError(`output directory '${dir}' exists and is not a directory`);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    throw new OutputError(`cannot read output directory '${dir}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  if (entries.length === 0) return [];
  if (!force) {
    throw new OutputError(`output directory '${dir}' is not empty (${entries.length} entries); use --force to replace the record files of an earlier run`, { entries: entries.length });
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    const ok = (RECORD_FILE_RE.test(name) || name.includes(TMP_MARK)) && fs.lstatSync(full).isFile();
    if (!ok) {
      throw new OutputError(`--force replaces only pstore record files, and '${full}' is not one; remove it or choose another directory`, { entry: full });
    }
  }
  return entries;
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new Error(`internal: refusing record file name '${name}'`);
  }
  return name;
}

function writeOne(dir: string, file: PstoreFile): WrittenFile {
  const name = safeName(file.name);
  const final = path.join(dir, name);
  const tmp = path.join(dir, `.${name}${TMP_MARK}${process.pid}`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new OutputError(`cannot create '${final}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  try {
    let done = 0;
    while (done < file.data.length) done += fs.writeSync(fd, file.data, done, file.data.length - done);
    fs.fchmodSync(fd, 0o444);
    // pstorefs sets i_mtime to the record time.
    const sec = Number(file.time.sec);
    if (Math.abs(sec) < 1e11) {
      const t = sec + Number(file.time.nsec) / 1e9;
      fs.futimesSync(fd, t, t);
    }
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new IoError(`cannot write '${final}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, final);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new OutputError(`cannot create '${final}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  return { path: final, size: file.data.length };
}

/** Writes every record into `dir`; with `force`, old record files not rewritten are removed. */
export function writeRecordDir(dir: string, files: readonly PstoreFile[], { force }: { force: boolean }): WrittenFile[] {
  const previous = prepareDir(dir, force);
  const written = files.map((f) => writeOne(dir, f));
  const keep = new Set(files.map((f) => f.name));
  for (const name of previous) {
    if (!keep.has(name)) {
      try {
        fs.unlinkSync(path.join(dir, name));
      } catch (e) {
        throw new OutputError(`cannot remove old record '${path.join(dir, name)}': ${strerror(e)}`, { code: errnoCode(e) });
      }
    }
  }
  return written;
}
