/**
 * The eMMC card as the core sees it (struct mmc_card) and its initialisation
 * (drivers/mmc/core/mmc.c mmc_init_card, core.c mmc_rescan_try_freq): the exact command sequence of
 * spec §4.8, CID/CSD/EXT_CSD decoding, HS timing, 8-bit bus, partition list.
 */
import { GiB, KiB, SECTOR_SIZE } from '../../lib/units.js';
import { EBADMSG, EINVAL, EIO, ENOENT } from '../../lib/errno.js';
import { mmcInitCmdq } from './cqe.js';
import { mmcDelay, mmcPowerOff, mmcPowerUp, mmcSetBusMode, mmcSetBusWidth, mmcSetClock, mmcSetTiming } from './core.js';
import {
  DEFAULT_CMD6_TIMEOUT_MS,
  EXT_CSD,
  EXT_CSD_BUS_WIDTH_4,
  EXT_CSD_BUS_WIDTH_8,
  EXT_CSD_CARD_TYPE_HS_26,
  EXT_CSD_CARD_TYPE_HS_52,
  EXT_CSD_CMD_SET_NORMAL,
  EXT_CSD_PART_CONFIG_ACC_BOOT0,
  EXT_CSD_PART_CONFIG_ACC_GP0,
  EXT_CSD_PART_CONFIG_ACC_MASK,
  EXT_CSD_PART_CONFIG_ACC_RPMB,
  EXT_CSD_POWER_ON,
  EXT_CSD_CARD_TYPE_HS200_1_8V,
  EXT_CSD_TIMING_HS,
  EXT_CSD_TIMING_HS200,
  MMC_MIN_PART_SWITCH_TIME,
  mmcAllSendCid,
  mmcGetExtCsd,
  mmcGoIdle,
  mmcSelectCard,
  mmcSendAppOpCond,
  mmcSendCsd,
  mmcSendIfCond,
  mmcSendIoOpCond,
  mmcSendOpCond,
  mmcSetRelativeAddr,
  mmcSwitch,
  mmcSwitchFull,
  mmcSwitchStatus,
  sdioReset,
} from './mmc-ops.js';
import { mmcExecuteTuning } from './retune.js';
import { MMC_CAP2_HS200_1_8V_SDR, MMC_CAP_8_BIT_DATA, MMC_CAP_4_BIT_DATA, MMC_CAP_CMD23, MMC_CAP_MMC_HIGHSPEED, MMC_CAP2_NO_SD, MMC_CAP2_NO_SDIO, type BusWidth, type MmcCard, type MmcCid, type MmcCsd, type MmcExtCsd, type MmcHost, type MmcPart } from './types.js';

/** UNSTUFF_BITS over the 4 response words (resp[0] = bits 127:96). */
export function unstuffBits(resp: readonly number[], start: number, size: number): number {
  const off = 3 - Math.floor(start / 32);
  const shft = start & 31;
  let res = resp[off]! >>> shft;
  if (size + shft > 32) res = (res | (resp[off - 1]! << (32 - shft))) >>> 0;
  return size === 32 ? res >>> 0 : (res & ((1 << size) - 1)) >>> 0;
}

const TAAC_EXP = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000];
const TAAC_MANT = [0, 10, 12, 13, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 80];
const TRAN_EXP = [10000, 100000, 1000000, 10000000, 0, 0, 0, 0];
const TRAN_MANT = [0, 10, 12, 13, 15, 20, 26, 30, 35, 40, 45, 52, 55, 60, 70, 80];

/** mmc_decode_csd() */
export function decodeCsd(resp: readonly number[]): MmcCsd {
  const structure = unstuffBits(resp, 126, 2);
  const mmcaVsn = unstuffBits(resp, 122, 4);
  const m = unstuffBits(resp, 115, 4);
  const e = unstuffBits(resp, 112, 3);
  const taacNs = Math.floor((TAAC_EXP[e]! * TAAC_MANT[m]! + 9) / 10);
  const taacClks = unstuffBits(resp, 104, 8) * 100;
  const tm = unstuffBits(resp, 99, 4);
  const te = unstuffBits(resp, 96, 3);
  const maxDtr = TRAN_EXP[te]! * TRAN_MANT[tm]!;
  const ce = unstuffBits(resp, 47, 3);
  const cm = unstuffBits(resp, 62, 12);
  return {
    structure,
    mmcaVsn,
    taacNs,
    taacClks,
    maxDtr,
    readBlkBits: unstuffBits(resp, 80, 4),
    capacity: (1 + cm) << (ce + 2),
    r2wFactor: unstuffBits(resp, 26, 3),
    writeBlkBits: unstuffBits(resp, 22, 4),
  };
}

