/**
 * Every command-line option, in ONE table (after npm-check-updates'
 * cli-options.ts). src/cli.ts builds the commander options from it in a loop,
 * docs/cli.md lists the same entries, and test/cli/options.test.ts checks that
 * the two agree. Parsers validate and name the option and the value they
 * refuse; they throw UsageError (exit 2), never commander's own errors.
 */
import { KmsgDumpReason, kernelProfile, KernelVersionError, parseReason } from '../zone/index.js';
import { UsageError } from './errors.js';

export type CommandName = 'inspect' | 'recover' | 'detect';
export const COMMAND_NAMES: readonly CommandName[] = ['inspect', 'recover', 'detect'];

export type ColorMode = 'auto' | 'always' | 'never';
export type CompressMode = 'deflate' | 'none';

/** What the option table produces: every field is absent unless given. */
export interface CliOptions {
  image?: string;
  offset?: number;
  size?: number;
  kmsgSize?: number;
  pmsgSize?: number;
  consoleSize?: number;
  ftraceSize?: number;
  maxReason?: number;
  cpus?: number;
  params?: string;
  kernel?: string;
  compress?: CompressMode;
  out?: string;
  force?: boolean;
  json?: boolean;
  color?: ColorMode;
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
  salvage?: boolean;
  explain?: boolean;
  type?: RecordType;
  format?: RecordFormat;
  symbols?: string;
  timeline?: boolean;
}

export type RecordType = 'dmesg' | 'pmsg' | 'console' | 'ftrace';
export type RecordFormat = 'raw' | 'logcat';

export type OptionGroup = 'image' | 'params' | 'output' | 'general';

export interface OptionSpec<K extends keyof CliOptions = keyof CliOptions> {
  /** Field of CliOptions the value lands in. */
  key: K;
  /** Long flag without the dashes. */
  long: string;
  short?: string;
  /** Argument placeholder; absent for a boolean flag. `[X]` marks an optional argument. */
  arg?: string;
  description: string;
  /** What applies when the option is absent (documentation only: defaults are applied in image.ts). */
  defaultText?: string;
  /** Value when the flag is given with an optional argument left out. */
  preset?: string;
  parse?: (value: string) => NonNullable<CliOptions[K]>;
  /** Long names of options this one cannot be combined with. */
  conflicts?: readonly string[];
  group: OptionGroup;
  commands: readonly CommandName[];
}

const BOTH: readonly CommandName[] = ['inspect', 'recover'];
const ALL: readonly CommandName[] = ['inspect', 'recover', 'detect'];

