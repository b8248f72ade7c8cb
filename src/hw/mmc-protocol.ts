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
  SET_WRITE_PROT: 28,
  CLR_WRITE_PROT: 29,
  SEND_WRITE_PROT: 30,
  SEND_WRITE_PROT_TYPE: 31,
  ERASE_GROUP_START: 35,
  ERASE_GROUP_END: 36,
  ERASE: 38,
  QUE_TASK_PARAMS: 44,
  QUE_TASK_ADDR: 45,
  EXECUTE_READ_TASK: 46,
  EXECUTE_WRITE_TASK: 47,
  CMDQ_TASK_MGMT: 48,
  APP_CMD: 55,
} as const;
export const SD_SEND_IF_COND = 8;
export const SD_IO_SEND_OP_COND = 5;
export const SD_IO_RW_DIRECT = 52;
export const SD_APP_OP_COND = 41;
/** SD's tuning command (eMMC HS200 uses MMC.SEND_TUNING_BLOCK_HS200, CMD21). */
export const SD_SEND_TUNING_BLOCK = 19;
/** mmc_op_tuning(): a tuning command (its block goes to the controller's tuning circuit, not to memory). */
export const mmcOpTuning = (opcode: number): boolean => opcode === MMC.SEND_TUNING_BLOCK_HS200 || opcode === SD_SEND_TUNING_BLOCK;
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
/** The CMD6 argument `mmc_switch()` builds: write `value` to EXT_CSD[`index`] (command set `set`, 0 for none). */
export const encodeSwitchArg = (index: number, value: number, set = 0, access = MMC_SWITCH_MODE_WRITE_BYTE): number =>
  ((access << 24) | (index << 16) | (value << 8) | set) >>> 0;
export const decodeSwitchArg = (arg: number): SwitchArg => ({ access: (arg >>> 24) & 3, index: (arg >>> 16) & 0xff, value: (arg >>> 8) & 0xff });

/**
 * CMD23 SET_BLOCK_COUNT: bit 31 reliable write (Linux's REL_WRITE for REQ_FUA), bit 24 forced
 * programming (JEDEC; Linux sets it only in CMDQ task parameters), bits 15:0 the block count.
 */
export const MMC_CMD23_ARG_REL_WR = 1 << 31;
export const MMC_CMD23_ARG_FORCED_PRG = 1 << 24;
export const MMC_CMD23_BLOCKS_MASK = 0xffff;

/** CMD38 ERASE arguments. */
export const MMC_ERASE_ARG = 0x00000000;
export const MMC_TRIM_ARG = 0x00000001;
export const MMC_DISCARD_ARG = 0x00000003;
export const MMC_SECURE_ERASE_ARG = 0x80000000;
export const MMC_SECURE_TRIM1_ARG = 0x80000001;
export const MMC_SECURE_TRIM2_ARG = 0x80008000;

/** CMD5 SLEEP_AWAKE: bit 15 set = go to sleep, clear = awake (RCA in bits 31:16). */
export const MMC_SLEEP_AWAKE_SLEEP = 1 << 15;

/** CMD13 SEND_STATUS: bit 15 (SQS) asks for the Queue Status Register instead of the R1 status. */
export const MMC_SEND_STATUS_SQS = 1 << 15;

/**
 * CMD44 QUEUED_TASK_PARAMS (JEDEC §6.6.39; Linux's cqhci builds the same word in CQHCI's task
 * descriptor): reliable write, direction (1 = read), tag request, context, forced programming,
 * priority, task id and block count. CMD45 QUEUED_TASK_ADDRESS carries the start address.
 */
export const MMC_CMDQ_ARG_REL_WRITE = 1 << 31;
export const MMC_CMDQ_ARG_DATA_DIR_READ = 1 << 30;
export const MMC_CMDQ_ARG_TAG_REQ = 1 << 29;
export const MMC_CMDQ_ARG_FORCED_PRG = 1 << 24;
export const MMC_CMDQ_ARG_PRIORITY = 1 << 23;
export const MMC_CMDQ_TASK_ID_SHIFT = 16;
export const MMC_CMDQ_TASK_ID_MASK = 0x1f;
export const MMC_CMDQ_BLOCKS_MASK = 0xffff;
export const cmdqTaskIdOfArg = (arg: number): number => (arg >>> MMC_CMDQ_TASK_ID_SHIFT) & MMC_CMDQ_TASK_ID_MASK;

/** CMD48 CMDQ_TASK_MGMT: TM op-code in bits 3:0 (discard the whole queue, or the task in 20:16). */
export const MMC_CMDQ_TM_OP_MASK = 0xf;
export const MMC_CMDQ_DISCARD_QUEUE = 1;
export const MMC_CMDQ_DISCARD_TASK = 2;

/**
 * The tuning block patterns a card sends for CMD19/CMD21 (JEDEC eMMC 4.5 §6.6.7.1, Figures 27/28):
 * 64 bytes on a 4-bit bus, 128 bytes on an 8-bit bus.
 */
export const TUNING_BLK_PATTERN_4BIT: Uint8Array = Uint8Array.from([
  0xff, 0x0f, 0xff, 0x00, 0xff, 0xcc, 0xc3, 0xcc, 0xc3, 0x3c, 0xcc, 0xff, 0xfe, 0xff, 0xfe, 0xef,
  0xff, 0xdf, 0xff, 0xdd, 0xff, 0xfb, 0xff, 0xfb, 0xbf, 0xff, 0x7f, 0xff, 0x77, 0xf7, 0xbd, 0xef,
  0xff, 0xf0, 0xff, 0xf0, 0x0f, 0xfc, 0xcc, 0x3c, 0xcc, 0x33, 0xcc, 0xcf, 0xff, 0xef, 0xff, 0xee,
  0xff, 0xfd, 0xff, 0xfd, 0xdf, 0xff, 0xbf, 0xff, 0xbb, 0xff, 0xf7, 0xff, 0xf7, 0x7f, 0x7b, 0xde,
]);
export const TUNING_BLK_PATTERN_8BIT: Uint8Array = Uint8Array.from([
  0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xcc, 0xcc, 0xcc, 0x33, 0xcc, 0xcc,
  0xcc, 0x33, 0x33, 0xcc, 0xcc, 0xcc, 0xff, 0xff, 0xff, 0xee, 0xff, 0xff, 0xff, 0xee, 0xee, 0xff,
  0xff, 0xff, 0xdd, 0xff, 0xff, 0xff, 0xdd, 0xdd, 0xff, 0xff, 0xff, 0xbb, 0xff, 0xff, 0xff, 0xbb,
  0xbb, 0xff, 0xff, 0xff, 0x77, 0xff, 0xff, 0xff, 0x77, 0x77, 0xff, 0x77, 0xbb, 0xdd, 0xee, 0xff,
  0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xcc, 0xcc, 0xcc, 0x33, 0xcc,
  0xcc, 0xcc, 0x33, 0x33, 0xcc, 0xcc, 0xcc, 0xff, 0xff, 0xff, 0xee, 0xff, 0xff, 0xff, 0xee, 0xee,
  0xff, 0xff, 0xff, 0xdd, 0xff, 0xff, 0xff, 0xdd, 0xdd, 0xff, 0xff, 0xff, 0xbb, 0xff, 0xff, 0xff,
  0xbb, 0xbb, 0xff, 0xff, 0xff, 0x77, 0xff, 0xff, 0xff, 0x77, 0x77, 0xff, 0x77, 0xbb, 0xdd, 0xee,
]);
