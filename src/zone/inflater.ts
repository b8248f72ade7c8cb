/**
 * decompress_record()'s inflate for many records in a row: one node:zlib
 * engine, reset between records (inflateReset, as the kernel reuses its one
 * zstream), inflating into one reused output buffer. inflateRawSync() makes a
 * new engine and a fresh output buffer (the limit + 1, ~190 KiB) per record:
 * V8 frees those only after tens of MiB of them have piled up, which set the
 * peak RSS of a large recovery, and their page faults and the engine set-up
 * were a third of its CPU time.
 *
 * node:zlib's synchronous API takes no output buffer, so this drives the
 * engine's handle as inflateRawSync() itself does (`_handle.writeSync()`,
 * `_writeState`: the same calls in Node 20 to 26). Where a Node lacks them,
 * or the limit is too large for a kept buffer, it falls back to
 * pstoreDecompress(): the same verdicts and bytes, only slower.
 */
import { InflateRaw, constants as zlibConstants } from 'node:zlib';
import { INFLATE_CHUNK_MAX, ZLIB_WINDOW_BITS, overLimitError, pstoreDecompress, type InflateResult } from './compress.js';

/** The internals inflateRawSync() uses (lib/zlib.js processChunkSync). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}
interface EngineInternals {
  _handle: ZlibHandle;
  /** [avail_out, avail_in] after each write. */
  _writeState: Uint32Array;
}
type Engine = InflateRaw & EngineInternals;

/** Whether this Node's zlib engine has the internals the reused path drives. */
function drivable(engine: InflateRaw): engine is Engine {
  const e = engine as InflateRaw & Partial<EngineInternals>;
  return typeof e._handle?.writeSync === 'function' && e._writeState instanceof Uint32Array && e._writeState.length >= 2;
}

export class RawInflater {
  private engine: Engine | undefined;
  private out: Uint8Array = new Uint8Array(0);
  /** False once this Node's engine turned out not to be drivable: every call takes the fallback. */
  private reusable: boolean;

  /** `reuse: false` always takes the fallback (inflateRawSync per record). */
  constructor(options: { reuse?: boolean } = {}) {
    this.reusable = options.reuse ?? true;
  }

  /** True while records are inflated by the one reused engine. */
  get reusing(): boolean {
    return this.reusable;
  }

  /**
   * pstoreDecompress(payload, limit), except that on success `data` is a view into this
   * inflater's buffer, valid until its next call (copy what must outlive that).
   */
  inflate(payload: Uint8Array, limit: number): InflateResult {
    const max = Math.max(1, limit);
    if (!this.reusable || max + 1 > INFLATE_CHUNK_MAX) return pstoreDecompress(payload, limit);
    const engine = this.ready();
    if (!engine) return pstoreDecompress(payload, limit);
    // One byte over the limit still fits: a full buffer is more output than the limit allows.
    if (this.out.length < max + 1) this.out = new Uint8Array(max + 1);
    const outLen = max + 1;
    engine._handle.writeSync(zlibConstants.Z_FINISH, payload, 0, payload.length, this.out, 0, outLen);
    // zlib's errors (bad data, "unexpected end of file") destroy the engine, as in inflateRawSync().
    const failed = engine.errored;
    if (failed) {
      this.engine = undefined;
      return { ok: false, error: failed.message || String(failed) };
    }
    const availOut = engine._writeState[0]!;
    if (availOut === 0) return { ok: false, error: overLimitError(limit) };
    return { ok: true, data: this.out.subarray(0, outLen - availOut) };
  }

  /** The engine, reset for a new stream; undefined when this Node's cannot be driven. */
  private ready(): Engine | undefined {
    if (this.engine && !this.engine.destroyed) {
      this.engine.reset();
      return this.engine;
    }
    const engine = new InflateRaw({ windowBits: ZLIB_WINDOW_BITS });
    // Its errors are read from `errored` right after each write; the event would otherwise be uncaught.
    engine.on('error', () => undefined);
    if (!drivable(engine)) {
      engine.close();
      this.reusable = false;
      return undefined;
    }
    this.engine = engine;
    return engine;
  }

  /** True when `view` lies in this inflater's output buffer (overwritten by its next call). */
  holds(view: Uint8Array): boolean {
    return view.byteLength > 0 && view.buffer === this.out.buffer;
  }

  /** Frees the engine and the buffer (the inflater stays usable). */
  close(): void {
    this.engine?.close();
    this.engine = undefined;
    this.out = new Uint8Array(0);
  }
}
