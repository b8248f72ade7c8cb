/**
 * The Buffer Data Port (PIO, spec §2.5): single accesses, and the readsl/writesl runs that move
 * whole words of the block buffer at once when nothing is traced.
 */

import * as R from '../../hw/sdhci-regs.js';
import { SdhciBurstEngine } from './burst-engine.js';
import type { Transfer } from './transfer.js';

export abstract class SdhciDataPort extends SdhciBurstEngine {
  // ---------------------------------------------------------------------------------------------
  // Buffer Data Port (PIO, §2.5)
  // ---------------------------------------------------------------------------------------------

  /**
   * `count` 32-bit reads of `offset` into `dst` from byte `at` (readsl). The Buffer Data Port with nothing traced
   * copies whole words of the block buffer at once and ends the block exactly where the single
   * reads would (Buffer Read Enable off, block done); everything else is read word by word.
   */
  readRep(offset: number, dst: Uint8Array, count: number, at = 0): void {
    let i = 0;
    while (i < count) {
      const xfer = this.xfer;
      const words = this.portRun(offset, true) ? Math.min(count - i, (xfer!.buf!.length - xfer!.pos) >>> 2) : 0;
      if (words === 0) {
        putWord(dst, at + i * 4, this.read(offset, 4));
        i++;
        continue;
      }
      const buf = xfer!.buf!;
      // a whole block at once (the usual readsl) needs no view of it
      dst.set(xfer!.pos === 0 && words * 4 === buf.length ? buf : buf.subarray(xfer!.pos, xfer!.pos + words * 4), at + i * 4);
      xfer!.pos += words * 4;
      i += words;
      if (xfer!.pos >= xfer!.buf!.length) {
        this.bufReadEnable = false;
        xfer!.buf = undefined;
        this.blockDone(xfer!, this.dataEpoch);
      }
    }
  }

  /** `count` 32-bit writes of `src` from `at` to `offset` (writesl), as readRep for the Buffer Data Port. */
  writeRep(offset: number, src: Uint8Array, count: number, at = 0): void {
    let i = 0;
    while (i < count) {
      const xfer = this.xfer;
      const words = this.portRun(offset, false) ? Math.min(count - i, (xfer!.buf!.length - xfer!.pos) >>> 2) : 0;
      if (words === 0) {
        this.write(offset, 4, getWord(src, at + i * 4));
        i++;
        continue;
      }
      const from = at + i * 4;
      xfer!.buf!.set(from === 0 && words * 4 === src.length ? src : src.subarray(from, from + words * 4), xfer!.pos);
      xfer!.pos += words * 4;
      i += words;
      if (xfer!.pos >= xfer!.buf!.length) this.writeBufferFull(xfer!);
    }
  }

  /** Whole words can move through the data port at once: untraced, port open, the block buffer there. */
  protected portRun(offset: number, read: boolean): boolean {
    if ((offset & 0xff) !== R.BUFFER_DATA_PORT.offset || this.traceAccess) return false;
    if (this.burst) this.settle();
    const xfer = this.xfer;
    return !!xfer && !!xfer.buf && xfer.read === read && (read ? this.bufReadEnable : this.bufWriteEnable);
  }

  protected readDataPort(size: number): number {
    const xfer = this.xfer;
    if (!xfer || !this.bufReadEnable || !xfer.buf || !xfer.read) {
      this.guestError('read from an empty Buffer Data Port');
      return 0;
    }
    let v = 0;
    for (let i = 0; i < size && xfer.pos < xfer.buf.length; i++) v |= xfer.buf[xfer.pos++]! << (8 * i);
    if (xfer.pos >= xfer.buf.length) {
      this.bufReadEnable = false;
      xfer.buf = undefined;
      this.blockDone(xfer, this.dataEpoch);
    }
    return v >>> 0;
  }

  protected writeDataPort(size: number, value: number): void {
    const xfer = this.xfer;
    if (!xfer || !this.bufWriteEnable || !xfer.buf || xfer.read) {
      this.guestError('write to the Buffer Data Port while Buffer Write Enable is clear');
      return;
    }
    for (let i = 0; i < size && xfer.pos < xfer.buf.length; i++) xfer.buf[xfer.pos++] = (value >>> (8 * i)) & 0xff;
    if (xfer.pos >= xfer.buf.length) this.writeBufferFull(xfer);
  }

  /** (a closure of its own: in writeBufferFull its context would be allocated on every call) */
  private sendLater(xfer: Transfer, epoch: number, data: Uint8Array): () => void {
    return () => this.sendBlock(xfer, epoch, data);
  }

  /** The host filled the PIO block buffer: it goes out on the bus. */
  protected writeBufferFull(xfer: Transfer): void {
    this.bufWriteEnable = false;
    const data = xfer.buf!;
    xfer.buf = undefined;
    const epoch = this.dataEpoch;
    const bus = this.busConfig();
    const t = this.latency.blockTransferNs(xfer.blockSize, bus) + this.latency.writeCrcStatusNs(bus);
    // the block buffer is the transfer's own (always, for PIO): its continuation, no closure per block
    this.clock.after(t, data === xfer.pioBlock ? this.continuations(xfer, epoch).pioSend : this.sendLater(xfer, epoch, data), 'sdhci write block');
  }
}

function putWord(b: Uint8Array, at: number, w: number): void {
  b[at] = w & 0xff;
  b[at + 1] = (w >>> 8) & 0xff;
  b[at + 2] = (w >>> 16) & 0xff;
  b[at + 3] = (w >>> 24) & 0xff;
}

function getWord(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
