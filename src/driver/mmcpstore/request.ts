/**
 * One low-level mmcpstore request (spec §1.4): CMD17/18/24/25 on the absolute sector, CMD23 with
 * Forced Programming on writes, 2 s data timeout, no retries, no stop command; and the result.
 */
import { MMC, MMC_CAP_CMD23, MMC_CMD_ADTC, MMC_DATA_READ, MMC_DATA_WRITE, MMC_RSP_R1, MMC_RSP_R1B, MMC_CMD_AC, mmcCommand, mmcData, type MmcRequest } from '../mmc/types.js';

/** CMD12 busy timeout after an open-ended write (ms), as the block layer's stop. */
const STOP_BUSY_TIMEOUT_MS = 2000;
import { mmcSetDataTimeout } from '../mmc/core.js';
import { MMC_CMD23_ARG_FORCED_PRG, MMC_PSTORE_DATA_TIMEOUT_NS, MMC_PSTORE_SECTOR_SIZE } from './constants.js';
import { errnoName } from '../../lib/errno.js';
import type { MmcpstoreContext } from './context.js';

export function buildRequest(ctx: MmcpstoreContext, sectOffset: number, blocks: number, buf: Uint8Array, write: boolean): MmcRequest {
  const card = ctx.card;
  const sector = ctx.startSect + sectOffset;
  const arg = card.blockaddr ? sector : sector * MMC_PSTORE_SECTOR_SIZE;
  const multi = blocks > 1;
  const opcode = write ? (multi ? MMC.WRITE_MULTIPLE_BLOCK : MMC.WRITE_BLOCK) : multi ? MMC.READ_MULTIPLE_BLOCK : MMC.READ_SINGLE_BLOCK;
  const data = mmcData(buf, blocks, write ? MMC_DATA_WRITE : MMC_DATA_READ);
  mmcSetDataTimeout(data, card);
  data.timeoutNs = MMC_PSTORE_DATA_TIMEOUT_NS;
  data.timeoutClks = 0;
  const mrq: MmcRequest = { cmd: mmcCommand(opcode, arg, MMC_RSP_R1 | MMC_CMD_ADTC), data, completed: false };
  if (ctx.host.caps & MMC_CAP_CMD23) {
    mrq.sbc = mmcCommand(MMC.SET_BLOCK_COUNT, (blocks | (write ? MMC_CMD23_ARG_FORCED_PRG : 0)) >>> 0, MMC_RSP_R1 | MMC_CMD_AC);
  } else if (multi && ctx.fixed) {
    // without CMD23 the transfer is open-ended: the proposed driver ends it with CMD12 (the posted one builds no stop)
    mrq.stop = mmcCommand(MMC.STOP_TRANSMISSION, 0, (write ? MMC_RSP_R1B : MMC_RSP_R1) | MMC_CMD_AC, { busyTimeoutMs: write ? STOP_BUSY_TIMEOUT_MS : 0 });
  }
  return mrq;
}

/**
 * The request's error. v4 (posted): first of cmd, data, stop — `sbc.error` is never examined, so a
 * failed CMD23 (the data command then never sent) reads as success (§3.2). Fixed: sbc first.
 */
export function requestError(ctx: MmcpstoreContext, mrq: MmcRequest): number {
  if (ctx.fixed && mrq.sbc?.error) return mrq.sbc.error;
  return mrq.cmd.error || mrq.data?.error || mrq.stop?.error || 0;
}

export function describeRequest(mrq: MmcRequest): string {
  const parts = [`CMD${mrq.cmd.opcode} arg 0x${mrq.cmd.arg.toString(16)} x${mrq.data?.blocks ?? 0}`];
  if (mrq.sbc) parts.push(`sbc ${errnoName(mrq.sbc.error)}`);
  parts.push(`cmd ${errnoName(mrq.cmd.error)}`);
  if (mrq.data) parts.push(`data ${errnoName(mrq.data.error)}`);
  return parts.join(', ');
}