/** mmc_decode_cid() (MMC v4+ layout) */
export function decodeCid(resp: readonly number[]): MmcCid {
  const name = [0, 1, 2, 3, 4, 5].map((i) => String.fromCharCode(unstuffBits(resp, 96 - i * 8, 8))).join('');
  return {
    manfid: unstuffBits(resp, 120, 8),
    oemid: unstuffBits(resp, 104, 8),
    prodName: name,
    prv: unstuffBits(resp, 48, 8),
    serial: unstuffBits(resp, 16, 32),
    month: unstuffBits(resp, 12, 4),
    year: unstuffBits(resp, 8, 4) + 1997,
  };
}

/** S_A_TIMEOUT above 0x17 is reserved */
const MAX_S_A_TIMEOUT = 0x17;

/** mmc_decode_ext_csd(): the fields the core and block layer use, and the physical partitions. */
export function decodeExtCsd(raw: Uint8Array, host: MmcHost): { ext: MmcExtCsd; parts: MmcPart[] } {
  const le32 = (at: number) => (raw[at]! | (raw[at + 1]! << 8) | (raw[at + 2]! << 16) | (raw[at + 3]! << 24)) >>> 0;
  const rev = raw[EXT_CSD.REV]!;
  const cardType = raw[EXT_CSD.CARD_TYPE]!;
  let partTimeMs = 10 * raw[EXT_CSD.PART_SWITCH_TIME]!;
  if (partTimeMs && partTimeMs < MMC_MIN_PART_SWITCH_TIME) partTimeMs = MMC_MIN_PART_SWITCH_TIME;
  const ext: MmcExtCsd = {
    raw,
    rev,
    structure: raw[EXT_CSD.STRUCTURE]!,
    sectors: rev >= 2 ? le32(EXT_CSD.SEC_CNT) : 0,
    cardType,
    hsMaxDtr: cardType & EXT_CSD_CARD_TYPE_HS_52 ? 52_000_000 : cardType & EXT_CSD_CARD_TYPE_HS_26 ? 26_000_000 : 0,
    partConfig: raw[EXT_CSD.PART_CONFIG]!,
    partTimeMs,
    genericCmd6Time: rev >= 6 ? 10 * raw[EXT_CSD.GENERIC_CMD6_TIME]! : DEFAULT_CMD6_TIMEOUT_MS,
    bootMult: raw[EXT_CSD.BOOT_MULT]!,
    rpmbMult: raw[EXT_CSD.RPMB_MULT]!,
    partitionSupport: raw[EXT_CSD.PARTITION_SUPPORT]!,
    hpi: rev >= 5 && (raw[EXT_CSD.HPI_FEATURES]! & 0x1) !== 0,
    cacheSize: rev >= 6 ? le32(EXT_CSD.CACHE_SIZE) : 0,
    eraseGroupDef: 0,
    ...(raw[EXT_CSD.S_A_TIMEOUT]! > 0 && raw[EXT_CSD.S_A_TIMEOUT]! <= MAX_S_A_TIMEOUT ? { saTimeout: 1 << raw[EXT_CSD.S_A_TIMEOUT]! } : {}),
  };
  const parts: MmcPart[] = [];
  if (rev >= 3 && ext.bootMult) {
    for (let i = 0; i < 2; i++) parts.push({ partCfg: EXT_CSD_PART_CONFIG_ACC_BOOT0 + i, name: `boot${i}`, size: ext.bootMult << 17, area: 'boot' });
  }
  if (rev >= 4 && ext.partitionSupport & 0x1 && raw[EXT_CSD.PARTITION_SETTING_COMPLETED]! & 0x1) {
    const grp = raw[EXT_CSD.HC_ERASE_GRP_SIZE]! * raw[EXT_CSD.HC_WP_GRP_SIZE]!;
    for (let i = 0; i < 4; i++) {
      const at = EXT_CSD.GP_SIZE_MULT + 3 * i;
      const mult = raw[at]! | (raw[at + 1]! << 8) | (raw[at + 2]! << 16);
      if (!mult) continue;
      parts.push({ partCfg: EXT_CSD_PART_CONFIG_ACC_GP0 + i, name: `gp${i}`, size: mult * grp * 512 * KiB, area: 'gp' });
    }
  }
  if (rev >= 5 && ext.rpmbMult && host.caps & MMC_CAP_CMD23) {
    parts.push({ partCfg: EXT_CSD_PART_CONFIG_ACC_RPMB, name: 'rpmb', size: ext.rpmbMult << 17, area: 'rpmb' });
  }
  return { ext, parts };
}

