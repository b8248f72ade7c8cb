/**
 * DMA mapping for the SDHCI driver over the board's simulated system memory: the kernel buffer of
 * a request (`data.buf`) is mapped into pages the controller can reach (dma_map_sg), and unmapped
 * when the request completes. ADMA2 gets one page per scatterlist entry at scattered addresses
 * (like page-cache pages); SDMA uses one contiguous bounce buffer (sdhci_allocate_bounce_buffer)
 * placed so that it crosses a 512 KiB SDMA boundary.
 *
 * Direct mapping (the default): as dma_map_sg hands the device the physical addresses of the
 * caller's own pages, the whole pages of `data.buf` become the memory frames at those addresses
 * (SimMemory.mapPages), so the controller reads and writes the buffer in place; only a partial
 * last page is copied in (writes) and back (reads). The SDMA bounce buffer is aliased the same
 * way: its copy in and out is elided, which nothing but its stale contents after the request
 * could tell. `direct = false` copies everything (the original model; tests compare the two).
 */
import type { Board } from '../../device/board.js';
import * as R from '../../hw/sdhci-regs.js';

type SimMemory = Board['memory'];

export const PAGE = 4096;
export const SDHCI_MAX_SEGS = 128;
export const SDHCI_DEFAULT_BOUNDARY_SIZE = 512 * 1024;
export const SDHCI_DEFAULT_BOUNDARY_ARG = 7;
export const SDHCI_BOUNCE_SIZE = 64 * 1024;

/** Where things live in simulated RAM (the driver's own memory map). */
export const DMA_LAYOUT = {
  /** ADMA descriptor table (coherent allocation) */
  admaTable: 0x0000_1000,
  /** SDMA bounce buffer: 16 KiB before a 512 KiB boundary */
  bounce: 0x0007_c000,
  /** data pages for 32-bit DMA (every other page, so segments are never contiguous) */
  pages32: 0x0100_0000,
  /** data pages for 64-bit ADMA: above 4 GiB */
  pages64: 0x1_0000_0000,
} as const;

export interface DmaSegment {
  addr: number;
  len: number;
  /** offset of this segment in data.buf */
  off: number;
  /** leading bytes of the segment mapped in place (whole pages); the rest is copied */
  mapped: number;
}

/** Map `len` bytes of `buf` from `off` at `addr`: whole pages in place (direct), the rest copied in for writes. */
function mapSegment(mem: SimMemory, buf: Uint8Array, off: number, len: number, addr: number, toDevice: boolean, direct: boolean, reuse?: DmaSegment): DmaSegment {
  const mapped = direct ? len - (len % PAGE) : 0;
  if (mapped > 0) mem.mapPages(addr, buf, off, mapped);
  if (toDevice && mapped < len) mem.write(addr + mapped, buf.subarray(off + mapped, off + len));
  if (!reuse) return { addr, len, off, mapped };
  reuse.addr = addr;
  reuse.len = len;
  reuse.off = off;
  reuse.mapped = mapped;
  return reuse;
}

/**
 * dma_map_sg(): one segment per page of `buf`; writes (DMA_TO_DEVICE) are readable by the device
 * now. `into` (the host's scatterlist, reused from request to request as Linux reuses its
 * sg table) receives the segments; its old entries are overwritten.
 */
export function dmaMapPages(mem: SimMemory, buf: Uint8Array, base: number, toDevice: boolean, direct = true, into: DmaSegment[] = []): DmaSegment[] {
  let i = 0;
  for (let off = 0; off < buf.length; off += PAGE, i++) {
    into[i] = mapSegment(mem, buf, off, Math.min(PAGE, buf.length - off), base + i * 2 * PAGE, toDevice, direct, into[i]);
  }
  into.length = i;
  return into;
}

/** The bounce buffer as a single segment. */
export function dmaMapBounce(mem: SimMemory, buf: Uint8Array, toDevice: boolean, direct = true): DmaSegment[] {
  if (buf.length > SDHCI_BOUNCE_SIZE) throw new RangeError(`request of ${buf.length} bytes exceeds the ${SDHCI_BOUNCE_SIZE}-byte bounce buffer`);
  return [mapSegment(mem, buf, 0, buf.length, DMA_LAYOUT.bounce, toDevice, direct)];
}

