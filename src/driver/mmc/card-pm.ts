/**
 * The eMMC bus's power management (drivers/mmc/core/mmc.c: mmc_runtime_suspend/resume,
 * _mmc_suspend/_mmc_resume, mmc_sleep, mmc_poweroff_notify, _mmc_flush_cache). Without
 * MMC_CAP_AGGRESSIVE_PM runtime suspend does nothing: the card stays selected in tran. With it the
 * cache is flushed, the card is put to sleep (CMD7 deselect + CMD5) — or given a power-off
 * notification on a host that can fully power-cycle it, or deselected — and powered off;
 * resume powers it up and re-initialises it from CMD0.
 */
import { EXT_CSD_NO_POWER_NOTIFICATION, EXT_CSD_POWER_OFF_LONG, EXT_CSD_POWER_OFF_SHORT } from '../../hw/ext-csd.js';
import { MMC_SLEEP_AWAKE_SLEEP } from '../../hw/mmc-protocol.js';
import { ENOMEDIUM, errnoName } from '../../lib/errno.js';
import { mmcInitCard, MmcInitError } from './card.js';
import { mmcClaimHost, mmcDelay, mmcPollForBusyWith, mmcPowerOff, mmcPowerUp, mmcReleaseHost, mmcWaitForCmd, MMC_CMD_RETRIES } from './core.js';
import { EXT_CSD, EXT_CSD_CMD_SET_NORMAL, EXT_CSD_POWER_ON, mmcSwitch, mmcSwitchFull } from './mmc-ops.js';
import { mmcRetuneHold, mmcRetuneRelease } from './retune.js';
import { MMC, MMC_CAP2_FULL_PWR_CYCLE, MMC_CAP_AGGRESSIVE_PM, MMC_CAP_WAIT_WHILE_BUSY, MMC_CMD_AC, MMC_RSP_NONE, MMC_RSP_R1B, mmcCommand, type MmcCard, type MmcHost } from './types.js';

/** MMC_CACHE_FLUSH_TIMEOUT_MS */
const MMC_CACHE_FLUSH_TIMEOUT_MS = 30_000;
/** sa_timeout is in 100 ns units; the CMD5 busy timeout is in ms */
const SA_TIMEOUT_UNITS_PER_MS = 10_000;

/** mmc_can_sleep(): EXT_CSD rev 3 (eMMC 4.3) on. */
export const mmcCardCanSleep = (card: MmcCard): boolean => card.extCsd.rev >= 3;

/** mmc_can_poweroff_notify(): init switched POWER_OFF_NOTIFICATION to POWER_ON. */
export const mmcCardCanPoweroffNotify = (card: MmcCard): boolean => card.extCsd.powerOffNotification === EXT_CSD_POWER_ON;

/** mmc_deselect_cards(): CMD7 with RCA 0, no response. */
export function mmcDeselectCards(host: MmcHost): number {
  return mmcWaitForCmd(host, mmcCommand(MMC.SELECT_CARD, 0, MMC_RSP_NONE | MMC_CMD_AC), MMC_CMD_RETRIES);
}

/** _mmc_flush_cache(): CMD6 FLUSH_CACHE when the cache is on. */
export function mmcFlushCache(card: MmcCard): number {
  if (card.extCsd.cacheSize > 0 && (card.extCsd.cacheCtrl ?? 0) & 1) {
    const err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.FLUSH_CACHE, 1, MMC_CACHE_FLUSH_TIMEOUT_MS);
    if (err) card.host.log.push(`mmc${card.host.index}: cache flush error ${err}`);
    return err;
  }
  return 0;
}

/**
 * mmc_sleep(): re-tuning held (impossible once deselected), CMD7 deselect, CMD5 with the sleep
 * bit as R1b, then the S_A_TIMEOUT wait: by the host (WAIT_WHILE_BUSY), by card_busy polls, or a
 * plain delay (CMD13 is not allowed in sleep).
 */