// ------------------------------------------------------------------ parsers

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  s: 512,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `4096`, `0x1000`, `4K`, `1M`, `2G`, `2048s` (512-byte sectors) → bytes. */
export function parseByteSize(option: string, text: string, { allowZero }: { allowZero: boolean }): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UsageError(`--${option}: '${text}' is not a size in bytes (e.g. 4096, 0x1000, 64K, 1M, 2048s)`, { option, value: text });
  }
  const n = Number(m[1]!) * unit;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${option}: '${text}' is too large`, { option, value: text });
  if (!allowZero && n === 0) throw new UsageError(`--${option}: '${text}' must be more than 0 bytes`, { option, value: text });
  return n;
}

/** A module-parameter size in KiB: an integer, <= 0 disables the front end (as the kernel does). */
export function parseKib(option: string, text: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) {
    throw new UsageError(`--${option}: '${text}' is not a whole number of KiB (0 or -1 disables)`, { option, value: text });
  }
  const n = Number(text);
  // The kernel stores these in an int and multiplies by 1024.
  if (!Number.isSafeInteger(n) || n > 0x1fffff) throw new UsageError(`--${option}: '${text}' KiB is out of range`, { option, value: text });
  return n;
}

export function parseCount(option: string, text: string, max: number): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`--${option}: '${text}' is not a whole number from 1 to ${max}`, { option, value: text });
  }
  return Number(text);
}

/** `2`, `oops`, `Panic`: kmsg_dump_reason; numbers above KMSG_DUMP_MAX are accepted as the kernel does. */
export function parseMaxReason(text: string): number {
  if (/^\s*\d+\s*$/.test(text)) return Number(text);
  const r = parseReason(text);
  if (r === undefined) {
    throw new UsageError(`--max-reason: '${text}' is not a dump reason (a number, or panic, oops, emergency, shutdown)`, { option: 'max-reason', value: text });
  }
  return r;
}

function parseKernel(text: string): string {
  try {
    kernelProfile(text);
  } catch (e) {
    if (e instanceof KernelVersionError) throw new UsageError(e.message, { option: 'kernel', value: text });
    throw e;
  }
  return text;
}

function choice<T extends string>(option: string, values: readonly T[]): (text: string) => T {
  return (text) => {
    const v = values.find((c) => c === text.trim().toLowerCase());
    if (v === undefined) throw new UsageError(`--${option}: '${text}' is not one of ${values.join(', ')}`, { option, value: text });
    return v;
  };
}

function nonEmpty(option: string): (text: string) => string {
  return (text) => {
    if (text === '') throw new UsageError(`--${option}: needs a non-empty value`, { option, value: text });
    return text;
  };
}

// -------------------------------------------------------------------- table

/** Keeps each entry's parse() typed against its key. */
function opt<K extends keyof CliOptions>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

export const OPTIONS = [
  opt({
    key: 'image', long: 'image', short: 'i', arg: 'FILE', group: 'image', commands: ALL,
    description: 'image file or block device holding the pstore/blk region (opened read-only)',
    parse: nonEmpty('image'),
  }),
  opt({
    key: 'offset', long: 'offset', arg: 'BYTES', group: 'image', commands: BOTH,
    description: 'start of the pstore region in the file; suffixes K, M, G, s (512-byte sectors)',
    defaultText: '0, or mmcpstore.sector_offset from --params',
    parse: (v) => parseByteSize('offset', v, { allowZero: true }),
  }),
  opt({
    key: 'size', long: 'size', arg: 'BYTES', group: 'image', commands: BOTH,
    description: 'length of the pstore region (the partition size the kernel saw); same suffixes',
    defaultText: 'the rest of the file, or mmcpstore.sector_count from --params',
    parse: (v) => parseByteSize('size', v, { allowZero: false }),
  }),
  opt({
    key: 'kmsgSize', long: 'kmsg-size', arg: 'KB', group: 'params', commands: BOTH,
    description: 'pstore_blk.kmsg_size: size of each dmesg zone in KiB (<= 0 disables)',
    defaultText: '64', parse: (v) => parseKib('kmsg-size', v),
  }),
  opt({
    key: 'pmsgSize', long: 'pmsg-size', arg: 'KB', group: 'params', commands: BOTH,
    description: 'pstore_blk.pmsg_size: size of the pmsg zone in KiB (<= 0 disables)',
    defaultText: '-1 (off)', parse: (v) => parseKib('pmsg-size', v),
  }),
  opt({
    key: 'consoleSize', long: 'console-size', arg: 'KB', group: 'params', commands: BOTH,
    description: 'pstore_blk.console_size: size of the console zone in KiB (<= 0 disables)',
    defaultText: '-1 (off)', parse: (v) => parseKib('console-size', v),
  }),
  opt({
    key: 'ftraceSize', long: 'ftrace-size', arg: 'KB', group: 'params', commands: BOTH,
    description: 'pstore_blk.ftrace_size: total ftrace area in KiB, split over --cpus (<= 0 disables)',
    defaultText: '-1 (off)', parse: (v) => parseKib('ftrace-size', v),
  }),
  opt({
    key: 'maxReason', long: 'max-reason', arg: 'N|NAME', group: 'params', commands: BOTH,
    description: 'pstore_blk.max_reason: highest kmsg_dump reason stored (1 panic, 2 oops, 3 emergency, 4 shutdown)',
    defaultText: `${KmsgDumpReason.OOPS} (oops)`, parse: parseMaxReason,
  }),
  opt({
    key: 'cpus', long: 'cpus', arg: 'N', group: 'params', commands: BOTH,
    description: 'nr_cpu_ids of the kernel that wrote the image (ftrace zones are per CPU)',
    defaultText: '1', parse: (v) => parseCount('cpus', v, 8192),
  }),
  opt({
    key: 'params', long: 'params', arg: 'STRING', group: 'params', commands: BOTH,
    description: 'kernel command line or modprobe options, e.g. "pstore_blk.kmsg_size=64 pstore.compress=none"; explicit flags override it; "auto" infers the zone sizes from the signatures on disk',
    defaultText: 'auto when no zone size is given',
  }),
  opt({
    key: 'kernel', long: 'kernel', arg: 'VERSION', group: 'params', commands: BOTH,
    description: 'kernel whose behaviour to follow (e.g. 6.12, 5.15)',
    defaultText: 'current mainline', parse: parseKernel,
  }),
  opt({
    key: 'compress', long: 'compress', arg: 'deflate|none', group: 'params', commands: BOTH,
    description: 'pstore.compress; reading follows each record\'s own compressed flag, so this only matters to writing commands',
    defaultText: 'deflate', parse: choice('compress', ['deflate', 'none'] as const),
  }),
  opt({
    key: 'out', long: 'out', short: 'o', arg: 'DIR', group: 'output', commands: ['recover'],
    description: 'write one file per record into DIR, named and dated as /sys/fs/pstore shows them',
    conflicts: ['json'], parse: nonEmpty('out'),
  }),
  opt({
    key: 'force', long: 'force', short: 'f', group: 'output', commands: ['recover'],
    description: 'with --out: replace the record files of an earlier run in a non-empty DIR',
  }),
  opt({
    key: 'salvage', long: 'salvage', group: 'output', commands: ['recover'],
    description: 'also recover what the kernel would drop (damaged, erased, truncated records), marked as salvaged; with --out under DIR/salvaged/',
  }),
  opt({
    key: 'type', long: 'type', arg: 'TYPE', group: 'output', commands: ['recover'],
    description: 'only records of this front end: dmesg, pmsg, console or ftrace',
    parse: choice('type', ['dmesg', 'pmsg', 'console', 'ftrace'] as const),
  }),
  opt({
    key: 'format', long: 'format', arg: 'raw|logcat', group: 'output', commands: ['recover'],
    description: 'raw: the bytes as pstorefs shows them; logcat: decode Android pmsg entries to logcat -v threadtime lines (stdout only)',
    defaultText: 'raw', parse: choice('format', ['raw', 'logcat'] as const), conflicts: ['out'],
  }),
  opt({
    key: 'symbols', long: 'symbols', arg: 'FILE', group: 'output', commands: ['recover'],
    description: 'System.map or a copy of /proc/kallsyms: ftrace addresses print as function+0xoff/0xsize',
    parse: nonEmpty('symbols'),
  }),
  opt({
    key: 'timeline', long: 'timeline', group: 'output', commands: ['recover'],
    description: 'one text for the crash: the newest dump, then console and pmsg lines in time order, each tagged with its zone',
    conflicts: ['out', 'json'],
  }),
  opt({
    key: 'explain', long: 'explain', group: 'output', commands: ['inspect'],
    description: 'explain, zone by zone, why it shows nothing or what is wrong, and kernel settings that explain an empty pstore',
  }),
  opt({
    key: 'json', long: 'json', group: 'output', commands: ALL,
    description: 'machine-readable output (inspect: one JSON object; recover: one JSON object per line)',
  }),
  opt({
    key: 'color', long: 'color', arg: '[WHEN]', group: 'general', commands: ALL,
    description: 'colour: auto, always or never (auto honours NO_COLOR, FORCE_COLOR and the terminal)',
    defaultText: 'auto', preset: 'always', parse: choice('color', ['auto', 'always', 'never'] as const),
  }),
  opt({
    key: 'quiet', long: 'quiet', short: 'q', group: 'general', commands: ALL, conflicts: ['verbose'],
    description: 'no banners, summaries or warnings on stderr (errors are still printed)',
  }),
  opt({
    key: 'verbose', long: 'verbose', short: 'v', group: 'general', commands: ALL,
    description: 'also print the kernel-style pstore_zone log lines and every zone',
  }),
  opt({
    key: 'debug', long: 'debug', group: 'general', commands: ALL,
    description: 'print stack traces with errors',
  }),
] as const satisfies readonly OptionSpec<keyof CliOptions>[];

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
