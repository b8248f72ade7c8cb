/**
 * The command line: commander built from the option table
 * (src/commands/option-table.ts), one module per command (src/commands/), and
 * where an error becomes its exit status and a `mmcpstore: <message>` line on
 * stderr (through commands/exit-status.ts, as the worker pool does; docs/errors.md).
 * Nothing calls process.exit: main() resolves with the status once every write
 * has been handed to the OS — except a terminating signal (SIGINT, SIGTERM, SIGHUP) in a
 * process main() runs as the program: held image locks and temporary files are removed, then
 * the process exits 128 + the signal number (lib/exit-cleanup.ts; docs/reliability.md).
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Argument, Command, CommanderError, Option } from 'commander';
import { COMMANDS, type CommandSpec } from './commands/index.js';
import { examplesText } from './commands/command.js';
import { exitCodesHelp, failureOf } from './commands/exit-status.js';
import { BrokenPipeError, EXIT, UsageError } from './reader/errors.js';
import { exitOnSignals } from './lib/exit-cleanup.js';
import { configureColor, processIo, type Io } from './commands/io.js';
import { OPTIONS, defaultTextOf, flagsOf, optionsFor, type CliOptions, type OptionSpec } from './commands/options.js';

/** Set by the bundler (scripts/bundle.mjs); undefined when run from source or dist/. */
declare const __MMCPSTORE_VERSION__: string | undefined;

function packageVersion(): string {
  if (typeof __MMCPSTORE_VERSION__ === 'string') return __MMCPSTORE_VERSION__;
  try {
    // src/cli.ts and dist/cli.js both sit one level below package.json.
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function commanderOption(spec: OptionSpec): Option {
  const defaultText = defaultTextOf(spec);
  const desc = defaultText ? `${spec.description} (default: ${defaultText})` : spec.description;
  const option = new Option(flagsOf(spec), desc);
  if (spec.repeatable) {
    const add = spec.repeatable;
    option.argParser((value: string, previous: unknown) => add(value, previous as never));
  } else if (spec.parse) {
    const parse = spec.parse;
    option.argParser((value: string) => parse(value));
  }
  if (spec.preset !== undefined) option.preset(spec.preset);
  if (spec.conflicts) {
    const byLong = new Map((OPTIONS as readonly OptionSpec[]).map((o) => [o.long, o.key]));
    option.conflicts(spec.conflicts.map((l) => byLong.get(l) ?? l));
  }
  return option;
}

/**
 * commander's option values, read back through the table. One `--image`
 * becomes `image` (what commands read); several stay in `images`.
 */
function collectOptions(raw: Record<string, unknown>, specs: readonly OptionSpec[]): CliOptions {
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    // commander names the value after the long flag (--image → image); the table may name it otherwise (images).
    const attr = new Option(flagsOf(s)).attributeName();
    if (raw[attr] !== undefined) out[s.key] = raw[attr];
  }
  const o = out as CliOptions;
  if (o.images?.length === 1 && o.imagesFrom === undefined) {
    o.image = o.images[0]!;
    delete o.images;
  }
  return o;
}

/** Examples at the end of `mmcpstore --help`. */
export const PROGRAM_EXAMPLES = {
  examples: [
    ['mmcpstore inspect --image pstore.img', 'the zones and records of an image'],
    ['mmcpstore recover -i pstore.img --out crash/', 'the records as /sys/fs/pstore shows them'],
    ['mmcpstore recover -i a.img -i b.img --json', 'several images on a worker pool, NDJSON tagged by image'],
    ['mmcpstore completion bash > /etc/bash_completion.d/mmcpstore', 'shell completion'],
  ],
} as const;

export type CommandRunner = (spec: CommandSpec, options: CliOptions) => Promise<void>;

/**
 * The whole command tree. `runner` receives the parsed options; tests pass a
 * recorder to check parsing apart from behaviour. With `only` (the command
 * being run) the other commands get their name and summary alone.
 */
export function buildProgram(io: Io, runner: CommandRunner, pending: Promise<void>[] = [], only?: string): Command {
  const program = new Command('mmcpstore');
  program
    .description('Build, write and recover Linux pstore/blk crash-dump partition images.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      // --help and --version output: a failed write is the command's failure (--help > /dev/full: 74)
      writeOut: (s) => void pending.push(io.stdout.write(s)),
      writeErr: (s) => void pending.push(io.stderr.write(s).catch(() => undefined)),
      // Errors are printed once, by main(), in our own one-line form.
      outputError: () => undefined,
    })
    .addHelpText('after', `\nRun \`mmcpstore <command> --help\` for a command's options and examples.\n${exitCodesHelp()}\n${examplesText(PROGRAM_EXAMPLES)}`);
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).summary(spec.summary).description(spec.description).helpOption('-h, --help', 'show help');
    // Running one command, the others need only their name and summary (for --help and
    // "did you mean"): building ~40 options per command is a few ms of every start.
    if (only !== undefined && spec.name !== only) continue;
    const specs = optionsFor(spec.name);
    for (const o of specs) cmd.addOption(commanderOption(o));
    const arg = spec.argument;
    if (arg) {
      const a = new Argument(arg.optional ? `[${arg.name}]` : `<${arg.name}>`, arg.description);
      cmd.addArgument(arg.choices ? a.choices(arg.choices as string[]) : a);
    }
    cmd.addHelpText('after', examplesText(spec));
    cmd.action(async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = collectOptions(command.opts(), specs);
      if (arg) options[arg.key] = args[0] as never;
      await runner(spec, options);
    });
  }
  return program;
}

