/**
 * The card's data phase: the byte stream of a read or write command block by block, the bulk
 * runs of whole blocks the controller's burst moves in one backing call (../sdhci/burst.ts), and
 * batched image I/O (./stream-io.ts). Hot path: one block per call, no copies where avoidable.
 */

import { readParts, writeParts } from '../backing.js';
import { hex } from '../../lib/hex.js';
import type { CardCommand, DataPhase } from './card-context.js';
import { EmmcCardCore } from './card-core.js';
import { blockData } from './commands.js';
import { partitionNameOf } from './image-layout.js';
import { StreamIo } from './stream-io.js';
import { programBlocks } from './volatile-cache.js';

export abstract class EmmcCardDataPhase extends EmmcCardCore {
  data: DataPhase | undefined;

  startData(entry: CardCommand, dir: 'read' | 'write', offset: number, remaining: number | undefined, blockLen: number, durable = false): void {
    this.endData();
    this.data = {
      durable,
      entry,
      dir,
      part: this.partitionAccess,
      offset,
      remaining,
      blockLen,
      buf: undefined,
      pos: 0,
      stopped: false,
      ticket: this.currentTicket,
      blocks: 0,
    };
    this.setState(dir === 'read' ? 'data' : 'rcv');
  }

  /**
   * Image I/O of the data stream may be batched (./stream-io.ts): nothing is traced and no armed
   * fault can fire on a block, so no observer can tell when the image is read or written.
   */
  private get batchIo(): boolean {
    // a card with a cache goes block by block: the cache decides where each block comes from/goes
    return this.tracer.silent && (!this.faults || this.faults.dataQuiet) && this.cache === undefined;
  }

  /** The data phase is over (end, stop, reset, power): its staged writes reach the image first. */
  endData(): void {
    const d = this.data;
    this.data = undefined;
    if (d?.io?.pending) this.flushStream(d);
  }

  private flushStream(d: DataPhase): void {
    try {
      d.io!.flush();
    } catch (e) {
      this.ioError(e, 'write', d); // blocks already acknowledged: the general ERROR bit in the next status
    }
  }

  /** Staged writes of the running phase to the image now (a fault is being armed, the board closes). */
  flushWrites(): void {
    if (this.data?.io?.pending) this.flushStream(this.data);
  }

  /** Read a block of the running read from its partition (used by the command table's data phases). */
  readPartitionBlock(d: DataPhase): Uint8Array | undefined {
    const p = this.partition(d.part);
    if (!p || d.offset + d.blockLen > p.size) {
      this.flagLater('OUT_OF_RANGE');
      return undefined;
    }
    let blk: Uint8Array | undefined = this.cache?.read(d.part, d.offset)?.slice();
    if (this.batchIo) {
      const blocks = Math.min(d.remaining ?? Infinity, Math.floor((p.size - d.offset) / d.blockLen));
      blk = (d.io ??= new StreamIo(p)).read(d.offset, d.blockLen, blocks);
    }
    try {
      blk ??= p.read(d.offset, d.blockLen);
    } catch (e) {
      this.ioError(e, 'read', d);
      return undefined;
    }
    if (!this.tracer.silent) this.tracer.emit('sdcard_read_block', partitionNameOf(d.part), d.offset, d.blockLen); // per block: no name looked up untraced
    d.offset += d.blockLen;
    this.stats.blocksRead++;
    return blk;
  }

  /** Commit one received block of the running write; false if it did not reach the backing. */
  writePartitionBlock(d: DataPhase, block: Uint8Array): boolean {
    const p = this.partition(d.part);
    if (!p || d.offset + d.blockLen > p.size) {
      this.flagLater('OUT_OF_RANGE');
      return false;
    }
    if (this.writeProtection.protects(d.part, d.offset, d.blockLen, this.extCsd)) {
      this.flagLater('WP_VIOLATION'); // the write stops at the protected group, nothing of it is programmed
      return false;
    }
    if (this.faults && !this.faults.allowBlockWrite()) {
      this.losePower(`write of ${partitionNameOf(d.part)} @${hex(d.offset)} lost`);
      return false;
    }
    try {
      if (this.cacheOn && !d.durable && !p.readOnly) this.cacheBlock(d, block);
      else if (this.batchIo && !p.readOnly) (d.io ??= new StreamIo(p)).write(d.offset, block);
      else {
        this.cache?.invalidate(d.part, d.offset, d.blockLen); // newer data than the cached copy
        p.write(d.offset, block);
      }
    } catch (e) {
      this.ioError(e, 'write', d);
      return false;
    }
    if (!this.tracer.silent) this.tracer.emit('sdcard_write_block', partitionNameOf(d.part), d.offset, d.blockLen);
    d.offset += d.blockLen;
    this.stats.blocksWritten++;
    return true;
  }

