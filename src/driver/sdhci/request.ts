/**
 * SDHCI requests (drivers/mmc/host/sdhci.c): sdhci_request → sdhci_send_command (inhibit checks,
 * data timeout, transfer mode, block size/count, SDMA/ADMA2/PIO set-up with the DMA mapping,
 * Auto CMD12/23) and the completion side that hands finished requests back to the core
 * (__sdhci_finish_mrq, sdhci_request_done → mmc_request_done).
 */
import * as R from '../../hw/sdhci-regs.js';
import { mmcOpTuning } from '../../hw/mmc-protocol.js';
import { mmcRequestDone } from '../mmc/core.js';
import { EIO, ENOMEDIUM } from '../../lib/errno.js';
import {
  MMC_CAP_NONREMOVABLE,
  MMC_DATA_READ,
  MMC_RSP_136,
  MMC_RSP_BUSY,
  MMC_RSP_CRC,
  MMC_RSP_OPCODE,
  MMC_RSP_PRESENT,
  mmcOpMulti,
  type MmcCommand,
  type MmcHost,
  type MmcRequest,
} from '../mmc/types.js';
import { DMA_LAYOUT, SDHCI_DEFAULT_BOUNDARY_ARG, dmaMapBounce, dmaMapPages, dmaUnmap, writeAdmaTable } from './dma.js';
import { sdhciResetForRequestError } from './reset.js';
import {
  COOKIE_MAPPED,
  COOKIE_UNMAPPED,
  SDHCI_AUTO_CMD12,
  SDHCI_AUTO_CMD23,
  SDHCI_DEVICE_DEAD,
  SDHCI_MAX_MRQS,
  SDHCI_REQ_USE_DMA,
  SDHCI_USE_64_BIT_DMA,
  SDHCI_USE_ADMA,
  SDHCI_USE_SDMA,
  type SdhciHost,
} from './sdhci.js';

/** sdhci_get_cd() */
export function sdhciGetCd(mmc: MmcHost): number {
  // non-removable: always present
  return mmc.caps & MMC_CAP_NONREMOVABLE ? 1 : 1;
}

/** sdhci_data_line_cmd(): the command uses the DAT lines (data or busy). */
export function sdhciDataLineCmd(cmd: MmcCommand): boolean {
  return !!cmd.data || (cmd.flags & MMC_RSP_BUSY) !== 0;
}

/** sdhci_auto_cmd23() */
export function sdhciAutoCmd23(host: SdhciHost, mrq: MmcRequest): boolean {
  return !!mrq.sbc && (host.flags & SDHCI_AUTO_CMD23) !== 0;
}

/** sdhci_manual_cmd23() */
export function sdhciManualCmd23(host: SdhciHost, mrq: MmcRequest): boolean {
  return !!mrq.sbc && !(host.flags & SDHCI_AUTO_CMD23);
}

/** sdhci_auto_cmd12() */
export function sdhciAutoCmd12(host: SdhciHost, mrq: MmcRequest): boolean {
  return !mrq.sbc && (host.flags & SDHCI_AUTO_CMD12) !== 0;
}

/** sdhci_calc_timeout(): the Timeout Control count for a data or busy command. */
export function sdhciCalcTimeout(host: SdhciHost, cmd: MmcCommand): number {
  const data = cmd.data;
  if (!data && !cmd.busyTimeoutMs) return 0xe;
  let target: number; // µs
  if (!data) target = cmd.busyTimeoutMs * 1000;
  else {
    target = Math.ceil(data.timeoutNs / 1000);
    if (host.clock && data.timeoutClks) target += Math.ceil((1e6 * data.timeoutClks) / host.clock);
  }
  let count = 0;
  let current = ((1 << 13) * 1000) / host.timeoutClk;
  while (current < target) {
    count++;
    current *= 2;
    if (count > 0xe) break;
  }
  return Math.min(count, 0xe);
}

/** sdhci_set_transfer_irqs(): PIO or DMA interrupts for the coming transfer. */
export function sdhciSetTransferIrqs(host: SdhciHost): void {
  const pioIrqs = R.INT.DATA_AVAIL | R.INT.SPACE_AVAIL;
  const dmaIrqs = R.INT.DMA_END | R.INT.ADMA_ERROR;
  if (host.flags & SDHCI_REQ_USE_DMA) host.ier = (host.ier & ~pioIrqs) | dmaIrqs;
  else host.ier = (host.ier & ~dmaIrqs) | pioIrqs;
  if (host.flags & (SDHCI_AUTO_CMD23 | SDHCI_AUTO_CMD12)) host.ier |= R.INT.AUTO_CMD_ERR;
  else host.ier &= ~R.INT.AUTO_CMD_ERR;
  host.ier >>>= 0;
  host.writel(host.ier, R.NORMAL_INT_STATUS_ENABLE);
  host.writel(host.ier, R.NORMAL_INT_SIGNAL_ENABLE);
}

