/**
 * The MMC core's request structures (include/linux/mmc/core.h) and host (include/linux/mmc/host.h),
 * in TypeScript case. Response flags, command types and opcodes are the bus protocol's, defined once
 * in hw/mmc-protocol.ts (the card model uses them too) and re-exported here.
 */
import type { Cpu, SpinLock } from './cpu.js';
import { SECTOR_SIZE } from '../../lib/units.js';

export {
  MMC_RSP_PRESENT, MMC_RSP_136, MMC_RSP_CRC, MMC_RSP_BUSY, MMC_RSP_OPCODE,
  MMC_CMD_AC, MMC_CMD_ADTC, MMC_CMD_BC, MMC_CMD_BCR, MMC_CMD_MASK,
  MMC_RSP_NONE, MMC_RSP_R1, MMC_RSP_R1B, MMC_RSP_R2, MMC_RSP_R3, MMC_RSP_R4, MMC_RSP_R5, MMC_RSP_R6, MMC_RSP_R7,
  mmcResp, mmcCmdType,
  MMC, SD_SEND_IF_COND, SD_IO_SEND_OP_COND, SD_IO_RW_DIRECT, SD_APP_OP_COND, mmcOpMulti,
} from '../../hw/mmc-protocol.js';

export const MMC_DATA_WRITE = 1 << 8;
export const MMC_DATA_READ = 1 << 9;

export interface MmcCommand {
  opcode: number;
  arg: number;
  resp: [number, number, number, number];
  flags: number;
  retries: number;
  error: number;
  /** busy timeout (ms) for R1b */
  busyTimeoutMs: number;
  data?: MmcData;
  mrq?: MmcRequest;
}

export interface MmcData {
  timeoutNs: number;
  timeoutClks: number;
  blksz: number;
  blocks: number;
  error: number;
  flags: number;
  bytesXfered: number;
  /** the kernel buffer (the scatterlist's pages, flattened) */
  buf: Uint8Array;
  stop?: MmcCommand;
  mrq?: MmcRequest;
  /** host driver cookie (sdhci: COOKIE_*) */
  hostCookie: number;
}

export interface MmcRequest {
  sbc?: MmcCommand;
  cmd: MmcCommand;
  data?: MmcData;
  stop?: MmcCommand;
  /** completion */
  completed: boolean;
  done?: (mrq: MmcRequest) => void;
  /**
   * mrq->cap_cmd_during_tfr: the caller may send commands while this request's data moves (only
   * with MMC_CAP_CMD_DURING_TFR); only such a request becomes host->ongoing_mrq.
   */
  capCmdDuringTfr?: boolean;
}

export function mmcCommand(opcode: number, arg: number, flags: number, o?: Partial<MmcCommand>): MmcCommand {
  // every field present from the start (data and mrq are linked later): one object shape for all commands
  const cmd: MmcCommand = { opcode, arg: arg >>> 0, resp: [0, 0, 0, 0], flags, retries: 0, error: 0, busyTimeoutMs: 0, data: undefined, mrq: undefined };
  return o ? Object.assign(cmd, o) : cmd;
}

export function mmcData(buf: Uint8Array, blocks: number, flags: number, blksz = SECTOR_SIZE): MmcData {
  return { timeoutNs: 0, timeoutClks: 0, blksz, blocks, error: 0, flags, bytesXfered: 0, buf, hostCookie: 0 };
}

// ---------------------------------------------------------------------------------------------
// Host (include/linux/mmc/host.h)

export type PowerMode = 'off' | 'up' | 'on' | 'undefined';
export type BusWidth = 1 | 4 | 8;
export type Timing = 'legacy' | 'mmc-hs' | 'sd-hs' | 'mmc-ddr52' | 'mmc-hs200' | 'mmc-hs400';

export interface MmcIos {
  /** Hz */
  clock: number;
  /** OCR bit number of the selected voltage (e.g. 21 for 3.3–3.4 V) */
  vdd: number;
  powerMode: PowerMode;
  busWidth: BusWidth;
  timing: Timing;
  signalVoltage: '3.3' | '1.8';
  busMode: 'opendrain' | 'pushpull';
}