/**
 * mmc_alloc_card() (drivers/mmc/core/bus.c): a card on `host` with default RCA and no registers
 * read yet; mmc_init_card fills it in.
 */
export function mmcAllocCard(host: MmcHost): MmcCard {
  return new AllocatedCard(host);
}

class AllocatedCard implements MmcCard {
  rca = 1;
  ocr = 0;
  blockaddr = false;
  rawCid: number[] = [];
  rawCsd: number[] = [];
  cid!: MmcCid;
  csd!: MmcCsd;
  extCsd!: MmcExtCsd;
  parts: MmcPart[] = [];
  busWidth: BusWidth = 1;
  constructor(readonly host: MmcHost) {}

  get name(): string {
    return `mmc${this.host.index}:${this.rca.toString(16).padStart(4, '0')}`;
  }

  get sectors(): number {
    return this.extCsd.sectors || this.csd.capacity << (this.csd.readBlkBits - 9);
  }
}

export class MmcInitError extends Error {
  constructor(
    readonly step: string,
    readonly errno: number,
  ) {
    super(`mmc init failed at ${step}: ${errno}`);
    this.name = 'MmcInitError';
  }
}

/** mmc_compare_ext_csds(): the read-only fields must match after the bus-width change. */
function compareExtCsds(card: MmcCard, width: BusWidth): number {
  if (width === 1) return 0;
  const { err, extCsd } = mmcGetExtCsd(card);
  if (err) return err;
  const a = card.extCsd.raw;
  const idx = [
    EXT_CSD.PARTITION_SUPPORT,
    EXT_CSD.ERASED_MEM_CONT,
    EXT_CSD.REV,
    EXT_CSD.STRUCTURE,
    EXT_CSD.CARD_TYPE,
    EXT_CSD.S_A_TIMEOUT,
    EXT_CSD.HC_WP_GRP_SIZE,
    EXT_CSD.ERASE_TIMEOUT_MULT,
    EXT_CSD.HC_ERASE_GRP_SIZE,
    EXT_CSD.SEC_TRIM_MULT,
    EXT_CSD.SEC_ERASE_MULT,
    EXT_CSD.SEC_FEATURE_SUPPORT,
    EXT_CSD.TRIM_MULT,
    EXT_CSD.SEC_CNT,
    EXT_CSD.SEC_CNT + 1,
    EXT_CSD.SEC_CNT + 2,
    EXT_CSD.SEC_CNT + 3,
  ];
  return idx.every((i) => a[i] === extCsd[i]) ? 0 : -EINVAL;
}

/** mmc_select_bus_width(): 8-bit (then 4-bit) switch + EXT_CSD compare; returns the width or an error. */
function selectBusWidth(card: MmcCard): number {
  const host = card.host;
  if (!(host.caps & (MMC_CAP_4_BIT_DATA | MMC_CAP_8_BIT_DATA))) return 0;
  const bits = [EXT_CSD_BUS_WIDTH_8, EXT_CSD_BUS_WIDTH_4];
  const widths: BusWidth[] = [8, 4];
  let err = 0;
  for (let i = host.caps & MMC_CAP_8_BIT_DATA ? 0 : 1; i < 2; i++) {
    err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.BUS_WIDTH, bits[i]!, card.extCsd.genericCmd6Time);
    if (err) continue;
    mmcSetBusWidth(host, widths[i]!);
    err = compareExtCsds(card, widths[i]!);
    if (!err) {
      card.busWidth = widths[i]!;
      return widths[i]!;
    }
    host.log.push(`mmc${host.index}: switch to bus width ${widths[i]} failed`);
  }
  return err;
}

/** MMC_HS200_MAX_DTR */
export const MMC_HS200_MAX_DTR = 200_000_000;

/** mmc_set_signal_voltage(): the host's switch, the old voltage kept if it fails. */
export function mmcSetSignalVoltage(host: MmcHost, v: '3.3' | '1.8'): number {
  const old = host.ios.signalVoltage;
  host.ios.signalVoltage = v;
  const err = host.ops.startSignalVoltageSwitch?.(host, host.ios) ?? 0;
  if (err) host.ios.signalVoltage = old;
  return err;
}

