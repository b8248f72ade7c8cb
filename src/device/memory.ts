/**
 * Simulated system memory that DMA engines read and write: sparse 4 KiB pages allocated on first
 * write; unwritten memory reads as zero. Addresses are plain numbers (exact up to 2^53), so 64-bit
 * ADMA2 addresses below 2^53 work. Little-endian helpers for descriptors.
 *
 * A driver may map a buffer's pages at an address (`mapPages`, what dma_map_sg does: the device
 * gets the addresses of the caller's own pages): those page frames are then the buffer itself,
 * so DMA reads and writes it in place, with no bounce copy. `unmapPages` brings back the frames
 * the mapping hid. `views` hands a DMA engine the frames of a range, for one positional I/O call.
 *
 * Page table: a directory of 1024-page leaves; a leaf entry is a frame (a buffer and the offset
 * of the page in it: an own 4 KiB page at 0, or a mapped buffer at the page's offset), so mapping
 * a page stores two numbers and allocates nothing.
 */

import { hex } from '../lib/hex.js';

export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;
const LEAF_PAGES = 1024;

/** Frame of never-written memory, handed out read-only by `views` (reads as zero). */
const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

interface Leaf {
  /** the buffer holding each page (undefined: never written, reads as zero) */
  readonly frames: (Uint8Array | undefined)[];
  /** offset of each page in its buffer */
  readonly offs: Float64Array;
  /** pages a mapping hides: their own frame, null if none, undefined if the page is not mapped */
  hidden: (Uint8Array | null | undefined)[] | undefined;
  /** per page, bumped whenever its contents may change (see SimMemory.pageGeneration) */
  readonly gens: Uint32Array;
}

export class SimMemory {
  private leaves = new Map<number, Leaf>();
  private lastKey = -1;
  private lastLeaf: Leaf | undefined;
  private ownPages = 0;
  /** highest valid address + 1 (accesses beyond raise a DMA fault) */
  readonly size: number;

  constructor(size = 2 ** 40) {
    this.size = size;
  }

