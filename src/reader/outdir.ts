/**
 * `recover --out DIR`: one file per record, in one of two layouts.
 *
 * - `pstorefs` (default): as /sys/fs/pstore shows them (name, contents,
 *   mtime = record time, mode 0444), and nothing else in DIR, so
 *   `diff -r DIR saved-copy-of-/sys/fs/pstore` is clean.
 * - `systemd`: what systemd-pstore (systemd 252, src/pstore/pstore.c) leaves
 *   in /var/lib/systemd/pstore when it archives that pstorefs: see
 *   `systemdSubdir()` and `finish()` below, and docs/cli.md.
 *
 * Records are written one at a time (`add`), so a caller streaming from
 * PstoreCore.iterFiles() holds one record in memory.
 *
 * Safety: DIR itself must not be a symlink; every file is created under a
 * temporary name with O_EXCL|O_NOFOLLOW and renamed into place (a rename
 * replaces a symlink, it never writes through one); names are checked to be
 * plain file names and subdirectories plain digit strings, so nothing lands
 * outside DIR. A non-empty DIR is refused unless --force, and --force only
 * replaces files that look like an earlier run's output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PstoreFile } from '../zone/index.js';
import { IoError, OutputError, errnoCode, strerror } from './errors.js';

/** `<type>-<backend>-<id>[.enc.z]`, e.g. `dmesg-pstore_blk-0`, `powerpc-ofw-pstore_blk-1`. */
export const RECORD_FILE_RE = /^[a-z][a-z0-9-]*-[A-Za-z0-9_]+-\d+(\.enc\.z)?$/;
const TMP_MARK = '.mmcpstore-tmp-';
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export type OutLayout = 'pstorefs' | 'systemd';
export const OUT_LAYOUTS: readonly OutLayout[] = ['pstorefs', 'systemd'];

export interface WrittenFile {
  path: string;
  size: number;
}

/** What a record file needs to be written. */
export interface RecordBytes {
  name: string;
  data: Uint8Array;
  time: { sec: bigint; nsec: bigint };
}

export interface RecordDirWriter {
  /** Writes one record (atomically) and returns the files written. */
  add(file: RecordBytes): WrittenFile[];
  /** Derived files (systemd's dmesg.txt), then removal of an earlier run's leftovers (--force). */
  finish(): WrittenFile[];
}

/** A file name of an earlier run that --force may replace. */
type Acceptor = (name: string, full: string, st: fs.Stats) => boolean;

/**
 * mkdir -p by hand: Node 20's recursive mkdir spins forever where a parent
 * exists yet mkdir answers ENOENT (procfs, sysfs); here that is an error.
 */
function mkdirParents(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
    return;
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  const parent = path.dirname(dir);
  // lstat: a dangling symlink is there too, and is never followed.
  if (parent === dir || entryExists(parent)) {
    // The parent is there and still no directory can be made in it.
    throw Object.assign(new Error(`ENOENT: cannot create a directory in '${parent}'`), { code: 'ENOENT' });
  }
  mkdirParents(parent);
  fs.mkdirSync(dir, { mode: 0o755 });
}

