/**
 * The card's identity registers, generated to match the image (spec §3.5 CID, §3.6 CSD, §3.7
 * EXT_CSD). The properties segment of EXT_CSD (bytes 192–511) never changes after construction:
 * Linux re-reads EXT_CSD after the bus-width switch and compares it (§3.7).
 */

import {
  EXT_CSD,
  EXT_CSD_CACHE_SIZE_UNIT,
  EXT_CSD_CARD_TYPE_DDR_1_8V,
  EXT_CSD_CMDQ_SUPPORTED,
  EXT_CSD_CARD_TYPE_HS200_1_8V,
  EXT_CSD_CARD_TYPE_HS400_1_8V,
  EXT_CSD_CARD_TYPE_HS_26,
  EXT_CSD_CARD_TYPE_HS_52,
  EXT_CSD_REV_5_1,
  EXT_CSD_SIZE,
} from '../../hw/ext-csd.js';
import { KiB, SECTOR_SIZE } from '../../lib/units.js';

/** HS, DDR 1.8/3 V, HS200 1.8 V, HS400 1.8 V = 0x57 (§3.7). */
export const CARD_TYPE_DEFAULT =
  EXT_CSD_CARD_TYPE_HS_26 | EXT_CSD_CARD_TYPE_HS_52 | EXT_CSD_CARD_TYPE_DDR_1_8V | EXT_CSD_CARD_TYPE_HS200_1_8V | EXT_CSD_CARD_TYPE_HS400_1_8V;

/** 128 KiB: unit of BOOT_MULT and RPMB_MULT. */
export const SIZE_MULT_UNIT = 128 * KiB;
/** Erase group = HC_ERASE_GRP_SIZE × 512 KiB (ERASE_GROUP_DEF = 1). */
export const HC_ERASE_UNIT = 512 * KiB;
/** The model uses HC_ERASE_GRP_SIZE = HC_WP_GRP_SIZE = 1, so a GP_SIZE_MULT unit is 512 KiB. */
export const HC_ERASE_GRP_SIZE = 1;
export const HC_WP_GRP_SIZE = 1;
export const GP_SIZE_UNIT = HC_ERASE_GRP_SIZE * HC_WP_GRP_SIZE * HC_ERASE_UNIT;

export interface PartitionSizes {
  user: number;
  boot: number; // each of boot0/boot1
  rpmb: number;
  gp: readonly number[]; // up to 4
}

function putLe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/** The queue depth of the model's default card (CMDQ_DEPTH = 0x1f). */
export const CMDQ_DEPTH_DEFAULT = 32;

export interface ExtCsdOptions {
  partitionConfig?: number;
  /** CACHE_SIZE in bytes, a multiple of 1 KiB (default 0: no volatile cache) */
  cacheSize?: number;
  /** CMDQ_DEPTH (tasks); 0 = no command queueing (CMDQ_SUPPORT = 0). Default 32. */
  cmdqDepth?: number;
}