export function mmcSleep(host: MmcHost): number {
  const card = host.card!;
  mmcRetuneHold(host);
  try {
    let err = mmcDeselectCards(host);
    if (err) return err;
    const timeoutMs = Math.ceil((card.extCsd.saTimeout ?? 0) / SA_TIMEOUT_UNITS_PER_MS);
    const cmd = mmcCommand(MMC.SLEEP_AWAKE, ((card.rca << 16) | MMC_SLEEP_AWAKE_SLEEP) >>> 0, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: timeoutMs });
    err = mmcWaitForCmd(host, cmd, 0);
    if (err) return err;
    if (host.caps & MMC_CAP_WAIT_WHILE_BUSY) return 0;
    if (!host.ops.cardBusy) {
      mmcDelay(host, timeoutMs);
      return 0;
    }
    return mmcPollForBusyWith(host, 0, timeoutMs, () => ({ err: 0, busy: host.ops.cardBusy!(host) }));
  } finally {
    mmcRetuneRelease(host);
  }
}

/** mmc_poweroff_notify(): CMD6 POWER_OFF_NOTIFICATION short/long, without a status check. */
export function mmcPoweroffNotify(card: MmcCard, type: number): number {
  const timeoutMs = type === EXT_CSD_POWER_OFF_LONG ? 10 * card.extCsd.raw[EXT_CSD.POWER_OFF_LONG_TIME]! || card.extCsd.genericCmd6Time : card.extCsd.genericCmd6Time;
  const err = mmcSwitchFull(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.POWER_OFF_NOTIFICATION, type, timeoutMs, undefined, false);
  if (err) card.host.log.push(`mmc${card.host.index}: Power Off Notification timed out, ${timeoutMs}`);
  else card.extCsd.powerOffNotification = EXT_CSD_NO_POWER_NOTIFICATION;
  return err;
}

/** _mmc_suspend(host, is_suspend): flush, then notify / sleep / deselect, then mmc_power_off(). */
export function mmcSuspendCard(host: MmcHost, isSuspend: boolean): number {
  const card = host.card;
  if (!card) return -ENOMEDIUM;
  mmcClaimHost(host, 'mmc_suspend');
  try {
    if (card.suspended) return 0;
    let err = mmcFlushCache(card);
    if (err) return err;
    if (mmcCardCanPoweroffNotify(card) && (host.caps2 & MMC_CAP2_FULL_PWR_CYCLE || !isSuspend)) {
      err = mmcPoweroffNotify(card, isSuspend ? EXT_CSD_POWER_OFF_SHORT : EXT_CSD_POWER_OFF_LONG);
    } else if (mmcCardCanSleep(card)) err = mmcSleep(host);
    else err = mmcDeselectCards(host);
    if (!err) {
      mmcPowerOff(host);
      card.suspended = true;
    }
    return err;
  } finally {
    mmcReleaseHost(host);
  }
}

/** _mmc_resume(): power up and re-initialise the same card (CID checked) from CMD0. */
export function mmcResumeCard(host: MmcHost): number {
  const card = host.card;
  if (!card) return -ENOMEDIUM;
  mmcClaimHost(host, 'mmc_resume');
  try {
    if (!card.suspended) return 0;
    mmcPowerUp(host, card.ocr);
    let err = 0;
    try {
      mmcInitCard(host, card.ocr, card);
    } catch (e) {
      if (!(e instanceof MmcInitError)) throw e;
      err = e.errno;
    }
    card.suspended = false;
    return err;
  } finally {
    mmcReleaseHost(host);
  }
}

/** mmc_runtime_suspend(): nothing without MMC_CAP_AGGRESSIVE_PM. */
export function mmcRuntimeSuspend(host: MmcHost): number {
  if (!(host.caps & MMC_CAP_AGGRESSIVE_PM)) return 0;
  const err = mmcSuspendCard(host, true);
  if (err) host.log.push(`mmc${host.index}: error ${errnoName(err)} doing aggressive suspend`);
  return err;
}

/** mmc_runtime_resume(): errors are logged, never returned (the device is usable or gone). */
export function mmcRuntimeResume(host: MmcHost): number {
  const err = mmcResumeCard(host);
  if (err && err !== -ENOMEDIUM) host.log.push(`mmc${host.index}: error ${errnoName(err)} doing runtime resume`);
  return 0;
}
