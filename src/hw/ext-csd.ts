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
  BOOT_WP_STATUS: 174,
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
export const EXT_CSD_TIMING_HS200 = 2;
/** POWER_OFF_NOTIFICATION values. */
export const EXT_CSD_NO_POWER_NOTIFICATION = 0;
export const EXT_CSD_POWER_ON = 1;
export const EXT_CSD_POWER_OFF_SHORT = 2;
export const EXT_CSD_POWER_OFF_LONG = 3;
/** JEDEC SLEEP_NOTIFICATION: the host is about to send CMD5 sleep. */
export const EXT_CSD_SLEEP_NOTIFICATION = 4;

/** S_A_TIMEOUT: the sleep/awake busy limit is 100 ns × 2^S_A_TIMEOUT. */
export const S_A_TIMEOUT_UNIT_NS = 100;

/** CACHE_CTRL bit 0 turns the volatile cache on; FLUSH_CACHE bit 0 commits it (bit 1, BARRIER, unused). */
export const EXT_CSD_CACHE_CTRL_EN = 1 << 0;
export const EXT_CSD_FLUSH_CACHE_FLUSH = 1 << 0;
/** CACHE_SIZE (4 bytes) counts KiB (mmc-utils prints it so; JEDEC "x 1 Kb"). */
export const EXT_CSD_CACHE_SIZE_UNIT = 1024;

/** CMDQ_MODE_EN bit 0: command queueing on (legacy block read/write commands become illegal). */
export const EXT_CSD_CMDQ_MODE_ENABLED = 1 << 0;
/** CMDQ_SUPPORT bit 0; CMDQ_DEPTH bits 4:0 hold the queue depth minus 1. */
export const EXT_CSD_CMDQ_SUPPORTED = 1 << 0;
export const EXT_CSD_CMDQ_DEPTH_MASK = 0x1f;

/** USER_WP bits (JEDEC names): how CMD28 protects a group and which kinds are locked out. */
export const EXT_CSD_USER_WP_US_PWR_WP_EN = 1 << 0;
export const EXT_CSD_USER_WP_US_PERM_WP_EN = 1 << 2;
export const EXT_CSD_USER_WP_US_PWR_WP_DIS = 1 << 3;
export const EXT_CSD_USER_WP_US_PERM_WP_DIS = 1 << 4;
export const EXT_CSD_USER_WP_CD_PERM_WP_DIS = 1 << 6;
export const EXT_CSD_USER_WP_PERM_PSWD_DIS = 1 << 7;
/** USER_WP bits cleared at power-on and hardware reset (R/W/C_P). */
export const EXT_CSD_USER_WP_POWER_ON_BITS = EXT_CSD_USER_WP_US_PWR_WP_EN | EXT_CSD_USER_WP_US_PWR_WP_DIS;

/** BOOT_WP bits (Linux names where Linux has them, JEDEC's otherwise). */
export const EXT_CSD_BOOT_WP_B_PWR_WP_EN = 0x01;
export const EXT_CSD_BOOT_WP_B_PWR_WP_SEC_SEL = 0x02;
export const EXT_CSD_BOOT_WP_B_PERM_WP_EN = 0x04;
export const EXT_CSD_BOOT_WP_B_PERM_WP_SEC_SEL = 0x08;
export const EXT_CSD_BOOT_WP_B_PERM_WP_DIS = 0x10;
export const EXT_CSD_BOOT_WP_B_PWR_WP_DIS = 0x40;
export const EXT_CSD_BOOT_WP_B_SEC_WP_SEL = 0x80;
/** BOOT_WP bits cleared at power-on and hardware reset (R/W/C_P). */
export const EXT_CSD_BOOT_WP_POWER_ON_BITS = EXT_CSD_BOOT_WP_B_PWR_WP_EN | EXT_CSD_BOOT_WP_B_PWR_WP_SEC_SEL | EXT_CSD_BOOT_WP_B_PWR_WP_DIS;
/** BOOT_WP_STATUS: two bits per boot area (area 1 in bits 1:0): none, power-on, permanent. */
export const EXT_CSD_BOOT_WP_S_NONE = 0;
export const EXT_CSD_BOOT_WP_S_PWR = 1;
export const EXT_CSD_BOOT_WP_S_PERM = 2;
export const EXT_CSD_BOOT_WP_S_BITS_PER_AREA = 2;

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
