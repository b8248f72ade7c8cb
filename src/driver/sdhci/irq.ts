/**
 * SDHCI interrupt handling (drivers/mmc/host/sdhci.c): the hard IRQ handler sdhci_irq with its
 * command and data halves, command and data completion (finish_command, __sdhci_finish_data),
 * PIO transfers, the IRQ thread that sends deferred commands and completes requests, and the
 * software timeouts.
 */
import * as R from '../../hw/sdhci-regs.js';
import { mmcRequestDone } from '../mmc/core.js';
import { sdhciTuningIrq } from './tuning.js';
import type { IrqReturn } from '../mmc/cpu.js';
import { EILSEQ, EIO, ETIMEDOUT } from '../../lib/errno.js';
import { MMC_DATA_READ, MMC_RSP_136, MMC_RSP_BUSY, MMC_RSP_PRESENT, type MmcCommand, type MmcRequest } from '../mmc/types.js';
import { SDHCI_DEFAULT_BOUNDARY_SIZE } from './dma.js';
import { sdhciDoReset, sdhciResetForRequestError } from './reset.js';
import {
  sdhciAutoCmd12,
  sdhciAutoCmd23,
  sdhciCompleteWork,
  sdhciDataLineCmd,
  sdhciFinishMrq,
  sdhciFinishMrqNoWork,
  sdhciRequestDone,
  sdhciSdmaAddress,
  sdhciSendCommand,
  sdhciSendCommandRetry,
} from './request.js';
import {
  COOKIE_MAPPED,
  SDHCI_AUTO_CMD12,
  SDHCI_INT_CMD_MASK,
  SDHCI_INT_DATA_MASK,
  SDHCI_MAX_MRQS,
  SDHCI_REQ_USE_DMA,
  type SdhciHost,
} from './sdhci.js';

/** sdhci_defer_done(): completion needs the IRQ thread (pending reset or DMA unmap). */
export function sdhciDeferDone(host: SdhciHost, mrq: MmcRequest): boolean {
  return host.pendingReset || !!(host.flags & SDHCI_REQ_USE_DMA && mrq.data && mrq.data.hostCookie === COOKIE_MAPPED);
}

/** sdhci_read_rsp_136(): the 136-bit response without its CRC byte, shifted as Linux does. */
export function sdhciReadRsp136(host: SdhciHost, cmd: MmcCommand): void {
  for (let i = 0; i < 4; i++) cmd.resp[i] = host.readl(R.RESPONSE0, (3 - i) * 4);
  for (let i = 0; i < 4; i++) {
    cmd.resp[i] = (cmd.resp[i]! << 8) >>> 0;
    if (i !== 3) cmd.resp[i] = (cmd.resp[i]! | (cmd.resp[i + 1]! >>> 24)) >>> 0;
  }
}

/** sdhci_finish_command() */
export function sdhciFinishCommand(host: SdhciHost): void {
  const cmd = host.cmd!;
  host.cmd = null;
  if (cmd.flags & MMC_RSP_PRESENT) {
    if (cmd.flags & MMC_RSP_136) sdhciReadRsp136(host, cmd);
    else cmd.resp[0] = host.readl(R.RESPONSE0);
  }
  const mrq = cmd.mrq!;
  if (cmd.flags & MMC_RSP_BUSY) {
    if (cmd.data) {
      // cannot wait for busy signal when also doing a data transfer
    } else if (cmd === host.dataCmd) {
      return; // command complete before busy is ended
    }
  }
  if (cmd === mrq.sbc) {
    // finished CMD23, now send the actual command
    if (!sdhciSendCommand(host, mrq.cmd)) host.deferredCmd = mrq.cmd;
  } else {
    if (host.data && host.dataEarly) sdhciFinishData(host);
    if (!cmd.data) sdhciFinishMrqNoWork(host, mrq);
  }
}

