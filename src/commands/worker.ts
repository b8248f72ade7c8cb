/**
 * A worker thread of the image pool (pool.ts): runs one command for one
 * image at a time, its stdout and stderr posted back chunk by chunk. A write
 * resolves when the main thread acknowledges the chunk, which it delays when
 * much is buffered, so a worker cannot run far ahead of a slow reader.
 */
import { parentPort } from 'node:worker_threads';
import { COMMANDS } from './index.js';
import { failureOf } from './exit-status.js';
import { channelOut, type AckToWorker, type FromWorker, type ToWorker } from './pool.js';
import type { Io } from './io.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');

let seq = 0;
const waiting = new Map<number, (err?: Error | null) => void>();

port.on('message', (m: ToWorker | AckToWorker) => {
  if (m.type === 'ack') {
    const cb = waiting.get(m.seq);
    waiting.delete(m.seq);
    cb?.(null);
    return;
  }
  void runJob(m);
});

async function runJob(job: ToWorker): Promise<void> {
  const post = (stream: 'stdout' | 'stderr') => (chunk: Uint8Array, cb: (err?: Error | null) => void) => {
    const n = seq++;
    waiting.set(n, cb);
    port!.postMessage({ type: 'chunk', index: job.index, stream, chunk, seq: n } satisfies FromWorker);
  };
  const io: Io = {
    stdout: channelOut('stdout', post('stdout'), job.tty[0], job.colors[0]),
    stderr: channelOut('stderr', post('stderr'), job.tty[1], job.colors[1]),
    env: job.env,
  };
  const spec = COMMANDS.find((c) => c.name === job.command);
  try {
    if (!spec) throw new Error(`no command ${job.command}`);
    await spec.run(job.options, io);
    port!.postMessage({ type: 'done', index: job.index } satisfies FromWorker);
  } catch (e) {
    port!.postMessage({ type: 'done', index: job.index, error: failureOf(e, !!job.options.debug) } satisfies FromWorker);
  }
}
