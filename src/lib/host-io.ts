/**
 * Host file I/O failures: what a full disk (ENOSPC), a quota (EDQUOT) or a failing disk (EIO)
 * does to the files mmcpstore writes — the image, its lock, a temporary file — and how they are
 * reported: `HostIoError` names the file, the operation and the errno, once (docs/errors.md).
 *
 * Every write path to a host file calls `hostIoCheck(op, path)` first. Normally that does
 * nothing; a test arms a `HostIoFault` there to fail the Nth matching call (and, like a full disk,
 * every later one) with a real-looking errno error, without a full file system.
 */

/** What is done to a host file. */
export type HostIoOp = 'create' | 'write' | 'fsync' | 'rename' | 'read';

/** The host errors the fault injector produces, and the ones a writer must survive. */
export type HostIoCode = 'ENOSPC' | 'EIO' | 'EDQUOT';

const HOST_IO_ERRNO: Readonly<Record<HostIoCode, number>> = { EIO: -5, ENOSPC: -28, EDQUOT: -122 };
const HOST_IO_TEXT: Readonly<Record<HostIoCode, string>> = {
  EIO: 'i/o error',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
};

/** An errno error as node:fs throws it (`code`, `errno`, `syscall`, `path`). */
export function errnoError(code: HostIoCode, syscall: string, path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: ${HOST_IO_TEXT[code]}, ${syscall} '${path}'`);
  e.code = code;
  e.errno = HOST_IO_ERRNO[code];
  e.syscall = syscall;
  e.path = path;
  return e;
}

/** A failed operation on a host file: which file, what was being done, the errno code. */
export class HostIoError extends Error {
  constructor(
    readonly path: string,
    readonly op: HostIoOp,
    readonly errnoCode: string,
    override readonly cause: unknown,
  ) {
    super(`'${path}': ${op} failed: ${errnoCode}`);
    this.name = 'HostIoError';
  }
}

/** `e` as a HostIoError on `path`, or undefined when it carries no errno code. */
export function hostIoErrorOf(e: unknown, op: HostIoOp, path: string): HostIoError | undefined {
  if (e instanceof HostIoError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? new HostIoError(path, op, code, e) : undefined;
}

/** A failure to inject: the `nth` matching call (1-based) and every later one fail with `code`. */
export interface HostIoFault {
  code: HostIoCode;
  nth: number;
  /** operations it applies to (default: all but read) */
  ops?: readonly HostIoOp[];
  /** files it applies to (default: all) */
  path?: (path: string) => boolean;
  /** only the nth call fails (a transient EIO); default: from the nth on, as a full disk */
  once?: boolean;
}

interface Armed {
  fault: HostIoFault;
  calls: number;
  failed: number;
}

let armed: Armed | undefined;

/** Arms `fault` (replacing any armed one); returns how many matching calls were seen and failed. */
export function injectHostIoFault(fault: HostIoFault): { calls(): number; failed(): number; disarm(): void } {
  const a: Armed = { fault, calls: 0, failed: 0 };
  armed = a;
  return {
    calls: () => a.calls,
    failed: () => a.failed,
    disarm: () => {
      if (armed === a) armed = undefined;
    },
  };
}

const DEFAULT_OPS: readonly HostIoOp[] = ['create', 'write', 'fsync', 'rename'];

/** Called before each operation on a host file: throws the armed fault's error when it is due. */
export function hostIoCheck(op: HostIoOp, path: string): void {
  const a = armed;
  if (!a) return;
  const f = a.fault;
  if (!(f.ops ?? DEFAULT_OPS).includes(op) || (f.path && !f.path(path))) return;
  a.calls++;
  if (a.calls < f.nth || (f.once && a.calls > f.nth)) return;
  a.failed++;
  throw errnoError(f.code, op, path);
}