function entryExists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Creates DIR, or checks an existing one; returns its entries (to clean up under --force). */
export function prepareOutDir(dir: string, force: boolean, accept: Acceptor): string[] {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new OutputError(`cannot use output directory '${dir}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  if (!st) {
    try {
      mkdirParents(dir);
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
    if (!accept(name, full, fs.lstatSync(full))) {
      throw new OutputError(`--force replaces only pstore record files, and '${full}' is not one; remove it or choose another directory`, { entry: full });
    }
  }
  return entries;
}

function isRecordFile(name: string, st: fs.Stats): boolean {
  return (RECORD_FILE_RE.test(name) || name.includes(TMP_MARK)) && st.isFile();
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new Error(`internal: refusing record file name '${name}'`);
  }
  return name;
}

/** Writes `chunks` to dir/name through a temporary file and a rename; mode and mtime as given. */
function writeAtomic(dir: string, name: string, chunks: Iterable<Uint8Array>, mode: number, mtime: { sec: bigint; nsec: bigint } | null): WrittenFile {
  const final = path.join(dir, safeName(name));
  const tmp = path.join(dir, `.${name}${TMP_MARK}${process.pid}`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new OutputError(`cannot create '${final}': ${strerror(e)}`, { code: errnoCode(e) });
  }
  let size = 0;
  try {
    for (const data of chunks) {
      let done = 0;
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
      size += data.length;
    }
    fs.fchmodSync(fd, mode);
    if (mtime) {
      // pstorefs sets i_mtime to the record time; systemd-pstore's copy keeps it.
      const sec = Number(mtime.sec);
      if (Math.abs(sec) < 1e11) {
        const t = sec + Number(mtime.nsec) / 1e9;
        fs.futimesSync(fd, t, t);
      }
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
  return { path: final, size };
}

function removeLeftovers(dir: string, previous: readonly string[], keep: ReadonlySet<string>): void {
  for (const name of previous) {
    if (keep.has(name)) continue;
    const full = path.join(dir, name);
    try {
      fs.rmSync(full, { recursive: true, force: true });
    } catch (e) {
      throw new OutputError(`cannot remove old record '${full}': ${strerror(e)}`, { code: errnoCode(e) });
    }
  }
}

// ------------------------------------------------------------- pstorefs

function pstorefsWriter(dir: string, force: boolean): RecordDirWriter {
  const previous = prepareOutDir(dir, force, (name, _full, st) => isRecordFile(name, st));
  const keep = new Set<string>();
  return {
    add(file) {
      keep.add(file.name);
      return [writeAtomic(dir, file.name, [file.data], 0o444, file.time)];
    },
    finish() {
      removeLeftovers(dir, previous, keep);
      return [];
    },
  };
}

// -------------------------------------------------------------- systemd

/** systemd ignores the last six digits of the record id when grouping dmesg parts (PSTORE_FILENAME_IGNORE). */
const PSTORE_FILENAME_IGNORE = 6;

/**
 * The subdirectory systemd-pstore 252 files a dmesg record under: the text
 * after the name's last '-' minus its last six characters, or none (the
 * archive's top) when that text has six characters or fewer, which is every
 * pstore_blk record (its id is the zone index). `.enc.z` records and
 * non-dmesg records always go to the top.
 */
export function systemdSubdir(name: string): string | null {
  if (!name.startsWith('dmesg-') || name.endsWith('.enc.z')) return null;
  const p = name.slice(name.lastIndexOf('-') + 1);
  return p.length > PSTORE_FILENAME_IGNORE ? p.slice(0, p.length - PSTORE_FILENAME_IGNORE) : null;
}

function isSystemdEntry(name: string, full: string, st: fs.Stats): boolean {
  if (name === 'dmesg.txt' && st.isFile()) return true;
  if (isRecordFile(name, st)) return true;
  if (/^\d+$/.test(name) && st.isDirectory() && !st.isSymbolicLink()) {
    return fs.readdirSync(full).every((n) => isSystemdEntry(n, path.join(full, n), fs.lstatSync(path.join(full, n))) && !/^\d+$/.test(n));
  }
  return false;
}

/** strcmp() order of ASCII names, as systemd sorts the pstore entries. */
function strcmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function* readBack(file: string): Generator<Uint8Array> {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | O_NOFOLLOW);
  try {
    const buf = Buffer.alloc(1 << 16);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      yield buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * systemd-pstore 252's archive of this pstorefs:
 *
 * - every record file is copied to the archive with mode 0600, keeping its
 *   mtime (copy_file_atomic), at the top or under `systemdSubdir(name)`;
 * - the dmesg records (not `.enc.z`) are walked in *reverse* strcmp order of
 *   their names; a run of consecutive records with the same subdirectory is
 *   one group, and each group's `dmesg.txt` (mode 0640, in that
 *   subdirectory) is `NAME:\n` + contents for each record of the group in
 *   that order. A second group for the same directory does not replace the
 *   first's dmesg.txt (systemd's link_tmpfile() fails with EEXIST).
 *
 * The dmesg.txt files are assembled at finish() from the files already on
 * disk, so only one record is ever held in memory.
 */
function systemdWriter(dir: string, force: boolean): RecordDirWriter {
  const previous = prepareOutDir(dir, force, isSystemdEntry);
  const keep = new Set<string>();
  const dmesg: { name: string; subdir: string | null; path: string }[] = [];
  const made = new Set<string>();
  return {
    add(file) {
      const subdir = systemdSubdir(file.name);
      let target = dir;
      if (subdir !== null) {
        if (!/^\d+$/.test(subdir)) throw new Error(`internal: refusing subdirectory '${subdir}'`);
        target = path.join(dir, subdir);
        if (!made.has(subdir)) {
          if (keep.has(subdir) || previous.includes(subdir)) fs.rmSync(target, { recursive: true, force: true });
          try {
            fs.mkdirSync(target, { mode: 0o755 });
          } catch (e) {
            throw new OutputError(`cannot create output directory '${target}': ${strerror(e)}`, { code: errnoCode(e) });
          }
          made.add(subdir);
        }
        keep.add(subdir);
      } else keep.add(file.name);
      const w = writeAtomic(target, file.name, [file.data], 0o600, file.time);
      if (file.name.startsWith('dmesg-') && !file.name.endsWith('.enc.z')) dmesg.push({ name: file.name, subdir, path: w.path });
      return [w];
    },
    finish() {
      const written: WrittenFile[] = [];
      const order = [...dmesg].sort((a, b) => strcmp(b.name, a.name));
      const done = new Set<string>();
      for (let i = 0; i < order.length; ) {
        let j = i;
        while (j < order.length && order[j]!.subdir === order[i]!.subdir) j++;
        const group = order.slice(i, j);
        const key = order[i]!.subdir ?? '';
        if (!done.has(key)) {
          done.add(key);
          const target = key ? path.join(dir, key) : dir;
          const chunks = function* (): Generator<Uint8Array> {
            for (const g of group) {
              yield Buffer.from(`${g.name}:\n`);
              yield* readBack(g.path);
            }
          };
          written.push(writeAtomic(target, 'dmesg.txt', chunks(), 0o640, null));
          if (!key) keep.add('dmesg.txt');
        }
        i = j;
      }
      removeLeftovers(dir, previous, keep);
      return written;
    },
  };
}

/** A writer for `--out DIR` in the given layout; DIR is checked (and created) now. */
export function openRecordDir(dir: string, { force, layout = 'pstorefs' }: { force: boolean; layout?: OutLayout }): RecordDirWriter {
  return layout === 'systemd' ? systemdWriter(dir, force) : pstorefsWriter(dir, force);
}

/** Writes every record into `dir` (pstorefs layout unless given); with `force`, old record files not rewritten are removed. */
export function writeRecordDir(dir: string, files: readonly PstoreFile[], { force, layout = 'pstorefs' }: { force: boolean; layout?: OutLayout }): WrittenFile[] {
  const w = openRecordDir(dir, { force, layout });
  const out = files.flatMap((f) => w.add(f));
  return [...out, ...w.finish()];
}
