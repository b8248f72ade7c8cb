/**
 * The one place a reading command turns its `--image` into a file it can open at offsets: an
 * image file or a block device as it is; a compressed image, a FIFO, a pipe or `-` read once
 * (decompressed on the way when its first bytes say so) into a temporary sparse file, bounded by
 * --max-size, and removed when the read is done. Readers then open `file` and name `image`.
 */
import * as fs from 'node:fs';
import { DEFAULT_MAX_SIZE } from '../defaults.js';
import { DataError, UsageError, errnoCode, inputFileError, strerror } from '../errors.js';
import type { Chunks } from './decompress.js';
import { classifyImage, STDIN_NAME, type ImageInput } from './kind.js';
import { compressionOf, MAGIC_BYTES } from './magic.js';
import { spool } from './spool.js';


/** Standard input as a command has it (a terminal says so). */
export type StdinLike = NodeJS.ReadableStream & { isTTY?: boolean };

export interface ReadInputOptions {
  /** most bytes a streamed or decompressed image may hold (--max-size) */
  maxSize?: number;
  /** for `--image -`: asked for only then (creating process.stdin costs start-up time) */
  stdin?: () => StdinLike | undefined;
  /** where sysfs is mounted (tests) */
  sysfsRoot?: string;
}

export interface ReadInput {
  /** the input as the user named it: what reports and messages show */
  image: string;
  /** the file to open: `image` itself, or its temporary copy */
  file: string;
  input: ImageInput;
  /** bytes of the image (decompressed) */
  size: number;
  /** Removes the temporary copy, if any. */
  release(): void;
}

/** The chunks of a stream, its read errors worded for a user. */
async function* readChunks(stream: AsyncIterable<unknown>, name: string): Chunks {
  try {
    for await (const c of stream) yield typeof c === 'string' ? Buffer.from(c) : (c as Uint8Array);
  } catch (e) {
    if (errnoCode(e)) throw inputFileError(`cannot read '${name}': ${strerror(e)}`, e);
    throw e;
  }
}

/** The first chunks, at least MAGIC_BYTES unless the input is shorter, and an iterator of them all. */
async function sniff(chunks: Chunks): Promise<{ head: Uint8Array; rest: Chunks }> {
  const it = chunks[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let n = 0;
  let ended = false;
  while (n < MAGIC_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    seen.push(r.value);
    n += r.value.length;
  }
  const head = Buffer.concat(seen);
  async function* rest(): Chunks {
    try {
      if (head.length) yield head;
      if (ended) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      await it.return?.(); // stops and closes the source when the reader stops early
    }
  }
  return { head, rest: rest() };
}

function stdinChunks(o: ReadInputOptions): Chunks {
  const stdin = o.stdin?.();
  if (!stdin) throw new UsageError('--image -: there is no standard input to read the image from', { option: 'image' });
  if (stdin.isTTY) throw new UsageError('--image -: standard input is a terminal; pipe the image in (e.g. zcat dump.img.gz | mmcpstore inspect -i -)', { option: 'image' });
  return readChunks(stdin, STDIN_NAME);
}

/** Opens what `image` names for reading (see the file comment); call release() when done. */
export async function openReadInput(image: string, o: ReadInputOptions = {}): Promise<ReadInput> {
  const input = classifyImage(image, o.sysfsRoot !== undefined ? { sysfsRoot: o.sysfsRoot } : {});
  if (input.kind === 'file' || input.kind === 'block') return { image, file: image, input, size: input.size, release: () => undefined };
  // A FIFO's open waits for its writer, as cat's does: in the thread pool, so signals still end the wait.
  const raw = input.kind === 'stream' && input.from === 'stdin' ? stdinChunks(o) : readChunks(fs.createReadStream(image), image);
  const { head, rest } = await sniff(raw);
  if (head.length === 0) throw new DataError(`'${image}' is empty: no image bytes to read`, { size: 0 });
  const compression = compressionOf(head);
  // The decoders load only for a compressed input.
  const chunks = compression ? (await import('./decompress.js')).decompress(compression, rest, image) : rest;
  const maxSize = o.maxSize ?? DEFAULT_MAX_SIZE;
  const s = await spool(chunks, { name: image, maxSize, ...(compression ? { sizeNote: 'once decompressed' } : {}) });
  if (s.size === 0) {
    s.remove();
    throw new DataError(`'${image}' decompresses to nothing: no image bytes to read`, { size: 0 });
  }
  return { image, file: s.file, input, size: s.size, release: s.remove };
}

/** Runs `fn` on the opened input, and removes any temporary copy after, whatever happens. */
export async function withReadInput<T>(image: string, o: ReadInputOptions, fn: (input: ReadInput) => T | Promise<T>): Promise<T> {
  const input = await openReadInput(image, o);
  try {
    return await fn(input);
  } finally {
    input.release();
  }
}