  /** A block into the volatile cache; what it evicts (oldest first) is programmed now. */
  private cacheBlock(d: DataPhase, block: Uint8Array): void {
    const evicted = this.cache!.write(d.part, d.offset, block);
    if (evicted.length === 0) return;
    this.tracer.emit('sdcard_cache', 'evict', evicted.length);
    programBlocks(evicted, (part) => this.partition(part));
  }

  /** An image I/O failure is the card's general ERROR bit, never an exception through MMIO. */
  private ioError(e: unknown, what: string, d: DataPhase): void {
    this.tracer.emit('sdcard_io_error', what, partitionNameOf(d.part), d.offset, (e as Error).message);
    this.flagLater('ERROR');
  }

  /**
   * A write to [offset, offset + len) of the current partition is a write-protect violation: the
   * image was opened read-only, the boot area is protected, or a protected group lies in range
   * (without a range: the first two only).
   */
  isWriteProtected(offset = 0, len = 0): boolean {
    const access = this.partitionAccess;
    if (this.partition(access)?.readOnly) return true;
    return this.writeProtection.protects(access, offset, len, this.extCsd);
  }

  /** True while the card has (or will produce) data for the host. */
  dataReady(): boolean {
    const d = this.data;
    if (!this.powered || !d || d.dir !== 'read' || d.stopped) return false;
    return (d.buf !== undefined && d.pos < d.buf.length) || d.remaining !== 0;
  }

  /** Up to `n` bytes of the read stream; null if the card is not sending. */
  readData(n: number): Uint8Array | null {
    const d = this.data;
    if (!this.powered || !d || d.dir !== 'read' || this._state !== 'data') return null;
    if (d.entry.data === blockData && (!d.buf || d.pos >= d.buf.length) && this.loadBlock(d) && d.buf!.length === n) {
      // exactly one whole block: handed out as it is, no copy (its readers copy it, nothing writes it)
      const out = d.buf!;
      d.pos = n;
      if (d.remaining === 0) {
        this.endData();
        this.setState('tran');
      }
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if ((!d.buf || d.pos >= d.buf.length) && !this.loadBlock(d)) break;
      const buf = d.buf!;
      const take = Math.min(n - got, buf.length - d.pos);
      out.set(buf.subarray(d.pos, d.pos + take), got);
      d.pos += take;
      got += take;
    }
    if (d.remaining === 0 && d.buf !== undefined && d.pos >= d.buf.length) {
      this.endData();
      this.setState('tran');
    }
    return got === 0 ? null : got < n ? out.subarray(0, got) : out;
  }

