/**
 * The SDHCI transfer engine (spec §2.5–2.8): a data command's transfer block by block — PIO
 * buffer handshakes, SDMA and ADMA2 — on the virtual clock, Auto CMD12, completion, abort and
 * data errors. Runs of DMA blocks may move in bulk instead (./burst-engine.ts).
 */

import { MemoryFault } from '../memory.js';
import { MMC } from '../../hw/mmc-protocol.js';
import * as R from '../../hw/sdhci-regs.js';
import { get, isSet, type Field } from '../../hw/sdhci-regs.js';
import { responseWord, SdhciCommandEngine } from './command-engine.js';
import { Adma2Engine, SdmaEngine, type AdmaError, type AdmaPlanCache } from './dma.js';
import type { DmaMode, Transfer, TransferContinuations } from './transfer.js';

export abstract class SdhciTransferEngine extends SdhciCommandEngine {
  /** the last ADMA2 table walk, reused while the table's pages are unchanged (dma.ts AdmaPlan) */
  protected readonly admaPlans: AdmaPlanCache = { plan: undefined };

  // ---------------------------------------------------------------------------------------------
  // data phase (§2.5–2.8)
  // ---------------------------------------------------------------------------------------------

  protected dmaMode(tm: number): DmaMode {
    if (!isSet(R.TM.DMA_ENABLE, tm)) return 'pio';
    const sel = get(R.HC1.DMA_SELECT, this.plain(R.HOST_CONTROL1));
    return sel === R.DMA_SELECT.ADMA2_32 ? 'adma32' : sel === R.DMA_SELECT.ADMA2_64 ? 'adma64' : 'sdma';
  }

  protected startData(cmdIndex: number): void {
    const tm = this.plain(R.TRANSFER_MODE);
    const bs = get(R.BS.SIZE, this.plain(R.BLOCK_SIZE));
    const multi = isSet(R.TM.MULTI_BLOCK, tm);
    const useCount = isSet(R.TM.BLOCK_COUNT_ENABLE, tm);
    const count = this.plain(R.BLOCK_COUNT);
    const dma = this.dmaMode(tm);
    const blocksLeft = !multi ? 1 : useCount ? count : undefined;
    if (get(R.HC1.DMA_SELECT, this.plain(R.HOST_CONTROL1)) === R.DMA_SELECT.ADMA1 && dma !== 'pio') {
      this.guestError('ADMA1 selected (not in SDHCI 3.00)');
    }
    const xfer: Transfer = {
      cmdIndex,
      read: isSet(R.TM.READ, tm),
      blockSize: bs,
      useCount,
      blocksLeft,
      dma,
      autoCmd12: multi && get(R.TM.AUTO_CMD, tm) === R.AUTO_CMD.CMD12,
      sdma: undefined,
      adma: undefined,
      buf: undefined,
      pioBlock: undefined,
      pos: 0,
      sdmaPaused: false,
      endSeen: false,
      stuck: false,
      blocksDone: 0,
      cont: undefined,
    };
    if (dma === 'sdma') {
      xfer.sdma = new SdmaEngine(this.memory, this.tracer, this.plain(R.SDMA_ADDRESS), R.sdmaBoundaryBytes(get(R.BS.SDMA_BOUNDARY, this.plain(R.BLOCK_SIZE))));
    } else if (dma === 'adma32' || dma === 'adma64') {
      const lo = this.plain(R.ADMA_ADDRESS_LO);
      const hi = dma === 'adma64' ? this.plain(R.ADMA_ADDRESS_HI) : 0;
      xfer.adma = new Adma2Engine(this.memory, this.tracer, dma === 'adma64', hi * 2 ** 32 + lo, this.admaPlans);
    }
    this.xfer = xfer;
    if (bs === 0 || blocksLeft === 0) {
      this.guestError(bs === 0 ? 'data command with block size 0' : 'data command with block count 0');
      this.finishTransfer(xfer, this.dataEpoch);
      return;
    }
    const epoch = this.dataEpoch;
    if (xfer.read) {
      const first = this.latency.p.readAccessNs + this.latency.blockTransferNs(bs, this.busConfig());
      this.clock.after(first, this.continuations(xfer, epoch).readArrives, 'sdhci read block');
    } else if (dma === 'pio') {
      this.bufWriteEnable = true;
      xfer.buf = xfer.pioBlock = new Uint8Array(bs);
      xfer.pos = 0;
      this.raiseNormal(R.NIS.BUFFER_WRITE_READY);
    } else {
      this.clock.after(0, () => this.dmaFetchAndSend(xfer, epoch), 'sdhci dma fetch');
    }
  }

