/**
 * Worker thread of the fuzzer (fuzz-core.ts CaseRunner): runs `main(argv, io)` of src/cli.ts with
 * streams that only count stdout bytes and keep stderr text, and posts the exit status back.
 */
import { parentPort } from 'node:worker_threads';
import { main } from '../../src/cli.js';
import { OutStream, type Io, type WritableLike } from '../../src/commands/io.js';

const port = parentPort;
if (!port) throw new Error('fuzz-worker.ts runs as a worker thread');

class Sink implements WritableLike {
  bytes = 0;
  text = '';
  constructor(private readonly keep: boolean) {}
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.bytes += chunk.length;
    if (this.keep && this.text.length < 64 * 1024) this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    queueMicrotask(() => cb?.(null));
    return true;
  }
  on(): this {
    return this;
  }
}

port.on('message', (m: { id: number; argv: string[] }) => {
  void (async () => {
    const out = new Sink(false);
    const err = new Sink(true);
    const io: Io = { stdout: new OutStream(out, 'stdout'), stderr: new OutStream(err, 'stderr'), env: { NO_COLOR: '1' } };
    let code: number;
    try {
      code = await main(m.argv, io);
    } catch (e) {
      // main() must never throw: report it as a status no command uses.
      code = -1;
      err.text += `main() threw: ${(e as Error)?.stack ?? String(e)}\n`;
    }
    port.postMessage({ id: m.id, code, stdoutBytes: out.bytes, stderr: err.text });
  })();
});
