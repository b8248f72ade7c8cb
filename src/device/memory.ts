/**
 * Simulated system memory that DMA engines read and write: sparse 4 KiB pages allocated on first
 * write; unwritten memory reads as zero. Addresses are plain numbers (exact up to 2^53), so 64-bit
 * ADMA2 addresses below 2^53 work. Little-endian helpers for descriptors.
 */

export const PAGE_SIZE = 4096;

export class SimMemory {
  private pages = new Map<number, Uint8Array>();
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

  read(addr: number, len: number): Uint8Array {
    this.check(addr, len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const pageNo = Math.floor(a / PAGE_SIZE);
      const inPage = a - pageNo * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - inPage);
      const page = this.pages.get(pageNo);
      if (page) out.set(page.subarray(inPage, inPage + n), done);
      done += n;
    }
    return out;
  }

  write(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const pageNo = Math.floor(a / PAGE_SIZE);
      const inPage = a - pageNo * PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - inPage);
      let page = this.pages.get(pageNo);
      if (!page) {
        page = new Uint8Array(PAGE_SIZE);
        this.pages.set(pageNo, page);
      }
      page.set(data.subarray(done, done + n), inPage);
      done += n;
    }
  }

  readU16(addr: number): number {
    const b = this.read(addr, 2);
    return b[0]! | (b[1]! << 8);
  }
  readU32(addr: number): number {
    const b = this.read(addr, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  writeU32(addr: number, v: number): void {
    this.write(addr, new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]));
  }

  /** Number of allocated pages (tests, inspect). */
  get allocatedPages(): number {
    return this.pages.size;
  }
}

export class MemoryFault extends Error {
  constructor(
    readonly addr: number,
    readonly len: number,
  ) {
    super(`DMA access outside memory: 0x${addr.toString(16)} +${len}`);
    this.name = 'MemoryFault';
  }
}
