/**
 * Decompressing an image as it streams in, chunk by chunk (never the whole image in memory):
 * gzip with node:zlib (concatenated members too, as gunzip does), zstd with fzstd (pure JS, every
 * frame of the stream: Node's own zstd is missing before 22.15), xz with xz-decompress (xz-embedded
 * compiled to WebAssembly: no native module, runs on every Node the package supports). The
 * packages load on first use; node:zlib is imported statically: the bundled CLI runs in a
 * vm.Script, where an import() that stays an import() (a node: built-in) has no loader to call.
 * A corrupt or truncated stream ends in one DataError.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DataError } from '../errors.js';
import type { Compression } from './magic.js';

export type Chunks = AsyncIterable<Uint8Array>;

/** `chunks` decompressed as `compression`; errors name `name`, the input as the user gave it. */
export async function* decompress(compression: Compression, chunks: Chunks, name: string): Chunks {
  const decoder = compression === 'gzip' ? gunzip : compression === 'zstd' ? unzstd : unxz;
  try {
    yield* decoder(chunks);
  } catch (e) {
    if (e instanceof InputStreamError) throw e.cause;
    const why = e instanceof Error ? e.message : String(e);
    throw new DataError(`'${name}': the ${compression} data is corrupt or truncated (${why})`, { compression });
  }
}

/** An error of the input stream itself (not of its data), passed through the decoder unchanged. */
class InputStreamError extends Error {
  constructor(override readonly cause: unknown) {
    super('input stream failed');
  }
}

/** The input, with its own errors marked as not the decoder's. */
async function* marked(chunks: Chunks): Chunks {
  try {
    yield* chunks;
  } catch (e) {
    throw new InputStreamError(e);
  }
}

async function* gunzip(chunks: Chunks): Chunks {
  const input = Readable.from(marked(chunks), { objectMode: false });
  const out = zlib.createGunzip();
  input.on('error', (e) => out.destroy(e));
  input.pipe(out);
  try {
    for await (const c of out) yield c as Uint8Array;
  } finally {
    input.destroy();
  }
}

async function* unzstd(chunks: Chunks): Chunks {
  const { Decompress } = await import('fzstd');
  let ready: Uint8Array[] = [];
  const d = new Decompress((c) => void ready.push(c));
  for await (const c of marked(chunks)) {
    d.push(c);
    yield* ready;
    ready = [];
  }
  d.push(new Uint8Array(0), true);
  yield* ready;
}

async function* unxz(chunks: Chunks): Chunks {
  // CommonJS: its exports arrive as the default export.
  const mod = (await import('xz-decompress')) as unknown as { default?: typeof import('xz-decompress') } & typeof import('xz-decompress');
  const XzReadableStream = (mod.default ?? mod).XzReadableStream;
  const source = Readable.from(marked(chunks), { objectMode: false });
  const out = new XzReadableStream(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
  const reader = out.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    source.destroy();
  }
}
