/**
 * The search under `detect`'s signature scan: where a 3-byte pattern occurs in a buffer, and
 * whether the buffer is all zero, in one pass. Buffer.indexOf() stops at every byte equal to
 * the pattern's first one (memchr, then a compare): on random data once per 256 bytes, which
 * made the search cost as much as reading the file. The SIMD finder (WebAssembly, 128-bit
 * lanes) compares 64 bytes a step against the pattern's first and last bytes and looks closer
 * only where both match (once per 64 KiB of random data); it also ORs the bytes it passes, so an
 * all-zero chunk needs no second pass. It works on its own memory, so reads go straight into
 * `buf`. Where WebAssembly is unavailable (`node --jitless`), the plain finder does the same
 * with indexOf and a compare.
 */
import { I32, V128, encodeModule, op, type Code } from './wasm-encode.js';

/** find(): no match, and some byte of the range is not zero. */
export const NO_MATCH = -1;
/** find(): no match, and every byte of the range is zero. */
export const NO_MATCH_ZERO = -2;

export interface TailFinder {
  /** The bytes searched: a chunk is read into it. */
  readonly buf: Buffer;
  /**
   * The first `i >= from` with the pattern at buf[i, i + 3) inside buf[0, len); else NO_MATCH,
   * or NO_MATCH_ZERO when buf[from, len) is all zero.
   */
  find(from: number, len: number): number;
}

/** Bytes the pattern has. */
export const PATTERN_BYTES = 3;

/** indexOf and a compare, over any buffer. */
export function plainTailFinder(pattern: Uint8Array, buf: Buffer): TailFinder {
  if (pattern.length !== PATTERN_BYTES) throw new RangeError(`the pattern has ${pattern.length} bytes, not ${PATTERN_BYTES}`);
  const needle = Buffer.from(pattern);
  let zero = Buffer.alloc(0);
  return {
    buf,
    find(from, len) {
      const i = buf.indexOf(needle, from);
      if (i >= 0 && i + PATTERN_BYTES <= len) return i;
      const n = Math.max(0, len - from);
      if (zero.length < n) zero = Buffer.alloc(n);
      return buf.subarray(from, from + n).equals(zero.subarray(0, n)) ? NO_MATCH_ZERO : NO_MATCH;
    },
  };
}

/** WebAssembly pages are 64 KiB. */
const WASM_PAGE = 65536;
/** Lanes of a v128 and 128-bit vectors compared per step of the SIMD loop. */
const LANES = 16;
const UNROLL = 4;
const STEP = LANES * UNROLL;

// The function's parameters and locals, by index.
const FROM = 0;
const LEN = 1;
const I = 2;
const J = 3;
const SCALAR_OR = 4;
const VEC_OR = 5;
const FIRST = 6;
const LAST = 7;
const HITS = 8;
const LOADED = 9;

/** `pattern at i` on the stack as an i32 (scalar: the candidate checks and the tail). */
function matchesAt(local: number, p: Uint8Array): Code {
  return [
    ...op.localGet(local), ...op.load8u(0), ...op.i32Const(p[0]!), ...op.i32Eq,
    ...op.localGet(local), ...op.load8u(1), ...op.i32Const(p[1]!), ...op.i32Eq, ...op.i32And,
    ...op.localGet(local), ...op.load8u(2), ...op.i32Const(p[2]!), ...op.i32Eq, ...op.i32And,
  ];
}

