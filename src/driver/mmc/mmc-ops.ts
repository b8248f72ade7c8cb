/**
 * MMC command helpers (drivers/mmc/core/mmc_ops.c, sd_ops.c, sdio_ops.c): each builds the command
 * Linux builds (opcode, argument, response flags, retries) and waits for it through the core.
 */
import { EBADMSG, EINVAL } from '../../lib/errno.js';
import { encodeSwitchArg } from '../../hw/mmc-protocol.js';
import { MMC_CMD_RETRIES, mmcPollForBusyWith, mmcSetDataTimeout, mmcSetTiming, mmcWaitForCmd, mmcWaitForReq, mmcDelay } from './core.js';
import {
  MMC,
  MMC_CMD_AC,
  MMC_CMD_ADTC,
  MMC_CMD_BC,
  MMC_CMD_BCR,
  MMC_DATA_READ,
  MMC_RSP_NONE,
  MMC_RSP_R1,
  MMC_RSP_R1B,
  MMC_RSP_R2,
  MMC_RSP_R3,
  MMC_RSP_R4,
  MMC_RSP_R5,
  MMC_RSP_R7,
  SD_APP_OP_COND,
  SD_IO_RW_DIRECT,
  SD_IO_SEND_OP_COND,
  SD_SEND_IF_COND,
  mmcCommand,
  mmcData,
  type MmcCard,
  type MmcHost,
  type MmcRequest,
  type Timing,
} from './types.js';

/** R1 card status bits (include/linux/mmc/mmc.h) */
export const R1 = {
  OUT_OF_RANGE: 1 << 31,
  ADDRESS_ERROR: 1 << 30,
  BLOCK_LEN_ERROR: 1 << 29,
  ERASE_SEQ_ERROR: 1 << 28,
  ERASE_PARAM: 1 << 27,
  WP_VIOLATION: 1 << 26,
  CARD_IS_LOCKED: 1 << 25,
  LOCK_UNLOCK_FAILED: 1 << 24,
  COM_CRC_ERROR: 1 << 23,
  ILLEGAL_COMMAND: 1 << 22,
  CARD_ECC_FAILED: 1 << 21,
  CC_ERROR: 1 << 20,
  ERROR: 1 << 19,
  CID_CSD_OVERWRITE: 1 << 16,
  WP_ERASE_SKIP: 1 << 15,
  ERASE_RESET: 1 << 13,
  READY_FOR_DATA: 1 << 8,
  SWITCH_ERROR: 1 << 7,
  EXCEPTION_EVENT: 1 << 6,
  APP_CMD: 1 << 5,
} as const;
export const R1_CURRENT_STATE = (x: number): number => (x >>> 9) & 0xf;
export const R1_STATE = { IDLE: 0, READY: 1, IDENT: 2, STBY: 3, TRAN: 4, DATA: 5, RCV: 6, PRG: 7, DIS: 8 } as const;
export const R1_STATUS = (x: number): number => (x & 0xfff9a000) >>> 0;
export const MMC_CARD_BUSY = 0x80000000;

/** EXT_CSD indices and values (include/linux/mmc/mmc.h): one layout for card and driver, hw/ext-csd.ts */
export {
  EXT_CSD,
  EXT_CSD_CMD_SET_NORMAL,
  EXT_CSD_PART_CONFIG_ACC_MASK,
  EXT_CSD_PART_CONFIG_ACC_BOOT0,
  EXT_CSD_PART_CONFIG_ACC_RPMB,
  EXT_CSD_PART_CONFIG_ACC_GP0,
  EXT_CSD_BUS_WIDTH_1,
  EXT_CSD_BUS_WIDTH_4,
  EXT_CSD_BUS_WIDTH_8,
  EXT_CSD_TIMING_HS,
  EXT_CSD_TIMING_HS200,
  EXT_CSD_CARD_TYPE_HS200_1_8V,
  EXT_CSD_POWER_OFF_SHORT,
  EXT_CSD_POWER_OFF_LONG,
  EXT_CSD_POWER_ON,
  EXT_CSD_CARD_TYPE_HS_26,
  EXT_CSD_CARD_TYPE_HS_52,
} from '../../hw/ext-csd.js';
export const DEFAULT_CMD6_TIMEOUT_MS = 500;
export const MMC_MIN_PART_SWITCH_TIME = 300;
export const MMC_OPS_TIMEOUT_MS = 10 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// SDIO / SD probes (mmc_rescan_try_freq)

/** mmc_io_rw_direct_host(): CMD52, R5, no retries. */
export function mmcIoRwDirect(host: MmcHost, write: boolean, fn: number, addr: number, inByte: number): { err: number; out: number } {
  const arg = ((write ? 0x80000000 : 0) | (fn << 28) | (addr << 9) | inByte) >>> 0;
  const cmd = mmcCommand(SD_IO_RW_DIRECT, arg, MMC_RSP_R5 | MMC_CMD_AC);
  const err = mmcWaitForCmd(host, cmd, 0);
  return { err, out: cmd.resp[0] & 0xff };
}

