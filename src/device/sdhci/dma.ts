/**
 * The controller's DMA engines over simulated memory (spec §2.6 SDMA, §2.7 ADMA2).
 *
 * Both engines move one block at a time, called by the controller's transfer loop, so timing
 * stays in one place (the controller) and the engines only walk addresses and descriptors.
 */

import type { SimMemory } from '../memory.js';
import { MemoryFault, PAGE_SIZE, type ViewList } from '../memory.js';
import type { Tracer } from '../trace.js';
import { ADMA2_ACT, ADMA2_ATTR, ADMA2_DESC32_SIZE, ADMA2_DESC64_SIZE, decodeAdma2Descriptor, type Adma2Descriptor } from '../../hw/adma2.js';
import { get, isSet } from '../../hw/fields.js';
import { ADMA_STATE } from '../../hw/sdhci-regs.js';

/** SDMA: a linear buffer with a pause at every buffer boundary crossing while blocks remain. */
export class SdmaEngine {
  constructor(
    private readonly memory: SimMemory,
    private readonly tracer: Tracer,
    public addr: number,
    readonly boundary: number,
  ) {}

  /** Store a block read from the card; returns true if a boundary was crossed. */
  toMemory(data: Uint8Array): boolean {
    this.tracer.emit('sdhci_dma', 'sdma', 'read', this.addr, data.length);
    this.memory.write(this.addr, data);
    return this.advance(data.length);
  }

  /** Fetch a block for the card; `crossed` says whether a boundary was crossed. */
  fromMemory(len: number): { data: Uint8Array; crossed: boolean } {
    this.tracer.emit('sdhci_dma', 'sdma', 'write', this.addr, len);
    const data = this.memory.read(this.addr, len);
    return { data, crossed: this.advance(len) };
  }

  /** A bulk run: the memory of the next `len` bytes as views (no copy); true if a boundary was crossed. */
  viewsOf(len: number, views: DmaViews): boolean {
    this.memory.views(this.addr, len, views.out, views.toMemory);
    return this.advance(len);
  }

  /**
   * Blocks of `blockLen` that can move in one bulk call with the per-block result: up to and
   * including the block that crosses the next buffer boundary (the pause comes after it), and
   * none that would leave memory.
   */
  bulkBlocks(blockLen: number, max: number): number {
    const next = (Math.floor(this.addr / this.boundary) + 1) * this.boundary;
    const toBoundary = Math.ceil((next - this.addr) / blockLen);
    const inMemory = Math.floor((this.memory.size - this.addr) / blockLen);
    return Math.max(0, Math.min(max, toBoundary, inMemory));
  }

  private advance(len: number): boolean {
    const before = Math.floor(this.addr / this.boundary);
    this.addr = (this.addr + len) % 2 ** 32;
    return Math.floor(this.addr / this.boundary) !== before;
  }
}

/** Where a bulk run collects the memory it moves: views the card reads from or writes into. */
export interface DmaViews {
  readonly out: ViewList;
  /** card→memory (a read): frames are allocated, the card writes them */
  readonly toMemory: boolean;
}

export interface AdmaError {
  /** ADMA Error Status state bits (ST_FDS / ST_TFR / ST_STOP) */
  state: number;
  lengthMismatch: boolean;
  /** descriptor address to leave in 0x58/0x5C */
  descAddr: number;
  why: string;
}

export interface AdmaBlockResult {
  /** mem→card: the gathered block */
  data: Uint8Array | undefined;
  /** a descriptor with the Int attribute finished */
  dmaInterrupt: boolean;
  /** the descriptor with End was consumed (exactly at the end of this block) */
  end: boolean;
  error: AdmaError | undefined;
}

/** Max descriptors fetched without moving data (guards link loops): the 128-segment table ×2 + slack. */
const MAX_EMPTY_DESCRIPTORS = 1024;

interface CurrentTran {
  addr: number;
  left: number;
  attr: number;
  at: number;
}

export interface AdmaPosition {
  readonly cur: CurrentTran | undefined;
  readonly endSeen: boolean;
  readonly descAddr: number;
}

/**
 * What bulkBlocks found walking the table from one position: the Tran descriptors a run covers,
 * in order, so the run's moveBlock replays them instead of walking again. Valid while the pages
 * the descriptors were read from keep their generation (SimMemory.pageGeneration): a driver
 * rewriting its table with the same bytes keeps it, so the next request from the same table
 * address walks nothing; any other change (or a mapped table page) means walking again.
 */