/** find(from, len) -> i32, as documented on TailFinder. */
function findBody(p: Uint8Array): Code {
  const steps: Code = [];
  for (let k = 0; k < UNROLL; k++) {
    // hits |= (v[i+16k] == first) & (v[i+16k+2] == last); or |= v[i+16k]
    steps.push(...op.localGet(I), ...op.v128Load(LANES * k), ...op.localTee(LOADED), ...op.localGet(FIRST), ...op.i8x16Eq);
    steps.push(...op.localGet(I), ...op.v128Load(LANES * k + PATTERN_BYTES - 1), ...op.localGet(LAST), ...op.i8x16Eq, ...op.v128And);
    if (k > 0) steps.push(...op.localGet(HITS), ...op.v128Or);
    steps.push(...op.localSet(HITS), ...op.localGet(VEC_OR), ...op.localGet(LOADED), ...op.v128Or, ...op.localSet(VEC_OR));
  }
  return [
    ...op.i32Const(p[0]!), ...op.i8x16Splat, ...op.localSet(FIRST),
    ...op.i32Const(p[PATTERN_BYTES - 1]!), ...op.i8x16Splat, ...op.localSet(LAST),
    ...op.localGet(FROM), ...op.localSet(I),
    // SIMD steps while every position of the step has its whole pattern inside len.
    ...op.block, ...op.loop,
    ...op.localGet(I), ...op.i32Const(STEP + PATTERN_BYTES - 1), ...op.i32Add, ...op.localGet(LEN), ...op.i32GtU, ...op.brIf(1),
    ...steps,
    ...op.localGet(HITS), ...op.v128AnyTrue, ...op.if,
    // A candidate: check the step's positions one by one, in order.
    ...op.localGet(I), ...op.localSet(J),
    ...op.block, ...op.loop,
    ...matchesAt(J, p), ...op.if, ...op.localGet(J), ...op.return, ...op.end,
    ...op.localGet(J), ...op.i32Const(1), ...op.i32Add, ...op.localTee(J), ...op.localGet(I), ...op.i32Const(STEP), ...op.i32Add, ...op.i32LtU, ...op.brIf(0),
    ...op.end, ...op.end,
    ...op.end,
    ...op.localGet(I), ...op.i32Const(STEP), ...op.i32Add, ...op.localSet(I), ...op.br(0),
    ...op.end, ...op.end,
    // The tail, a byte at a time.
    ...op.block, ...op.loop,
    ...op.localGet(I), ...op.localGet(LEN), ...op.i32GeU, ...op.brIf(1),
    ...op.localGet(SCALAR_OR), ...op.localGet(I), ...op.load8u(0), ...op.i32Or, ...op.localSet(SCALAR_OR),
    ...op.localGet(I), ...op.i32Const(PATTERN_BYTES), ...op.i32Add, ...op.localGet(LEN), ...op.i32LeU, ...op.if,
    ...matchesAt(I, p), ...op.if, ...op.localGet(I), ...op.return, ...op.end,
    ...op.end,
    ...op.localGet(I), ...op.i32Const(1), ...op.i32Add, ...op.localSet(I), ...op.br(0),
    ...op.end, ...op.end,
    // NO_MATCH_ZERO (-2) + (any byte seen ? 1 : 0)
    ...op.i32Const(NO_MATCH_ZERO), ...op.localGet(VEC_OR), ...op.v128AnyTrue, ...op.localGet(SCALAR_OR), ...op.i32Or, ...op.i32Const(0), ...op.i32Ne, ...op.i32Add,
    ...op.end,
  ];
}

interface FindExports {
  find: (from: number, len: number) => number;
  memory: { buffer: ArrayBuffer };
}

/** The part of the WebAssembly JS API used (the compiler's lib here has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** The WebAssembly SIMD finder over a buffer of `capacity` bytes; null where WebAssembly (or its SIMD) is unavailable. */
export function simdTailFinder(pattern: Uint8Array, capacity: number): TailFinder | null {
  if (pattern.length !== PATTERN_BYTES) throw new RangeError(`the pattern has ${pattern.length} bytes, not ${PATTERN_BYTES}`);
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  const bytes = encodeModule({
    params: [I32, I32],
    results: [I32],
    locals: [
      [3, I32],
      [5, V128],
    ],
    body: findBody(pattern),
    pages: Math.max(1, Math.ceil(capacity / WASM_PAGE)),
    exportName: 'find',
  });
  let exports: FindExports;
  try {
    exports = new wasm.Instance(new wasm.Module(bytes)).exports as FindExports;
  } catch {
    return null;
  }
  const buf = Buffer.from(exports.memory.buffer, 0, capacity);
  return { buf, find: exports.find };
}

/** The SIMD finder where it can be had, else the plain one. */
export function tailFinder(pattern: Uint8Array, capacity: number): TailFinder {
  return simdTailFinder(pattern, capacity) ?? plainTailFinder(pattern, Buffer.alloc(capacity));
}