/** mmc_select_card_type() for HS200: the host's MMC_CAP2_HS200_1_8V_SDR and the card's CARD_TYPE. */
export function mmcCardCanHs200(card: MmcCard): boolean {
  return (card.host.caps2 & MMC_CAP2_HS200_1_8V_SDR) !== 0 && (card.extCsd.cardType & EXT_CSD_CARD_TYPE_HS200_1_8V) !== 0;
}

/**
 * mmc_select_hs200(): 1.8 V signalling, the bus width, CMD6 HS_TIMING = HS200 (no status
 * check: CRC errors are expected until tuned), then HS200 timing at the HS clock and CMD13.
 */
function mmcSelectHs200(card: MmcCard): number {
  const host = card.host;
  const oldVoltage = host.ios.signalVoltage;
  let err = mmcSetSignalVoltage(host, '1.8');
  if (err) return err;
  err = selectBusWidth(card);
  if (err > 0) {
    err = mmcSwitchFull(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.HS_TIMING, EXT_CSD_TIMING_HS200, card.extCsd.genericCmd6Time, undefined, false);
    if (!err) {
      const oldTiming = host.ios.timing;
      const oldClock = host.ios.clock;
      mmcSetTiming(host, 'mmc-hs200');
      mmcSetClock(host, card.extCsd.hsMaxDtr);
      err = mmcSwitchStatus(card);
      if (err === -EBADMSG) {
        mmcSetClock(host, oldClock);
        mmcSetTiming(host, oldTiming);
      }
    }
  }
  if (err) {
    if (mmcSetSignalVoltage(host, oldVoltage)) err = -EIO;
    host.log.push(`mmc${host.index}: mmc_select_hs200 failed, error ${err}`);
  }
  return err;
}

/**
 * mmc_init_card(host, ocr, oldcard) — from CMD0 to a card in tran at HS (8-bit) or, on a host
 * with HS200, at HS200 after tuning. With `oldcard` (resume) the card must answer with the
 * same CID and is re-initialised in place. Throws MmcInitError.
 */
