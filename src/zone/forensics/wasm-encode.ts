/**
 * Just enough of the WebAssembly binary format (core spec 1.0 plus 128-bit SIMD) to encode a
 * module of one exported function and one exported memory: tail-finder.ts writes its search
 * loop with it. Encoded here rather than shipped as a .wasm file, so the bundle stays one file
 * and the code reads as what it does.
 */
export type Code = number[];

export const I32 = 0x7f;
export const V128 = 0x7b;

const MAGIC_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const SECTION = { type: 1, function: 3, memory: 5, export: 7, code: 10 } as const;
const FUNC_TYPE = 0x60;
const EXPORT_FUNC = 0x00;
const EXPORT_MEMORY = 0x02;
const LIMITS_MIN_ONLY = 0x00;
const BLOCK_EMPTY = 0x40;
const SIMD_PREFIX = 0xfd;
const END = 0x0b;

export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
const name = (s: string): Code => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));
const simd = (opcode: number): Code => [SIMD_PREFIX, ...uleb(opcode)];
/** memarg: alignment hint 2^0 (any address), then the static offset. */
const memarg = (offset: number): Code => [0, ...uleb(offset)];

/** The instructions used, as byte sequences. */
export const op = {
  localGet: (i: number): Code => [0x20, ...uleb(i)],
  localSet: (i: number): Code => [0x21, ...uleb(i)],
  localTee: (i: number): Code => [0x22, ...uleb(i)],
  i32Const: (n: number): Code => [0x41, ...sleb(n)],
  load8u: (offset: number): Code => [0x2d, ...memarg(offset)],
  i32Eq: [0x46] as Code,
  i32Ne: [0x47] as Code,
  i32LtU: [0x49] as Code,
  i32GtU: [0x4b] as Code,
  i32LeU: [0x4d] as Code,
  i32GeU: [0x4f] as Code,
  i32Add: [0x6a] as Code,
  i32And: [0x71] as Code,
  i32Or: [0x72] as Code,
  block: [0x02, BLOCK_EMPTY] as Code,
  loop: [0x03, BLOCK_EMPTY] as Code,
  if: [0x04, BLOCK_EMPTY] as Code,
  end: [END] as Code,
  br: (depth: number): Code => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Code => [0x0d, ...uleb(depth)],
  return: [0x0f] as Code,
  v128Load: (offset: number): Code => [...simd(0x00), ...memarg(offset)],
  i8x16Splat: simd(0x0f),
  i8x16Eq: simd(0x23),
  v128And: simd(0x4e),
  v128Or: simd(0x50),
  v128AnyTrue: simd(0x53),
} as const;

export interface ModuleSpec {
  params: number[];
  results: number[];
  /** Runs of locals after the parameters: [count, type]. */
  locals: [number, number][];
  /** The function's instructions, its final `end` included. */
  body: Code;
  /** Initial pages of the exported memory "memory". */
  pages: number;
  exportName: string;
}

/** A module of one function, exported as `exportName`, and one memory, exported as "memory". */
export function encodeModule(m: ModuleSpec): Uint8Array {
  const code = [...vec(m.locals.map(([n, t]) => [...uleb(n), t])), ...m.body];
  return new Uint8Array([
    ...MAGIC_VERSION,
    ...section(SECTION.type, vec([[FUNC_TYPE, ...vec(m.params.map((t) => [t])), ...vec(m.results.map((t) => [t]))]])),
    ...section(SECTION.function, vec([[0]])),
    ...section(SECTION.memory, vec([[LIMITS_MIN_ONLY, ...uleb(m.pages)]])),
    ...section(SECTION.export, vec([[...name(m.exportName), EXPORT_FUNC, 0], [...name('memory'), EXPORT_MEMORY, 0]])),
    ...section(SECTION.code, vec([[...uleb(code.length), ...code]])),
  ]);
}
