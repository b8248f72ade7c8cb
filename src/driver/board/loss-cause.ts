/**
 * Why a record the driver reported written is not on the card, as far as the kernel side can
 * tell (the report's reason): an ignored CMD23 failure (H1, H4, H7), a card left in
 * command-queue mode where CMD23/CMD25 are illegal (H6), data left in the card's volatile cache
 * that the power cycle dropped (H9).
 */
import { MMC_CAP_CMD23 } from '../mmc/types.js';
import { mmcCacheEnabled } from '../mmc/cqe.js';
import type { DriverEvent } from '../mmcpstore/context.js';
import type { BoardSession } from './session.js';

export function lostRecordCause(session: BoardSession, events: readonly DriverEvent[]): string {
  const card = session.stack.card;
  const sbcIgnored = events.some((e) => e.detail.includes('sbc error ignored'));
  if (sbcIgnored && card.extCsd.cmdqEn) {
    return ': the card is still in command-queue mode (CMDQ_MODE_EN=1), where CMD23 and CMD25 are illegal; CMD23 failed, the data command was never sent, and sbc.error is not examined';
  }
  if (sbcIgnored) return ': CMD23 failed, the data command was never sent, and sbc.error is not examined';
  if (mmcCacheEnabled(card) && !(card.host.caps & MMC_CAP_CMD23)) {
    return ': written without CMD23 forced programming into the card\'s volatile cache, never flushed, and lost at the power cycle';
  }
  return '';
}