  private check(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr < 0 || addr + len > this.size) {
      throw new MemoryFault(addr, len);
    }
  }

  private leaf(pageNo: number, create: boolean): Leaf | undefined {
    const key = Math.floor(pageNo / LEAF_PAGES);
    if (key === this.lastKey) return this.lastLeaf;
    let l = this.leaves.get(key);
    if (!l) {
      if (!create) return undefined;
      l = { frames: new Array<Uint8Array | undefined>(LEAF_PAGES).fill(undefined), offs: new Float64Array(LEAF_PAGES), hidden: undefined, gens: new Uint32Array(LEAF_PAGES) };
      this.leaves.set(key, l);
    }
    this.lastKey = key;
    this.lastLeaf = l;
    return l;
  }

  /** The frame of a page, allocated if `create`; undefined for never-written memory. */
  private frame(pageNo: number, create: boolean): { buf: Uint8Array; off: number } | undefined {
    const l = this.leaf(pageNo, create);
    if (!l) return undefined;
    const i = pageNo % LEAF_PAGES;
    let buf = l.frames[i];
    if (!buf) {
      if (!create) return undefined;
      buf = l.frames[i] = new Uint8Array(PAGE_SIZE);
      l.offs[i] = 0;
      this.ownPages++;
    }
    return { buf, off: l.offs[i]! };
  }

  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(addr, out);
    return out;
  }

  /** Copy `out.length` bytes at `addr` into `out` (no intermediate buffer: DMA gathers, unmaps). */
  readInto(addr: number, out: Uint8Array): void {
    const len = out.length;
    this.check(addr, len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const pageNo = Math.floor(a / PAGE_SIZE);
      const inPage = a - pageNo * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - inPage);
      const f = this.frame(pageNo, false);
      if (f) out.set(f.buf.subarray(f.off + inPage, f.off + inPage + n), done);
      else out.fill(0, done, done + n);
      done += n;
    }
  }

  write(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const pageNo = Math.floor(a / PAGE_SIZE);
      const inPage = a - pageNo * PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - inPage);
      const f = this.frame(pageNo, true)!;
      // rewriting the same bytes (a driver refilling its descriptor table) keeps the generation
      if (!sameBytes(f.buf, f.off + inPage, data, done, n)) {
        f.buf.set(data.subarray(done, done + n), f.off + inPage);
        this.touch(pageNo);
      }
      done += n;
    }
  }

  /** The page's contents may change: a new generation. */
  private touch(pageNo: number): void {
    this.leaf(pageNo, true)!.gens[pageNo % LEAF_PAGES]++;
  }

  /**
   * A number that changes whenever the page's contents may have changed through this memory
   * (write, a mapping made or undone, frames handed out for a DMA engine to fill); -1 for a
   * mapped page, whose owner may change it behind the memory's back. Lets a DMA engine keep what
   * it read from descriptor pages as long as they stay the same.
   */
  pageGeneration(pageNo: number): number {
    const l = this.leaf(pageNo, false);
    if (!l) return 0;
    const i = pageNo % LEAF_PAGES;
    return l.hidden?.[i] !== undefined ? -1 : l.gens[i]!;
  }

  /**
   * Map `len` bytes of `view` from `from` (a whole number of pages) at page-aligned `addr`: those
   * pages become the frames there until unmapPages. Mapping over a mapping replaces it (the own
   * frame stays hidden).
   */
  mapPages(addr: number, view: Uint8Array, from = 0, len = view.length - from): void {
    if (addr % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0 || from < 0 || from + len > view.length) {
      throw new RangeError(`mapPages: ${hex(addr)} +${len} is not whole pages`);
    }
    this.check(addr, len);
    const first = addr / PAGE_SIZE;
    for (let k = 0; k < len >>> PAGE_SHIFT; k++) {
      const pageNo = first + k;
      const l = this.leaf(pageNo, true)!;
      const i = pageNo % LEAF_PAGES;
      const hidden = (l.hidden ??= new Array<Uint8Array | null | undefined>(LEAF_PAGES).fill(undefined));
      if (hidden[i] === undefined) hidden[i] = l.frames[i] ?? null;
      l.frames[i] = view;
      l.offs[i] = from + k * PAGE_SIZE;
      l.gens[i]!++;
    }
  }

  /** Undo mapPages over [addr, addr+len): the hidden own frames come back. */
  unmapPages(addr: number, len: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    for (let k = 0; k < len / PAGE_SIZE; k++) {
      const pageNo = first + k;
      const l = this.leaf(pageNo, false);
      const i = pageNo % LEAF_PAGES;
      const own = l?.hidden?.[i];
      if (own === undefined) continue;
      l!.hidden![i] = undefined;
      l!.frames[i] = own ?? undefined;
      l!.offs[i] = 0;
      l!.gens[i]!++;
    }
  }

  /**
   * The frames of [addr, addr+len) appended to `out` in order (see ViewList). `forWrite`: the
   * caller will write them, so missing frames are allocated; otherwise they read as a shared zero
   * frame (never written).
   */
  views(addr: number, len: number, out: ViewList, forWrite: boolean): void {
    this.check(addr, len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const pageNo = Math.floor(a / PAGE_SIZE);
      const inPage = a - pageNo * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - inPage);
      // the frame, looked up in place (no {buf, off} object per page: a run covers many pages)
      const l = this.leaf(pageNo, forWrite);
      const i = pageNo % LEAF_PAGES;
      let buf = l?.frames[i];
      if (!buf && forWrite) buf = this.frame(pageNo, true)!.buf;
      if (forWrite) l!.gens[i]!++; // the caller fills it
      if (buf) out.add(buf.buffer, buf.byteOffset + l!.offs[i]! + inPage, n);
      else out.add(ZERO_PAGE.buffer, ZERO_PAGE.byteOffset + inPage, n);
      done += n;
    }
  }

  readU16(addr: number): number {
    const b = this.read(addr, 2);
    return b[0]! | (b[1]! << 8);
  }
  readU32(addr: number): number {
    const pageNo = Math.floor(addr / PAGE_SIZE);
    const i = addr - pageNo * PAGE_SIZE;
    if (i <= PAGE_SIZE - 4 && Number.isInteger(addr) && addr >= 0 && addr + 4 <= this.size) {
      // inside one frame: straight from it (descriptor fetches, no copy)
      const l = this.leaf(pageNo, false);
      const k = pageNo % LEAF_PAGES;
      const p = l?.frames[k];
      if (!p) return 0;
      const j = l!.offs[k]! + i;
      return (p[j]! | (p[j + 1]! << 8) | (p[j + 2]! << 16) | (p[j + 3]! << 24)) >>> 0;
    }
    const b = this.read(addr, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  writeU32(addr: number, v: number): void {
    this.write(addr, new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]));
  }

  /** Number of allocated own pages (tests, inspect). */
  get allocatedPages(): number {
    return this.ownPages;
  }
}

/** a[ao, ao+n) equals b[bo, bo+n) (short ranges by hand, longer ones by the native memcmp) */
function sameBytes(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  if (n <= 32) {
    for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
    return true;
  }
  return Buffer.compare(a.subarray(ao, ao + n), b.subarray(bo, bo + n)) === 0;
}

/**
 * Views of DMA memory in transfer order; a range that continues the previous one in the same
 * buffer extends it, so the mapped pages of one request end up as one view (one I/O call).
 */
export class ViewList {
  private readonly done: Uint8Array[] = [];
  private buf: ArrayBufferLike | undefined;
  private off = 0;
  private len = 0;

  add(buffer: ArrayBufferLike, byteOffset: number, length: number): void {
    if (buffer === this.buf && this.off + this.len === byteOffset) {
      this.len += length;
      return;
    }
    this.flush();
    this.buf = buffer;
    this.off = byteOffset;
    this.len = length;
  }

  /** The views so far. */
  list(): Uint8Array[] {
    this.flush();
    return this.done;
  }

  private flush(): void {
    if (this.buf) this.done.push(new Uint8Array(this.buf, this.off, this.len));
    this.buf = undefined;
  }
}

export class MemoryFault extends Error {
  constructor(
    readonly addr: number,
    readonly len: number,
  ) {
    super(`DMA access outside memory: ${hex(addr)} +${len}`);
    this.name = 'MemoryFault';
  }
}