/** __sdhci_finish_data(host, sw_data_timeout) */
export function sdhciFinishDataInner(host: SdhciHost, swDataTimeout: boolean): void {
  const dataCmd = host.dataCmd;
  const data = host.data!;
  host.data = null;
  host.dataCmd = null;
  if (data.error) {
    // __sdhci_finish_data_common(host, false): reset now, also from the software timer
    if (!host.cmd || host.cmd === dataCmd) sdhciResetForRequestError(host);
    else sdhciDoReset(host, R.RST.DATA.mask);
  }
  // assume nothing made it to the card in the event of an error
  data.bytesXfered = data.error ? 0 : data.blksz * data.blocks;
  const mrq = data.mrq!;
  if (data.stop && ((!mrq.sbc && !sdhciAutoCmd12(host, mrq)) || data.error)) {
    host.cmd = null; // avoid triggering the warning in sdhciSendCommand
    if (!sdhciSendCommand(host, data.stop)) {
      if (swDataTimeout) {
        data.stop.error = -EIO;
        sdhciFinishMrqNoWork(host, mrq);
      } else {
        host.deferredCmd = data.stop;
      }
    }
  } else {
    sdhciFinishMrqNoWork(host, mrq);
  }
}

/** sdhci_finish_data() */
export function sdhciFinishData(host: SdhciHost): void {
  sdhciFinishDataInner(host, false);
}

/**
 * sdhci_transfer_pio(). Linux's sdhci_read_block_pio / sdhci_write_block_pio do one readl /
 * writel of SDHCI_BUFFER per 4 bytes; here the whole words of a block go through readsl /
 * writesl (ioread32_rep), which the board defines as exactly that many readl / writel — the
 * same accesses, in one call. A block size that is not a multiple of 4 ends with one single
 * access for its last bytes, as the per-word loop does.
 */
export function sdhciTransferPio(host: SdhciHost): void {
  const data = host.data!;
  if (host.blocks === 0) return;
  const read = (data.flags & MMC_DATA_READ) !== 0;
  const mask = read ? R.PS.BUFFER_READ_ENABLE.mask : R.PS.BUFFER_WRITE_ENABLE.mask;
  const port = R.BUFFER_DATA_PORT.offset;
  while (host.readl(R.PRESENT_STATE) & mask) {
    const buf = data.buf;
    const start = host.pioOffset;
    const end = start + data.blksz;
    const words = data.blksz >>> 2;
    const tail = start + words * 4;
    if (read) {
      if (words > 0) host.mmio.readsl(port, buf, words, start); // (no view of the block)
      if (tail < end) {
        const w = host.readl(R.BUFFER_DATA_PORT);
        for (let i = 0; i < 4; i++) if (tail + i < buf.length) buf[tail + i] = (w >>> (8 * i)) & 0xff;
      }
    } else {
      if (words > 0) host.mmio.writesl(port, buf, words, start);
      if (tail < end) {
        let w = 0;
        for (let i = 0; i < 4; i++) w |= (buf[tail + i] ?? 0) << (8 * i);
        host.writel(w >>> 0, R.BUFFER_DATA_PORT);
      }
    }
    host.pioOffset = end;
    host.blocks--;
    if (host.blocks === 0) break;
  }
}

/**
 * sdhci_cmd_irq(): returns the data error bits to add to the caller's intmask (Linux ORs them
 * through a pointer; a return value needs no object per interrupt), 0 for none.
 */
export function sdhciCmdIrq(host: SdhciHost, intmask: number): number {
  if (intmask & R.INT.AUTO_CMD_ERR && host.dataCmd) {
    const mrq = host.dataCmd.mrq!;
    const acs = host.readw(R.AUTO_CMD_ERROR_STATUS);
    const dataErrBit = acs & R.ACES.TIMEOUT.mask ? R.INT.DATA_TIMEOUT : R.INT.DATA_CRC;
    // treat auto-CMD12 error the same as data error
    if (!mrq.sbc && host.flags & SDHCI_AUTO_CMD12) {
      return dataErrBit;
    }
  }
  if (!host.cmd) {
    if (host.pendingReset) return 0;
    host.stats.noCmdInterrupts++;
    host.pr(`Got command interrupt 0x${intmask.toString(16).padStart(8, '0')} even though no command operation was in progress.`);
    host.dumpRegs();
    return 0;
  }
  if (intmask & (R.INT.TIMEOUT | R.INT.CRC | R.INT.END_BIT | R.INT.INDEX)) {
    host.cmd.error = intmask & R.INT.TIMEOUT ? -ETIMEDOUT : -EILSEQ;
    // treat data command CRC error the same as data CRC error
    if (host.cmd.data && (intmask & (R.INT.CRC | R.INT.TIMEOUT)) === R.INT.CRC) {
      host.cmd = null;
      return R.INT.DATA_CRC;
    }
    sdhciFinishMrqNoWork(host, host.cmd.mrq!);
    return 0;
  }
  if (intmask & R.INT.AUTO_CMD_ERR) {
    const mrq = host.cmd.mrq!;
    const acs = host.readw(R.AUTO_CMD_ERROR_STATUS);
    const err = acs & R.ACES.TIMEOUT.mask ? -ETIMEDOUT : -EILSEQ;
    if (sdhciAutoCmd23(host, mrq)) {
      mrq.sbc!.error = err;
      sdhciFinishMrqNoWork(host, mrq);
      return 0;
    }
  }
  if (intmask & R.INT.RESPONSE) sdhciFinishCommand(host);
  return 0;
}

