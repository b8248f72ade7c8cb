/**
 * Many images at once (the board-farm triage case): `inspect`/`recover` with
 * several `--image` values or `--images-from`, run once per image on a pool
 * of worker threads sized to the cores (`--jobs`). Each worker runs the same
 * command module with streams that post their chunks back here; this thread
 * writes them in the order the images were given, so the output is the same
 * as running the images one after another, whatever finishes first.
 *
 * One image failing does not stop the others: its error is printed as
 * `mmcpstore: IMAGE: message` (and, with --json, an error object on stdout),
 * and the command ends with the status of the first image that failed.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MiB } from '../lib/units.js';
import type { CommandSpec } from './command.js';
import { CliError, EXIT, UsageError, type ExitName, readInputText } from '../reader/errors.js';
import { exitNameOf, failureOf, type Failure } from './exit-status.js';
import { OutStream, type Io, type WritableLike } from './io.js';
import type { CliOptions } from './options.js';
import { prepareOutDir } from '../reader/outdir.js';
import { Progress } from './render/progress.js';
import { SCHEMA_VERSION } from '../reader/report.js';

/** `--image` values, then the lines of `--images-from` (blank lines and `#` comments skipped). */
export async function imageList(o: CliOptions, io: Io): Promise<string[]> {
  const list = [...(o.images ?? []), ...(o.image !== undefined ? [o.image] : [])];
  if (o.imagesFrom !== undefined) {
    let text: string;
    if (o.imagesFrom === '-') {
      if (!io.stdin) throw new UsageError('--images-from -: no standard input');
      const chunks: Buffer[] = [];
      for await (const c of io.stdin) chunks.push(Buffer.from(c as Uint8Array));
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      text = readInputText(o.imagesFrom, 'image list');
    }
    const given = list.length;
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t && !t.startsWith('#')) list.push(t);
    }
    if (list.length === given) {
      throw new UsageError(`--images-from '${o.imagesFrom}': no image paths in it (blank lines and # comments are skipped)`, { option: 'images-from' });
    }
  }
  if (list.length === 0) throw new UsageError('--image FILE is required (the image file or block device to read)', { option: 'image' });
  return list;
}

/** Several images failed: the status is the first failure's (in the order given). */
export class ManyFailedError extends CliError {
  constructor(failed: number, total: number, first: { image: string; exit: ExitName }) {
    super(`${failed} of ${total} images failed (the first: '${first.image}', status ${EXIT[first.exit]})`, first.exit, { failed, total });
  }
}

/** Messages between this thread and a worker (worker.ts). */
export type ToWorker = {
  type: 'job';
  index: number;
  command: string;
  options: CliOptions;
  colors: [number, number];
  tty: [boolean, boolean];
  env: Record<string, string | undefined>;
};
export type FromWorker =
  | { type: 'chunk'; index: number; stream: 'stdout' | 'stderr'; chunk: Uint8Array; seq: number }
  | { type: 'done'; index: number; error?: Failure };
export type AckToWorker = { type: 'ack'; seq: number };

/** The options one image runs with. */
export function jobOptions(o: CliOptions, image: string, index: number, images: readonly string[]): CliOptions {
  const { images: _images, imagesFrom: _from, jobs: _jobs, ...rest } = o;
  void _images;
  void _from;
  void _jobs;
  const out: CliOptions = { ...rest, image, many: { index, total: images.length } };
  if (o.out !== undefined) out.out = path.join(o.out, outName(image, images));
  return out;
}

/** `DIR/<image basename>` for --out with several images. */
function outName(image: string, images: readonly string[]): string {
  const base = path.basename(image);
  return base || `image-${images.indexOf(image)}`;
}

/** What one image produced, kept until it is that image's turn. */
interface Slot {
  chunks: { stream: 'stdout' | 'stderr'; chunk: Uint8Array; seq: number; worker: Worker | null }[];
  done: boolean;
  error?: Failure;
}

const BUFFER_LIMIT = 64 * MiB;

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  // Run from source under tsx (tests, `npm run dev`): the worker registers tsx itself, then loads worker.ts.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}

