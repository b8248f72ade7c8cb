/**
 * A one-line progress bar on stderr for the image pool, drawn only when
 * stderr is a terminal: `[#########---------]  12/40 images, 1 failed`.
 * Other stderr lines are printed above it (the bar is cleared and redrawn).
 */
import type { OutStream } from '../io.js';

/** The bar's text for `done` of `total`, `width` cells wide. */
export function progressLine(done: number, total: number, failed: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return `[${bar}] ${String(done).padStart(String(total).length)}/${total} images${failed ? `, ${failed} failed` : ''}`;
}

const CLEAR = '\r\x1b[K';

export class Progress {
  private done = 0;
  private failed = 0;
  constructor(
    private readonly err: OutStream,
    private readonly total: number,
  ) {}

  private line(): string {
    const c = this.err.color;
    const text = progressLine(this.done, this.total, this.failed);
    return this.failed ? c.yellow(text) : c.cyan(text);
  }

  async start(): Promise<void> {
    await this.err.write(this.line());
  }

  /** Prints `chunk` (whole lines) above the bar. */
  async above(chunk: Uint8Array | string): Promise<void> {
    await this.err.write(CLEAR);
    await this.err.write(chunk);
    await this.err.write(this.line());
  }

  async tick(failed: boolean): Promise<void> {
    this.done++;
    if (failed) this.failed++;
    await this.err.write(CLEAR + this.line());
  }

  async end(): Promise<void> {
    await this.err.write(CLEAR);
  }
}
