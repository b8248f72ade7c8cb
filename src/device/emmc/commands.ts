/**
 * The eMMC command set as one table keyed by command index (spec §3.2; JEDEC eMMC 5.1; QEMU's
 * `sd_proto_emmc` idea). Each entry carries the spec name, class, type (bc/bcr/ac/adtc), the
 * response, the states it is accepted in, its handler and — for data commands — its data phase.
 * There is no second switch on the command index anywhere else.
 *
 * - An index missing from the table is not an eMMC command: ILLEGAL_COMMAND, no response.
 * - An entry without a handler is a JEDEC command the model does not implement: traced as
 *   `sdcard_unimplemented`, then treated like an illegal command (no response, ILLEGAL_COMMAND).
 * - A command in a state it does not accept is illegal (`sdcard_illegal`).
 */

import {
  decodeSwitchArg,
  MMC_CMD23_ARG_FORCED_PRG,
  MMC_CMD23_ARG_REL_WR,
  MMC_CMD23_BLOCKS_MASK,
  MMC_DISCARD_ARG,
  MMC_ERASE_ARG,
  MMC_SECURE_ERASE_ARG,
  MMC_SECURE_TRIM1_ARG,
  MMC_SECURE_TRIM2_ARG,
  MMC_SLEEP_AWAKE_SLEEP,
  MMC_SWITCH_MODE_CMD_SET,
  MMC_SWITCH_MODE_SET_BITS,
  MMC_SWITCH_MODE_CLEAR_BITS,
  MMC_TRIM_ARG,
  TUNING_BLK_PATTERN_4BIT,
  TUNING_BLK_PATTERN_8BIT,
  rcaOfArg,
  type MmcCommandType,
  type MmcResponse,
} from '../../hw/mmc-protocol.js';
import { EXT_CSD, EXT_CSD_BUS_WIDTH_8, EXT_CSD_SIZE, EXT_CSD_TIMING_HS200, S_A_TIMEOUT_UNIT_NS } from '../../hw/ext-csd.js';
import { KiB, SECTOR_SIZE } from '../../lib/units.js';
import type { CardCommand, CardContext, DataHandlers, Outcome } from './card-context.js';
import { isPartitionSwitch, switchedValue } from './ext-csd-switch.js';
import { clrWriteProt, sendWriteProt, sendWriteProtType, setWriteProt, writeProtData, writeProtTypeData } from './protect-commands.js';
import { cmdqTaskMgmt, executeReadTask, executeWriteTask, queuedTaskAddress, queuedTaskParams, sendStatus } from './queue-commands.js';
import { HC_ERASE_UNIT } from './registers.js';
import type { CardState } from './status.js';

const NONE: Outcome = { r: 'none' };
const R1: Outcome = { r: 'r1' };
const R1B: Outcome = { r: 'r1b' };

// ------------------------------------------------------------------------------------------------
// Handlers, in command order. Each starts from a state the table already accepted.
// ------------------------------------------------------------------------------------------------

function goIdleState(card: CardContext): Outcome {
  card.reset(); // 0x00000000 reset; pre-idle 0xF0F0F0F0 and boot 0xFFFFFFFA behave the same here
  return NONE;
}

function sendOpCond(card: CardContext, arg: number): Outcome {
  const window = arg & 0x00ffff80;
  if (window !== 0 && (window & card.ocr(false) & 0x00ffff80) === 0) {
    card.setState('ina'); // incompatible voltage (§3.2 CMD1)
    return NONE;
  }
  const busy = card.takeCmd1Busy();
  if (!busy) card.setState('ready');
  return { r: 'r3', ocr: card.ocr(!busy) };
}

function allSendCid(card: CardContext): Outcome {
  card.setState('ident');
  return { r: 'r2', reg: card.cid };
}

function setRelativeAddr(card: CardContext, arg: number): Outcome {
  card.rca = rcaOfArg(arg);
  card.setState('stby');
  return R1;
}

