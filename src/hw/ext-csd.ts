/**
 * The EXT_CSD register's layout (JEDEC eMMC 5.1 §7.4; spec §3.7): byte indices and the values
 * both ends use — the card model builds and checks it (src/device/emmc), the MMC core parses it
 * and switches its modes bytes (src/driver/mmc). Names are Linux's (include/linux/mmc/mmc.h,
 * EXT_CSD_* without the prefix) where Linux names the byte, JEDEC's otherwise.
 */

/** Size of EXT_CSD: one 512-byte block read with CMD8. */
export const EXT_CSD_SIZE = 512;
/** Bytes 0..191 are the modes segment (CMD6-writable where allowed); 192..511 the properties. */
export const EXT_CSD_MODES_END = 192;

/** Byte indices. Multi-byte fields are little-endian from the index given. */
export const EXT_CSD = {
  CMDQ_MODE_EN: 15,
  FLUSH_CACHE: 32,
  CACHE_CTRL: 33,
  POWER_OFF_NOTIFICATION: 34,
  EXP_EVENTS_CTRL: 56, // 2 bytes
  DATA_SECTOR_SIZE: 61,
  GP_SIZE_MULT: 143, // 3 bytes per GP partition, GP1..GP4
  PARTITION_SETTING_COMPLETED: 155,
  PARTITION_ATTRIBUTE: 156,
  MAX_ENH_SIZE_MULT: 157,
  PARTITION_SUPPORT: 160,
  HPI_MGMT: 161,
  RST_N_FUNCTION: 162,
  BKOPS_EN: 163,
  BKOPS_START: 164,
  SANITIZE_START: 165,
  WR_REL_PARAM: 166,
  WR_REL_SET: 167,
  RPMB_MULT: 168,
  FW_CONFIG: 169,
  USER_WP: 171,
  BOOT_WP: 173,
  ERASE_GROUP_DEF: 175,
  BOOT_BUS_CONDITIONS: 177,
  BOOT_CONFIG_PROT: 178,
  PART_CONFIG: 179,
  ERASED_MEM_CONT: 181,
  BUS_WIDTH: 183,
  STROBE_SUPPORT: 184,
  HS_TIMING: 185,
  POWER_CLASS: 187,
  CMD_SET_REV: 189,
  CMD_SET: 191,
  REV: 192,
  STRUCTURE: 194,
  CARD_TYPE: 196,
  DRIVER_STRENGTH: 197,
  OUT_OF_INTERRUPT_TIME: 198,
  PART_SWITCH_TIME: 199,
  SEC_CNT: 212, // 4 bytes
  S_A_TIMEOUT: 217,
  S_C_VCCQ: 219,
  S_C_VCC: 220,
  HC_WP_GRP_SIZE: 221,
  REL_WR_SEC_C: 222,
  ERASE_TIMEOUT_MULT: 223,
  HC_ERASE_GRP_SIZE: 224,
  BOOT_MULT: 226,
  BOOT_INFO: 228,
  SEC_TRIM_MULT: 229,
  SEC_ERASE_MULT: 230,
  SEC_FEATURE_SUPPORT: 231,
  TRIM_MULT: 232,
  INI_TIMEOUT_AP: 241,
  POWER_OFF_LONG_TIME: 247,
  GENERIC_CMD6_TIME: 248,
  CACHE_SIZE: 249, // 4 bytes
  PRE_EOL_INFO: 267,
  DEVICE_LIFE_TIME_EST_TYP_A: 268,
  DEVICE_LIFE_TIME_EST_TYP_B: 269,
  CMDQ_DEPTH: 307,
  CMDQ_SUPPORT: 308,
  SUPPORTED_MODE: 493,
  BKOPS_SUPPORT: 502,
  HPI_FEATURES: 503,
  S_CMD_SET: 504,
} as const;

/** CMD6 command set argument. */
export const EXT_CSD_CMD_SET_NORMAL = 1 << 0;

/** PART_CONFIG bits 2:0, PARTITION_ACCESS: the partition the host addresses. */
export const EXT_CSD_PART_CONFIG_ACC_MASK = 0x7;
export const EXT_CSD_PART_CONFIG_ACC_BOOT0 = 0x1;
export const EXT_CSD_PART_CONFIG_ACC_RPMB = 0x3;
export const EXT_CSD_PART_CONFIG_ACC_GP0 = 0x4;

/** BUS_WIDTH values. */
export const EXT_CSD_BUS_WIDTH_1 = 0;
export const EXT_CSD_BUS_WIDTH_4 = 1;
export const EXT_CSD_BUS_WIDTH_8 = 2;
/** HS_TIMING values. */
export const EXT_CSD_TIMING_HS = 1;
/** POWER_OFF_NOTIFICATION values. */
export const EXT_CSD_POWER_ON = 1;

/** CARD_TYPE bits. */
export const EXT_CSD_CARD_TYPE_HS_26 = 1 << 0;
export const EXT_CSD_CARD_TYPE_HS_52 = 1 << 1;
export const EXT_CSD_CARD_TYPE_DDR_1_8V = 1 << 2;
export const EXT_CSD_CARD_TYPE_DDR_1_2V = 1 << 3;
export const EXT_CSD_CARD_TYPE_HS200_1_8V = 1 << 4;
export const EXT_CSD_CARD_TYPE_HS200_1_2V = 1 << 5;
export const EXT_CSD_CARD_TYPE_HS400_1_8V = 1 << 6;
export const EXT_CSD_CARD_TYPE_HS400_1_2V = 1 << 7;

/** REV 8 = eMMC 5.1. */
export const EXT_CSD_REV_5_1 = 8;
