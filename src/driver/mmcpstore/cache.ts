/**
 * The card's volatile cache at panic time (hazard H9). Every posted version relies on CMD23 bit 24
 * (forced programming) and never flushes: on a host without CMD23 the record stays in the cache
 * and the power cycle that follows the panic drops it. The proposed driver ends the panic write
 * with CMD6 FLUSH_CACHE (polled) whenever the cache is on, so the record is durable either way.
 */
import { EXT_CSD, EXT_CSD_CMD_SET_NORMAL } from '../mmc/mmc-ops.js';
import { mmcCacheEnabled, MMC_CACHE_FLUSH_TIMEOUT_MS } from '../mmc/cqe.js';
import { MMC, MMC_CMD_AC, MMC_RSP_R1B, mmcCommand } from '../mmc/types.js';
import { EXT_CSD_FLUSH_CACHE_FLUSH } from '../../hw/ext-csd.js';
import { encodeSwitchArg } from '../../hw/mmc-protocol.js';
import { EBUSY, errnoName } from '../../lib/errno.js';
import { KERN, type MmcpstoreContext } from './context.js';
import type { PanicCmdIo } from './cqe.js';

/** How long the panic flush may keep DAT0 low (ms): the cache's programming time. */
const PANIC_FLUSH_BUSY_MS = 2000;

/** Proposed driver: CMD6 FLUSH_CACHE after the panic write. 0, or -errno with the reason logged. */
export function fixedPanicFlushCache(ctx: MmcpstoreContext, io: PanicCmdIo): number {
  if (!mmcCacheEnabled(ctx.card)) return 0;
  const arg = encodeSwitchArg(EXT_CSD.FLUSH_CACHE, EXT_CSD_FLUSH_CACHE_FLUSH, EXT_CSD_CMD_SET_NORMAL);
  const err = io.cmd(mmcCommand(MMC.SWITCH, arg, MMC_RSP_R1B | MMC_CMD_AC, { busyTimeoutMs: MMC_CACHE_FLUSH_TIMEOUT_MS }));
  ctx.event('switch', `panic CMD6 FLUSH_CACHE: ${errnoName(err)}`);
  if (err) {
    ctx.log(KERN.EMERG, `PANIC: cache flush failed (${errnoName(err)}): the record may be lost at power-off`);
    return err;
  }
  if (io.waitNotBusy(PANIC_FLUSH_BUSY_MS)) {
    ctx.log(KERN.EMERG, `PANIC: cache flush still busy after ${PANIC_FLUSH_BUSY_MS} ms`);
    return -EBUSY;
  }
  return 0;
}