  protected live(xfer: Transfer, epoch: number): boolean {
    return epoch === this.dataEpoch && this.xfer === xfer && !xfer.stuck;
  }

  protected readBlockArrives(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (xfer.dma !== 'pio' && this.startBurst(xfer, epoch, true)) return;
    const res = this.bus.readData(xfer.blockSize);
    if (res.fault === 'stuck') {
      xfer.stuck = true;
      this.tracer.emit('sdhci_transfer', 'stuck', xfer.blocksLeft ?? -1);
      return;
    }
    if (!res.data || res.data.length < xfer.blockSize) {
      // the card sends nothing: Data Timeout after the Timeout Control period
      this.clock.after(this.dataTimeoutNs(), () => {
        if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
      }, 'sdhci data timeout');
      return;
    }
    if (res.fault === 'crc') return this.dataFailed(R.EIS.DATA_CRC);
    if (isSet(R.HC2.EXECUTE_TUNING, this.plain(R.HOST_CONTROL2))) return this.tuningBlockArrives();
    if (xfer.dma === 'pio') {
      xfer.buf = res.data;
      xfer.pos = 0;
      this.bufReadEnable = true;
      this.raiseNormal(R.NIS.BUFFER_READ_READY);
      return;
    }
    if (!this.dmaStore(xfer, res.data)) return;
    this.blockDone(xfer, epoch);
  }

  /**
   * A tuning block while Execute Tuning is set (QEMU's sdhci_read_block_from_card): it goes to the
   * sampling circuit, not the buffer; the tuning is done (Execute Tuning clears, Sampling Clock
   * Select sets), the DAT lines are free and Buffer Read Ready is the only interrupt.
   */
  protected tuningBlockArrives(): void {
    const hc2 = this.plain(R.HOST_CONTROL2);
    this.setPlain(R.HOST_CONTROL2, (hc2 & ~R.HC2.EXECUTE_TUNING.mask) | R.HC2.SAMPLING_CLOCK_SELECT.mask);
    this.counters.tuningBlocks++;
    this.tracer.emit('sdhci_transfer', 'tuning block (Execute Tuning cleared, Sampling Clock Select set)', 0);
    this.xfer = undefined;
    this.endDataLines();
    this.raiseNormal(R.NIS.BUFFER_READ_READY);
  }

  /** card→memory for one block; false if the transfer ended in an ADMA error. */
  protected dmaStore(xfer: Transfer, data: Uint8Array): boolean {
    if (xfer.sdma) {
      try {
        if (xfer.sdma.toMemory(data) && (xfer.blocksLeft === undefined || xfer.blocksLeft > 1)) xfer.sdmaPaused = true;
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        this.admaFailed({ state: R.ADMA_STATE.ST_TFR, lengthMismatch: false, descAddr: 0, why: e.message });
        return false;
      }
      return true;
    }
    const r = xfer.adma!.moveBlock(xfer.blockSize, data);
    if (r.error) {
      this.admaFailed(r.error);
      return false;
    }
    if (r.dmaInterrupt) this.raiseNormal(R.NIS.DMA);
    if (r.end) xfer.endSeen = true;
    return true;
  }

  /** memory→card for one block; undefined if the transfer ended in an ADMA error. */
  protected dmaLoad(xfer: Transfer): Uint8Array | undefined {
    if (xfer.sdma) {
      try {
        const { data, crossed } = xfer.sdma.fromMemory(xfer.blockSize);
        if (crossed && (xfer.blocksLeft === undefined || xfer.blocksLeft > 1)) xfer.sdmaPaused = true;
        return data;
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        this.admaFailed({ state: R.ADMA_STATE.ST_TFR, lengthMismatch: false, descAddr: 0, why: e.message });
        return undefined;
      }
    }
    const r = xfer.adma!.moveBlock(xfer.blockSize);
    if (r.error) {
      this.admaFailed(r.error);
      return undefined;
    }
    if (r.dmaInterrupt) this.raiseNormal(R.NIS.DMA);
    if (r.end) xfer.endSeen = true;
    return r.data;
  }

