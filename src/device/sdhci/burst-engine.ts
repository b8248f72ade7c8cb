/**
 * Bursts: a run of DMA blocks moved in one bulk call instead of one clock task per block
 * (timeline arithmetic: ./burst.ts), settled to the exact per-block state before anything can
 * observe it.
 */

import { ViewList } from '../memory.js';
import * as R from '../../hw/sdhci-regs.js';
import { blockDoneAt, blocksDoneBy, blocksFetchedBy, type Burst } from './burst.js';
import type { AdmaPosition, DmaViews } from './dma.js';
import { SdhciTransferEngine } from './transfer-engine.js';
import type { Transfer } from './transfer.js';

/** A DMA engine's place in its buffer or descriptor table. */
interface DmaPosition {
  sdma?: number;
  adma?: AdmaPosition;
  endSeen: boolean;
}

export abstract class SdhciBurstEngine extends SdhciTransferEngine {
  // ---------------------------------------------------------------------------------------------
  // bursts: a run of DMA blocks in one bulk call (./burst.ts)
  // ---------------------------------------------------------------------------------------------

  /**
   * Instead of one clock task per block, move the blocks from here to the next event (the last
   * block, an SDMA boundary) as one run: one task at the run's last block, one card call that
   * reads or writes the DMA memory in place (views, no copy). Only when the per-block path would show nothing in between: no
   * tracing, no fault that can fire on a block, a counted transfer, a clean descriptor table.
   * Any MMIO access (or reset, abort, armed fault) first settles the run to the exact per-block
   * state at that virtual time (`settle`).
   */
  protected startBurst(xfer: Transfer, epoch: number, read: boolean): boolean {
    if (!this.tracer.silent || xfer.blocksLeft === undefined || xfer.sdmaPaused) return false;
    const bs = xfer.blockSize;
    let n = Math.min(xfer.blocksLeft, this.bus.bulkBlocks(read ? 'read' : 'write'));
    if (n < 2) return false;
    n = xfer.sdma ? xfer.sdma.bulkBlocks(bs, n) : xfer.adma ? xfer.adma.bulkBlocks(bs, n, read) : 0;
    if (n < 2) return false;
    const bus = this.busConfig();
    const onBus = this.latency.blockTransferNs(bs, bus);
    let lead = 0;
    let period = onBus;
    if (!read) {
      // each next fetch waits for the card's per-block busy, which must not outlast the timeout
      const program = this.latency.programNs(false);
      if (!this.bus.dat0High() || program > this.dataTimeoutNs()) return false;
      lead = onBus + this.latency.writeCrcStatusNs(bus);
      period = lead + program;
    }
    const start = this.clock.now;
    const end = start + lead + (n - 1) * period;
    const task = this.clock.schedule(end, () => this.endBurst(), 'sdhci burst');
    this.burst = { xfer, epoch, read, start, lead, period, blocks: n, task };
    return true;
  }

  protected endBurst(): void {
    const b = this.burst;
    this.burst = undefined;
    if (!b || !this.live(b.xfer, b.epoch)) return;
    if (this.commitBurst(b, b.blocks)) this.afterBlock(b.xfer, b.epoch);
  }

  /** Bring a running burst to the exact per-block state at the current virtual time. */
  settle(): void {
    const b = this.burst;
    if (!b) return;
    this.burst = undefined;
    this.clock.cancel(b.task);
    if (!this.live(b.xfer, b.epoch)) return;
    const now = this.clock.now;
    const done = blocksDoneBy(b, now);
    if (done >= b.blocks) {
      if (this.commitBurst(b, b.blocks)) this.afterBlock(b.xfer, b.epoch);
      return;
    }
    if (!this.commitBurst(b, done)) return;
    const xfer = b.xfer;
    const epoch = b.epoch;
    const next = blockDoneAt(b, done);
    if (b.read) {
      this.clock.schedule(next, this.continuations(xfer, epoch).readArrives, 'sdhci read block');
    } else if (blocksFetchedBy(b, now) > done) {
      // the next block was fetched and is on the bus
      const data = this.dmaLoad(xfer);
      if (data) this.clock.schedule(next, () => this.sendBlock(xfer, epoch, data), 'sdhci write block');
    } else {
      this.nextBlock(xfer, epoch); // waiting for the card's busy, then the next fetch
    }
  }