/** sdhci_config_dma() */
export function sdhciConfigDma(host: SdhciHost): void {
  let ctrl = host.readb(R.HOST_CONTROL1);
  ctrl &= ~R.HC1.DMA_SELECT.mask;
  if (host.flags & SDHCI_REQ_USE_DMA) {
    if (host.flags & SDHCI_USE_ADMA) ctrl |= R.set(R.HC1.DMA_SELECT, 0, host.flags & SDHCI_USE_64_BIT_DMA ? R.DMA_SELECT.ADMA2_64 : R.DMA_SELECT.ADMA2_32);
    else ctrl |= R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.SDMA);
  }
  host.writeb(ctrl, R.HOST_CONTROL1);
}

/** sdhci_sdma_address() */
export function sdhciSdmaAddress(host: SdhciHost): number {
  return host.dmaSegs![0]!.addr;
}

/** sdhci_prepare_data(): map the buffer, choose DMA or PIO, program block size and count. */
export function sdhciPrepareData(host: SdhciHost, cmd: MmcCommand): void {
  const data = cmd.data!;
  if (host.data) host.pr('WARNING: prepare_data with data in flight');
  host.data = data;
  host.dataEarly = false;
  data.bytesXfered = 0;
  if (host.flags & (SDHCI_USE_SDMA | SDHCI_USE_ADMA)) host.flags |= SDHCI_REQ_USE_DMA;
  else host.flags &= ~SDHCI_REQ_USE_DMA;
  const read = (data.flags & MMC_DATA_READ) !== 0;
  if (host.flags & SDHCI_REQ_USE_DMA) {
    // sdhci_pre_dma_transfer: map the scatterlist
    if (host.flags & SDHCI_USE_ADMA) {
      const base = host.flags & SDHCI_USE_64_BIT_DMA ? DMA_LAYOUT.pages64 : DMA_LAYOUT.pages32;
      host.dmaSegs = dmaMapPages(host.memory, data.buf, base, !read, host.dmaDirect, host.dmaSegs ? [] : host.sgTable);
      writeAdmaTable(host.memory, DMA_LAYOUT.admaTable, host.dmaSegs, (host.flags & SDHCI_USE_64_BIT_DMA) !== 0);
      host.writel(DMA_LAYOUT.admaTable % 2 ** 32, R.ADMA_ADDRESS_LO);
      if (host.flags & SDHCI_USE_64_BIT_DMA) host.writel(Math.floor(DMA_LAYOUT.admaTable / 2 ** 32), R.ADMA_ADDRESS_HI);
    } else {
      host.dmaSegs = dmaMapBounce(host.memory, data.buf, !read, host.dmaDirect);
      host.writel(sdhciSdmaAddress(host), R.SDMA_ADDRESS);
    }
    data.hostCookie = COOKIE_MAPPED;
  }
  sdhciConfigDma(host);
  if (!(host.flags & SDHCI_REQ_USE_DMA)) {
    host.blocks = data.blocks;
    host.pioOffset = 0;
  }
  sdhciSetTransferIrqs(host);
  // sdhci_set_block_info
  host.writew(R.blockSizeValue(data.blksz, SDHCI_DEFAULT_BOUNDARY_ARG), R.BLOCK_SIZE);
  host.writew(data.blocks, R.BLOCK_COUNT);
}

