/**
 * The CLI's error hierarchy and its ONE exit-code table (docs/errors.md).
 *
 * Library and command code throw these; only src/cli.ts turns them into an
 * exit status and a `mmcpstore: <message>` line. Nothing here, and nothing
 * that imports this, calls process.exit. Codes above 2 follow sysexits.h
 * where one fits, so shell scripts can tell "no crash dump" (3) from "bad
 * image" (65) from "no such file" (66).
 */
import * as fs from 'node:fs';
import { HostIoError } from '../lib/host-io.js';

export const EXIT = {
  ok: 0,
  /** A failure with no better code. */
  failure: 1,
  /** Bad command line: unknown option, bad option value, conflicting options. */
  usage: 2,
  /** The image holds no pstore record the kernel would show. */
  noData: 3,
  /** EX_DATAERR: the image or the parameters are refused (layout, region past the end). */
  dataErr: 65,
  /** EX_NOINPUT: the image is missing or cannot be opened. */
  noInput: 66,
  /** EX_SOFTWARE: a bug in mmcpstore. */
  internal: 70,
  /** EX_CANTCREAT: the output directory or a file in it cannot be created; a writer's image may not be written. */
  cantCreat: 73,
  /** EX_IOERR: reading the image or writing the output failed midway; a host file write failed (ENOSPC, EIO, ...). */
  ioErr: 74,
  /** EX_TEMPFAIL: another mmcpstore process holds the image lock. */
  tempFail: 75,
} as const;
export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** What each status means, in one line: --help, docs/errors.md and the man page print this table. */
export const EXIT_MEANING: Readonly<Record<ExitName, string>> = {
  ok: 'done; also when the reader of stdout went away early (| head -1)',
  failure: 'panic, oops, pmsg or console ran but the record is not on the card after reboot (the reason is printed); otherwise a failure with no better code',
  usage: 'bad command line',
  noData: 'the image holds no record the kernel would show',
  dataErr: 'the region or the parameters are refused (EX_DATAERR)',
  noInput: 'the image cannot be opened (EX_NOINPUT)',
  internal: 'a bug in mmcpstore (EX_SOFTWARE)',
  cantCreat: 'the --out directory or a file in it cannot be created, or the image a writing command would change may not be written (EX_CANTCREAT)',
  ioErr: 'reading or writing the image, its lock, a temporary file or the output failed (EX_IOERR)',
  tempFail: 'a writer holds the image lock; try again later (EX_TEMPFAIL)',
};

/** The exit statuses in numeric order. */
export function exitTable(): { name: ExitName; code: ExitCode; meaning: string }[] {
  return (Object.keys(EXIT) as ExitName[]).map((name) => ({ name, code: EXIT[name], meaning: EXIT_MEANING[name] })).sort((a, b) => a.code - b.code);
}

/** Every error the CLI reports on purpose: a message, an exit code name, optional data. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exit: ExitName,
    readonly data?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get exitCode(): ExitCode {
    return EXIT[this.exit];
  }

  toJSON(): { error: string; message: string; exit: ExitCode; data?: Readonly<Record<string, unknown>> } {
    return { error: this.name, message: this.message, exit: this.exitCode, ...(this.data ? { data: this.data } : {}) };
  }
}

export class UsageError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'usage', data);
  }
}

/** No record to show: recovery found nothing, or the kernel's recovery aborted. */
export class NoDataError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'noData', data);
  }
}

/** The image or the parameters are not usable as given (EX_DATAERR). */
export class DataError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'dataErr', data);
  }
}

export class InputError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'noInput', data);
  }
}

export class OutputError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'cantCreat', data);
  }
}

export class IoError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'ioErr', data);
  }
}

export class LockedError extends CliError {
  constructor(message: string, data?: Record<string, unknown>) {
    super(message, 'tempFail', data);
  }
}

/**
 * The reader of our stdout went away (`| head -1`). Not a failure: cli.ts
 * ends quietly with status 0, as `cat` does when its reader exits.
 */
export class BrokenPipeError extends CliError {
  constructor() {
    super('standard output closed by its reader', 'ok');
  }
}

/** strerror() texts for the errno codes a file tool meets; Node's own text otherwise. */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EIO: 'Input/output error',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EEXIST: 'File exists',
  ELOOP: 'Too many levels of symbolic links',
  ENXIO: 'No such device or address',
  ENODEV: 'No such device',
  EBUSY: 'Device or resource busy',
  EMFILE: 'Too many open files',
  ENAMETOOLONG: 'File name too long',
  EPIPE: 'Broken pipe',
  EXDEV: 'Invalid cross-device link',
  EFBIG: 'File too large',
  EDQUOT: 'Disk quota exceeded',
};

export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `No such file or directory` for an ENOENT error, like perror(). */
export function strerror(e: unknown): string {
  const code = errnoCode(e);
  if (code && STRERROR[code]) return STRERROR[code];
  const msg = e instanceof Error ? e.message : String(e);
  // Node: "EFOO: some text, open 'x'": keep the text.
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(msg);
  return m ? m[1]!.charAt(0).toUpperCase() + m[1]!.slice(1) : msg;
}

/** Errors that mean "the input is not there or not readable" when opening. */
export const MISSING_INPUT_CODES: ReadonlySet<string> = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG', 'ENXIO', 'ENODEV']);

/**
 * An input that could not be opened or read: InputError (66) when it is missing or unreadable,
 * IoError (74) for any other host error.
 */
export function inputFileError(msg: string, e: unknown): InputError | IoError {
  const code = errnoCode(e);
  return code && MISSING_INPUT_CODES.has(code) ? new InputError(msg, { code }) : new IoError(msg, { code });
}

/** Errors that mean "this file may not be changed": read-only, immutable or append-only, a read-only mount. */
export const NOT_WRITABLE_CODES: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EROFS', 'ETXTBSY']);

/**
 * The image a writer would change cannot be opened or replaced: OutputError (73, as for any file
 * the tool cannot create) when it may not be written (chattr +i, mode 0444, a read-only mount),
 * the same for every writing command; otherwise what reading it would give (66 missing, 74).
 */
export function writeTargetError(msg: string, e: unknown): CliError {
  const code = errnoCode(e);
  if (code && NOT_WRITABLE_CODES.has(code)) return new OutputError(msg, { code });
  return inputFileError(msg, e);
}

/** The whole text of an input file the user named (`what`: "symbol file", "image list", ...). */
export function readInputText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw inputFileError(`cannot read ${what} '${file}': ${strerror(e)}`, e);
  }
}

/**
 * A host file operation failed (ENOSPC, EIO, EDQUOT, ...) on the image, its lock or a temporary
 * file: exit 74 with one line naming the file, the operation and the errno, e.g.
 * `'card.img': write failed: ENOSPC (No space left on device)` (docs/errors.md).
 */
export function hostIoFailure(e: HostIoError): IoError {
  const text = STRERROR[e.errnoCode] ?? strerror(e.cause);
  return new IoError(`'${e.path}': ${e.op} failed: ${e.errnoCode} (${text})`, { path: e.path, op: e.op, code: e.errnoCode });
}

/** A HostIoError that reached the top unwrapped still reads as one (74), never as a bug. */
export function asCliError(e: unknown): unknown {
  return e instanceof HostIoError ? hostIoFailure(e) : e;
}

/** The one mapping from anything thrown to an exit code. */
export function exitCodeFor(e: unknown): ExitCode {
  const err = asCliError(e);
  if (err instanceof CliError) return err.exitCode;
  return EXIT.internal;
}