/** EXT_CSD for the partition sizes; values from §3.7's "8 GiB" column where not derived. */
export function buildExtCsd(sizes: PartitionSizes, o: ExtCsdOptions = {}): Uint8Array {
  const b = new Uint8Array(EXT_CSD_SIZE);
  const gpMult = sizes.gp.map((s) => s / GP_SIZE_UNIT);
  gpMult.forEach((m, i) => {
    const at = EXT_CSD.GP_SIZE_MULT + 3 * i;
    b[at] = m & 0xff;
    b[at + 1] = (m >>> 8) & 0xff;
    b[at + 2] = (m >>> 16) & 0xff;
  });
  b[EXT_CSD.PARTITION_SETTING_COMPLETED] = sizes.gp.length > 0 ? 1 : 0;
  b[EXT_CSD.MAX_ENH_SIZE_MULT] = 1;
  b[EXT_CSD.PARTITION_SUPPORT] = 0x07;
  b[EXT_CSD.WR_REL_PARAM] = 0x15;
  b[EXT_CSD.WR_REL_SET] = 0x1f;
  b[EXT_CSD.RPMB_MULT] = sizes.rpmb / SIZE_MULT_UNIT;
  b[EXT_CSD.PART_CONFIG] = o.partitionConfig ?? 0;
  b[EXT_CSD.ERASED_MEM_CONT] = 0;
  b[EXT_CSD.STROBE_SUPPORT] = 1;
  b[EXT_CSD.REV] = EXT_CSD_REV_5_1;
  b[EXT_CSD.STRUCTURE] = 2;
  b[EXT_CSD.CARD_TYPE] = CARD_TYPE_DEFAULT;
  b[EXT_CSD.DRIVER_STRENGTH] = 0x1f;
  b[EXT_CSD.OUT_OF_INTERRUPT_TIME] = 0x02;
  b[EXT_CSD.PART_SWITCH_TIME] = 0x03;
  putLe32(b, EXT_CSD.SEC_CNT, sizes.user / SECTOR_SIZE);
  b[EXT_CSD.S_A_TIMEOUT] = 0x11;
  b[EXT_CSD.S_C_VCCQ] = 0x07;
  b[EXT_CSD.S_C_VCC] = 0x07;
  b[EXT_CSD.HC_WP_GRP_SIZE] = HC_WP_GRP_SIZE;
  b[EXT_CSD.REL_WR_SEC_C] = 0x01;
  b[EXT_CSD.ERASE_TIMEOUT_MULT] = 0x11;
  b[EXT_CSD.HC_ERASE_GRP_SIZE] = HC_ERASE_GRP_SIZE;
  b[EXT_CSD.BOOT_MULT] = sizes.boot / SIZE_MULT_UNIT;
  b[EXT_CSD.BOOT_INFO] = 0x07;
  b[EXT_CSD.SEC_TRIM_MULT] = 0x11;
  b[EXT_CSD.SEC_ERASE_MULT] = 0x1b;
  b[EXT_CSD.SEC_FEATURE_SUPPORT] = 0x55;
  b[EXT_CSD.TRIM_MULT] = 0x02;
  b[EXT_CSD.INI_TIMEOUT_AP] = 0x0a;
  b[EXT_CSD.POWER_OFF_LONG_TIME] = 0x3c;
  b[EXT_CSD.GENERIC_CMD6_TIME] = 0x0a;
  // default no cache: writes are durable at Transfer Complete
  putLe32(b, EXT_CSD.CACHE_SIZE, (o.cacheSize ?? 0) / EXT_CSD_CACHE_SIZE_UNIT);
  b[EXT_CSD.PRE_EOL_INFO] = 0x01;
  b[EXT_CSD.DEVICE_LIFE_TIME_EST_TYP_A] = 0x01;
  b[EXT_CSD.DEVICE_LIFE_TIME_EST_TYP_B] = 0x01;
  const cmdqDepth = o.cmdqDepth ?? CMDQ_DEPTH_DEFAULT;
  b[EXT_CSD.CMDQ_DEPTH] = cmdqDepth > 0 ? cmdqDepth - 1 : 0;
  b[EXT_CSD.CMDQ_SUPPORT] = cmdqDepth > 0 ? EXT_CSD_CMDQ_SUPPORTED : 0;
  b[EXT_CSD.SUPPORTED_MODE] = 0x01;
  b[EXT_CSD.BKOPS_SUPPORT] = 0x01;
  b[EXT_CSD.HPI_FEATURES] = 0x01;
  b[EXT_CSD.S_CMD_SET] = 0x01;
  return b;
}

export const readLe32 = (b: Uint8Array, at: number): number =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

// ------------------------------------------------------------------------------------------------
// 128-bit registers (CID, CSD): 16 bytes, byte 0 = bits 127:120, byte 15 = CRC7 << 1 | 1.
// ------------------------------------------------------------------------------------------------

/** Set bits [hi:lo] of a 128-bit big-endian register to `value` (≤ 32 bits wide). */
export function putBits(reg: Uint8Array, hi: number, lo: number, value: number): void {
  for (let bitNo = lo; bitNo <= hi; bitNo++) {
    const v = Math.floor(value / 2 ** (bitNo - lo)) & 1;
    const byte = 15 - (bitNo >> 3);
    const mask = 1 << (bitNo & 7);
    reg[byte] = v ? reg[byte]! | mask : reg[byte]! & ~mask;
  }
}
export function getBits(reg: Uint8Array, hi: number, lo: number): number {
  let v = 0;
  for (let bitNo = hi; bitNo >= lo; bitNo--) v = v * 2 + ((reg[15 - (bitNo >> 3)]! >> (bitNo & 7)) & 1);
  return v;
}

