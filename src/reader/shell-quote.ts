/**
 * Command lines to paste: every argument quoted for a POSIX shell only when it needs it, so
 * paths with spaces or quotes and `--params` strings run as printed.
 */

/** Characters a POSIX shell passes through unquoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** Inside double quotes a shell still expands these (and interactive bash `!`). */
const DOUBLE_QUOTE_SPECIAL = /[$`\\"!]/;

/** One argument as a shell reads it back: bare, "double-quoted" (spaces only), or 'single-quoted'. */
export function shellQuote(arg: string): string {
  if (PLAIN.test(arg)) return arg;
  if (arg !== '' && !DOUBLE_QUOTE_SPECIAL.test(arg) && !arg.includes('\n')) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argument vector as one pasteable line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
