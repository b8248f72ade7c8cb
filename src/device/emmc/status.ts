/**
 * eMMC card states and the R1 card status as named fields (spec §3.1, §3.3; JEDEC eMMC 5.1).
 * CURRENT_STATE is reported by name in traces ("tran -> prg"), never as a number.
 */

import { bit, field, get, set } from '../../hw/fields.js';

export const CARD_STATES = ['idle', 'ready', 'ident', 'stby', 'tran', 'data', 'rcv', 'prg', 'dis', 'btst', 'slp', 'ina'] as const;
export type CardState = (typeof CARD_STATES)[number];

/** R1 CURRENT_STATE codes (§3.1). `ina` never answers, so its code is never sent. */
export const STATE_CODE = {
  idle: 0,
  ready: 1,
  ident: 2,
  stby: 3,
  tran: 4,
  data: 5,
  rcv: 6,
  prg: 7,
  dis: 8,
  btst: 9,
  slp: 10,
  ina: 15,
} as const satisfies Record<CardState, number>;

export const stateFromCode = (code: number): CardState | undefined => CARD_STATES.find((s) => STATE_CODE[s] === code);

const R1_WORD = { name: 'R1' } as const;
/** R1 card status bits (§3.3). */
export const R1 = {
  OUT_OF_RANGE: bit(R1_WORD, 31),
  ADDRESS_MISALIGN: bit(R1_WORD, 30),
  BLOCK_LEN_ERROR: bit(R1_WORD, 29),
  ERASE_SEQ_ERROR: bit(R1_WORD, 28),
  ERASE_PARAM: bit(R1_WORD, 27),
  WP_VIOLATION: bit(R1_WORD, 26),
  DEVICE_IS_LOCKED: bit(R1_WORD, 25),
  LOCK_UNLOCK_FAILED: bit(R1_WORD, 24),
  COM_CRC_ERROR: bit(R1_WORD, 23),
  ILLEGAL_COMMAND: bit(R1_WORD, 22),
  DEVICE_ECC_FAILED: bit(R1_WORD, 21),
  CC_ERROR: bit(R1_WORD, 20),
  ERROR: bit(R1_WORD, 19),
  CID_CSD_OVERWRITE: bit(R1_WORD, 16),
  WP_ERASE_SKIP: bit(R1_WORD, 15),
  ERASE_RESET: bit(R1_WORD, 13),
  CURRENT_STATE: field(R1_WORD, 9, 4),
  READY_FOR_DATA: bit(R1_WORD, 8),
  SWITCH_ERROR: bit(R1_WORD, 7),
  EXCEPTION_EVENT: bit(R1_WORD, 6),
  APP_CMD: bit(R1_WORD, 5),
} as const;
export type R1Flag = Exclude<keyof typeof R1, 'CURRENT_STATE'>;

/** Bits cleared once they have been sent in a response (clear conditions "b" and "c", §3.3). */
export const R1_CLEAR_ON_READ: number =
  [
    R1.OUT_OF_RANGE, R1.ADDRESS_MISALIGN, R1.BLOCK_LEN_ERROR, R1.ERASE_SEQ_ERROR, R1.ERASE_PARAM, R1.WP_VIOLATION,
    R1.LOCK_UNLOCK_FAILED, R1.COM_CRC_ERROR, R1.ILLEGAL_COMMAND, R1.DEVICE_ECC_FAILED, R1.CC_ERROR, R1.ERROR,
    R1.CID_CSD_OVERWRITE, R1.WP_ERASE_SKIP, R1.ERASE_RESET, R1.SWITCH_ERROR, R1.APP_CMD,
  ].reduce((m, f) => m | f.mask, 0) >>> 0;

/** Linux's R1_STATUS error mask (0xFFF9A000). */
export const R1_ERROR_MASK = 0xfff9a000;

export const r1State = (status: number): CardState | undefined => stateFromCode(get(R1.CURRENT_STATE, status));
export const withState = (status: number, s: CardState): number => set(R1.CURRENT_STATE, status, STATE_CODE[s]);

/** Names of the flags set in an R1 word (tests, traces). */
export function r1Flags(status: number): R1Flag[] {
  return (Object.keys(R1) as (keyof typeof R1)[]).filter(
    (k): k is R1Flag => k !== 'CURRENT_STATE' && (status & R1[k].mask) !== 0,
  );
}

/** OCR (§3.4). */
const OCR_WORD = { name: 'OCR' } as const;
export const OCR = {
  V170_195: bit(OCR_WORD, 7),
  V200_260: field(OCR_WORD, 8, 7),
  V270_360: field(OCR_WORD, 15, 9),
  ACCESS_MODE: field(OCR_WORD, 29, 2),
  POWER_UP_DONE: bit(OCR_WORD, 31),
} as const;
export const OCR_ACCESS = { BYTE: 0, SECTOR: 2 } as const;
/** Voltage window of a dual-voltage eMMC: 1.70–1.95 V and 2.7–3.6 V (0x00FF8080). */
export const OCR_VOLTAGE_WINDOW = OCR.V170_195.mask | OCR.V270_360.mask;
