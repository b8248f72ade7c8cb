/**
 * The CLI in its own process, as a user runs it: `runCli` waits for it and hands back its exit
 * status, stdout and stderr; `spawnCli` and `spawnTs` start a process a test talks to while it runs.
 */
import { spawn, spawnSync, type ChildProcessByStdio, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { MiB } from '../../src/lib/units.js';
import { CLI_BIN, CLI_SOURCE, ROOT, RUN_BUNDLE, TEST_BUNDLE_DIR } from './paths.js';

/** tsx by absolute URL, so that a process started in another working directory still finds it. */
export const TSX = import.meta.resolve('tsx');
/** Most a test lets a CLI write to a pipe (the 8 MiB stream tests and more). */
const MAX_OUTPUT_BYTES = 64 * MiB;

/**
 * Which program runs: the source (what a test of a change in src/ must see) or the installed entry
 * point bin/mmcpstore.js (the bundle `npm run build` made). The source runs as the bundle npm test
 * made of it at its start (TEST_BUNDLE_DIR), or, in a test file run alone, as
 * `node --import tsx src/cli.ts` (~1.3 s of CPU per process more).
 */
export type CliEntry = 'source' | 'bin';

/** node's argv for `mmcpstore ARGS` from source. */
export const SOURCE_ARGV: readonly string[] = TEST_BUNDLE_DIR !== undefined ? [RUN_BUNDLE, TEST_BUNDLE_DIR] : ['--import', TSX, CLI_SOURCE];

/** node's argv for `mmcpstore ARGS` from `entry`. */
export function cliArgv(args: readonly string[], entry: CliEntry = 'source'): string[] {
  return entry === 'bin' ? [CLI_BIN, ...args] : [...SOURCE_ARGV, ...args];
}

/**
 * The test's environment without the variables that change what the CLI prints (colour) or how
 * node behaves (a node:test child), with `overrides` on top (undefined removes a variable).
 */
export function cleanEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NO_COLOR'];
  delete env['FORCE_COLOR'];
  delete env['NODE_TEST_CONTEXT'];
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface RunCliOptions {
  /** working directory; the repository root unless given */
  cwd?: string;
  /** on top of cleanEnv() */
  env?: Record<string, string | undefined>;
  /** standard input; empty unless given */
  input?: string | Uint8Array;
  /** killed with SIGKILL after this long (no limit unless given) */
  timeoutMs?: number;
  /** a file descriptor for standard output instead of a pipe (e.g. /dev/full) */
  stdoutFd?: number;
  entry?: CliEntry;
}

export interface CliRun {
  /** the exit status; null when a signal ended the process */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `mmcpstore ARGS` to the end. */
export function runCli(args: readonly string[], o: RunCliOptions = {}): CliRun {
  const stdio: StdioOptions = ['pipe', o.stdoutFd ?? 'pipe', 'pipe'];
  const r = spawnSync(process.execPath, cliArgv(args, o.entry), {
    cwd: o.cwd ?? ROOT,
    env: cleanEnv(o.env),
    stdio,
    ...(o.input !== undefined ? { input: o.input } : {}),
    ...(o.timeoutMs !== undefined ? { timeout: o.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  if (r.error && r.status === null && r.signal === null) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString('utf8') ?? '' };
}

export interface SpawnOptions {
  cwd?: string;
  /** on top of cleanEnv() */
  env?: Record<string, string | undefined>;
}

/** A started process: no standard input, stdout and stderr piped to the test. */
export type Spawned = ChildProcessByStdio<null, Readable, Readable>;

function spawnNode(argv: readonly string[], o: SpawnOptions): Spawned {
  return spawn(process.execPath, argv, { cwd: o.cwd ?? ROOT, env: cleanEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts `mmcpstore ARGS` from source and returns at once. */
export function spawnCli(args: readonly string[], o: SpawnOptions = {}): Spawned {
  return spawnNode(cliArgv(args), o);
}

/** Starts node on a TypeScript file (tsx loaded) with `args`, e.g. a writer a test then kills. */
export function spawnTs(file: string, args: readonly string[] = [], o: SpawnOptions = {}): Spawned {
  return spawnNode(['--import', TSX, file, ...args], o);
}
