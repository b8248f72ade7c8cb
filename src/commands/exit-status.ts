/**
 * The ONE place where anything thrown becomes an exit status and a message (docs/errors.md):
 * the CLI (src/cli.ts) and the worker pool (pool.ts, worker.ts) report through it, so a failure
 * reads the same whether one image ran or many.
 */
import { CliError, EXIT, asCliError, exitCodeFor, exitTable, type ExitCode, type ExitName } from '../reader/errors.js';

/** A failed run: its error's name, its one-line message (without `mmcpstore: `), its status. */
export interface Failure {
  name: string;
  message: string;
  exit: ExitCode;
  /** With --debug: the stack trace. */
  stack?: string;
}

/** What `e` reports: a CliError's own message and status, anything else as a bug (70). */
export function failureOf(thrown: unknown, debug: boolean): Failure {
  const e = asCliError(thrown);
  const exit = exitCodeFor(e);
  const message =
    e instanceof CliError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)} (this is a bug in mmcpstore; rerun with --debug for the stack trace)`;
  const failure: Failure = { name: e instanceof Error ? e.name : 'Error', message, exit };
  if (debug && e instanceof Error && e.stack) failure.stack = e.stack;
  return failure;
}

/** The name of an exit status (`internal` for one the table does not have). */
export function exitNameOf(code: ExitCode): ExitName {
  return (Object.keys(EXIT) as ExitName[]).find((k) => EXIT[k] === code) ?? 'internal';
}

/** The `Exit codes:` block of `mmcpstore --help`. */
export function exitCodesHelp(): string {
  return `\nExit codes (docs/errors.md):\n${exitTable().map((e) => `  ${String(e.code).padStart(2)}  ${e.meaning}`).join('\n')}`;
}
