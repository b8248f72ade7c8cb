/**
 * The options a command runs with, as the option table (option-table.ts) makes them: the
 * CliOptions type is derived from the table (each value's type from its parser, a flag without
 * an argument is a boolean), so the two cannot drift; and the table's lookups.
 */
import { OPTIONS, type CommandName, type OptionEntry } from './option-table.js';

export * from './option-table.js';
export * from './option-parsers.js';

type Entry = (typeof OPTIONS)[number];

/** The value an entry produces: its repeatable's or parser's result, a string argument, or a flag. */
type ValueOf<E> = E extends { repeatable: (...args: never[]) => infer R }
  ? R
  : E extends { parse: (...args: never[]) => infer R }
    ? R
    : E extends { arg: string }
      ? string
      : boolean;

/** Every option of the table, absent unless given. */
type TableOptions = { [E in Entry as E['key']]?: ValueOf<E> };

/** What a command is run with: the table's options, plus what is not a flag. */
export type CliOptions = TableOptions & {
  /** The one image a command reads (cli.ts sets it when exactly one --image was given). */
  image?: string;
  /** Set by the worker pool (not a flag): this run is image `index` of `total`; output is tagged with the image. */
  many?: { index: number; total: number };
  /** `completion bash|zsh` (a positional argument, not an option). */
  shell?: 'bash' | 'zsh';
  /** pmsg/console TEXT, erase NAME (positional). */
  text?: string;
};

export type ColorMode = NonNullable<CliOptions['color']>;
export type CompressMode = NonNullable<CliOptions['compress']>;

/** A table entry as the loops over the table see it (cli.ts, the docs, completion). */
export interface OptionSpec extends OptionEntry {
  key: keyof CliOptions;
}

/** A default of the wrong type for its option is a compile error here. */
type BadDefault = { [E in Entry as E extends { default: infer D } ? (D extends ValueOf<E> ? never : E['key']) : never]: E };
const defaultsFitTheirOptions: [keyof BadDefault] extends [never] ? true : never = true;
void defaultsFitTheirOptions;

export function optionsFor(command: CommandName): readonly OptionSpec[] {
  return (OPTIONS as readonly OptionSpec[]).filter((o) => o.commands.includes(command));
}

/** `-i, --image <FILE>` as commander and the docs spell it. */
export function flagsOf(spec: OptionSpec): string {
  const arg = spec.arg === undefined ? '' : spec.arg.startsWith('[') ? ` ${spec.arg}` : ` <${spec.arg}>`;
  return `${spec.short ? `-${spec.short}, ` : ''}--${spec.long}${arg}`;
}

/** The table entry of a key: lets messages name the flag. */
export function specOf(key: keyof CliOptions): OptionSpec {
  const s = (OPTIONS as readonly OptionSpec[]).find((o) => o.key === key);
  if (!s) throw new Error(`no option for ${key}`);
  return s;
}

/** What --help and the docs say applies when the option is absent: `64`, `-1 (off)`, or the table's words. */
export function defaultTextOf(spec: OptionSpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined) return undefined;
  return spec.defaultNote !== undefined ? `${spec.default} (${spec.defaultNote})` : String(spec.default);
}

/** Options that have one default value in the table. */
type Defaulted = { [E in Entry as E extends { default: unknown } ? E['key'] : never]: E };

/** The value `key` takes when the option is absent: the table's default. */
export function optionDefault<K extends keyof Defaulted & keyof CliOptions>(key: K): NonNullable<CliOptions[K]> {
  const s = (OPTIONS as readonly OptionSpec[]).find((o) => o.key === key && o.default !== undefined);
  if (!s) throw new Error(`no default for ${key}`);
  return s.default as NonNullable<CliOptions[K]>;
}
