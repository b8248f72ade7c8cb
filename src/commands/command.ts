/**
 * What a command module exports, and the option normalisation they share.
 * A command is `run(options, io)`: parsed options in, output through the
 * injected streams, errors thrown (src/cli.ts maps them to exit codes).
 */
import { DEFAULT_MAX_SIZE } from '../reader/defaults.js';
import { UsageError } from '../reader/errors.js';
import type { ImageOptions } from '../reader/types.js';
import type { BlkParams } from '../zone/params.js';
import { processIo, type Io } from './io.js';
import type { CliOptions, CommandName } from './options.js';

export interface CommandSpec {
  name: CommandName;
  /** One line for `mmcpstore --help`. */
  summary: string;
  /** The paragraph at the top of `mmcpstore <name> --help`. */
  description: string;
  /** [command line, what it does]; printed at the end of --help. */
  examples: readonly (readonly [string, string])[];
  /** A positional argument (`completion <shell>`); its value lands in CliOptions[key]. */
  argument?: { name: string; key: 'shell' | 'text'; choices?: readonly string[]; /** `[NAME]` instead of `<NAME>` */ optional?: boolean; description: string };
  /** Takes several images (--image repeated, --images-from) and runs once per image on the worker pool. */
  manyImages?: boolean;
  run(options: CliOptions, io: Io): Promise<void>;
}

/**
 * Runs a reading command's body with its --image made openable (reader/input/open.ts): `file` is
 * the temporary copy of a compressed or streamed image, undefined when the image opens as it is.
 * The copy is removed when the body ends, whatever happens. Without --image the body runs as it
 * would (and reports the missing option in its own words).
 */
export async function withImageInput<T>(o: CliOptions, io: Io, body: (file: string | undefined) => Promise<T>): Promise<T> {
  if (o.image === undefined) return body(undefined);
  // Loaded when a command reads an image, not at every start.
  const { withReadInput } = await import('../reader/input/open.js');
  return withReadInput(o.image, { maxSize: o.maxSize ?? DEFAULT_MAX_SIZE, stdin: () => io.stdin }, (input) => body(input.file === input.image ? undefined : input.file));
}

/** The image and module-parameter options, as the library takes them (`file`: what to open instead, withImageInput()). */
export function imageOptionsFrom(o: CliOptions, file?: string): ImageOptions {
  if (o.image === undefined) throw new UsageError('--image FILE is required (the image file or block device to read)', { option: 'image' });
  const blk: Partial<BlkParams> = {};
  if (o.kmsgSize !== undefined) blk.kmsgSize = o.kmsgSize;
  if (o.pmsgSize !== undefined) blk.pmsgSize = o.pmsgSize;
  if (o.consoleSize !== undefined) blk.consoleSize = o.consoleSize;
  if (o.ftraceSize !== undefined) blk.ftraceSize = o.ftraceSize;
  if (o.maxReason !== undefined) blk.maxReason = o.maxReason;
  const out: ImageOptions = { image: o.image, blk };
  if (file !== undefined) out.file = file;
  if (o.offset !== undefined) out.offset = o.offset;
  if (o.size !== undefined) out.size = o.size;
  if (o.params !== undefined) out.paramString = o.params;
  if (o.cpus !== undefined) out.nrCpus = o.cpus;
  if (o.kernel !== undefined) out.kernel = o.kernel;
  if (o.compress !== undefined) out.compress = o.compress;
  if (o.arch !== undefined) out.arch = o.arch;
  if (o.blkdev !== undefined) out.blkdev = o.blkdev;
  if (o.trace !== undefined) {
    out.trace = o.trace;
    out.traceLine = processTraceLine();
  }
  return out;
}

/** Trace lines of the card path: this process's standard error, one line per event. */
function processTraceLine(): (line: string) => void {
  const stderr = processIo().stderr;
  return (line) => void stderr.write(`${line}\n`).catch(() => undefined);
}

/** `Examples:` block appended to a command's --help. */
export function examplesText(spec: Pick<CommandSpec, 'examples'>): string {
  const lines = spec.examples.map(([cmd, what]) => `  $ ${cmd}\n      ${what}`);
  return `\nExamples:\n${lines.join('\n')}`;
}
