/**
 * Re-tuning (drivers/mmc/core/host.c mmc_retune_*, core.c mmc_execute_tuning): only a host that
 * tuned successfully (HS200/HS400) can re-tune; a CRC error, the re-tune timer or a host runtime
 * resume then flags `need_retune`, and the outermost request of a hold runs the tuning first.
 */
import { MMC } from '../../hw/mmc-protocol.js';
import { errnoName } from '../../lib/errno.js';
import type { MmcHost } from './types.js';

/** mmc_retune_enable(): after a successful tuning. */
export function mmcRetuneEnable(host: MmcHost): void {
  host.canRetune = true;
}

/** mmc_retune_disable(): leaving HS200/HS400 (e.g. mmc_power_off, card re-init). */
export function mmcRetuneDisable(host: MmcHost): void {
  host.canRetune = false;
  host.needRetune = false;
}

/** mmc_retune_clear() */
export function mmcRetuneClear(host: MmcHost): void {
  host.needRetune = false;
}

/** mmc_retune_needed(): ignored unless the host can re-tune. */
export function mmcRetuneNeeded(host: MmcHost): void {
  if (host.canRetune) host.needRetune = true;
}

/** mmc_retune_hold(): the first hold lets the next request re-tune (retune_now). */
export function mmcRetuneHold(host: MmcHost): void {
  if (!host.retuneHold) host.retuneNow = true;
  host.retuneHold = (host.retuneHold ?? 0) + 1;
}

/** mmc_retune_release() */
export function mmcRetuneRelease(host: MmcHost): void {
  if (host.retuneHold) host.retuneHold--;
  else host.log.push(`mmc${host.index}: WARNING: mmc_retune_release without a hold`);
}

/** The tuning command of the card's bus mode: CMD21 for eMMC HS200 (CMD19 is SD's). */
export const MMC_SEND_TUNING_BLOCK_HS200 = MMC.SEND_TUNING_BLOCK_HS200;

/** mmc_execute_tuning(): the host's tuning procedure; on success re-tuning is enabled and cleared. */
export function mmcExecuteTuning(host: MmcHost): number {
  if (!host.ops.executeTuning) return 0;
  const err = host.ops.executeTuning(host, MMC_SEND_TUNING_BLOCK_HS200);
  if (!err) {
    mmcRetuneClear(host);
    mmcRetuneEnable(host);
    return 0;
  }
  host.log.push(`mmc${host.index}: tuning execution failed: ${errnoName(err)}`);
  return err;
}

/** mmc_retune(): run a pending re-tune, once per hold (retune_now), never from inside itself. */
export function mmcRetune(host: MmcHost): number {
  if (!host.retuneNow) return 0;
  host.retuneNow = false;
  if (!host.needRetune || host.doingRetune || !host.card) return 0;
  host.needRetune = false;
  host.doingRetune = true;
  try {
    return mmcExecuteTuning(host);
  } finally {
    host.doingRetune = false;
  }
}