interface AdmaPlan {
  // where the walk started
  readonly is64: boolean;
  readonly blockLen: number;
  readonly descAddr: number;
  readonly curAddr: number;
  readonly curLeft: number;
  readonly curAttr: number;
  readonly curAt: number;
  /** whole blocks the table carries from there (up to the walk's limit) */
  readonly blocks: number;
  /** the walk stopped at something the bulk path leaves alone (not at its limit) */
  readonly stopped: boolean;
  /** per Tran descriptor, 5 numbers: address, length, attributes, its own address, descAddr after it */
  readonly trans: number[];
  /** descriptor pages read, each followed by its generation then */
  readonly pages: number[];
  /** some Tran descriptor points into a descriptor page (a read there would rewrite the table) */
  readonly dataOnTable: boolean;
  /** false if a descriptor page was mapped (its owner can change it unseen): walk every time */
  readonly reusable: boolean;
}

/** A planned run's result: nothing but data (a plan holds no Int, End or error). */
const RUN_MOVED: AdmaBlockResult = Object.freeze({ data: undefined, dmaInterrupt: false, end: false, error: undefined });

/** The last plan, kept across transfers by the controller (one per controller). */
export interface AdmaPlanCache {
  plan: AdmaPlan | undefined;
}

/** ADMA2 with 8-byte (32-bit) or 12-byte (64-bit, v3) descriptors. */
export class Adma2Engine {
  readonly descSize: number;
  private cur: CurrentTran | undefined;
  private endSeen = false;
  /** a descriptor straddling two frames is gathered here (allocated on first need) */
  private scratch: Uint8Array | undefined;

  constructor(
    private readonly memory: SimMemory,
    private readonly tracer: Tracer,
    readonly is64: boolean,
    /** address of the next descriptor to fetch (mirrors ADMA System Address) */
    public descAddr: number,
    private readonly plans: AdmaPlanCache = { plan: undefined },
  ) {
    this.descSize = is64 ? ADMA2_DESC64_SIZE : ADMA2_DESC32_SIZE;
  }

  /** One descriptor from memory (word reads straight from the frame where it lies in one). */
  private fetchDescriptor(at: number): Adma2Descriptor {
    if (Math.floor(at / PAGE_SIZE) !== Math.floor((at + this.descSize - 1) / PAGE_SIZE)) {
      const scratch = (this.scratch ??= new Uint8Array(this.descSize));
      this.memory.readInto(at, scratch); // straddles two frames
      return decodeAdma2Descriptor(scratch, this.is64);
    }
    const w0 = this.memory.readU32(at);
    const hi = this.is64 ? this.memory.readU32(at + 8) : 0;
    return { attr: w0 & 0xffff, length: w0 >>> 16, address: hi * 2 ** 32 + this.memory.readU32(at + 4) };
  }

  private fail(state: number, lengthMismatch: boolean, why: string, descAddr = this.descAddr): AdmaBlockResult {
    return { data: undefined, dmaInterrupt: false, end: false, error: { state, lengthMismatch, descAddr, why } };
  }

