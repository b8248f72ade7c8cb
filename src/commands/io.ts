/**
 * Standard streams for commands: data to stdout, messages to stderr, colour
 * decided per stream, and writes that resolve only once the bytes are handed
 * to the OS (so a large output drains before the process ends on its own;
 * nothing calls process.exit). A reader that goes away (`| head -1`) turns
 * into BrokenPipeError, which cli.ts ends quietly with status 0.
 *
 * Commands receive an `Io`, so tests can run them in-process with fake streams.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { ColorMode } from './options.js';
import { BrokenPipeError, IoError, errnoCode, strerror } from '../reader/errors.js';

/**
 * The parts of a stream we use; process.stdout and a PassThrough both fit. A stream may keep a
 * chunk past its write callback (a PassThrough holds it until its reader reads): see
 * OutStream.writeBorrowed() for chunks whose memory is reused.
 */
export interface WritableLike {
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
  isTTY?: boolean;
  getColorDepth?(env?: Record<string, string | undefined>): number;
}

export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * --color, then NO_COLOR, then FORCE_COLOR, then whether the stream is a
 * terminal (and how many colours it says it has).
 */
export function colorLevel(mode: ColorMode | undefined, env: Readonly<Record<string, string | undefined>>, stream: WritableLike): ColorLevel {
  const ttyLevel = (): ColorLevel => {
    if (!stream.isTTY) return 0;
    if (env['TERM'] === 'dumb') return 0;
    const depth = stream.getColorDepth?.(env as Record<string, string>) ?? 4;
    return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
  };
  if (mode === 'never') return 0;
  if (mode === 'always') return Math.max(1, ttyLevel()) as ColorLevel;
  // no-color.org: present and not empty.
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) {
    if (force === '' || force === 'true') return 1;
    if (force === 'false') return 0;
    const n = Number(force);
    if (Number.isInteger(n) && n >= 0 && n <= 3) return n as ColorLevel;
  }
  return ttyLevel();
}

/** One output stream: awaited writes, colour, and the closed-pipe rule. */
export class OutStream {
  color: ChalkInstance;
  /** The reader went away: further output is dropped. */
  closed = false;
  private failure: Error | undefined;

  /**
   * `releasesChunks`: the stream is done with a chunk when its write callback runs (written to
   * the OS, as process.stdout and process.stderr are, or copied): writeBorrowed() then needs
   * no copy of its own.
   */
  constructor(
    readonly stream: WritableLike,
    readonly name: 'stdout' | 'stderr',
    level: ColorLevel = 0,
    private readonly options: { releasesChunks?: boolean } = {},
  ) {
    this.color = new Chalk({ level });
    // Without a listener an EPIPE 'error' event would crash the process.
    stream.on('error', (err) => this.noteError(err));
  }

  setColorLevel(level: ColorLevel): void {
    this.color = new Chalk({ level });
  }

  get colorLevel(): ColorLevel {
    return this.color.level as ColorLevel;
  }

  private noteError(err: Error): void {
    const code = errnoCode(err);
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET') this.closed = true;
    else this.failure ??= err;
  }

  private fail(err: Error): Error {
    this.noteError(err);
    if (this.closed) return new BrokenPipeError();
    return new IoError(`cannot write to standard ${this.name === 'stdout' ? 'output' : 'error'}: ${strerror(err)}`, { code: errnoCode(err) });
  }

  /**
   * Resolves when the chunk has been written. On stdout a closed pipe
   * rejects with BrokenPipeError (stop producing); on stderr it is ignored.
   */
  write(chunk: string | Uint8Array): Promise<void> {
    if (this.closed) return this.name === 'stdout' ? Promise.reject(new BrokenPipeError()) : Promise.resolve();
    if (this.failure) return Promise.reject(this.fail(this.failure));
    if (chunk.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => {
        if (!err) return resolve();
        const e = this.fail(err);
        if (e instanceof BrokenPipeError && this.name === 'stderr') resolve();
        else reject(e);
      };
      try {
        this.stream.write(chunk, done);
      } catch (err) {
        // Files are written synchronously: a full disk throws from write().
        done(err as Error);
      }
    });
  }

  /**
   * write() of a chunk whose memory the caller reuses once this resolves (a record read into a
   * reused buffer): handed on as it is to a stream that releases chunks by its callback, copied
   * first for any other, which might still hold it when the caller overwrites it.
   */
  writeBorrowed(chunk: Uint8Array): Promise<void> {
    return this.write(this.options.releasesChunks ? chunk : chunk.slice());
  }
}

/** What a command gets to talk to the world. */
export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
  /** For `--images-from -`. */
  stdin?: NodeJS.ReadableStream;
}

export function processIo(): Io {
  return {
    // Files, terminals and pipes: a write's callback comes once the bytes are with the OS.
    stdout: new OutStream(process.stdout, 'stdout', 0, { releasesChunks: true }),
    stderr: new OutStream(process.stderr, 'stderr', 0, { releasesChunks: true }),
    env: process.env,
    // On first use only: creating process.stdin loads Node's stream machinery (~2 ms of start-up).
    get stdin() {
      return process.stdin;
    },
  };
}

/** Applies --color to both streams, each judged on its own. */
export function configureColor(io: Io, mode: ColorMode | undefined): void {
  io.stdout.setColorLevel(colorLevel(mode, io.env, io.stdout.stream));
  io.stderr.setColorLevel(colorLevel(mode, io.env, io.stderr.stream));
}

/** `mmcpstore: warning: ...` lines on stderr, unless --quiet. */
export class Reporter {
  constructor(
    private readonly io: Io,
    private readonly quiet: boolean,
    readonly verbose: boolean,
  ) {}

  async warn(message: string): Promise<void> {
    if (this.quiet) return;
    const c = this.io.stderr.color;
    await this.io.stderr.write(`mmcpstore: ${c.yellow('warning:')} ${message}\n`);
  }

  async info(message: string): Promise<void> {
    if (this.quiet) return;
    await this.io.stderr.write(`${message}\n`);
  }

  async note(message: string): Promise<void> {
    if (!this.verbose) return;
    await this.io.stderr.write(`mmcpstore: ${message}\n`);
  }
}
