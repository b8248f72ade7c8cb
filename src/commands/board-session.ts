/**
 * What the board commands (mkimage, panic, oops, pmsg, console, erase, inspect --card) share on
 * top of the reader's board opening and runs (reader/board-open.ts, reader/board-run.ts): the one
 * --image, the blkdev, the --trace sink on the command's stderr, the clock, and withBoard(), which
 * hands a board run the command line's choices. Errors leave here typed (reader/errors.ts).
 */
import * as fs from 'node:fs';
import type { Tracer } from '../driver/board/index.js';
import { requireCard, traceSink as readerTraceSink } from '../reader/board-open.js';
import { checkWritableImage } from '../reader/input/writable.js';
import { boardParams, runOnBoard, type BoardFeatures, type BoardParams, type BoardShape, type Booted } from '../reader/board-run.js';
import type { CardProbe } from '../reader/card-probe.js';
import { now } from '../reader/clock.js';
import { SCHEMA_VERSION } from '../reader/report.js';
import { describeOwner } from '../lib/image-lock.js';
import { DEFAULT_COMPRESS } from '../reader/defaults.js';
import { WRITABLE_ALGORITHMS } from '../zone/compress.js';
import type { CompressAlgorithm } from '../zone/compressors/algorithms.js';
import { kernelProfile } from '../zone/kernel-profile.js';
import { InputError, UsageError, errnoCode, strerror } from '../reader/errors.js';
import { imageOptionsFrom } from './command.js';
import { Reporter, type Io } from './io.js';
import { optionDefault, type CliOptions } from './options.js';

/** A Tracer writing to our stderr (one line per event), or undefined without --trace. */
export function traceSink(glob: string | undefined, io: Io): Tracer | undefined {
  return readerTraceSink(glob, (line) => void io.stderr.write(`${line}\n`).catch(() => undefined));
}

/** Record times: SOURCE_DATE_EPOCH when set (reproducible images), else the real clock (clock.ts). */
export function bootWallClock(env: Readonly<Record<string, string | undefined>>): number {
  return Number(now(env).sec);
}

/** The image a board command works on: exactly one --image. */
export function oneImage(o: CliOptions): string {
  if (o.image !== undefined) return o.image;
  if (o.images && o.images.length > 1) throw new UsageError('this command works on one --image at a time', { option: 'image' });
  throw new UsageError('--image FILE is required (the card image)', { option: 'image' });
}

/** pstore_blk.blkdev: --blkdev, else the partition labelled pstore. */
export function blkdevFor(o: CliOptions, probe: CardProbe, image: string): string {
  if (o.blkdev !== undefined) return o.blkdev;
  if (probe.pstoreNumber === null) {
    throw new UsageError(`'${image}' has no partition labelled pstore: give --blkdev (e.g. /dev/mmcblk0p${probe.scan.partitions.at(-1)?.number ?? 1})`, { option: 'blkdev' });
  }
  return `/dev/mmcblk0p${probe.pstoreNumber}`;
}

export interface BootOptions {
  readOnly: boolean;
  /** the run writes dmesg records (panic, oops): pstore.compress must be one we can write */
  dumps?: boolean;
  /** mount pstorefs (recovery) after registering (default true) */
  mount?: boolean;
  /** the wall clock at boot (record times), read once the lock is held; default SOURCE_DATE_EPOCH or now */
  clock?: () => number;
}

/**
 * Runs `fn` on the board booted over the command's card image (reader/board-run.ts), with the
 * command line's image, blkdev, parameters, trace, lock wait, seed and driver.
 */
export async function withBoard<T>(o: CliOptions, io: Io, b: BootOptions, fn: (x: Booted) => T | Promise<T>): Promise<T> {
  const image = oneImage(o);
  checkWritableImage(image, { allowDevice: !!o.allowDevice });
  const probe = requireCard(image);
  const blkdev = blkdevFor(o, probe, image);
  const params = boardParams(imageOptionsFrom({ ...o, image }));
  if (b.dumps) await checkWriteCompressor(params, io, o);
  const tracer = traceSink(o.trace, io);
  if (!b.readOnly) bootWallClock(io.env); // a bad SOURCE_DATE_EPOCH is a usage error before any lock
  return runOnBoard(
    {
      board: boardShapeFrom(o),
      image,
      probe,
      blkdev,
      params,
      tracer,
      wait: o.wait ?? optionDefault('wait'),
      seed: o.seed ?? optionDefault('seed'),
      driver: o.driver ?? optionDefault('driver'),
      readOnly: b.readOnly,
      mount: b.mount ?? true,
      features: boardFeatures(o),
      clock: b.clock ?? (() => bootWallClock(io.env)),
      onWait: (owner) => new Reporter(io, !!o.quiet, !!o.verbose).info(`mmcpstore: image '${image}' is locked by ${describeOwner(owner)}; waiting up to ${o.wait ?? optionDefault('wait')} s`),
    },
    fn,
  );
}