/** sdio_reset(): read CCCR ABORT, then write it back with RES set. */
export function sdioReset(host: MmcHost): number {
  const SDIO_CCCR_ABORT = 0x06;
  const r = mmcIoRwDirect(host, false, 0, SDIO_CCCR_ABORT, 0);
  const abort = r.err ? 0x08 : r.out | 0x08;
  return mmcIoRwDirect(host, true, 0, SDIO_CCCR_ABORT, abort).err;
}

/** mmc_send_if_cond(): SD CMD8 0x1AA, no retries. */
export function mmcSendIfCond(host: MmcHost, ocr: number): number {
  const arg = ((ocr & 0xff8000) !== 0 ? 1 << 8 : 0) | 0xaa;
  return mmcWaitForCmd(host, mmcCommand(SD_SEND_IF_COND, arg, MMC_RSP_R7 | MMC_CMD_BCR), 0);
}

/** mmc_send_io_op_cond(host, 0): CMD5 with MMC_CMD_RETRIES. */
export function mmcSendIoOpCond(host: MmcHost, ocr: number): number {
  return mmcWaitForCmd(host, mmcCommand(SD_IO_SEND_OP_COND, ocr, MMC_RSP_R4 | MMC_CMD_BCR), MMC_CMD_RETRIES);
}

/** mmc_send_app_op_cond(host, 0): mmc_wait_for_app_cmd tries CMD55 (then ACMD41) MMC_CMD_RETRIES + 1 times. */
export function mmcSendAppOpCond(host: MmcHost, ocr: number): number {
  let err = 0;
  for (let i = 0; i <= MMC_CMD_RETRIES; i++) {
    err = mmcWaitForCmd(host, mmcCommand(MMC.APP_CMD, 0, MMC_RSP_R1 | MMC_CMD_BCR), 0);
    if (err) continue;
    err = mmcWaitForCmd(host, mmcCommand(SD_APP_OP_COND, ocr, MMC_RSP_R3 | MMC_CMD_BCR), 0);
    if (!err) break;
  }
  return err;
}

// ---------------------------------------------------------------------------------------------
// MMC

/** mmc_go_idle(): CMD0, 1 ms before and after. */
export function mmcGoIdle(host: MmcHost): number {
  mmcDelay(host, 1);
  const err = mmcWaitForCmd(host, mmcCommand(MMC.GO_IDLE_STATE, 0, MMC_RSP_NONE | MMC_CMD_BC), 0);
  mmcDelay(host, 1);
  mmcDelay(host, 1);
  return err;
}

/**
 * mmc_send_op_cond(): CMD1 polled every 1 ms for up to 1 s until the card leaves busy. A probe
 * (ocr 0) stops after one answer unless the card is busy; then it re-sends its OCR with bit 30.
 */
export function mmcSendOpCond(host: MmcHost, ocr: number): { err: number; rocr: number } {
  const cmd = mmcCommand(MMC.SEND_OP_COND, ocr, MMC_RSP_R3 | MMC_CMD_BCR);
  const err = mmcPollForBusyWith(host, 1000, 1000, () => {
    const e = mmcWaitForCmd(host, cmd, 0);
    if (e) return { err: e, busy: false };
    if (cmd.resp[0] & MMC_CARD_BUSY) return { err: 0, busy: false };
    if (!ocr) cmd.arg = (cmd.resp[0] | (1 << 30)) >>> 0;
    return { err: 0, busy: true };
  });
  return { err, rocr: cmd.resp[0] };
}

export function mmcAllSendCid(host: MmcHost): { err: number; cid: number[] } {
  const cmd = mmcCommand(MMC.ALL_SEND_CID, 0, MMC_RSP_R2 | MMC_CMD_BCR);
  const err = mmcWaitForCmd(host, cmd, MMC_CMD_RETRIES);
  return { err, cid: [...cmd.resp] };
}

export function mmcSetRelativeAddr(card: MmcCard): number {
  return mmcWaitForCmd(card.host, mmcCommand(MMC.SET_RELATIVE_ADDR, card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC), MMC_CMD_RETRIES);
}

export function mmcSendCsd(card: MmcCard): { err: number; csd: number[] } {
  const cmd = mmcCommand(MMC.SEND_CSD, card.rca << 16, MMC_RSP_R2 | MMC_CMD_AC);
  const err = mmcWaitForCmd(card.host, cmd, MMC_CMD_RETRIES);
  return { err, csd: [...cmd.resp] };
}