/** sdhci_set_transfer_mode() */
export function sdhciSetTransferMode(host: SdhciHost, cmd: MmcCommand): void {
  const data = cmd.data;
  if (!data) {
    // clear Auto CMD settings for no data CMDs
    const mode = host.readw(R.TRANSFER_MODE);
    host.writew(mode & ~R.TM.AUTO_CMD.mask, R.TRANSFER_MODE);
    return;
  }
  let mode = R.TM.BLOCK_COUNT_ENABLE.mask;
  const mrq = cmd.mrq!;
  if (mmcOpMulti(cmd.opcode) || data.blocks > 1) {
    mode = R.TM.BLOCK_COUNT_ENABLE.mask | R.TM.MULTI_BLOCK.mask;
    if (sdhciAutoCmd12(host, mrq)) mode |= R.set(R.TM.AUTO_CMD, 0, R.AUTO_CMD.CMD12);
    else if (sdhciAutoCmd23(host, mrq)) mode |= R.set(R.TM.AUTO_CMD, 0, R.AUTO_CMD.CMD23);
    if (sdhciAutoCmd23(host, mrq)) host.writel(mrq.sbc!.arg, R.SDMA_ADDRESS); // SDHCI_ARGUMENT2
  }
  if (data.flags & MMC_DATA_READ) mode |= R.TM.READ.mask;
  if (host.flags & SDHCI_REQ_USE_DMA) mode |= R.TM.DMA_ENABLE.mask;
  host.writew(mode, R.TRANSFER_MODE);
}

/** sdhci_send_command(): false if the inhibit bits are still set. */
export function sdhciSendCommand(host: SdhciHost, cmd: MmcCommand): boolean {
  if (host.cmd) host.pr('WARNING: send_command with a command in flight');
  cmd.error = 0;
  let mask = R.PS.CMD_INHIBIT.mask;
  if (sdhciDataLineCmd(cmd)) mask |= R.PS.DAT_INHIBIT.mask;
  // don't wait for data inhibit for stop commands, even though they might use busy signaling
  if (cmd.mrq?.data && cmd === cmd.mrq.data.stop) mask &= ~R.PS.DAT_INHIBIT.mask;
  if (host.readl(R.PRESENT_STATE) & mask) return false;
  host.cmd = cmd;
  if (sdhciDataLineCmd(cmd)) {
    if (host.dataCmd) host.pr('WARNING: data_cmd already set');
    host.dataCmd = cmd;
    host.writeb(sdhciCalcTimeout(host, cmd), R.TIMEOUT_CONTROL);
  }
  if (cmd.data) sdhciPrepareData(host, cmd);
  host.writel(cmd.arg, R.ARGUMENT);
  sdhciSetTransferMode(host, cmd);
  if (cmd.flags & MMC_RSP_136 && cmd.flags & MMC_RSP_BUSY) cmd.flags &= ~MMC_RSP_BUSY;
  let responseType: number;
  if (!(cmd.flags & MMC_RSP_PRESENT)) responseType = R.RESPONSE_TYPE.NONE;
  else if (cmd.flags & MMC_RSP_136) responseType = R.RESPONSE_TYPE.R136;
  else if (cmd.flags & MMC_RSP_BUSY) responseType = R.RESPONSE_TYPE.R48_BUSY;
  else responseType = R.RESPONSE_TYPE.R48;
  const word = R.encodeCommand({
    index: cmd.opcode,
    responseType,
    crcCheck: (cmd.flags & MMC_RSP_CRC) !== 0,
    indexCheck: (cmd.flags & MMC_RSP_OPCODE) !== 0,
    // CMD19/21 carry a data block (the tuning block) without an mmc_data
    dataPresent: !!cmd.data || mmcOpTuning(cmd.opcode),
  });
  let timeoutNs = 10e9;
  if (!cmd.data && cmd.busyTimeoutMs > 9000) timeoutNs = (Math.ceil(cmd.busyTimeoutMs / 1000) + 1) * 1e9;
  sdhciModTimer(host, cmd.mrq!, timeoutNs);
  host.writew(word, R.COMMAND);
  return true;
}

/** sdhci_mod_timer(): the data timer for DAT-line commands, the command timer otherwise. */
export function sdhciModTimer(host: SdhciHost, mrq: MmcRequest, timeoutNs: number): void {
  if (sdhciDataLineCmd(mrq.cmd)) host.cpu.modTimer(host.dataTimer, host.cpu.now + timeoutNs);
  else host.cpu.modTimer(host.timer, host.cpu.now + timeoutNs);
}

/** sdhci_send_command_retry(): ~10 tries 1 ms apart, then -EIO. Called and returns with the lock held. */
export function sdhciSendCommandRetry(host: SdhciHost, cmd: MmcCommand, was: boolean): { ok: boolean; was: boolean } {
  const deferred = host.deferredCmd;
  let timeout = 10;
  while (!sdhciSendCommand(host, cmd)) {
    if (!timeout--) {
      host.stats.inhibitTimeouts++;
      // the message and register dump are suppressed during panic (the -EIO stays)
      if (!host.panicMode) {
        host.pr('Controller never released inhibit bit(s).');
        host.dumpRegs();
      }
      cmd.error = -EIO;
      return { ok: false, was };
    }
    host.unlockIrqRestore(was);
    // v3+ panic patch: with oops_in_progress (IRQs off) busy-wait with mdelay instead of sleeping
    if (host.cpu.irqsDisabled && host.panicMode) host.cpu.mdelay(1);
    else host.cpu.sleep(1_000_000, 'usleep_range(1000, 1250)');
    was = host.lockIrqSave();
    if (cmd === deferred && cmd !== host.deferredCmd) return { ok: true, was };
  }
  if (cmd === host.deferredCmd) host.deferredCmd = null;
  return { ok: true, was };
}