export function mmcInitCard(host: MmcHost, ocr: number, oldcard?: MmcCard): MmcCard {
  const fail = (step: string, err: number): never => {
    throw new MmcInitError(step, err);
  };
  mmcSetBusMode(host, 'opendrain');
  mmcGoIdle(host);
  const op = mmcSendOpCond(host, (ocr | (1 << 30)) >>> 0);
  if (op.err) fail('CMD1', op.err);
  const cidR = mmcAllSendCid(host);
  if (cidR.err) fail('CMD2', cidR.err);
  if (oldcard && cidR.cid.some((w, i) => w !== oldcard.rawCid[i])) fail('CMD2 (a different card)', -ENOENT);
  const card = oldcard ?? mmcAllocCard(host);
  card.ocr = ocr;
  card.rawCid = cidR.cid;
  let err = mmcSetRelativeAddr(card);
  if (err) fail('CMD3', err);
  mmcSetBusMode(host, 'pushpull');
  const csdR = mmcSendCsd(card);
  if (csdR.err) fail('CMD9', csdR.err);
  card.rawCsd = csdR.csd;
  card.csd = decodeCsd(card.rawCsd);
  card.cid = decodeCid(card.rawCid);
  err = mmcSelectCard(card);
  if (err) fail('CMD7', err);
  // mmc_read_ext_csd()
  const ec = mmcGetExtCsd(card);
  if (ec.err) fail('CMD8', ec.err);
  const dec = decodeExtCsd(ec.extCsd, host);
  card.extCsd = dec.ext;
  card.parts = dec.parts;
  if (card.extCsd.sectors > (2 * GiB) / SECTOR_SIZE) card.blockaddr = true;
  if (op.rocr & (1 << 30)) card.blockaddr = true;
  if (card.extCsd.rev >= 3) {
    err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.ERASE_GROUP_DEF, 1, card.extCsd.genericCmd6Time);
    if (err) fail('ERASE_GROUP_DEF', err);
    card.extCsd.eraseGroupDef = 1;
  }
  if (card.extCsd.partConfig & EXT_CSD_PART_CONFIG_ACC_MASK) {
    card.extCsd.partConfig &= ~EXT_CSD_PART_CONFIG_ACC_MASK;
    err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.PART_CONFIG, card.extCsd.partConfig, card.extCsd.partTimeMs);
    if (err && err !== -74) fail('PARTITION_CONFIG', err);
  }
  if (card.extCsd.rev >= 6) {
    err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.POWER_OFF_NOTIFICATION, EXT_CSD_POWER_ON, card.extCsd.genericCmd6Time);
    if (err && err !== -74) fail('POWER_OFF_NOTIFICATION', err);
    if (!err) card.extCsd.powerOffNotification = EXT_CSD_POWER_ON;
  }
  // mmc_select_timing(): HS200 where host and card have it, else HS
  if (mmcCardCanHs200(card)) {
    err = mmcSelectHs200(card);
    if (err && err !== -EBADMSG) fail('HS200', err);
    // mmc_set_bus_speed(), then mmc_hs200_tuning()
    if (host.ios.timing === 'mmc-hs200') {
      mmcSetClock(host, MMC_HS200_MAX_DTR);
      err = mmcExecuteTuning(host);
      if (err) fail('tuning', err);
    }
  } else {
    let hs = false;
    if (host.caps & MMC_CAP_MMC_HIGHSPEED && card.extCsd.cardType & EXT_CSD_CARD_TYPE_HS_52) {
      err = mmcSwitchFull(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.HS_TIMING, EXT_CSD_TIMING_HS, card.extCsd.genericCmd6Time, 'mmc-hs', true);
      if (err) host.log.push(`mmc${host.index}: mmc_select_hs failed, error ${err}`);
      else hs = true;
    }
    // mmc_set_bus_speed()
    mmcSetClock(host, hs ? card.extCsd.hsMaxDtr : Math.min(card.csd.maxDtr, host.fMax));
    const bw = selectBusWidth(card);
    if (bw < 0) fail('BUS_WIDTH', bw);
  }
  if (card.extCsd.hpi) {
    err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.HPI_MGMT, 1, card.extCsd.genericCmd6Time);
    if (err && err !== -74) fail('HPI_MGMT', err);
  }
  if (card.extCsd.cacheSize > 0) {
    err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.CACHE_CTRL, 1, card.extCsd.genericCmd6Time);
    if (err && err !== -74) fail('CACHE_CTRL', err);
    if (!err) card.extCsd.cacheCtrl = 1;
  }
  err = mmcInitCmdq(card);
  if (err) fail('CMDQ_MODE_EN', err);
  return card;
}

/** mmc_select_voltage() for a generic host (no full power cycle). */
export function mmcSelectVoltage(host: MmcHost, ocrIn: number): number {
  let ocr = ocrIn & ~0x7f;
  ocr &= host.ocrAvail;
  if (!ocr) return 0;
  const bit = 31 - Math.clz32(ocr);
  ocr &= 3 << (bit - 1);
  return ocr >>> 0;
}

/** mmc_attach_mmc() */
export function mmcAttachMmc(host: MmcHost): MmcCard {
  mmcSetBusMode(host, 'opendrain');
  const probe = mmcSendOpCond(host, 0);
  if (probe.err) throw new MmcInitError('CMD1 probe', probe.err);
  const rocr = mmcSelectVoltage(host, probe.rocr);
  if (!rocr) throw new MmcInitError('voltage', -EINVAL);
  const card = mmcInitCard(host, rocr);
  host.card = card;
  return card;
}

/**
 * mmc_rescan_try_freq(): power up at `freq`, reset SDIO, CMD0, SD CMD8, then try SDIO (CMD5),
 * SD (CMD55/ACMD41) and MMC in that order.
 */
export function mmcRescanTryFreq(host: MmcHost, freq = 400_000): MmcCard {
  host.fInit = freq;
  mmcPowerUp(host, host.ocrAvail);
  if (!(host.caps2 & MMC_CAP2_NO_SDIO)) sdioReset(host);
  mmcGoIdle(host);
  if (!(host.caps2 & MMC_CAP2_NO_SD)) mmcSendIfCond(host, host.ocrAvail);
  if (!(host.caps2 & MMC_CAP2_NO_SDIO) && !mmcSendIoOpCond(host, 0)) throw new MmcInitError('SDIO card found', -EIO);
  if (!(host.caps2 & MMC_CAP2_NO_SD) && !mmcSendAppOpCond(host, 0)) throw new MmcInitError('SD card found', -EIO);
  try {
    return mmcAttachMmc(host);
  } catch (e) {
    mmcPowerOff(host);
    throw e;
  }
}

export { mmcDelay };