  /**
   * Move the first `n` blocks of a burst; false if the transfer failed on the way. The DMA engine
   * walks the run once and hands the card the memory it covers: the card reads the image straight
   * into it (read) or writes it out from there (write), one positional call for the run.
   */
  protected commitBurst(b: Burst<Transfer>, n: number): boolean {
    if (n === 0) return true;
    const xfer = b.xfer;
    const bytes = n * xfer.blockSize;
    // SDMA pauses after a boundary-crossing block while blocks remain (only the run's last can cross)
    const moreAfterLast = xfer.blocksLeft === undefined || xfer.blocksLeft - (n - 1) > 1;
    const views: DmaViews = { out: new ViewList(), toMemory: b.read };
    const before = b.read ? this.dmaPosition(xfer) : undefined;
    let crossed = false;
    if (xfer.sdma) crossed = xfer.sdma.viewsOf(bytes, views);
    else if (!this.admaRun(xfer, bytes, views)) return false;
    if (b.read) {
      if (!this.bus.readBlocks(views.out.list(), n)) {
        this.dmaRewind(xfer, before!);
        return this.readBlocksOneByOne(b, n);
      }
    } else {
      const took = this.bus.writeBlocks(views.out.list(), blockDoneAt(b, n - 1));
      if (took < n) {
        // a host I/O error on the image: the card stopped at that block (no CRC status → timeout)
        this.countBlocks(xfer, took);
        const epoch = b.epoch;
        this.clock.after(this.dataTimeoutNs(), () => {
          if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
        }, 'sdhci data timeout');
        return false;
      }
    }
    if (crossed && moreAfterLast) xfer.sdmaPaused = true;
    this.countBlocks(xfer, n);
    return true;
  }

  /**
   * The image could not be read in one call (a host I/O error): the run's blocks as the per-block
   * path takes them, so the card reports the error at the failing block and the host's Data
   * Timeout falls when it would have.
   */
  protected readBlocksOneByOne(b: Burst<Transfer>, n: number): boolean {
    const xfer = b.xfer;
    for (let j = 0; j < n; j++) {
      const res = this.bus.readData(xfer.blockSize);
      if (!res.data || res.data.length < xfer.blockSize) {
        const epoch = b.epoch;
        const at = Math.max(this.clock.now, blockDoneAt(b, j) + this.dataTimeoutNs());
        this.clock.schedule(at, () => {
          if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
        }, 'sdhci data timeout');
        return false;
      }
      if (!this.dmaStore(xfer, res.data)) return false;
      this.countBlocks(xfer, 1);
    }
    return true;
  }

  /** ADMA2 over a planned run (cannot fail or interrupt: bulkBlocks checked the table). */
  protected admaRun(xfer: Transfer, bytes: number, views: DmaViews): boolean {
    const r = xfer.adma!.moveBlock(bytes, undefined, xfer.blockSize, views);
    if (r.error) {
      this.admaFailed(r.error);
      return false;
    }
    if (r.end) xfer.endSeen = true;
    return true;
  }

  /** Where the DMA engine stands (to walk a run again block by block). */
  protected dmaPosition(xfer: Transfer): DmaPosition {
    return xfer.sdma ? { sdma: xfer.sdma.addr, endSeen: xfer.endSeen } : { adma: xfer.adma!.position(), endSeen: xfer.endSeen };
  }

  protected dmaRewind(xfer: Transfer, p: DmaPosition): void {
    if (xfer.sdma) xfer.sdma.addr = p.sdma!;
    else xfer.adma!.rewind(p.adma!);
    xfer.endSeen = p.endSeen;
  }
}