/** struct mmc_host_ops (the subset a non-removable eMMC host uses). The panic ops come next. */
export interface MmcHostOps {
  request(host: MmcHost, mrq: MmcRequest): void;
  setIos(host: MmcHost, ios: MmcIos): void;
  getRo(host: MmcHost): number;
  getCd(host: MmcHost): number;
  /** DAT0 low: the card signals busy */
  cardBusy?(host: MmcHost): boolean;
  startSignalVoltageSwitch?(host: MmcHost, ios: MmcIos): number;
  hwReset?(host: MmcHost): void;
  /** ->execute_tuning(): the tuning procedure with `opcode` (CMD21 for HS200); 0 or -errno */
  executeTuning?(host: MmcHost, opcode: number): number;
  /** mmcpstore additions (spec mmcpstore-driver.md §2.1), optional */
  panicPrepare?(host: MmcHost): number;
  panicPollCompletion?(host: MmcHost, mrq: MmcRequest): number;
  panicComplete?(host: MmcHost, mrq: MmcRequest): void;
}

export const MMC_CAP_4_BIT_DATA = 1 << 0;
export const MMC_CAP_MMC_HIGHSPEED = 1 << 1;
export const MMC_CAP_SD_HIGHSPEED = 1 << 2;
export const MMC_CAP_SDIO_IRQ = 1 << 3;
export const MMC_CAP_NONREMOVABLE = 1 << 8;
export const MMC_CAP_WAIT_WHILE_BUSY = 1 << 9;
export const MMC_CAP_8_BIT_DATA = 1 << 6;
/** the host can send commands while a data transfer runs (mmc_test's only user; no SDHCI host sets it) */
export const MMC_CAP_CMD_DURING_TFR = 1 << 29;
export const MMC_CAP_CMD23 = 1 << 30;
/** runtime-suspend the card when idle (mmc_runtime_suspend() does nothing without it) */
export const MMC_CAP_AGGRESSIVE_PM = 1 << 7;
/** the host can power-cycle the card completely (then runtime suspend uses power-off notification, not sleep) */
export const MMC_CAP2_FULL_PWR_CYCLE = 1 << 2;
export const MMC_CAP2_NO_SDIO = 1 << 19;
export const MMC_CAP2_NO_SD = 1 << 21;
export const MMC_CAP2_HS200_1_8V_SDR = 1 << 5;
export const MMC_CAP2_HS200_1_2V_SDR = 1 << 6;
export const MMC_CAP2_HS200 = MMC_CAP2_HS200_1_8V_SDR | MMC_CAP2_HS200_1_2V_SDR;

export interface MmcHost {
  index: number;
  ops: MmcHostOps;
  cpu: Cpu;
  fMin: number;
  fMax: number;
  fInit: number;
  ocrAvail: number;
  caps: number;
  caps2: number;
  maxSegs: number;
  maxSegSize: number;
  maxReqSize: number;
  maxBlkSize: number;
  maxBlkCount: number;
  /** ms; 0 = no limit */
  maxBusyTimeout: number;
  ios: MmcIos;
  actualClock: number;
  /** host claim state (core.c __mmc_claim_host) */
  claimed: boolean;
  claimer: string | null;
  claimCnt: number;
  /** host->lock: protects the claim fields */
  lock: SpinLock;
  /** host->ongoing_mrq: a cap_cmd_during_tfr request the host has not completed (null otherwise) */
  ongoingMrq: MmcRequest | null;
  card: MmcCard | null;
  /** host driver private data (sdhci_host) */
  priv: unknown;
  /** kernel log of this host ("mmc0: ...") */
  log: string[];
  /** can_retune: set by mmc_retune_enable() after a successful tuning (HS200/HS400 only) */
  canRetune?: boolean;
  /** need_retune: the next request runs the tuning procedure first (re-tune timer, CRC error, host runtime resume) */
  needRetune?: boolean;
  /** hold_retune: re-tuning is held off (mmc_retune_hold/release; the fixed panic path holds it) */
  retuneHold?: number;
  /** retune_now: the outermost hold may re-tune before its request */
  retuneNow?: boolean;
  /** doing_retune: inside mmc_retune() (no recursion from the tuning commands) */
  doingRetune?: boolean;
  /** struct mmc_cqe_ops of a host with a command-queue engine (cqhci), else undefined */
  cqeOps?: MmcCqeOps;
  /** cqe_enabled: the engine is set up for this card (mmc_init_card → cqe_enable) */
  cqeEnabled?: boolean;
  /** cqe_on: the engine is running (not halted); a legacy request turns it off first */
  cqeOn?: boolean;
}

/**
 * A command-queue request (struct mmc_request with `tag` and no `cmd`): one read or write task.
 * `blkAddr` is the CMD45 argument (sectors on a block-addressed card).
 */