/**
 * CMD5: stby → slp with the sleep bit, slp → stby without it (the other way round is illegal);
 * busy for S_A_TIMEOUT (100 ns × 2^S_A_TIMEOUT) either way. In slp only CMD0 and CMD5 are
 * accepted: every other entry of the table leaves slp out of its states.
 */
function sleepAwake(card: CardContext, arg: number): Outcome {
  const sleep = (arg & MMC_SLEEP_AWAKE_SLEEP) !== 0;
  if (sleep !== (card.state === 'stby')) {
    card.flag('ILLEGAL_COMMAND');
    return NONE;
  }
  card.setState(sleep ? 'slp' : 'stby');
  card.busyFor(S_A_TIMEOUT_UNIT_NS * 2 ** card.extCsd[EXT_CSD.S_A_TIMEOUT]!, sleep ? 'CMD5 sleep' : 'CMD5 awake', true);
  return R1B;
}

function switchCmd(card: CardContext, arg: number): Outcome {
  const { access, index, value } = decodeSwitchArg(arg);
  card.setState('prg');
  let result = 'command set (ignored)';
  let extraBusy = 0;
  if (access !== MMC_SWITCH_MODE_CMD_SET) {
    const old = card.extCsd[index] ?? 0;
    const next = access === MMC_SWITCH_MODE_SET_BITS ? old | value : access === MMC_SWITCH_MODE_CLEAR_BITS ? old & ~value & 0xff : value;
    if (index < EXT_CSD_SIZE && card.switchByte(index, next)) {
      card.extCsd[index] = switchedValue(index, next);
      extraBusy = card.afterSwitch(index, next);
      result = 'ok';
    } else {
      card.flagLater('SWITCH_ERROR');
      result = 'SWITCH_ERROR';
    }
    card.tracer.emit('sdcard_switch', index, next, result);
  }
  const p = card.latency.p;
  card.busyFor((isPartitionSwitch(index) ? p.partitionSwitchBusyNs : p.switchBusyNs) + extraBusy, `CMD6 ${result}`, true);
  return R1B;
}

function selectCard(card: CardContext, arg: number): Outcome {
  const mine = rcaOfArg(arg) === card.rca && card.rca !== 0;
  switch (card.state) {
    case 'stby':
      if (!mine) return NONE;
      card.setState('tran');
      return R1;
    case 'tran':
    case 'data':
      if (mine) return R1;
      card.endData();
      card.setState('stby');
      return NONE;
    case 'prg':
      if (mine) return R1;
      card.setState('dis');
      return NONE;
    case 'dis':
      if (!mine) return NONE;
      card.setState(card.isBusy() ? 'prg' : 'tran');
      return R1B;
    default:
      return NONE;
  }
}

function sendExtCsd(card: CardContext, _arg: number, self: CardCommand): Outcome {
  card.startData(self, 'read', 0, 1, EXT_CSD_SIZE);
  return R1;
}

/** The tuning pattern for the bus width EXT_CSD BUS_WIDTH selects (bits 3:0; 8-bit: 128 bytes). */
function tuningPattern(card: CardContext): Uint8Array {
  return (card.extCsd[EXT_CSD.BUS_WIDTH]! & 0xf) === EXT_CSD_BUS_WIDTH_8 ? TUNING_BLK_PATTERN_8BIT : TUNING_BLK_PATTERN_4BIT;
}

/** CMD21: one tuning block; only legal in HS200 timing (HS_TIMING bits 3:0 = 2). */
function sendTuningBlock(card: CardContext, _arg: number, self: CardCommand): Outcome {
  if ((card.extCsd[EXT_CSD.HS_TIMING]! & 0xf) !== EXT_CSD_TIMING_HS200) {
    card.flag('ILLEGAL_COMMAND');
    return NONE;
  }
  card.startData(self, 'read', 0, 1, tuningPattern(card).length);
  return R1;
}

const sendCsd = (card: CardContext): Outcome => ({ r: 'r2', reg: card.csd });
const sendCid = (card: CardContext): Outcome => ({ r: 'r2', reg: card.cid });

