/**
 * The MMC bus protocol both ends speak — one definition for the card model (src/device/emmc) and
 * the kernel side (src/driver/mmc): response types, command types, opcodes and the argument
 * encodings. Names are Linux's (include/linux/mmc/core.h, mmc.h, sd.h, sdio.h); JEDEC eMMC 5.1.
 */

// ------------------------------------------------------------------------------------------------
// Responses and command types (core.h MMC_RSP_* / MMC_CMD_*)
// ------------------------------------------------------------------------------------------------

export const MMC_RSP_PRESENT = 1 << 0;
export const MMC_RSP_136 = 1 << 1;
export const MMC_RSP_CRC = 1 << 2;
export const MMC_RSP_BUSY = 1 << 3;
export const MMC_RSP_OPCODE = 1 << 4;
export const MMC_CMD_AC = 0 << 5;
export const MMC_CMD_ADTC = 1 << 5;
export const MMC_CMD_BC = 2 << 5;
export const MMC_CMD_BCR = 3 << 5;
export const MMC_CMD_MASK = 3 << 5;
export const MMC_RSP_NONE = 0;
export const MMC_RSP_R1 = MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE;
export const MMC_RSP_R1B = MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE | MMC_RSP_BUSY;
export const MMC_RSP_R2 = MMC_RSP_PRESENT | MMC_RSP_136 | MMC_RSP_CRC;
export const MMC_RSP_R3 = MMC_RSP_PRESENT;
export const MMC_RSP_R4 = MMC_RSP_PRESENT;
export const MMC_RSP_R5 = MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE;
export const MMC_RSP_R6 = MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE;
export const MMC_RSP_R7 = MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE;
export const mmcResp = (flags: number): number => flags & (MMC_RSP_PRESENT | MMC_RSP_136 | MMC_RSP_CRC | MMC_RSP_BUSY | MMC_RSP_OPCODE);
export const mmcCmdType = (flags: number): number => flags & MMC_CMD_MASK;

/** The response kinds an eMMC sends, by name; `MMC_RSP_FLAGS` gives each one's MMC_RSP_* bits. */
export type MmcResponse = 'none' | 'r1' | 'r1b' | 'r2' | 'r3';
export const MMC_RSP_FLAGS: Readonly<Record<MmcResponse, number>> = {
  none: MMC_RSP_NONE,
  r1: MMC_RSP_R1,
  r1b: MMC_RSP_R1B,
  r2: MMC_RSP_R2,
  r3: MMC_RSP_R3,
};

/** Command types by name (broadcast, broadcast with response, addressed, addressed data transfer). */
export type MmcCommandType = 'bc' | 'bcr' | 'ac' | 'adtc';

// ------------------------------------------------------------------------------------------------
// Opcodes (mmc.h, sd.h, sdio.h)
// ------------------------------------------------------------------------------------------------

export const MMC = {
  GO_IDLE_STATE: 0,
  SEND_OP_COND: 1,
  ALL_SEND_CID: 2,
  SET_RELATIVE_ADDR: 3,
  SLEEP_AWAKE: 5,
  SWITCH: 6,
  SELECT_CARD: 7,
  SEND_EXT_CSD: 8,
  SEND_CSD: 9,
  SEND_CID: 10,
  STOP_TRANSMISSION: 12,
  SEND_STATUS: 13,
  SET_BLOCKLEN: 16,
  READ_SINGLE_BLOCK: 17,
  READ_MULTIPLE_BLOCK: 18,
  SEND_TUNING_BLOCK_HS200: 21,
  SET_BLOCK_COUNT: 23,
  WRITE_BLOCK: 24,
  WRITE_MULTIPLE_BLOCK: 25,
  ERASE_GROUP_START: 35,
  ERASE_GROUP_END: 36,
  ERASE: 38,
  APP_CMD: 55,
} as const;
export const SD_SEND_IF_COND = 8;
export const SD_IO_SEND_OP_COND = 5;
export const SD_IO_RW_DIRECT = 52;
export const SD_APP_OP_COND = 41;
export const mmcOpMulti = (opcode: number): boolean => opcode === MMC.READ_MULTIPLE_BLOCK || opcode === MMC.WRITE_MULTIPLE_BLOCK;

// ------------------------------------------------------------------------------------------------
// Argument encodings
// ------------------------------------------------------------------------------------------------

/** Addressed commands carry the RCA in argument bits 31:16. */
export const RCA_SHIFT = 16;
export const rcaOfArg = (arg: number): number => arg >>> RCA_SHIFT;

/** CMD6 SWITCH: [25:24] access mode, [23:16] EXT_CSD index, [15:8] value, [2:0] command set. */
export const MMC_SWITCH_MODE_CMD_SET = 0x00;
export const MMC_SWITCH_MODE_SET_BITS = 0x01;
export const MMC_SWITCH_MODE_CLEAR_BITS = 0x02;
export const MMC_SWITCH_MODE_WRITE_BYTE = 0x03;
export interface SwitchArg {
  access: number;
  index: number;
  value: number;
}
export const decodeSwitchArg = (arg: number): SwitchArg => ({ access: (arg >>> 24) & 3, index: (arg >>> 16) & 0xff, value: (arg >>> 8) & 0xff });

/** CMD23 SET_BLOCK_COUNT: bit 31 reliable write, bits 15:0 the block count. */
export const MMC_CMD23_ARG_REL_WR = 1 << 31;
export const MMC_CMD23_BLOCKS_MASK = 0xffff;

/** CMD38 ERASE arguments. */
export const MMC_ERASE_ARG = 0x00000000;
export const MMC_TRIM_ARG = 0x00000001;
export const MMC_DISCARD_ARG = 0x00000003;
export const MMC_SECURE_ERASE_ARG = 0x80000000;
export const MMC_SECURE_TRIM1_ARG = 0x80000001;
export const MMC_SECURE_TRIM2_ARG = 0x80008000;