  /** The read phase's next block into d.buf; false at its end (count reached, stopped, or no data). */
  private loadBlock(d: DataPhase): boolean {
    if (d.remaining === 0 || d.stopped) return false;
    const blk = d.entry.data?.read?.(this, d);
    if (!blk) {
      d.stopped = true;
      return false;
    }
    d.buf = blk;
    d.pos = 0;
    d.blocks++;
    if (d.remaining !== undefined) d.remaining--;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // bulk data: a run of whole blocks in one backing call (the controller's burst, sdhci/burst.ts)
  // ---------------------------------------------------------------------------------------------

  /**
   * How many whole blocks of the running CMD17/18/24/25 data phase can move in one call with the
   * same result as block by block: none while a fault could fire on a block, a block is half
   * moved, or the phase is not plain block data; never past the count or the partition's end
   * (the block that would raise OUT_OF_RANGE stays on the per-block path).
   */
  bulkBlocks(dir: 'read' | 'write'): number {
    const d = this.data;
    if (!this.powered || !d || d.dir !== dir || d.stopped || d.entry.data !== blockData) return 0;
    if (this.cache) return 0; // a card with a cache moves block by block (./volatile-cache.ts)
    if (dir === 'write' && this.writeProtection.active(this.extCsd)) return 0; // each block's group is checked
    if (this._state !== (dir === 'read' ? 'data' : 'rcv')) return 0;
    if (this.faults && !this.faults.dataQuiet) return 0;
    if (dir === 'read' ? d.buf !== undefined && d.pos < d.buf.length : d.buf !== undefined) return 0;
    const p = this.partition(d.part);
    if (!p || (dir === 'write' && p.readOnly)) return 0;
    const inPartition = Math.floor((p.size - d.offset) / d.blockLen);
    return Math.max(0, Math.min(d.remaining ?? Infinity, inPartition));
  }

  /**
   * The next `count` blocks of the running read straight into `parts` (views of DMA memory, one
   * backing call), consumed as readData() would consume them. False, with nothing consumed, if the
   * image cannot be read: the caller then goes block by block, which reports the error at its block.
   */
  readBlocks(parts: readonly Uint8Array[], count: number): boolean {
    const d = this.data!;
    try {
      readParts(this.partition(d.part)!, d.offset, parts);
    } catch {
      return false;
    }
    d.offset += count * d.blockLen;
    d.blocks += count;
    this.stats.blocksRead += count;
    this.faults?.skipBlocks(count);
    d.buf = undefined;
    d.pos = 0;
    if (d.remaining !== undefined) d.remaining -= count;
    if (d.remaining === 0) {
      this.endData();
      this.setState('tran');
    }
    return true;
  }

  /**
   * Commit whole blocks of the running write (`parts` back to back, views of DMA memory) in one
   * backing write, as writeData() would block by block; the last of them arrived at `lastAt`
   * (virtual ns, <= now), so programming busy runs from there. Returns the number of blocks that
   * reached the image: on a host I/O error the run is retried block by block and stops at the
   * failing block, as the per-block path does.
   */
  writeBlocks(parts: readonly Uint8Array[], lastAt: number): number {
    const d = this.data!;
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    const count = bytes / d.blockLen;
    if (d.io?.pending) this.flushStream(d); // blocks staged by the per-block path go first
    try {
      writeParts(this.partition(d.part)!, d.offset, parts);
    } catch {
      const all = concat(parts, bytes);
      let n = 0;
      while (n < count && this.writeData(all.subarray(n * d.blockLen, (n + 1) * d.blockLen))) n++;
      return n;
    }
    this.faults?.skipBlocks(count);
    d.offset += bytes;
    d.blocks += count;
    this.stats.blocksWritten += count;
    if (d.remaining !== undefined) d.remaining -= count;
    const last = d.remaining === 0;
    // busy of the run's last block, from when it arrived (earlier blocks' busy has ended by then)
    this.busyFor(this.latency.programNs(last), this.programWhy(d), last, d.ticket, lastAt);
    if (last) {
      this.endData();
      this.setState('prg');
    }
    return count;
  }

  /** The busy span's reason as traced (no string per block untraced: PIO programs every block alone). */
  private programWhy(d: DataPhase): string {
    return this.tracer.silent ? 'program block' : `program block ${d.blocks}`;
  }

  /** Bytes from the host for the running write; false if the card did not take them. */
  writeData(bytes: Uint8Array): boolean {
    const d = this.data;
    if (!this.powered || !d || d.dir !== 'write' || this._state !== 'rcv' || d.stopped) return false;
    let used = 0;
    while (used < bytes.length) {
      if (!d.buf && d.entry.data === blockData && bytes.length - used >= d.blockLen) {
        // a whole block: taken in place (block writes copy it out before returning)
        d.buf = used === 0 && bytes.length === d.blockLen ? bytes : bytes.subarray(used, used + d.blockLen);
        d.pos = d.blockLen;
        used += d.blockLen;
      } else {
        if (!d.buf) {
          d.buf = new Uint8Array(d.blockLen);
          d.pos = 0;
        }
        const take = Math.min(bytes.length - used, d.blockLen - d.pos);
        d.buf.set(bytes.subarray(used, used + take), d.pos);
        d.pos += take;
        used += take;
      }
      if (d.pos === d.blockLen) {
        const block = d.buf;
        d.buf = undefined;
        const last = d.remaining === 1;
        const ok = d.entry.data?.write?.(this, d, block) ?? false;
        if (!ok) {
          d.stopped = true;
          if (this.powered) {
            // range error: the card stops taking data and programs nothing more
            this.setState('prg');
            this.busyFor(this.latency.p.minWriteBusyNs, 'write stopped', true, d.ticket);
            this.endData();
          }
          return false;
        }
        d.blocks++;
        if (d.remaining !== undefined) d.remaining--;
        this.busyFor(this.latency.programNs(last), this.programWhy(d), last, d.ticket);
        if (d.remaining === 0) {
          this.endData();
          this.setState('prg');
          return true;
        }
      }
    }
    return true;
  }
}

/** `parts` as one buffer of `bytes` (the rare retry path). */
function concat(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