function stopTransmission(card: CardContext): Outcome {
  if (card.state === 'data') {
    card.endData();
    card.setState('tran');
    return R1;
  }
  // rcv: a partial block is discarded; busy while programming what was received
  card.endData();
  card.setState('prg');
  card.busyFor(0, 'CMD12 stop', true);
  return R1B;
}


function goInactiveState(card: CardContext): Outcome {
  card.setState('ina');
  return NONE;
}

function setBlocklen(card: CardContext, arg: number): Outcome {
  if (arg === 0 || arg > SECTOR_SIZE) card.flag('BLOCK_LEN_ERROR');
  else card.blockLen = arg; // sector mode: kept for CMD42 only, data blocks stay 512 bytes
  return R1;
}

function startRead(card: CardContext, arg: number, self: CardCommand, multi: boolean): Outcome {
  const offset = card.byteAddress(arg);
  const len = card.dataBlockLen();
  if (!card.checkBlockAddress(offset, len)) return R1; // OUT_OF_RANGE / ADDRESS_MISALIGN, stays in tran
  const count = multi ? card.blockCount?.count || undefined : 1;
  card.blockCount = undefined;
  card.startData(self, 'read', offset, count, len);
  return R1;
}

function setBlockCount(card: CardContext, arg: number): Outcome {
  card.blockCount = {
    count: arg & MMC_CMD23_BLOCKS_MASK,
    reliable: (arg & MMC_CMD23_ARG_REL_WR) !== 0,
    forced: (arg & MMC_CMD23_ARG_FORCED_PRG) !== 0,
  };
  return R1;
}

function startWrite(card: CardContext, arg: number, self: CardCommand, multi: boolean): Outcome {
  const offset = card.byteAddress(arg);
  const len = card.dataBlockLen();
  if (len !== SECTOR_SIZE) {
    card.flag('BLOCK_LEN_ERROR'); // WRITE_BL_PARTIAL = 0: writes are whole 512-byte blocks
    return R1;
  }
  if (!card.checkBlockAddress(offset, len)) return R1;
  const count = multi ? card.blockCount?.count || undefined : 1;
  // a known count is checked whole; an open-ended write stops at the first protected block
  if (card.isWriteProtected(offset, (count ?? 1) * len)) {
    card.flag('WP_VIOLATION');
    return R1;
  }
  // reliable write (Linux's REQ_FUA) and forced programming bypass the volatile cache
  const durable = multi && card.blockCount !== undefined && (card.blockCount.reliable || card.blockCount.forced);
  card.blockCount = undefined;
  card.startData(self, 'write', offset, count, len, durable);
  return R1;
}

function eraseGroupStart(card: CardContext, arg: number): Outcome {
  const off = card.byteAddress(arg);
  if (off >= (card.partition()?.size ?? 0)) {
    card.flag('OUT_OF_RANGE');
    return R1;
  }
  card.eraseStart = off;
  card.eraseEnd = undefined;
  return R1;
}

function eraseGroupEnd(card: CardContext, arg: number): Outcome {
  const off = card.byteAddress(arg);
  if (card.eraseStart === undefined) {
    card.flag('ERASE_SEQ_ERROR');
    return R1;
  }
  if (off >= (card.partition()?.size ?? 0)) {
    card.flag('OUT_OF_RANGE');
    return R1;
  }
  card.eraseEnd = off;
  return R1;
}

/** CMD38 arguments (§3.2). */
const ERASE_KINDS: Readonly<Record<number, 'erase' | 'trim' | 'discard'>> = {
  [MMC_ERASE_ARG]: 'erase',
  [MMC_TRIM_ARG]: 'trim',
  [MMC_DISCARD_ARG]: 'discard',
  [MMC_SECURE_ERASE_ARG]: 'erase',
  [MMC_SECURE_TRIM1_ARG]: 'trim',
  [MMC_SECURE_TRIM2_ARG]: 'trim',
};