/** mmc_host_ops.request = sdhci_request */
export function sdhciRequest(host: SdhciHost, mrq: MmcRequest): void {
  const present = sdhciGetCd(host.mmc);
  let was = host.lockIrqSave();
  let finish = false;
  if (!present || host.flags & SDHCI_DEVICE_DEAD) {
    mrq.cmd.error = -ENOMEDIUM;
    finish = true;
  } else {
    const cmd = sdhciManualCmd23(host, mrq) ? mrq.sbc! : mrq.cmd;
    const r = sdhciSendCommandRetry(host, cmd, was);
    was = r.was;
    finish = !r.ok;
  }
  if (finish) sdhciFinishMrq(host, mrq);
  host.unlockIrqRestore(was);
}

/** sdhci_needs_reset() */
export function sdhciNeedsReset(host: SdhciHost, mrq: MmcRequest): boolean {
  return (
    !(host.flags & SDHCI_DEVICE_DEAD) &&
    (!!mrq.cmd.error || !!mrq.sbc?.error || !!(mrq.data?.stop && mrq.data.stop.error))
  );
}

/** __sdhci_finish_mrq() */
export function sdhciFinishMrqNoWork(host: SdhciHost, mrq: MmcRequest): void {
  if (host.cmd && host.cmd.mrq === mrq) host.cmd = null;
  if (host.dataCmd && host.dataCmd.mrq === mrq) host.dataCmd = null;
  if (host.deferredCmd && host.deferredCmd.mrq === mrq) host.deferredCmd = null;
  if (host.data && host.data.mrq === mrq) host.data = null;
  if (sdhciNeedsReset(host, mrq)) host.pendingReset = true;
  let i = host.mrqsDone.indexOf(mrq);
  if (i < 0) {
    i = host.mrqsDone.indexOf(null);
    if (i < 0) throw new Error('sdhci: too many completed requests');
    host.mrqsDone[i] = mrq;
  }
  host.cpu.delTimer(host.timer);
  host.cpu.delTimer(host.dataTimer);
}

/** sdhci_finish_mrq(): also queues complete_work */
export function sdhciFinishMrq(host: SdhciHost, mrq: MmcRequest): void {
  sdhciFinishMrqNoWork(host, mrq);
  host.cpu.queueWork(() => sdhciCompleteWork(host));
}

/** sdhci_complete_work() */
export function sdhciCompleteWork(host: SdhciHost): void {
  while (!sdhciRequestDone(host)) {
    /* keep going */
  }
}

/** sdhci_request_done(): returns true when there is nothing (more) to complete now. */
export function sdhciRequestDone(host: SdhciHost): boolean {
  const was = host.lockIrqSave();
  let mrq: MmcRequest | null = null;
  let i = 0;
  for (; i < SDHCI_MAX_MRQS; i++) {
    mrq = host.mrqsDone[i]!;
    if (mrq) break;
  }
  if (!mrq) {
    host.unlockIrqRestore(was);
    return true;
  }
  // The controller needs a reset of internal state machines upon error conditions.
  if (sdhciNeedsReset(host, mrq)) {
    // Do not finish until command and data lines are available for reset.
    if (host.cmd || host.dataCmd) {
      host.unlockIrqRestore(was);
      return true;
    }
    sdhciResetForRequestError(host);
    host.pendingReset = false;
  }
  const data = mrq.data;
  if (data && data.hostCookie === COOKIE_MAPPED) {
    if (host.dmaSegs) dmaUnmap(host.memory, host.dmaSegs, data.buf, (data.flags & MMC_DATA_READ) !== 0, data.bytesXfered);
    host.dmaSegs = null;
    data.hostCookie = COOKIE_UNMAPPED;
  }
  host.mrqsDone[i] = null;
  host.unlockIrqRestore(was);
  mmcRequestDone(host.mmc, mrq);
  return false;
}
