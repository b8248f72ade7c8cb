/**
 * The MMC core's command-queue and cache helpers (drivers/mmc/core/mmc.c, mmc_ops.c, core.c):
 * CMDQ support from EXT_CSD, `mmc_cmdq_enable`/`mmc_cmdq_disable` (CMD6 CMDQ_MODE_EN), the
 * engine set-up at the end of mmc_init_card (`cqe_ops->cqe_enable`), `mmc_cqe_start_req`, and
 * `mmc_flush_cache` (CMD6 FLUSH_CACHE). The engine itself is the host driver's (driver/cqhci).
 */
import {
  EXT_CSD,
  EXT_CSD_CMDQ_DEPTH_MASK,
  EXT_CSD_CMDQ_MODE_ENABLED,
  EXT_CSD_CMDQ_SUPPORTED,
  EXT_CSD_FLUSH_CACHE_FLUSH,
} from '../../hw/ext-csd.js';
import { EXT_CSD_CMD_SET_NORMAL, mmcSwitch } from './mmc-ops.js';
import { EBADMSG, EINVAL, EOPNOTSUPP } from '../../lib/errno.js';
import { MMC_CMD_RETRIES, mmcRetune, mmcWaitForCmd } from './core.js';
import { MMC_CMDQ_DISCARD_QUEUE } from '../../hw/mmc-protocol.js';
import { MMC, MMC_CMD_AC, MMC_RSP_CRC, MMC_RSP_R1B, mmcCommand, type MmcCard, type MmcCqeRequest, type MmcHost } from './types.js';

/** EXT_CSD_REV of eMMC 5.1, from which mmc_decode_ext_csd reads CMDQ_SUPPORT and CMDQ_DEPTH. */
const EXT_CSD_REV_5_1 = 8;
/** MMC_CACHE_FLUSH_TIMEOUT_MS (mmc_ops.c) */
export const MMC_CACHE_FLUSH_TIMEOUT_MS = 30_000;

/** mmc_decode_ext_csd(), eMMC 5.1 part: command-queue support and depth. */
export function mmcDecodeCmdq(card: MmcCard): void {
  const raw = card.extCsd.raw;
  const support = card.extCsd.rev >= EXT_CSD_REV_5_1 && (raw[EXT_CSD.CMDQ_SUPPORT]! & EXT_CSD_CMDQ_SUPPORTED) !== 0;
  card.extCsd.cmdqSupport = support;
  card.extCsd.cmdqDepth = support ? (raw[EXT_CSD.CMDQ_DEPTH]! & EXT_CSD_CMDQ_DEPTH_MASK) + 1 : 0;
  card.extCsd.cmdqEn = false;
}

/** mmc_cmdq_switch(): CMD6 CMDQ_MODE_EN; the card refuses it while tasks are queued. */
export function mmcCmdqSwitch(card: MmcCard, enable: boolean): number {
  if (!card.extCsd.cmdqSupport) return -EOPNOTSUPP;
  const err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.CMDQ_MODE_EN, enable ? EXT_CSD_CMDQ_MODE_ENABLED : 0, card.extCsd.genericCmd6Time);
  if (!err) card.extCsd.cmdqEn = enable;
  return err;
}

export const mmcCmdqEnable = (card: MmcCard): number => mmcCmdqSwitch(card, true);
export const mmcCmdqDisable = (card: MmcCard): number => mmcCmdqSwitch(card, false);

/**
 * The end of mmc_init_card(): with a command-queue engine on the host (MMC_CAP2_CQE) and a card
 * that supports CMDQ, CMDQ_MODE_EN = 1, then `cqe_ops->cqe_enable`. -EBADMSG (SWITCH_ERROR) only
 * drops CMDQ support; any other error fails the init (returned).
 */