function erase(card: CardContext, arg: number): Outcome {
  const start = card.eraseStart;
  const end = card.eraseEnd;
  card.eraseStart = card.eraseEnd = undefined;
  const kind = ERASE_KINDS[arg >>> 0];
  const part = card.partition();
  if (start === undefined || end === undefined) {
    card.flag('ERASE_SEQ_ERROR');
    return R1B;
  }
  if (!kind || !part || end < start) {
    card.flag('ERASE_PARAM');
    return R1B;
  }
  if (part.readOnly || card.writeProtection.bootAreaProtected(card.partitionAccess, card.extCsd)) {
    card.flag('WP_VIOLATION');
    return R1B;
  }
  let from: number;
  let to: number;
  let busy: number;
  if (kind === 'erase') {
    from = Math.floor(start / HC_ERASE_UNIT) * HC_ERASE_UNIT;
    to = Math.min(part.size, (Math.floor(end / HC_ERASE_UNIT) + 1) * HC_ERASE_UNIT);
    busy = Math.ceil((to - from) / HC_ERASE_UNIT) * card.latency.p.eraseGroupBusyNs;
  } else {
    from = Math.floor(start / SECTOR_SIZE) * SECTOR_SIZE;
    to = Math.min(part.size, Math.floor(end / SECTOR_SIZE) * SECTOR_SIZE + SECTOR_SIZE);
    busy = ((to - from) / SECTOR_SIZE) * card.latency.p.trimPerBlockNs;
  }
  const fill = card.extCsd[EXT_CSD.ERASED_MEM_CONT] ? 0xff : 0x00;
  const CHUNK = 64 * KiB;
  const chunk = new Uint8Array(CHUNK).fill(fill);
  // protected groups are skipped, and the status says so (WP_ERASE_SKIP)
  const runs = card.writeProtection.unprotectedRuns(card.partitionAccess, from, to);
  if (runs.length !== 1 || runs[0]![0] !== from || runs[0]![1] !== to) card.flagLater('WP_ERASE_SKIP'); // found while erasing
  for (const [runFrom, runTo] of runs) {
    for (let off = runFrom; off < runTo; off += CHUNK) part.write(off, chunk.subarray(0, Math.min(CHUNK, runTo - off)));
  }
  card.tracer.emit('sdcard_erase', card.partitionName(), from, to - from, kind);
  card.setState('prg');
  card.busyFor(busy, `CMD38 ${kind}`, true);
  return R1B;
}

function appCmd(card: CardContext): Outcome {
  card.flag('APP_CMD');
  return R1;
}

/** Plain block data of CMD17/18/24/25: the only data phases that may move in bulk (card.ts). */
export const blockData: DataHandlers = {
  read: (card, d) => card.readPartitionBlock(d),
  write: (card, d, block) => card.writePartitionBlock(d, block),
};
const extCsdData: DataHandlers = { read: (card) => card.extCsd.slice() };
const tuningData: DataHandlers = { read: (card) => tuningPattern(card).slice() };

// ------------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------------

const ALL_BUT_INA: readonly CardState[] = ['idle', 'ready', 'ident', 'stby', 'tran', 'data', 'rcv', 'prg', 'dis', 'btst', 'slp'];
const ADDRESSED_STATES: readonly CardState[] = ['stby', 'tran', 'data', 'rcv', 'prg', 'dis', 'btst'];
/** Tasks may be queued while another task moves data or programs (that is what queueing is for). */
const QUEUEING_STATES: readonly CardState[] = ['tran', 'data', 'rcv', 'prg'];

interface Spec {
  name: string;
  cls: number;
  type: MmcCommandType;
  response: MmcResponse;
  states: readonly CardState[];
  addressed?: boolean;
  handler?: CardCommand['handler'];
  data?: DataHandlers;
  cmdq?: CardCommand['cmdq'];
}