export async function runMany(spec: CommandSpec, o: CliOptions, images: string[], io: Io): Promise<void> {
  if (o.out !== undefined) {
    const seen = new Map<string, string>();
    for (const img of images) {
      const b = outName(img, images);
      const other = seen.get(b);
      if (other !== undefined && other !== img) throw new UsageError(`--out with several images writes DIR/<image name>, and '${other}' and '${img}' have the same name`);
      if (other === img) throw new UsageError(`'${img}' is given twice`);
      seen.set(b, img);
    }
    // DIR holds one directory per image; with --force, each of those follows the usual rules.
    prepareOutDir(o.out, !!o.force, (name, _full, st) => seen.has(name) && st.isDirectory() && !st.isSymbolicLink());
  }
  const jobs = Math.max(1, Math.min(o.jobs ?? os.availableParallelism(), images.length));
  const progress = !o.quiet && io.stderr.stream.isTTY && images.length >= 4 ? new Progress(io.stderr, images.length) : null;
  const slots: Slot[] = images.map(() => ({ chunks: [], done: false }));
  const failures: { index: number; error: Failure }[] = [];
  let head = 0;
  let buffered = 0;
  let flushing: Promise<void> = Promise.resolve();

  const writeChunk = async (stream: 'stdout' | 'stderr', chunk: Uint8Array): Promise<void> => {
    if (stream === 'stderr' && progress) await progress.above(chunk);
    else await io[stream].write(chunk);
  };
  const finishImage = async (index: number, error: Failure | undefined): Promise<void> => {
    if (error) {
      failures.push({ index, error });
      if (o.json) await io.stdout.write(JSON.stringify({ schema: SCHEMA_VERSION, image: images[index], error: { name: error.name, message: error.message, exit: error.exit } }) + '\n');
      const c = io.stderr.color;
      await writeChunk('stderr', Buffer.from(`mmcpstore: ${c.red(`${images[index]}: ${error.message}`)}\n${error.stack ? `${error.stack}\n` : ''}`));
    }
    await progress?.tick(!!error);
  };
  /** Writes whatever is ready, in image order. */
  const flush = (): Promise<void> =>
    (flushing = flushing.then(async () => {
      while (head < slots.length) {
        const slot = slots[head]!;
        while (slot.chunks.length) {
          const c = slot.chunks.shift()!;
          buffered -= c.chunk.length;
          await writeChunk(c.stream, c.chunk);
          c.worker?.postMessage({ type: 'ack', seq: c.seq } satisfies AckToWorker);
        }
        if (!slot.done) return;
        await finishImage(head, slot.error);
        head++;
      }
    }));

  await progress?.start();
  try {
    if (jobs === 1) {
      // In this thread, one image after another: the reference the pool must match.
      for (let i = 0; i < images.length; i++) {
        try {
          await spec.run(jobOptions(o, images[i]!, i, images), io);
          await finishImage(i, undefined);
        } catch (e) {
          if (e instanceof CliError && e.exit === 'ok') throw e; // a closed stdout ends everything
          await finishImage(i, failureOf(e, !!o.debug));
        }
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        let next = 0;
        let running = 0;
        let failed = false;
        const workers: Worker[] = [];
        const stop = (e: unknown): void => {
          if (failed) return;
          failed = true;
          for (const w of workers) void w.terminate();
          reject(e);
        };
        const give = (w: Worker): void => {
          if (next >= images.length) {
            void w.terminate();
            return;
          }
          const index = next++;
          running++;
          const msg: ToWorker = {
            type: 'job',
            index,
            command: spec.name,
            options: jobOptions(o, images[index]!, index, images),
            colors: [io.stdout.colorLevel, io.stderr.colorLevel],
            tty: [!!io.stdout.stream.isTTY, !!io.stderr.stream.isTTY],
            env: { ...io.env },
          };
          w.postMessage(msg);
        };
        for (let k = 0; k < jobs; k++) {
          const w = startWorker();
          workers.push(w);
          w.on('message', (m: FromWorker) => {
            const slot = slots[m.index]!;
            if (m.type === 'chunk') {
              const chunk = m.chunk;
              // Acknowledge at once while little is buffered; otherwise when written (back-pressure).
              const early = buffered + chunk.length < BUFFER_LIMIT;
              buffered += chunk.length;
              slot.chunks.push({ stream: m.stream, chunk, seq: m.seq, worker: early ? null : w });
              if (early) w.postMessage({ type: 'ack', seq: m.seq } satisfies AckToWorker);
              if (m.index === head) flush().catch(stop);
              return;
            }
            slot.done = true;
            if (m.error) slot.error = m.error;
            running--;
            flush()
              .then(() => {
                if (head >= slots.length) {
                  for (const x of workers) void x.terminate();
                  resolve();
                }
              })
              .catch(stop);
            give(w);
          });
          w.on('error', stop);
          give(w);
        }
        void running;
      });
      await flushing;
    }
  } finally {
    await progress?.end();
  }
  if (failures.length) {
    const first = failures.sort((a, b) => a.index - b.index)[0]!;
    throw new ManyFailedError(failures.length, images.length, { image: images[first.index]!, exit: exitNameOf(first.error.exit) });
  }
}

/** The streams a worker's command writes to: every chunk goes to the main thread, acknowledged there. */
export class ChannelStream implements WritableLike {
  constructor(
    private readonly post: (chunk: Uint8Array, cb: (err?: Error | null) => void) => void,
    readonly isTTY: boolean,
  ) {}
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.post(typeof chunk === 'string' ? Buffer.from(chunk) : Uint8Array.from(chunk), cb ?? (() => undefined));
    return true;
  }
  on(): this {
    return this;
  }
}

/** An OutStream over a ChannelStream, at the main thread's colour level. */
export function channelOut(name: 'stdout' | 'stderr', post: (chunk: Uint8Array, cb: (err?: Error | null) => void) => void, tty: boolean, level: number): OutStream {
  return new OutStream(new ChannelStream(post, tty), name, level as 0 | 1 | 2 | 3);
}