export interface MmcCqeRequest {
  tag: number;
  data: MmcData;
  blkAddr: number;
  /** REQ_FUA on a card without reliable write: the task's forced-programming bit */
  forcedProg?: boolean;
  /** 0 or -errno once completed */
  error: number;
  completed: boolean;
  /** mmc_cqe_request_done(): called from the CQE interrupt */
  done?: (mrq: MmcCqeRequest) => void;
}

/** struct mmc_cqe_ops (drivers/mmc/host/cqhci-core.c implements them). */
export interface MmcCqeOps {
  cqeEnable(host: MmcHost, card: MmcCard): number;
  cqeDisable(host: MmcHost): void;
  cqeRequest(host: MmcHost, mrq: MmcCqeRequest): number;
  /** halt the engine (bounded busy poll, no sleep): before any legacy request */
  cqeOff(host: MmcHost): void;
  /** tasks the engine still holds (doorbell bits) */
  cqeBusy(host: MmcHost): number;
  /** mmc_cqe_recovery's host half: halt and clear all tasks (start), then re-arm (finish) */
  cqeRecoveryStart(host: MmcHost): void;
  cqeRecoveryFinish(host: MmcHost): void;
  /**
   * Not in mainline (a panic-safe driver's additions, like the series' panic ops): halt with a
   * busy poll (0 or -ETIMEDOUT), and forget every task in the controller without callbacks
   * (returns how many), leaving the engine disabled.
   */
  cqePanicHalt?(host: MmcHost): number;
  cqePanicClear?(host: MmcHost): number;
}

export const mmcHostname = (host: MmcHost): string => `mmc${host.index}`;

// ---------------------------------------------------------------------------------------------
// Card (include/linux/mmc/card.h): here beside the host, which points at it, so neither the core
// nor the host driver imports the card's initialisation code to name it.

export interface MmcCid {
  manfid: number;
  oemid: number;
  prodName: string;
  prv: number;
  serial: number;
  month: number;
  year: number;
}

export interface MmcCsd {
  structure: number;
  mmcaVsn: number;
  taacNs: number;
  taacClks: number;
  maxDtr: number;
  readBlkBits: number;
  capacity: number;
  r2wFactor: number;
  writeBlkBits: number;
}

export interface MmcPart {
  /** EXT_CSD_PART_CONFIG_ACC_* */
  partCfg: number;
  name: string;
  /** bytes */
  size: number;
  area: 'boot' | 'gp' | 'rpmb';
}

export interface MmcExtCsd {
  raw: Uint8Array;
  rev: number;
  structure: number;
  sectors: number;
  cardType: number;
  hsMaxDtr: number;
  partConfig: number;
  partTimeMs: number;
  genericCmd6Time: number;
  bootMult: number;
  rpmbMult: number;
  partitionSupport: number;
  hpi: boolean;
  cacheSize: number;
  eraseGroupDef: number;
  /** CMDQ_SUPPORT / CMDQ_DEPTH + 1 and whether CMDQ_MODE_EN is on (mmc/cqe.ts) */
  cmdqSupport?: boolean;
  cmdqDepth?: number;
  cmdqEn?: boolean;
  /** ext_csd.cache_ctrl: the cache was switched on at init */
  cacheCtrl?: number;
  /** ext_csd.power_off_notification: EXT_CSD_POWER_ON once init switched it on */
  powerOffNotification?: number;
  /** ext_csd.sa_timeout in 100 ns units (1 << S_A_TIMEOUT) */
  saTimeout?: number;
}

/** struct mmc_card: allocated by mmcAllocCard (card.ts), filled in by mmc_init_card. */
export interface MmcCard {
  readonly host: MmcHost;
  rca: number;
  ocr: number;
  /** sector (block) addressing: OCR bit 30 or > 2 GiB */
  blockaddr: boolean;
  rawCid: number[];
  rawCsd: number[];
  cid: MmcCid;
  csd: MmcCsd;
  extCsd: MmcExtCsd;
  parts: MmcPart[];
  /** the timing/bus the card runs at after init */
  busWidth: BusWidth;
  /** mmc_card_suspended(): _mmc_suspend() slept/deselected it and powered it off */
  suspended?: boolean;
  /** mmc_card_id(): "mmc0:0001" */
  readonly name: string;
  /** user-area capacity in 512-byte sectors */
  readonly sectors: number;
}