/**
 * Runs mmcpstore with `argv` (no node/script prefix) and resolves with the exit status. Without
 * `io` it is the program: its own process's streams, and signals end it (see the header).
 */
export async function main(argv: string[], given?: Io): Promise<number> {
  const io = given ?? processIo();
  const unhookSignals = given ? () => {} : exitOnSignals((status) => process.exit(status));
  try {
    return await run(argv, io);
  } finally {
    unhookSignals();
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const pending: Promise<void>[] = [];
  configureColor(io, undefined);
  // Only for deciding whether an error shows its stack; parsing proper is commander's.
  let debug = argv.includes('--debug');
  const runner: CommandRunner = async (spec, options) => {
    configureColor(io, options.color);
    debug = !!options.debug;
    if (spec.manyImages && (options.images !== undefined || options.imagesFrom !== undefined)) {
      // The worker pool loads only for several images.
      const { imageList, runMany } = await import('./commands/pool.js');
      await runMany(spec, options, await imageList(options, io), io);
    } else await spec.run(options, io);
  };
  let status: number;
  try {
    const only = COMMANDS.find((c) => c.name === argv[0])?.name;
    await buildProgram(io, runner, pending, only).parseAsync(argv, { from: 'user' });
    status = EXIT.ok;
  } catch (e) {
    status = await report(e, io, debug);
  }
  const outputError = await firstOutputError(pending);
  if (outputError && status === EXIT.ok) status = await report(outputError, io, debug);
  return status;
}

/** Waits for commander's help/version writes; the first failure (a closed pipe is no failure). */
async function firstOutputError(pending: Promise<void>[]): Promise<unknown> {
  const results = await Promise.allSettled(pending);
  for (const r of results) if (r.status === 'rejected' && !(r.reason instanceof BrokenPipeError)) return r.reason;
  return undefined;
}

async function report(e: unknown, io: Io, debug: boolean): Promise<number> {
  if (e instanceof BrokenPipeError) return EXIT.ok;
  let error = e;
  if (e instanceof CommanderError) {
    if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
    // `mmcpstore` alone: commander already printed the help to stderr.
    if (e.code === 'commander.help') return EXIT.usage;
    error = new UsageError(`${e.message.replace(/^error: /, '').trim()} (see 'mmcpstore --help')`);
  }
  const failure = failureOf(error, debug);
  const c = io.stderr.color;
  try {
    await io.stderr.write(`mmcpstore: ${c.red(failure.message)}\n`);
    if (failure.stack) await io.stderr.write(`${failure.stack}\n`);
  } catch {
    /* stderr is gone too: the status still tells */
  }
  return failure.exit;
}

/** `node --import tsx src/cli.ts ...` runs the CLI directly (bin/mmcpstore.js imports dist/cli.js instead). */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(fs.realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