/**
 * dma_unmap_sg(): the mapped pages go back; for reads the copied (unmapped) bytes among the
 * first `bytes` are copied back into the kernel buffer (mapped ones already are there).
 */
export function dmaUnmap(mem: SimMemory, segs: readonly DmaSegment[], buf: Uint8Array, fromDevice: boolean, bytes: number): void {
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.mapped > 0) mem.unmapPages(s.addr, s.mapped);
    if (!fromDevice) continue;
    const end = Math.min(s.len, bytes - s.off);
    if (end > s.mapped) mem.readInto(s.addr + s.mapped, buf.subarray(s.off + s.mapped, s.off + end)); // straight into the kernel buffer
  }
}

/**
 * sdhci_adma_table_pre(): one Tran|Valid descriptor per segment (split at 64 KiB, the largest
 * length a descriptor holds), then the Nop|End|Valid terminator. The table is built in a local
 * buffer and stored with one memory write (Linux fills its coherent table in place the same way).
 * Returns the descriptor count.
 */
export function writeAdmaTable(mem: SimMemory, tableAddr: number, segs: readonly DmaSegment[], is64: boolean): number {
  const sz = is64 ? R.ADMA2_DESC64_SIZE : R.ADMA2_DESC32_SIZE;
  let count = 1;
  for (let i = 0; i < segs.length; i++) count += Math.max(1, Math.ceil(segs[i]!.len / 65536));
  // the table's CPU-side buffer is allocated once, as Linux allocates its coherent table at probe;
  // it still holds the last table, so the same segments need no encoding again (still stored)
  if (table.bytes.length < count * sz) table.bytes = new Uint8Array(count * sz);
  let at = 0;
  if (sameSegments(segs, is64)) {
    at = table.used - sz;
    // the same table already in that memory, untouched since it was stored there (the page's
    // generation moves with every change): storing it again would change nothing
    if (table.mem === mem && table.addr === tableAddr && table.gen >= 0 && tableGeneration(mem, tableAddr, table.used) === table.gen) return at / sz + 1;
  } else {
    table.segs.length = 0;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      table.segs.push(s.addr, s.len);
      for (let done = 0; done < s.len; done += 65536) {
        const len = Math.min(65536, s.len - done);
        R.encodeAdma2DescriptorAt(table.bytes, at, R.ADMA2_TRAN_VALID, len & 0xffff, s.addr + done, is64);
        at += sz;
      }
    }
    R.encodeAdma2DescriptorAt(table.bytes, at, R.ADMA2_NOP_END_VALID, 0, 0, is64);
    table.is64 = is64;
    table.used = at + sz;
  }
  mem.write(tableAddr, table.bytes.subarray(0, at + sz));
  table.mem = mem;
  table.addr = tableAddr;
  table.gen = tableGeneration(mem, tableAddr, table.used);
  return at / sz + 1;
}

/** The table's page generation (SimMemory.pageGeneration); -1 if it spans pages or a page is mapped (never skipped). */
function tableGeneration(mem: SimMemory, addr: number, len: number): number {
  const page = Math.floor(addr / PAGE);
  if (Math.floor((addr + len - 1) / PAGE) !== page) return -1;
  return mem.pageGeneration(page);
}

/** The last table built: its bytes and the (address, length) of the segments it was built from. */
const table = { bytes: new Uint8Array(0), segs: [] as number[], is64: false, used: 0, mem: undefined as SimMemory | undefined, addr: -1, gen: -1 };

function sameSegments(segs: readonly DmaSegment[], is64: boolean): boolean {
  if (table.used === 0 || table.is64 !== is64 || table.segs.length !== segs.length * 2) return false;
  for (let i = 0; i < segs.length; i++) if (table.segs[2 * i] !== segs[i]!.addr || table.segs[2 * i + 1] !== segs[i]!.len) return false;
  return true;
}