/** The board features of the command line (panic: --cqe, --cache-size, --without-cmd23). */
export function boardFeatures(o: CliOptions): BoardFeatures {
  const f: BoardFeatures = {};
  if (o.cqe) f.cqe = true;
  if (o.cacheSize) f.cacheSize = o.cacheSize;
  if (o.withoutCmd23) f.hostNoCmd23 = true;
  return f;
}

/** The board options of the command line (only those given: the defaults are the board's). */
export function boardShapeFrom(o: CliOptions): BoardShape {
  const b: BoardShape = {};
  if (o.busMode) b.busMode = o.busMode;
  if (o.aggressivePm) b.aggressivePm = true;
  if (o.gatedMmio) b.gatedMmio = o.gatedMmio;
  return b;
}

/**
 * pstore.compress as the writing kernel settles it: before 6.6 the crypto API's algorithm as
 * named; 6.6+ (zlib library calls) knows only deflate and uses it for any other name.
 */
export function writeCompressor(params: Pick<BoardParams, 'related' | 'kernel'>): CompressAlgorithm | 'none' {
  const named = params.related?.compress ?? DEFAULT_COMPRESS;
  if (named === 'none') return named;
  return kernelProfile(params.kernel).compression === 'zlib' ? 'deflate' : named;
}

/**
 * Before the board boots: an algorithm we cannot write (842) is a usage error; on a 6.6+ kernel
 * any algorithm but deflate gets the kernel's own fallback, said as platform.c's pr_err says it.
 */
async function checkWriteCompressor(params: BoardParams, io: Io, o: CliOptions): Promise<void> {
  const named = params.related?.compress ?? DEFAULT_COMPRESS;
  if (named === 'none') return;
  if (!WRITABLE_ALGORITHMS.includes(named)) {
    throw new UsageError(`--compress ${named}: writing ${named}-compressed records is not supported (${WRITABLE_ALGORITHMS.join(', ')} or none are); reading keeps them as .enc.z`, {
      option: 'compress',
      value: named,
    });
  }
  if (writeCompressor(params) !== named) {
    await new Reporter(io, !!o.quiet, !!o.verbose).warn(
      `pstore: Unsupported compression '${named}', falling back to deflate (kernels from 6.6 on know only deflate; --kernel 6.5 or older writes ${named})`,
    );
  }
}

/** Text from a positional argument, or standard input for '-' or none. */
export async function textArgument(text: string | undefined, io: Io, what: string): Promise<Uint8Array> {
  if (text !== undefined && text !== '-') return new TextEncoder().encode(text.endsWith('\n') ? text : `${text}\n`);
  if (!io.stdin) throw new UsageError(`${what}: no TEXT and no standard input`);
  return readStream(io.stdin);
}

export async function readStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}

/** `--log FILE|-`: the user's kernel log lines. */
export async function userLogLines(log: string | undefined, io: Io): Promise<string[]> {
  if (log === undefined) return [];
  let bytes: Uint8Array;
  if (log === '-') {
    if (!io.stdin) throw new UsageError('--log -: no standard input', { option: 'log' });
    bytes = await readStream(io.stdin);
  } else {
    try {
      bytes = fs.readFileSync(log);
    } catch (e) {
      const code = errnoCode(e);
      throw new InputError(`--log: cannot read '${log}': ${strerror(e)}`, { code });
    }
  }
  return new TextDecoder().decode(bytes).split('\n').filter((l) => l.trim() !== '');
}

/** "64.775 ms" from virtual ns. */
export function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

/**
 * The one JSON object a command prints (docs/json.md): `"schema"` first, then the report; virtual
 * times carried as bigint (CPU events) become numbers.
 */
export function toJson(value: object): string {
  return JSON.stringify({ schema: SCHEMA_VERSION, ...value }, (_k, v: unknown) => (typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v), 2);
}