/** CRC7 (x^7 + x^3 + 1) over bytes, as used for commands and CID/CSD. */
export function crc7(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let i = 7; i >= 0; i--) {
      const inBit = (byte >> i) & 1;
      const top = (crc >> 6) & 1;
      crc = (crc << 1) & 0x7f;
      if (inBit ^ top) crc ^= 0x09;
    }
  }
  return crc;
}
function sealCrc(reg: Uint8Array): Uint8Array {
  reg[15] = (crc7(reg.subarray(0, 15)) << 1) | 1;
  return reg;
}

export interface CidFields {
  mid: number;
  cbx: number;
  oid: number;
  pnm: string;
  prv: number;
  psn: number;
  month: number;
  /** calendar year; encoded relative to 1997 (+16 rule for EXT_CSD_REV ≥ 5, §3.5) */
  year: number;
}

/** CID: manufacturer 0xFE (unassigned), BGA, product "MMCPST"; serial derived from the user size. */
export function defaultCid(userSize: number): CidFields {
  const psn = (Math.imul(userSize / SECTOR_SIZE, 2654435761) ^ 0x4d4d4350) >>> 0;
  return { mid: 0xfe, cbx: 1, oid: 0x4d, pnm: 'MMCPST', prv: 0x10, psn, month: 1, year: 2021 };
}

export function buildCid(f: CidFields): Uint8Array {
  const r = new Uint8Array(16);
  putBits(r, 127, 120, f.mid);
  putBits(r, 113, 112, f.cbx);
  putBits(r, 111, 104, f.oid);
  const name = f.pnm.padEnd(6, ' ').slice(0, 6);
  for (let i = 0; i < 6; i++) putBits(r, 103 - 8 * i, 96 - 8 * i, name.charCodeAt(i));
  putBits(r, 55, 48, f.prv);
  putBits(r, 47, 16, f.psn);
  putBits(r, 15, 12, f.month);
  let y = f.year - 1997;
  if (y >= 16) y -= 16; // eMMC ≥ 4.41: 2013..2025 encoded as 0..12 (+16 when < 2010)
  putBits(r, 11, 8, y & 0xf);
  return sealCrc(r);
}

/** CSD for an eMMC 5.1 (§3.6): version from EXT_CSD, 512-byte blocks, classes 0,2,4,5,6,7. */
export function buildCsd(userSize: number): Uint8Array {
  const r = new Uint8Array(16);
  putBits(r, 127, 126, 3); // CSD_STRUCTURE: version in EXT_CSD
  putBits(r, 125, 122, 4); // SPEC_VERS 4.x
  putBits(r, 119, 112, 0x0e); // TAAC 1 ms
  putBits(r, 111, 104, 0x00); // NSAC
  putBits(r, 103, 96, 0x32); // TRAN_SPEED 26 MHz
  putBits(r, 95, 84, 0x0f5); // CCC
  putBits(r, 83, 80, 9); // READ_BL_LEN 512
  // C_SIZE / C_SIZE_MULT: exact for byte-mode sizes when representable, else the > 2 GiB marker
  let cSize = 0xfff;
  let mult = 7;
  if (userSize <= 2 ** 31) {
    for (let m = 0; m <= 7; m++) {
      const unit = 2 ** (m + 2) * SECTOR_SIZE;
      if (userSize % unit === 0 && userSize / unit - 1 <= 0xfff) {
        cSize = userSize / unit - 1;
        mult = m;
        break;
      }
    }
  }
  putBits(r, 73, 62, cSize);
  putBits(r, 49, 47, mult);
  putBits(r, 46, 42, 31); // ERASE_GRP_SIZE
  putBits(r, 41, 37, 31); // ERASE_GRP_MULT → 1024 blocks = 512 KiB
  putBits(r, 36, 32, 0x0f); // WP_GRP_SIZE
  putBits(r, 28, 26, 2); // R2W_FACTOR ×4
  putBits(r, 25, 22, 9); // WRITE_BL_LEN 512
  return sealCrc(r);
}