  protected dmaFetchAndSend(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (this.startBurst(xfer, epoch, false)) return;
    const data = this.dmaLoad(xfer);
    if (!data) return;
    const t = this.latency.blockTransferNs(xfer.blockSize, this.busConfig()) + this.latency.writeCrcStatusNs(this.busConfig());
    this.clock.after(t, () => this.sendBlock(xfer, epoch, data), 'sdhci write block');
  }

  protected sendBlock(xfer: Transfer, epoch: number, data: Uint8Array): void {
    if (!this.live(xfer, epoch)) return;
    const res = this.bus.writeData(data);
    if (res.fault === 'stuck') {
      xfer.stuck = true;
      this.tracer.emit('sdhci_transfer', 'stuck', xfer.blocksLeft ?? -1);
      return;
    }
    if (res.fault === 'crc') return this.dataFailed(R.EIS.DATA_CRC);
    if (!res.accepted) {
      // no CRC status / busy that never ends (power lost, card not receiving)
      this.clock.after(this.dataTimeoutNs(), () => {
        if (this.live(xfer, epoch)) this.dataFailed(R.EIS.DATA_TIMEOUT);
      }, 'sdhci data timeout');
      return;
    }
    this.blockDone(xfer, epoch);
  }

  /** A block has fully moved; count it and go on, pause, or finish. */
  protected blockDone(xfer: Transfer, epoch: number): void {
    this.countBlocks(xfer, 1);
    if (!this.tracer.silent) this.tracer.emit('sdhci_transfer', `block ${xfer.blocksDone} done`, xfer.blocksLeft ?? -1); // no string per block untraced
    this.afterBlock(xfer, epoch);
  }

  protected countBlocks(xfer: Transfer, n: number): void {
    xfer.blocksDone += n;
    if (xfer.blocksLeft !== undefined) xfer.blocksLeft -= n;
    if (xfer.useCount) this.setPlain(R.BLOCK_COUNT, (this.plain(R.BLOCK_COUNT) - n) & 0xffff);
  }

  /** After a block (or a burst's last block): finish, pause at an SDMA boundary, or go on. */
  protected afterBlock(xfer: Transfer, epoch: number): void {
    if (xfer.blocksLeft === 0 || (xfer.blocksLeft === undefined && xfer.endSeen)) {
      if (xfer.read) return this.finishTransfer(xfer, epoch);
      // writes: Transfer Complete only after the last block's busy
      return this.whenNotBusy(epoch, this.finishLater(xfer, epoch));
    }
    if (xfer.sdmaPaused) {
      this.raiseNormal(R.NIS.DMA); // boundary: wait for the host to rewrite the SDMA address
      return;
    }
    this.nextBlock(xfer, epoch);
  }

  /** (a closure of its own: in afterBlock its context would be allocated for every block) */
  private finishLater(xfer: Transfer, epoch: number): () => void {
    return () => this.finishTransfer(xfer, epoch);
  }

  protected nextBlock(xfer: Transfer, epoch: number): void {
    const bus = this.busConfig();
    if (xfer.read) {
      this.clock.after(this.latency.blockTransferNs(xfer.blockSize, bus), this.continuations(xfer, epoch).readArrives, 'sdhci read block');
      return;
    }
    // writes: the next block goes out once the card has finished programming this one
    this.whenNotBusy(epoch, this.continuations(xfer, epoch).writeReady);
  }

  /** The card's busy after a written block ended: the next block (PIO: the buffer opens again). */
  protected writeReady(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (xfer.dma === 'pio') {
      // every byte is written before the block goes out; the card took the last one in sendBlock
      xfer.buf = xfer.pioBlock ??= new Uint8Array(xfer.blockSize);
      xfer.pos = 0;
      this.bufWriteEnable = true;
      this.raiseNormal(R.NIS.BUFFER_WRITE_READY);
    } else {
      this.dmaFetchAndSend(xfer, epoch);
    }
  }

  /** The transfer's continuations for `epoch`, made on first use (TransferContinuations). */
  protected continuations(xfer: Transfer, epoch: number): TransferContinuations {
    const c = xfer.cont;
    if (c && c.epoch === epoch) return c;
    return (xfer.cont = this.makeContinuations(xfer, epoch));
  }

  /** (apart from continuations(): a function whose closures capture its arguments allocates their context on every call) */
  private makeContinuations(xfer: Transfer, epoch: number): TransferContinuations {
    return {
      epoch,
      readArrives: () => this.readBlockArrives(xfer, epoch),
      writeReady: () => this.writeReady(xfer, epoch),
      pioSend: () => this.sendBlock(xfer, epoch, xfer.pioBlock!),
    };
  }