  /**
   * Move one block: card→mem when `block` is given (read), mem→card when it is not (write,
   * `len` bytes gathered). With `views` (a bulk run) nothing is copied: the memory the
   * descriptors point at is appended to `views.out` for the card to fill or drain in one call.
   */
  moveBlock(len: number, block?: Uint8Array, blockLen = len, views?: DmaViews): AdmaBlockResult {
    if (views) {
      const plan = this.planFor(blockLen);
      if (plan && len <= plan.blocks * blockLen) return this.replay(plan, len, views);
    }
    const gathered = block || views ? undefined : new Uint8Array(len);
    let moved = 0;
    let dmaInterrupt = false;
    let empty = 0;
    // a bulk run (len = k blocks) counts descriptor fetches per block, as k calls would
    let countingFor = 0;
    try {
      while (moved < len) {
        if (!this.cur || this.cur.left === 0) {
          if (this.endSeen) return this.fail(ADMA_STATE.ST_TFR, true, 'End descriptor reached with data outstanding');
          const blockNo = Math.floor(moved / blockLen);
          if (blockNo !== countingFor) {
            countingFor = blockNo;
            empty = 0;
          }
          // ST_FDS / ST_CADR: fetch until a Tran descriptor
          for (;;) {
            if (++empty > MAX_EMPTY_DESCRIPTORS) return this.fail(ADMA_STATE.ST_FDS, false, 'descriptor loop without data');
            const at = this.descAddr;
            const d = this.fetchDescriptor(at);
            this.tracer.emit('sdhci_adma_desc', at, d.attr, d.length, d.address);
            if (!isSet(ADMA2_ATTR.VALID, d.attr)) return this.fail(ADMA_STATE.ST_FDS, false, 'descriptor not valid', at);
            const act = get(ADMA2_ATTR.ACT, d.attr);
            if (act === ADMA2_ACT.LINK) {
              this.descAddr = this.is64 ? d.address : d.address % 2 ** 32;
              continue;
            }
            this.descAddr = at + this.descSize;
            if (act === ADMA2_ACT.TRAN) {
              this.cur = { addr: d.address, left: d.length === 0 ? 65536 : d.length, attr: d.attr, at };
              break;
            }
            // Nop (and the reserved ADMA1 "set" action): no data
            if (isSet(ADMA2_ATTR.INT, d.attr)) dmaInterrupt = true;
            if (isSet(ADMA2_ATTR.END, d.attr)) {
              this.endSeen = true;
              return this.fail(ADMA_STATE.ST_TFR, true, 'End descriptor reached with data outstanding', at);
            }
          }
        }
        const cur = this.cur;
        const n = Math.min(len - moved, cur.left);
        if (views) {
          this.memory.views(cur.addr, n, views.out, views.toMemory);
        } else if (block) {
          this.tracer.emit('sdhci_dma', this.is64 ? 'adma64' : 'adma32', 'read', cur.addr, n);
          this.memory.write(cur.addr, block.subarray(moved, moved + n));
        } else {
          this.tracer.emit('sdhci_dma', this.is64 ? 'adma64' : 'adma32', 'write', cur.addr, n);
          this.memory.readInto(cur.addr, gathered!.subarray(moved, moved + n));
        }
        cur.addr += n;
        cur.left -= n;
        moved += n;
        if (cur.left === 0) {
          if (isSet(ADMA2_ATTR.INT, cur.attr)) dmaInterrupt = true;
          if (isSet(ADMA2_ATTR.END, cur.attr)) this.endSeen = true;
        }
      }
    } catch (e) {
      if (e instanceof MemoryFault) return this.fail(ADMA_STATE.ST_TFR, false, e.message);
      throw e;
    }
    return { data: gathered, dmaInterrupt, end: this.endSeen && (this.cur?.left ?? 0) === 0, error: undefined };
  }

  /**
   * Whole blocks of `blockLen` the descriptor table carries from here with nothing but data:
   * valid Tran (and Link / plain Nop) descriptors without Int or End, inside memory. A bulk
   * moveBlock over that many blocks then equals as many single-block calls; anything else (an
   * interrupt, the end, an error) is left to the per-block path. Reads descriptors, changes nothing.
   */
  bulkBlocks(blockLen: number, max: number, toMemory = false): number {
    if (this.endSeen || max <= 0) return 0;
    let plan = this.planFor(blockLen);
    if (!plan || (plan.blocks < max && !plan.stopped)) plan = this.plans.plan = this.walk(blockLen, max);
    // a read whose data lands on a descriptor page changes descriptors the per-block path reads
    // after it: such a table is left to the per-block path
    if (toMemory && plan.dataOnTable) return 0;
    return Math.min(max, plan.blocks);
  }

  /** The cached plan if it starts where the engine stands and its descriptor pages are unchanged. */
  private planFor(blockLen: number): AdmaPlan | undefined {
    const p = this.plans.plan;
    if (!p || !p.reusable || p.blockLen !== blockLen || p.is64 !== this.is64 || p.descAddr !== this.descAddr || this.endSeen) return undefined;
    const c = this.cur;
    if (c ? p.curLeft !== c.left || p.curAddr !== c.addr || p.curAttr !== c.attr || p.curAt !== c.at : p.curLeft !== 0) return undefined;
    for (let i = 0; i < p.pages.length; i += 2) if (this.memory.pageGeneration(p.pages[i]!) !== p.pages[i + 1]) return undefined;
    return p;
  }

