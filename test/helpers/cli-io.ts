/**
 * The CLI in this process: `main(argv, io)` of src/cli.ts with streams that keep what is written
 * (much faster than a spawn; the same code path below the process boundary).
 */
import { main } from '../../src/cli.js';
import { OutStream, type Io, type WritableLike } from '../../src/commands/io.js';
import type { CliRun } from './run-cli.js';

/** A stream that keeps what is written, optionally pretending to be a terminal. */
export class Collector implements WritableLike {
  chunks: Buffer[] = [];
  isTTY?: boolean;
  constructor(tty = false, private readonly depth = 8) {
    if (tty) this.isTTY = true;
  }
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.chunks.push(Buffer.from(chunk));
    queueMicrotask(() => cb?.(null));
    return true;
  }
  on(): this {
    return this;
  }
  getColorDepth(): number {
    return this.depth;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.bytes.toString('utf8');
  }
}

export function fakeIo(env: Record<string, string | undefined> = {}, tty = false): { io: Io; out: Collector; err: Collector } {
  const out = new Collector(tty);
  const err = new Collector(tty);
  return { io: { stdout: new OutStream(out, 'stdout'), stderr: new OutStream(err, 'stderr'), env }, out, err };
}

/** `mmcpstore ARGS` through main() in this process, colour off unless `env` says otherwise. */
export async function runMain(args: string[], env: Record<string, string | undefined> = { NO_COLOR: '1' }): Promise<CliRun> {
  const { io, out, err } = fakeIo(env);
  const status = await main(args, io);
  return { status, signal: null, stdout: out.bytes, stderr: err.text };
}