/** sdhci_data_irq() */
export function sdhciDataIrq(host: SdhciHost, intmask: number): void {
  // CMD19/21 generate only Buffer Read Ready: the tuning block
  if (sdhciTuningIrq(host, intmask)) return;
  if (!host.data) {
    const dataCmd = host.dataCmd;
    // the "data complete" interrupt also signals the end of a busy state
    if (dataCmd && dataCmd.flags & MMC_RSP_BUSY) {
      if (intmask & R.INT.DATA_TIMEOUT) {
        host.dataCmd = null;
        dataCmd.error = -ETIMEDOUT;
        sdhciFinishMrqNoWork(host, dataCmd.mrq!);
        return;
      }
      if (intmask & R.INT.DATA_END) {
        host.dataCmd = null;
        // some cards signal busy-end before the command completed
        if (host.cmd === dataCmd) return;
        sdhciFinishMrqNoWork(host, dataCmd.mrq!);
        return;
      }
    }
    if (host.pendingReset) return;
    host.stats.noDataInterrupts++;
    host.pr(`Got data interrupt 0x${intmask.toString(16).padStart(8, '0')} even though no data operation was in progress.`);
    host.dumpRegs();
    return;
  }
  const data = host.data;
  if (intmask & R.INT.DATA_TIMEOUT) data.error = -ETIMEDOUT;
  else if (intmask & R.INT.DATA_END_BIT) data.error = -EILSEQ;
  else if (intmask & R.INT.DATA_CRC) data.error = -EILSEQ;
  else if (intmask & R.INT.ADMA_ERROR) {
    host.pr(`ADMA error: 0x${intmask.toString(16).padStart(8, '0')}`);
    host.pr(`sdhci: ADMA Err: 0x${host.readl(R.ADMA_ERROR_STATUS).toString(16)} | ADMA Ptr: 0x${host.readl(R.ADMA_ADDRESS_LO).toString(16)}`);
    data.error = -EIO;
  }
  if (data.error) {
    sdhciFinishData(host);
    return;
  }
  if (intmask & (R.INT.DATA_AVAIL | R.INT.SPACE_AVAIL)) sdhciTransferPio(host);
  // we can't disable the DMA boundary feature, so at least restart the transfer
  if (intmask & R.INT.DMA_END) {
    const dmastart = sdhciSdmaAddress(host);
    let dmanow = dmastart + data.bytesXfered;
    dmanow = Math.floor(dmanow / SDHCI_DEFAULT_BOUNDARY_SIZE) * SDHCI_DEFAULT_BOUNDARY_SIZE + SDHCI_DEFAULT_BOUNDARY_SIZE;
    data.bytesXfered = dmanow - dmastart;
    host.writel(dmanow, R.SDMA_ADDRESS);
  }
  if (intmask & R.INT.DATA_END) {
    if (host.cmd === host.dataCmd) host.dataEarly = true; // data finished before the command completed
    else sdhciFinishData(host);
  }
}