  /** Walk the table for bulkBlocks (reads descriptors, changes nothing). */
  private walk(blockLen: number, max: number): AdmaPlan {
    const size = this.memory.size;
    const noData = ADMA2_ATTR.INT.mask | ADMA2_ATTR.END.mask;
    const c = this.cur;
    const start = { is64: this.is64, blockLen, descAddr: this.descAddr, curAddr: c?.addr ?? 0, curLeft: c?.left ?? 0, curAttr: c?.attr ?? 0, curAt: c?.at ?? 0 };
    const trans: number[] = [];
    const pages: number[] = [];
    let descAddr = this.descAddr;
    let addr = start.curAddr;
    let left = start.curLeft;
    if (left > 0) trans.push(addr, left, start.curAttr, start.curAt, descAddr);
    let blocks = 0;
    let stopped = left > 0 && (start.curAttr & noData) !== 0;
    const page = (at: number): void => {
      for (let p = Math.floor(at / PAGE_SIZE); p <= Math.floor((at + this.descSize - 1) / PAGE_SIZE); p++) {
        if (pages[pages.length - 2] !== p) pages.push(p, this.memory.pageGeneration(p));
      }
    };
    walk: while (!stopped && blocks < max) {
      let moved = 0;
      let empty = 0;
      while (moved < blockLen) {
        if (left === 0) {
          for (;;) {
            if (++empty > MAX_EMPTY_DESCRIPTORS || descAddr + this.descSize > size) break walk;
            const at = descAddr;
            page(at);
            const d = this.fetchDescriptor(at);
            if (!isSet(ADMA2_ATTR.VALID, d.attr) || (d.attr & noData) !== 0) break walk;
            const act = get(ADMA2_ATTR.ACT, d.attr);
            if (act === ADMA2_ACT.LINK) {
              descAddr = this.is64 ? d.address : d.address % 2 ** 32;
              continue;
            }
            descAddr = at + this.descSize;
            if (act === ADMA2_ACT.TRAN) {
              addr = d.address;
              left = d.length === 0 ? 65536 : d.length;
              trans.push(addr, left, d.attr, at, descAddr);
              break;
            }
          }
        }
        const n = Math.min(blockLen - moved, left);
        if (addr + n > size) break walk;
        addr += n;
        left -= n;
        moved += n;
      }
      blocks++;
    }
    if (blocks < max) stopped = true;
    let reusable = true;
    for (let i = 1; i < pages.length; i += 2) if (pages[i]! < 0) reusable = false;
    return { ...start, blocks, stopped, trans, pages, dataOnTable: this.dataOnDescriptorPages(trans, pages), reusable };
  }

  private dataOnDescriptorPages(trans: readonly number[], pages: readonly number[]): boolean {
    for (let t = 0; t < trans.length; t += 5) {
      const first = Math.floor(trans[t]! / PAGE_SIZE);
      const last = Math.floor((trans[t]! + trans[t + 1]! - 1) / PAGE_SIZE);
      for (let i = 0; i < pages.length; i += 2) if (pages[i]! >= first && pages[i]! <= last) return true;
    }
    return false;
  }

  /** moveBlock over `len` bytes of a plan: the views of its Tran descriptors, the engine left where the walk would leave it. */
  private replay(p: AdmaPlan, len: number, views: DmaViews): AdmaBlockResult {
    const t = p.trans;
    let moved = 0;
    let i = 0;
    let n = 0;
    for (; ; i += 5) {
      n = Math.min(len - moved, t[i + 1]!);
      this.memory.views(t[i]!, n, views.out, views.toMemory);
      moved += n;
      if (moved >= len) break;
    }
    this.cur = { addr: t[i]! + n, left: t[i + 1]! - n, attr: t[i + 2]!, at: t[i + 3]! };
    this.descAddr = t[i + 4]!;
    return RUN_MOVED;
  }

  /** Where the walk stands (a bulk run that must be walked again block by block rewinds here). */
  position(): AdmaPosition {
    return { cur: this.cur && { ...this.cur }, endSeen: this.endSeen, descAddr: this.descAddr };
  }

  rewind(p: AdmaPosition): void {
    this.cur = p.cur && { ...p.cur };
    this.endSeen = p.endSeen;
    this.descAddr = p.descAddr;
  }

  /** After the last block: bytes left in the current Tran descriptor are a length mismatch. */
  finish(): AdmaError | undefined {
    if (this.cur && this.cur.left > 0) {
      return {
        state: ADMA_STATE.ST_TFR,
        lengthMismatch: true,
        descAddr: this.descAddr,
        why: `${this.cur.left} descriptor byte(s) left at end of transfer`,
      };
    }
    return undefined;
  }
}