function table(specs: Record<number, Spec>): Readonly<Partial<Record<number, CardCommand>>> {
  const out: Partial<Record<number, CardCommand>> = {};
  for (const [k, s] of Object.entries(specs)) {
    const index = Number(k);
    out[index] = Object.freeze({
      index,
      name: s.name,
      cls: s.cls,
      type: s.type,
      response: s.response,
      addressed: s.addressed ?? false,
      states: s.states,
      handler: s.handler,
      data: s.data,
      cmdq: s.cmdq,
    });
  }
  return Object.freeze(out);
}

export const EMMC_COMMANDS = table({
  0: { name: 'GO_IDLE_STATE', cls: 0, type: 'bc', response: 'none', states: ALL_BUT_INA, handler: goIdleState },
  1: { name: 'SEND_OP_COND', cls: 0, type: 'bcr', response: 'r3', states: ['idle'], handler: sendOpCond },
  2: { name: 'ALL_SEND_CID', cls: 0, type: 'bcr', response: 'r2', states: ['ready'], handler: allSendCid },
  3: { name: 'SET_RELATIVE_ADDR', cls: 0, type: 'ac', response: 'r1', states: ['ident'], handler: setRelativeAddr },
  4: { name: 'SET_DSR', cls: 0, type: 'bc', response: 'none', states: ['stby'] },
  5: { name: 'SLEEP_AWAKE', cls: 0, type: 'ac', response: 'r1b', states: ['stby', 'slp'], addressed: true, handler: sleepAwake },
  6: { name: 'SWITCH', cls: 10, type: 'ac', response: 'r1b', states: ['tran'], handler: switchCmd },
  7: { name: 'SELECT_DESELECT_CARD', cls: 0, type: 'ac', response: 'r1', states: ['stby', 'tran', 'data', 'prg', 'dis'], addressed: true, handler: selectCard },
  8: { name: 'SEND_EXT_CSD', cls: 0, type: 'adtc', response: 'r1', states: ['tran'], handler: sendExtCsd, data: extCsdData },
  9: { name: 'SEND_CSD', cls: 0, type: 'ac', response: 'r2', states: ['stby'], addressed: true, handler: sendCsd },
  10: { name: 'SEND_CID', cls: 0, type: 'ac', response: 'r2', states: ['stby'], addressed: true, handler: sendCid },
  12: { name: 'STOP_TRANSMISSION', cls: 0, type: 'ac', response: 'r1b', states: ['data', 'rcv'], handler: stopTransmission },
  13: { name: 'SEND_STATUS', cls: 0, type: 'ac', response: 'r1', states: ADDRESSED_STATES, addressed: true, handler: sendStatus },
  14: { name: 'BUSTEST_R', cls: 0, type: 'adtc', response: 'r1', states: ['btst'] },
  15: { name: 'GO_INACTIVE_STATE', cls: 0, type: 'ac', response: 'none', states: ['stby', 'tran', 'data', 'rcv', 'prg', 'dis'], addressed: true, handler: goInactiveState },
  16: { name: 'SET_BLOCKLEN', cls: 2, type: 'ac', response: 'r1', states: ['tran'], handler: setBlocklen },
  17: { name: 'READ_SINGLE_BLOCK', cls: 2, type: 'adtc', response: 'r1', states: ['tran'], handler: (c, a, s) => startRead(c, a, s, false), data: blockData, cmdq: 'legacy' },
  18: { name: 'READ_MULTIPLE_BLOCK', cls: 2, type: 'adtc', response: 'r1', states: ['tran'], handler: (c, a, s) => startRead(c, a, s, true), data: blockData, cmdq: 'legacy' },
  19: { name: 'BUSTEST_W', cls: 0, type: 'adtc', response: 'r1', states: ['tran'] },
  21: { name: 'SEND_TUNING_BLOCK', cls: 2, type: 'adtc', response: 'r1', states: ['tran'], handler: sendTuningBlock, data: tuningData },
  23: { name: 'SET_BLOCK_COUNT', cls: 2, type: 'ac', response: 'r1', states: ['tran'], handler: setBlockCount, cmdq: 'legacy' },
  24: { name: 'WRITE_BLOCK', cls: 4, type: 'adtc', response: 'r1', states: ['tran'], handler: (c, a, s) => startWrite(c, a, s, false), data: blockData, cmdq: 'legacy' },
  25: { name: 'WRITE_MULTIPLE_BLOCK', cls: 4, type: 'adtc', response: 'r1', states: ['tran'], handler: (c, a, s) => startWrite(c, a, s, true), data: blockData, cmdq: 'legacy' },
  26: { name: 'PROGRAM_CID', cls: 4, type: 'adtc', response: 'r1', states: ['tran'] },
  27: { name: 'PROGRAM_CSD', cls: 4, type: 'adtc', response: 'r1', states: ['tran'] },
  28: { name: 'SET_WRITE_PROT', cls: 6, type: 'ac', response: 'r1b', states: ['tran'], handler: setWriteProt },
  29: { name: 'CLR_WRITE_PROT', cls: 6, type: 'ac', response: 'r1b', states: ['tran'], handler: clrWriteProt },
  30: { name: 'SEND_WRITE_PROT', cls: 6, type: 'adtc', response: 'r1', states: ['tran'], handler: sendWriteProt, data: writeProtData },
  31: { name: 'SEND_WRITE_PROT_TYPE', cls: 6, type: 'adtc', response: 'r1', states: ['tran'], handler: sendWriteProtType, data: writeProtTypeData },
  35: { name: 'ERASE_GROUP_START', cls: 5, type: 'ac', response: 'r1', states: ['tran'], handler: eraseGroupStart },
  36: { name: 'ERASE_GROUP_END', cls: 5, type: 'ac', response: 'r1', states: ['tran'], handler: eraseGroupEnd },
  38: { name: 'ERASE', cls: 5, type: 'ac', response: 'r1b', states: ['tran'], handler: erase },
  39: { name: 'FAST_IO', cls: 9, type: 'ac', response: 'r3', states: ['stby'] },
  40: { name: 'GO_IRQ_STATE', cls: 9, type: 'bcr', response: 'r3', states: ['stby'] },
  42: { name: 'LOCK_UNLOCK', cls: 7, type: 'adtc', response: 'r1', states: ['tran'] },
  44: { name: 'QUEUED_TASK_PARAMS', cls: 11, type: 'ac', response: 'r1', states: QUEUEING_STATES, handler: queuedTaskParams, cmdq: 'queue' },
  45: { name: 'QUEUED_TASK_ADDRESS', cls: 11, type: 'ac', response: 'r1', states: QUEUEING_STATES, handler: queuedTaskAddress, cmdq: 'queue' },
  46: { name: 'EXECUTE_READ_TASK', cls: 11, type: 'adtc', response: 'r1', states: ['tran'], handler: executeReadTask, data: blockData, cmdq: 'queue' },
  47: { name: 'EXECUTE_WRITE_TASK', cls: 11, type: 'adtc', response: 'r1', states: ['tran'], handler: executeWriteTask, data: blockData, cmdq: 'queue' },
  48: { name: 'CMDQ_TASK_MGMT', cls: 11, type: 'ac', response: 'r1b', states: ['tran'], handler: cmdqTaskMgmt, cmdq: 'queue' },
  49: { name: 'SET_TIME', cls: 10, type: 'adtc', response: 'r1', states: ['tran'] },
  53: { name: 'PROTOCOL_RD', cls: 10, type: 'adtc', response: 'r1', states: ['tran'] },
  54: { name: 'PROTOCOL_WR', cls: 10, type: 'adtc', response: 'r1', states: ['tran'] },
  55: { name: 'APP_CMD', cls: 8, type: 'ac', response: 'r1', states: ['stby', 'tran', 'data', 'rcv', 'prg', 'dis'], addressed: true, handler: appCmd },
  56: { name: 'GEN_CMD', cls: 8, type: 'adtc', response: 'r1', states: ['tran'] },
});