export function mmcInitCmdq(card: MmcCard): number {
  const host = card.host;
  mmcDecodeCmdq(card);
  if (card.extCsd.cmdqSupport && host.cqeOps) {
    const err = mmcCmdqEnable(card);
    if (err && err !== -EBADMSG) return err;
    if (err) {
      host.log.push(`mmc${host.index}: Enabling CMDQ failed`);
      card.extCsd.cmdqSupport = false;
      card.extCsd.cmdqDepth = 0;
    }
  }
  if (host.cqeOps && !host.cqeEnabled) {
    const err = host.cqeOps.cqeEnable(host, card);
    if (!err) {
      host.cqeEnabled = true;
      if (card.extCsd.cmdqEn) host.log.push(`mmc${host.index}: Command Queue Engine enabled`);
    }
  }
  return 0;
}

/** True when block I/O goes through the engine (mmc_blk_cqe: `host->cqe_enabled && card cmdq_en`). */
export function mmcCqeActive(card: MmcCard): boolean {
  return !!card.host.cqeEnabled && !!card.extCsd.cmdqEn;
}

/** mmc_cqe_start_req(): a pending re-tune first (the engine is off then), then the task. */
export function mmcCqeStartReq(host: MmcHost, mrq: MmcCqeRequest): number {
  if (!host.cqeOps) return -EINVAL;
  if (host.needRetune && !host.retuneHold) mmcRetune(host);
  mrq.completed = false;
  mrq.error = 0;
  return host.cqeOps.cqeRequest(host, mrq);
}

/** MMC_CQE_RECOVERY_TIMEOUT (ms) */
export const MMC_CQE_RECOVERY_TIMEOUT_MS = 1000;

/**
 * mmc_cqe_recovery(): after a task error — the engine halted and its interrupts off, CMD12 and
 * CMD48 discard-queue on the legacy path (CRC ignored), then every task cleared and the engine
 * re-armed halted (the next task un-halts it). Returns the CMD48 error.
 */
export function mmcCqeRecovery(host: MmcHost): number {
  const ops = host.cqeOps;
  if (!ops) return -EINVAL;
  host.log.push(`mmc${host.index}: running CQE recovery`);
  ops.cqeRecoveryStart(host);
  const noCrc = (MMC_RSP_R1B & ~MMC_RSP_CRC) | MMC_CMD_AC;
  mmcWaitForCmd(host, mmcCommand(MMC.STOP_TRANSMISSION, 0, noCrc, { busyTimeoutMs: MMC_CQE_RECOVERY_TIMEOUT_MS }), MMC_CMD_RETRIES);
  const discard = () => mmcWaitForCmd(host, mmcCommand(MMC.CMDQ_TASK_MGMT, MMC_CMDQ_DISCARD_QUEUE, noCrc, { busyTimeoutMs: MMC_CQE_RECOVERY_TIMEOUT_MS }), MMC_CMD_RETRIES);
  let err = discard();
  ops.cqeRecoveryFinish(host);
  if (err) err = discard();
  return err;
}

/** mmc_cqe_request_done(): the engine's completion of one task. */
export function mmcCqeRequestDone(mrq: MmcCqeRequest, error: number): void {
  mrq.error = error;
  mrq.completed = true;
  mrq.done?.(mrq);
}

/** hweight32(): set bits (tasks in a doorbell or queue-status word). */
export function hweight32(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
}

/** mmc_cache_enabled(): mmc_init_card turned CACHE_CTRL on because CACHE_SIZE > 0. */
export function mmcCacheEnabled(card: MmcCard): boolean {
  return card.extCsd.cacheSize > 0;
}

/** mmc_flush_cache(): CMD6 FLUSH_CACHE = 1 (R1b) when the cache is on; 0 when there is none. */
export function mmcFlushCache(card: MmcCard): number {
  if (!mmcCacheEnabled(card)) return 0;
  const err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.FLUSH_CACHE, EXT_CSD_FLUSH_CACHE_FLUSH, MMC_CACHE_FLUSH_TIMEOUT_MS);
  if (err) card.host.log.push(`mmc${card.host.index}: cache flush error ${err}`);
  return err;
}