/** sdhci_irq(): the hard IRQ handler. */
export function sdhciIrq(host: SdhciHost): IrqReturn {
  let result: IrqReturn = 'none';
  host.lock.lock();
  try {
    if (host.runtimeSuspended) return 'none';
    let intmask = host.readl(R.NORMAL_INT_STATUS);
    let unexpected = 0;
    let maxLoops = 16;
    if (intmask && intmask !== 0xffffffff) {
      do {
        if (host.irqHook) {
          intmask = host.irqHook(intmask) >>> 0;
          if (!intmask) {
            if (result === 'none') result = 'handled';
            intmask = host.readl(R.NORMAL_INT_STATUS);
            continue;
          }
        }
        const mask = intmask & (SDHCI_INT_CMD_MASK | SDHCI_INT_DATA_MASK | R.INT.BUS_POWER);
        host.writel(mask, R.NORMAL_INT_STATUS);
        if (intmask & SDHCI_INT_CMD_MASK) intmask = (intmask | sdhciCmdIrq(host, intmask & SDHCI_INT_CMD_MASK)) >>> 0;
        if (intmask & SDHCI_INT_DATA_MASK) sdhciDataIrq(host, intmask & SDHCI_INT_DATA_MASK);
        if (intmask & R.INT.BUS_POWER) host.pr('Card is consuming too much power!');
        intmask &= ~(R.INT.CARD_INSERT | R.INT.CARD_REMOVE | SDHCI_INT_CMD_MASK | SDHCI_INT_DATA_MASK | R.INT.ERROR | R.INT.BUS_POWER | R.INT.CARD_INT | (1 << 12));
        intmask >>>= 0;
        if (intmask) {
          unexpected |= intmask;
          host.writel(intmask, R.NORMAL_INT_STATUS);
        }
        if (result === 'none') result = 'handled';
        intmask = host.readl(R.NORMAL_INT_STATUS);
      } while (intmask && --maxLoops);
    }
    if (host.deferredCmd) result = 'wake-thread';
    if (unexpected) {
      host.stats.unexpected++;
      host.pr(`Unexpected interrupt 0x${(unexpected >>> 0).toString(16).padStart(8, '0')}.`);
      host.dumpRegs();
    }
  } finally {
    host.lock.unlock();
  }
  // process mrqs ready for immediate completion
  for (let i = 0; i < SDHCI_MAX_MRQS; i++) {
    const mrq = host.mrqsDone[i];
    if (!mrq) continue;
    if (sdhciDeferDone(host, mrq)) result = 'wake-thread';
    else {
      host.mrqsDone[i] = null;
      mmcRequestDone(host.mmc, mrq);
    }
  }
  return result;
}

/** sdhci_thread_irq() */
export function sdhciThreadIrq(host: SdhciHost): void {
  let was = host.lockIrqSave();
  const cmd = host.deferredCmd;
  if (cmd) {
    const r = sdhciSendCommandRetry(host, cmd, was);
    was = r.was;
    if (!r.ok) sdhciFinishMrqNoWork(host, cmd.mrq!);
  }
  host.unlockIrqRestore(was);
  while (!sdhciRequestDone(host)) {
    /* keep going */
  }
}

/** sdhci_timeout_timer(): command (non-data) timer */
export function sdhciTimeoutTimer(host: SdhciHost): void {
  if (host.panicMode) return; // "prevent spurious timeout handling" while oops_in_progress
  const was = host.lockIrqSave();
  if (host.cmd && !sdhciDataLineCmd(host.cmd)) {
    host.pr(`Timeout waiting for hardware cmd interrupt.`);
    host.dumpRegs();
    host.cmd.error = -ETIMEDOUT;
    sdhciFinishMrq(host, host.cmd.mrq!);
  }
  host.unlockIrqRestore(was);
}

/** sdhci_timeout_data_timer() */
export function sdhciTimeoutDataTimer(host: SdhciHost): void {
  if (host.panicMode) return;
  const was = host.lockIrqSave();
  if (host.data || host.dataCmd || (host.cmd && sdhciDataLineCmd(host.cmd))) {
    host.pr('Timeout waiting for hardware interrupt.');
    host.dumpRegs();
    if (host.data) {
      host.data.error = -ETIMEDOUT;
      sdhciFinishDataInner(host, true);
      host.cpu.queueWork(() => sdhciCompleteWork(host));
    } else if (host.dataCmd) {
      host.dataCmd.error = -ETIMEDOUT;
      sdhciFinishMrq(host, host.dataCmd.mrq!);
    } else {
      host.cmd!.error = -ETIMEDOUT;
      sdhciFinishMrq(host, host.cmd!.mrq!);
    }
  }
  host.unlockIrqRestore(was);
}
