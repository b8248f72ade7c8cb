/**
 * The write-protection commands of the table in ./commands.ts (class 6; JEDEC eMMC 5.1 §6.6.23):
 * CMD28 SET_WRITE_PROT, CMD29 CLR_WRITE_PROT, CMD30 SEND_WRITE_PROT, CMD31 SEND_WRITE_PROT_TYPE.
 * The protection state itself lives in ./write-protect.ts.
 */

import { EXT_CSD } from '../../hw/ext-csd.js';
import type { CardCommand, CardContext, DataHandlers, DataPhase, Outcome } from './card-context.js';
import { SEND_WRITE_PROT_BYTES, SEND_WRITE_PROT_TYPE_BYTES, setWriteProtType } from './write-protect.js';

const R1: Outcome = { r: 'r1' };
const R1B: Outcome = { r: 'r1b' };

/** Byte offset of a group address argument, or undefined (OUT_OF_RANGE raised) past the partition. */
function groupOffset(card: CardContext, arg: number): number | undefined {
  const off = card.byteAddress(arg);
  if (off >= (card.partition()?.size ?? 0)) {
    card.flag('OUT_OF_RANGE');
    return undefined;
  }
  return off;
}

/** CMD28: protect the addressed group with the kind USER_WP selects; busy while it is programmed. */
export function setWriteProt(card: CardContext, arg: number): Outcome {
  const off = groupOffset(card, arg);
  if (off === undefined) return R1B;
  const kind = setWriteProtType(card.extCsd[EXT_CSD.USER_WP]!);
  card.writeProtection.set(card.partitionAccess, off, kind);
  card.tracer.emit('sdcard_write_protect', 'set', card.partitionName(), off, kind);
  card.setState('prg');
  card.busyFor(card.latency.p.minWriteBusyNs, 'CMD28 set write protection', true);
  return R1B;
}

/** CMD29: clear a temporary protection; power-on and permanent ones stay (WP_VIOLATION). */
export function clrWriteProt(card: CardContext, arg: number): Outcome {
  const off = groupOffset(card, arg);
  if (off === undefined) return R1B;
  if (!card.writeProtection.clear(card.partitionAccess, off)) {
    card.flag('WP_VIOLATION');
    return R1B;
  }
  card.tracer.emit('sdcard_write_protect', 'clear', card.partitionName(), off, 'none');
  card.setState('prg');
  card.busyFor(card.latency.p.minWriteBusyNs, 'CMD29 clear write protection', true);
  return R1B;
}

/** CMD30 / CMD31: one data block of `bytes` describing the 32 groups from the addressed one. */
function sendProtection(card: CardContext, arg: number, self: CardCommand, bytes: number): Outcome {
  const off = groupOffset(card, arg);
  if (off === undefined) return R1;
  card.startData(self, 'read', off, 1, bytes);
  return R1;
}

export const sendWriteProt = (card: CardContext, arg: number, self: CardCommand): Outcome => sendProtection(card, arg, self, SEND_WRITE_PROT_BYTES);
export const sendWriteProtType = (card: CardContext, arg: number, self: CardCommand): Outcome =>
  sendProtection(card, arg, self, SEND_WRITE_PROT_TYPE_BYTES);

const partSize = (card: CardContext, d: DataPhase): number => card.partition(d.part)?.size ?? 0;
export const writeProtData: DataHandlers = { read: (card, d) => card.writeProtection.statusBits(d.part, d.offset, partSize(card, d)) };
export const writeProtTypeData: DataHandlers = { read: (card, d) => card.writeProtection.typeBits(d.part, d.offset, partSize(card, d)) };
