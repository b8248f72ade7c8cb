/**
 * DMA mapping for the SDHCI driver over the board's simulated system memory: the kernel buffer of
 * a request (`data.buf`) is "mapped" into pages the controller can reach (dma_map_sg), and
 * unmapped (copied back for reads) when the request completes. ADMA2 gets one page per
 * scatterlist entry at scattered addresses (like page-cache pages); SDMA uses one contiguous
 * bounce buffer (sdhci_allocate_bounce_buffer) placed so that it crosses a 512 KiB SDMA boundary.
 */
import type { Board } from '../../device/board.js';
import * as R from '../../device/sdhci-regs.js';

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
}

/** dma_map_sg(): one segment per page of `buf`; writes (DMA_TO_DEVICE) are copied in now. */
export function dmaMapPages(mem: SimMemory, buf: Uint8Array, base: number, toDevice: boolean): DmaSegment[] {
  const segs: DmaSegment[] = [];
  for (let off = 0, i = 0; off < buf.length; off += PAGE, i++) {
    const len = Math.min(PAGE, buf.length - off);
    const addr = base + i * 2 * PAGE;
    segs.push({ addr, len, off });
    if (toDevice) mem.write(addr, buf.subarray(off, off + len));
  }
  return segs;
}

/** The bounce buffer as a single segment. */
export function dmaMapBounce(mem: SimMemory, buf: Uint8Array, toDevice: boolean): DmaSegment[] {
  if (buf.length > SDHCI_BOUNCE_SIZE) throw new RangeError(`request of ${buf.length} bytes exceeds the ${SDHCI_BOUNCE_SIZE}-byte bounce buffer`);
  if (toDevice) mem.write(DMA_LAYOUT.bounce, buf);
  return [{ addr: DMA_LAYOUT.bounce, len: buf.length, off: 0 }];
}

/** dma_unmap_sg(): for reads, copy `bytes` bytes back into the kernel buffer. */
export function dmaUnmap(mem: SimMemory, segs: readonly DmaSegment[], buf: Uint8Array, fromDevice: boolean, bytes: number): void {
  if (!fromDevice) return;
  for (const s of segs) {
    const n = Math.min(s.len, bytes - s.off);
    if (n <= 0) break;
    buf.set(mem.read(s.addr, n), s.off);
  }
}

/**
 * sdhci_adma_table_pre(): one Tran|Valid descriptor per segment (split at 64 KiB, the largest
 * length a descriptor holds), then the Nop|End|Valid terminator. Returns the descriptor count.
 */
export function writeAdmaTable(mem: SimMemory, tableAddr: number, segs: readonly DmaSegment[], is64: boolean): number {
  const sz = is64 ? R.ADMA2_DESC64_SIZE : R.ADMA2_DESC32_SIZE;
  let at = tableAddr;
  let n = 0;
  for (const s of segs) {
    for (let done = 0; done < s.len; done += 65536) {
      const len = Math.min(65536, s.len - done);
      mem.write(at, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: len & 0xffff, address: s.addr + done }, is64));
      at += sz;
      n++;
    }
  }
  mem.write(at, R.encodeAdma2Descriptor({ attr: R.ADMA2_NOP_END_VALID, length: 0, address: 0 }, is64));
  return n + 1;
}