  protected resumeSdma(): void {
    const xfer = this.xfer;
    if (!xfer || !xfer.sdmaPaused) return;
    xfer.sdmaPaused = false;
    this.nextBlock(xfer, this.dataEpoch);
  }

  protected finishTransfer(xfer: Transfer, epoch: number): void {
    if (!this.live(xfer, epoch)) return;
    if (xfer.adma) {
      const err = xfer.adma.finish();
      if (err && xfer.blocksLeft === 0) return this.admaFailed(err);
    }
    const complete = (): void => {
      if (epoch !== this.dataEpoch || this.xfer !== xfer) return;
      // the address registers keep where the engines stopped
      if (xfer.sdma) this.setPlain(R.SDMA_ADDRESS, xfer.sdma.addr);
      if (xfer.adma) {
        this.setPlain(R.ADMA_ADDRESS_LO, xfer.adma.descAddr % 2 ** 32);
        this.setPlain(R.ADMA_ADDRESS_HI, Math.floor(xfer.adma.descAddr / 2 ** 32));
      }
      this.xfer = undefined;
      this.endDataLines();
      this.raiseNormal(R.NIS.TRANSFER_COMPLETE);
    };
    if (!xfer.autoCmd12) return complete();
    // Auto CMD12: the controller sends the stop itself; its response goes to RESPONSE3 (§2.8)
    const hz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
    this.clock.after(this.latency.commandNs(48, hz), () => {
      if (epoch !== this.dataEpoch) return;
      const res = this.bus.doCommand(MMC.STOP_TRANSMISSION, 0, false);
      if (res.response.kind === 'none' || res.crcError) {
        this.autoCmdFailed(res.response.kind === 'none' ? R.ACES.TIMEOUT : R.ACES.CRC);
        return;
      }
      this.setPlain(R.RESPONSE3, responseWord(res.response));
      if (xfer.read) complete();
      else this.whenNotBusy(epoch, complete);
    }, 'sdhci auto CMD12');
  }

  /** A stop command while a transfer runs: the engine stops; CMD12's own completion ends the DAT phase. */
  protected abortTransfer(): void {
    const xfer = this.xfer!;
    this.tracer.emit('sdhci_transfer', `aborted by CMD${this.lastCmd}`, xfer.blocksLeft ?? -1);
    this.dataEpoch++;
    this.xfer = undefined;
    this.bufReadEnable = this.bufWriteEnable = false;
    this.readActive = this.writeActive = false;
    // R1 stop (after reads): the DAT lines are free once the stop's response arrives
    const epoch = this.dataEpoch;
    const c = R.decodeCommand(this.plain(R.COMMAND));
    if (c.responseType !== R.RESPONSE_TYPE.R48_BUSY) {
      const hz = this.sdClockHz() || this.latency.p.defaultBus.clockHz;
      this.clock.after(this.latency.commandNs(48, hz), () => {
        if (epoch !== this.dataEpoch) return;
        this.endDataLines();
        this.raiseNormal(R.NIS.TRANSFER_COMPLETE);
      }, 'sdhci stop complete');
    }
  }

  protected dataFailed(err: Field): void {
    // the DAT circuit stays busy until a DATA reset (§2.9); the engine stops
    if (this.xfer) this.xfer.stuck = true;
    this.bufReadEnable = this.bufWriteEnable = false;
    this.raiseError(err);
  }

  protected admaFailed(e: AdmaError): void {
    this.tracer.emit('sdhci_guest_error', `ADMA error: ${e.why}`);
    let v = R.set(R.ADMA_ES.STATE, 0, e.state);
    if (e.lengthMismatch) v |= R.ADMA_ES.LENGTH_MISMATCH.mask;
    this.setPlain(R.ADMA_ERROR_STATUS, v);
    if (this.xfer?.adma) {
      this.setPlain(R.ADMA_ADDRESS_LO, e.descAddr % 2 ** 32);
      this.setPlain(R.ADMA_ADDRESS_HI, Math.floor(e.descAddr / 2 ** 32));
    }
    if (this.xfer) this.xfer.adma = undefined; // registers now show the error address
    this.dataFailed(R.EIS.ADMA);
  }

  /** Start moving the next blocks as one run, if nothing could observe the difference (./burst-engine.ts). */
  protected abstract startBurst(xfer: Transfer, epoch: number, read: boolean): boolean;
}