export function mmcSelectCard(card: MmcCard): number {
  return mmcWaitForCmd(card.host, mmcCommand(MMC.SELECT_CARD, card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC), MMC_CMD_RETRIES);
}

/** mmc_get_ext_csd(): CMD8 with a 512-byte read. */
export function mmcGetExtCsd(card: MmcCard): { err: number; extCsd: Uint8Array } {
  const buf = new Uint8Array(512);
  const data = mmcData(buf, 1, MMC_DATA_READ);
  const cmd = mmcCommand(MMC.SEND_EXT_CSD, 0, MMC_RSP_R1 | MMC_CMD_ADTC);
  mmcSetDataTimeout(data, card);
  const mrq: MmcRequest = { cmd, data, completed: false };
  mmcWaitForReq(card.host, mrq);
  return { err: cmd.error || data.error, extCsd: buf };
}

/** __mmc_send_status(): CMD13. */
export function mmcSendStatus(card: MmcCard, retries = MMC_CMD_RETRIES): { err: number; status: number } {
  const cmd = mmcCommand(MMC.SEND_STATUS, card.rca << 16, MMC_RSP_R1 | MMC_CMD_AC);
  const err = mmcWaitForCmd(card.host, cmd, retries);
  return { err, status: cmd.resp[0] };
}

/** mmc_switch_status(): CMD13 after a CMD6; SWITCH_ERROR → -EBADMSG. */
export function mmcSwitchStatus(card: MmcCard): number {
  const { err, status } = mmcSendStatus(card);
  if (err) return err;
  if (status & 0xfdffa000) card.host.log.push(`mmc${card.host.index}: unexpected status 0x${(status >>> 0).toString(16)} after switch`);
  if (status & R1.SWITCH_ERROR) return -EBADMSG;
  return 0;
}

export type BusyCmd = 'cmd6' | 'erase' | 'discard' | 'sanitize';

/** mmc_poll_for_busy(): via the host's card_busy (DAT0) or CMD13. */
export function mmcPollForBusy(card: MmcCard, timeoutMs: number, _busyCmd: BusyCmd = 'cmd6'): number {
  const host = card.host;
  return mmcPollForBusyWith(host, 0, timeoutMs, () => {
    if (host.ops.cardBusy) return { err: 0, busy: host.ops.cardBusy(host) };
    const { err, status } = mmcSendStatus(card, 0);
    if (err) return { err, busy: false };
    return { err: 0, busy: !(status & R1.READY_FOR_DATA) || R1_CURRENT_STATE(status) === R1_STATE.PRG };
  });
}

/**
 * __mmc_switch(): CMD6 Write Byte as R1b (R1 when the busy timeout exceeds the host's limit),
 * busy poll, optional host timing change, CMD13 switch-status check.
 */
export function mmcSwitchFull(
  card: MmcCard,
  set: number,
  index: number,
  value: number,
  timeoutMs: number,
  timing: Timing | undefined,
  sendStatus: boolean,
  retries = MMC_CMD_RETRIES,
): number {
  const host = card.host;
  const oldTiming = host.ios.timing;
  if (!timeoutMs) timeoutMs = card.extCsd.genericCmd6Time || DEFAULT_CMD6_TIMEOUT_MS;
  const useR1b = !(host.maxBusyTimeout && timeoutMs > host.maxBusyTimeout);
  const arg = encodeSwitchArg(index, value, set);
  const cmd = mmcCommand(MMC.SWITCH, arg, (useR1b ? MMC_RSP_R1B : MMC_RSP_R1) | MMC_CMD_AC, { busyTimeoutMs: useR1b ? timeoutMs : 0 });
  let err = mmcWaitForCmd(host, cmd, retries);
  if (err) return err;
  if (!sendStatus && !host.ops.cardBusy) mmcDelay(host, timeoutMs);
  else {
    err = mmcPollForBusy(card, timeoutMs, 'cmd6');
    if (err) return err;
  }
  if (timing) mmcSetTiming(host, timing);
  if (sendStatus) {
    err = mmcSwitchStatus(card);
    if (err && timing) mmcSetTiming(host, oldTiming);
  }
  return err;
}

/** mmc_switch() */
export function mmcSwitch(card: MmcCard, set: number, index: number, value: number, timeoutMs: number): number {
  return mmcSwitchFull(card, set, index, value, timeoutMs, undefined, true);
}

/** CMD12 as the block layer's recovery sends it (mmc_send_abort / stop). */
export function mmcSendStop(card: MmcCard, busy: boolean, retries = 5): number {
  const cmd = mmcCommand(MMC.STOP_TRANSMISSION, 0, (busy ? MMC_RSP_R1B : MMC_RSP_R1) | MMC_CMD_AC, { busyTimeoutMs: busy ? 2000 : 0 });
  return mmcWaitForCmd(card.host, cmd, retries);
}

export { EINVAL };
