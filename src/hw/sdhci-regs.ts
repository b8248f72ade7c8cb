/**
 * SDHCI 3.00 register map — THE single definition of offsets, widths, access types, reset values
 * and bit fields, shared by the emulated controller (src/device/sdhci), the host driver
 * (src/driver) and the tests. Spec: shared/spec/sdhci-emmc-device.md §1 (register table §1.1,
 * Transfer Mode §1.2, Command §1.3, Present State §1.4, Host Control/Power §1.5, Clock/Timeout/
 * Reset §1.6, interrupts §1.7, Host Control 2 §1.8, capabilities §1.9/§1.10, ADMA2 §2.7).
 *
 * One idiom throughout: a register is declared once with `reg8/reg16/reg32`, and every bit or
 * multi-bit value inside it is a `field(reg, shift, len)`. Masks are `field.mask`; values are read
 * with `get(field, regValue)` and written with `set(field, regValue, x)`.
 */

export type RegAccess = 'ro' | 'rw' | 'rw1c' | 'wo';
export type RegWidth = 8 | 16 | 32;

export interface RegDef {
  readonly name: string;
  readonly offset: number;
  readonly width: RegWidth;
  readonly access: RegAccess;
  /** value after RESET_ALL (HWInit registers: the default the board advertises) */
  readonly reset: number;
  /** bits of a writable register that software cannot change (RO bits inside RW/RW1C registers) */
  readonly roMask: number;
  readonly doc: string;
}

interface RegOpts {
  access: RegAccess;
  reset?: number;
  roMask?: number;
  doc?: string;
}

function reg(width: RegWidth, offset: number, name: string, o: RegOpts): RegDef {
  return Object.freeze({
    name,
    offset,
    width,
    access: o.access,
    reset: (o.reset ?? 0) >>> 0,
    roMask: (o.roMask ?? 0) >>> 0,
    doc: o.doc ?? '',
  });
}
export const reg8 = (offset: number, name: string, o: RegOpts): RegDef => reg(8, offset, name, o);
export const reg16 = (offset: number, name: string, o: RegOpts): RegDef => reg(16, offset, name, o);
export const reg32 = (offset: number, name: string, o: RegOpts): RegDef => reg(32, offset, name, o);

export { field, bit, get, set, compose, isSet } from './fields.js';
export type { Field } from './fields.js';
/** ADMA2 descriptors (§2.7) are memory structures, not registers: ./adma2.ts, re-exported for `R.*` users. */
export * from './adma2.js';
import { hex } from '../lib/hex.js';
import { field, bit, get, set as setField, compose, isSet } from './fields.js';
import { MMC_RSP_136, MMC_RSP_BUSY, MMC_RSP_CRC, MMC_RSP_FLAGS, MMC_RSP_OPCODE, MMC_RSP_PRESENT, type MmcResponse } from './mmc-protocol.js';

// ------------------------------------------------------------------------------------------------
// Registers (§1.1). Offsets are byte offsets in the 256-byte MMIO window; little-endian.
// ------------------------------------------------------------------------------------------------

export const SDMA_ADDRESS = reg32(0x00, 'SDMA_ADDRESS', {
  access: 'rw',
  doc: 'SDMA System Address / Argument 2 (Auto CMD23 argument); reads the next SDMA address during a transfer',
});
export const BLOCK_SIZE = reg16(0x04, 'BLOCK_SIZE', { access: 'rw', roMask: 0x8000, doc: 'bits 11:0 size, 14:12 SDMA boundary' });
export const BLOCK_COUNT = reg16(0x06, 'BLOCK_COUNT', { access: 'rw', doc: 'decremented per block when Block Count Enable' });
export const ARGUMENT = reg32(0x08, 'ARGUMENT', { access: 'rw' });
export const TRANSFER_MODE = reg16(0x0c, 'TRANSFER_MODE', { access: 'rw', roMask: 0xffc0 });
export const COMMAND = reg16(0x0e, 'COMMAND', { access: 'rw', roMask: 0xc004, doc: 'writing byte 0x0F issues the command' });
export const RESPONSE0 = reg32(0x10, 'RESPONSE0', { access: 'ro' });
export const RESPONSE1 = reg32(0x14, 'RESPONSE1', { access: 'ro' });
export const RESPONSE2 = reg32(0x18, 'RESPONSE2', { access: 'ro' });
export const RESPONSE3 = reg32(0x1c, 'RESPONSE3', { access: 'ro', doc: 'also the Auto CMD12/23 response' });
export const BUFFER_DATA_PORT = reg32(0x20, 'BUFFER_DATA_PORT', { access: 'rw', doc: 'PIO FIFO' });
export const PRESENT_STATE = reg32(0x24, 'PRESENT_STATE', { access: 'ro' });
export const HOST_CONTROL1 = reg8(0x28, 'HOST_CONTROL1', { access: 'rw' });
export const POWER_CONTROL = reg8(0x29, 'POWER_CONTROL', { access: 'rw' });
export const BLOCK_GAP_CONTROL = reg8(0x2a, 'BLOCK_GAP_CONTROL', { access: 'rw' });
export const WAKEUP_CONTROL = reg8(0x2b, 'WAKEUP_CONTROL', { access: 'rw' });
export const CLOCK_CONTROL = reg16(0x2c, 'CLOCK_CONTROL', { access: 'rw', roMask: 0x0002, doc: 'bit 1 Internal Clock Stable is RO' });
export const TIMEOUT_CONTROL = reg8(0x2e, 'TIMEOUT_CONTROL', { access: 'rw', roMask: 0xf0 });
export const SOFTWARE_RESET = reg8(0x2f, 'SOFTWARE_RESET', { access: 'rw', roMask: 0xf8, doc: 'self-clearing' });
export const NORMAL_INT_STATUS = reg16(0x30, 'NORMAL_INT_STATUS', {
  access: 'rw1c',
  roMask: 0x8100,
  doc: 'bit 8 Card Interrupt and bit 15 Error Interrupt are RO',
});
export const ERROR_INT_STATUS = reg16(0x32, 'ERROR_INT_STATUS', { access: 'rw1c' });
export const NORMAL_INT_STATUS_ENABLE = reg16(0x34, 'NORMAL_INT_STATUS_ENABLE', { access: 'rw', roMask: 0x8000 });
export const ERROR_INT_STATUS_ENABLE = reg16(0x36, 'ERROR_INT_STATUS_ENABLE', { access: 'rw' });
export const NORMAL_INT_SIGNAL_ENABLE = reg16(0x38, 'NORMAL_INT_SIGNAL_ENABLE', { access: 'rw', roMask: 0x8000 });
export const ERROR_INT_SIGNAL_ENABLE = reg16(0x3a, 'ERROR_INT_SIGNAL_ENABLE', { access: 'rw' });
export const AUTO_CMD_ERROR_STATUS = reg16(0x3c, 'AUTO_CMD_ERROR_STATUS', { access: 'ro' });
export const HOST_CONTROL2 = reg16(0x3e, 'HOST_CONTROL2', { access: 'rw', roMask: 0x3f00, doc: 'v4 bits 13:8 reserved in v3' });

/** Capabilities 0 recommended value (§1.10): TMCLK 1 MHz, base 200 MHz, 512 B, 8-bit, ADMA2, HS, SDMA, 3.3 V + 1.8 V, 64-bit. */
export const CAPABILITIES0_DEFAULT = 0x156cc881;
export const CAPABILITIES0 = reg32(0x40, 'CAPABILITIES0', { access: 'ro', reset: CAPABILITIES0_DEFAULT });
export const CAPABILITIES1 = reg32(0x44, 'CAPABILITIES1', { access: 'ro', reset: 0 });
export const MAX_CURRENT = reg32(0x48, 'MAX_CURRENT', { access: 'ro', reset: 0 });
export const MAX_CURRENT1 = reg32(0x4c, 'MAX_CURRENT1', { access: 'ro', reset: 0, doc: 'VDD2 (v4.20); 0 here' });
export const FORCE_EVENT_AUTO_CMD = reg16(0x50, 'FORCE_EVENT_AUTO_CMD', { access: 'wo' });
export const FORCE_EVENT_ERROR = reg16(0x52, 'FORCE_EVENT_ERROR', { access: 'wo' });
export const ADMA_ERROR_STATUS = reg8(0x54, 'ADMA_ERROR_STATUS', { access: 'rw', roMask: 0xf8 });
export const ADMA_ADDRESS_LO = reg32(0x58, 'ADMA_ADDRESS_LO', { access: 'rw' });
export const ADMA_ADDRESS_HI = reg32(0x5c, 'ADMA_ADDRESS_HI', { access: 'rw' });
export const PRESET_INIT = reg16(0x60, 'PRESET_INIT', { access: 'ro' });
export const PRESET_DEFAULT_SPEED = reg16(0x62, 'PRESET_DEFAULT_SPEED', { access: 'ro' });
export const PRESET_HIGH_SPEED = reg16(0x64, 'PRESET_HIGH_SPEED', { access: 'ro' });
export const PRESET_SDR12 = reg16(0x66, 'PRESET_SDR12', { access: 'ro' });
export const PRESET_SDR25 = reg16(0x68, 'PRESET_SDR25', { access: 'ro' });
export const PRESET_SDR50 = reg16(0x6a, 'PRESET_SDR50', { access: 'ro' });
export const PRESET_SDR104 = reg16(0x6c, 'PRESET_SDR104', { access: 'ro' });
export const PRESET_DDR50 = reg16(0x6e, 'PRESET_DDR50', { access: 'ro' });
export const SLOT_INT_STATUS = reg16(0xfc, 'SLOT_INT_STATUS', { access: 'ro' });
/** 0x0002: spec 3.00, vendor 0 (§1.10). */
export const HOST_VERSION_DEFAULT = 0x0002;
export const HOST_VERSION = reg16(0xfe, 'HOST_VERSION', { access: 'ro', reset: HOST_VERSION_DEFAULT });

export const REGISTERS: readonly RegDef[] = [
  SDMA_ADDRESS, BLOCK_SIZE, BLOCK_COUNT, ARGUMENT, TRANSFER_MODE, COMMAND,
  RESPONSE0, RESPONSE1, RESPONSE2, RESPONSE3, BUFFER_DATA_PORT, PRESENT_STATE,
  HOST_CONTROL1, POWER_CONTROL, BLOCK_GAP_CONTROL, WAKEUP_CONTROL, CLOCK_CONTROL, TIMEOUT_CONTROL, SOFTWARE_RESET,
  NORMAL_INT_STATUS, ERROR_INT_STATUS, NORMAL_INT_STATUS_ENABLE, ERROR_INT_STATUS_ENABLE,
  NORMAL_INT_SIGNAL_ENABLE, ERROR_INT_SIGNAL_ENABLE, AUTO_CMD_ERROR_STATUS, HOST_CONTROL2,
  CAPABILITIES0, CAPABILITIES1, MAX_CURRENT, MAX_CURRENT1, FORCE_EVENT_AUTO_CMD, FORCE_EVENT_ERROR,
  ADMA_ERROR_STATUS, ADMA_ADDRESS_LO, ADMA_ADDRESS_HI,
  PRESET_INIT, PRESET_DEFAULT_SPEED, PRESET_HIGH_SPEED, PRESET_SDR12, PRESET_SDR25, PRESET_SDR50, PRESET_SDR104, PRESET_DDR50,
  SLOT_INT_STATUS, HOST_VERSION,
];

/** byte offset → the register covering that byte (undefined: unimplemented offset). */
const BYTE_MAP: (RegDef | undefined)[] = new Array(256).fill(undefined);
for (const r of REGISTERS) {
  for (let i = 0; i < r.width / 8; i++) {
    if (BYTE_MAP[r.offset + i]) throw new Error(`register overlap at ${hex(r.offset + i)}`);
    BYTE_MAP[r.offset + i] = r;
  }
}
export function registerAt(byteOffset: number): RegDef | undefined {
  return BYTE_MAP[byteOffset & 0xff];
}
export const MMIO_SIZE = 0x100;

// ------------------------------------------------------------------------------------------------
// Fields
// ------------------------------------------------------------------------------------------------

/** Block Size (0x04): bits 11:0 transfer block size, 14:12 SDMA buffer boundary (4 KiB << n). */
export const BS = {
  SIZE: field(BLOCK_SIZE, 0, 12),
  SDMA_BOUNDARY: field(BLOCK_SIZE, 12, 3),
} as const;
export const sdmaBoundaryBytes = (code: number): number => 4096 << code;
/** Linux's value: 512-byte blocks, 512 KiB boundary (0x7200). */
export const blockSizeValue = (size: number, boundaryCode = 7): number => setField(BS.SDMA_BOUNDARY, setField(BS.SIZE, 0, size), boundaryCode); // per request: no values object

/** Transfer Mode (0x0C, §1.2). */
export const TM = {
  DMA_ENABLE: bit(TRANSFER_MODE, 0),
  BLOCK_COUNT_ENABLE: bit(TRANSFER_MODE, 1),
  AUTO_CMD: field(TRANSFER_MODE, 2, 2),
  READ: bit(TRANSFER_MODE, 4),
  MULTI_BLOCK: bit(TRANSFER_MODE, 5),
} as const;
export const AUTO_CMD = { NONE: 0, CMD12: 1, CMD23: 2, AUTO_SELECT: 3 } as const;

/** Command (0x0E, §1.3). */
export const CMD = {
  RESPONSE_TYPE: field(COMMAND, 0, 2),
  CRC_CHECK: bit(COMMAND, 3),
  INDEX_CHECK: bit(COMMAND, 4),
  DATA_PRESENT: bit(COMMAND, 5),
  TYPE: field(COMMAND, 6, 2),
  INDEX: field(COMMAND, 8, 6),
} as const;
export const RESPONSE_TYPE = { NONE: 0, R136: 1, R48: 2, R48_BUSY: 3 } as const;
export const COMMAND_TYPE = { NORMAL: 0, SUSPEND: 1, RESUME: 2, ABORT: 3 } as const;

/**
 * The SDHCI low byte for an MMC response kind (§1.3), as Linux's sdhci_send_command() derives it
 * from the MMC_RSP_* flags: 136-bit, 48-bit with busy, 48-bit or none; CRC and index checks as
 * the response carries them.
 */
export function commandFlagsFor(resp: MmcResponse): { responseType: number; crcCheck: boolean; indexCheck: boolean } {
  const flags = MMC_RSP_FLAGS[resp];
  const responseType = !(flags & MMC_RSP_PRESENT)
    ? RESPONSE_TYPE.NONE
    : flags & MMC_RSP_136
      ? RESPONSE_TYPE.R136
      : flags & MMC_RSP_BUSY
        ? RESPONSE_TYPE.R48_BUSY
        : RESPONSE_TYPE.R48;
  return { responseType, crcCheck: (flags & MMC_RSP_CRC) !== 0, indexCheck: (flags & MMC_RSP_OPCODE) !== 0 };
}

export interface CommandWord {
  index: number;
  responseType: number;
  crcCheck: boolean;
  indexCheck: boolean;
  dataPresent: boolean;
  type: number;
}
export function encodeCommand(c: Partial<CommandWord> & { index: number }): number {
  // field by field with set() (range checks kept): no values object per command, as compose() takes
  let v = setField(CMD.INDEX, 0, c.index);
  v = setField(CMD.RESPONSE_TYPE, v, c.responseType ?? 0);
  v = setField(CMD.CRC_CHECK, v, c.crcCheck ? 1 : 0);
  v = setField(CMD.INDEX_CHECK, v, c.indexCheck ? 1 : 0);
  v = setField(CMD.DATA_PRESENT, v, c.dataPresent ? 1 : 0);
  return setField(CMD.TYPE, v, c.type ?? COMMAND_TYPE.NORMAL);
}
/** Command word for an MMC command, as Linux builds it: e.g. mmcCommandWord(17, 'r1', true) = 0x113A. */
export const mmcCommandWord = (index: number, resp: MmcResponse, data = false): number =>
  encodeCommand({ index, ...commandFlagsFor(resp), dataPresent: data });
export function decodeCommand(word: number): CommandWord {
  return {
    index: get(CMD.INDEX, word),
    responseType: get(CMD.RESPONSE_TYPE, word),
    crcCheck: isSet(CMD.CRC_CHECK, word),
    indexCheck: isSet(CMD.INDEX_CHECK, word),
    dataPresent: isSet(CMD.DATA_PRESENT, word),
    type: get(CMD.TYPE, word),
  };
}

/** Present State (0x24, §1.4). */
export const PS = {
  CMD_INHIBIT: bit(PRESENT_STATE, 0),
  DAT_INHIBIT: bit(PRESENT_STATE, 1),
  DAT_LINE_ACTIVE: bit(PRESENT_STATE, 2),
  RETUNING_REQUEST: bit(PRESENT_STATE, 3),
  DAT_7_4_LEVEL: field(PRESENT_STATE, 4, 4),
  WRITE_TRANSFER_ACTIVE: bit(PRESENT_STATE, 8),
  READ_TRANSFER_ACTIVE: bit(PRESENT_STATE, 9),
  BUFFER_WRITE_ENABLE: bit(PRESENT_STATE, 10),
  BUFFER_READ_ENABLE: bit(PRESENT_STATE, 11),
  CARD_INSERTED: bit(PRESENT_STATE, 16),
  CARD_STATE_STABLE: bit(PRESENT_STATE, 17),
  CARD_DETECT_PIN: bit(PRESENT_STATE, 18),
  WRITE_PROTECT_PIN: bit(PRESENT_STATE, 19),
  DAT_3_0_LEVEL: field(PRESENT_STATE, 20, 4),
  DAT0_LEVEL: bit(PRESENT_STATE, 20),
  CMD_LEVEL: bit(PRESENT_STATE, 24),
} as const;

/** Host Control 1 (0x28, §1.5). */
export const HC1 = {
  LED: bit(HOST_CONTROL1, 0),
  DATA_WIDTH_4BIT: bit(HOST_CONTROL1, 1),
  HIGH_SPEED: bit(HOST_CONTROL1, 2),
  DMA_SELECT: field(HOST_CONTROL1, 3, 2),
  EXT_DATA_WIDTH_8BIT: bit(HOST_CONTROL1, 5),
  CD_TEST_LEVEL: bit(HOST_CONTROL1, 6),
  CD_SIGNAL_SELECT: bit(HOST_CONTROL1, 7),
} as const;
export const DMA_SELECT = { SDMA: 0, ADMA1: 1, ADMA2_32: 2, ADMA2_64: 3 } as const;

/** Power Control (0x29). */
export const PWR = {
  BUS_POWER: bit(POWER_CONTROL, 0),
  VOLTAGE: field(POWER_CONTROL, 1, 3),
  VDD2: field(POWER_CONTROL, 4, 4),
} as const;
export const BUS_VOLTAGE = { V1_8: 5, V3_0: 6, V3_3: 7 } as const;

/** Block Gap Control (0x2A) / Wakeup Control (0x2B). */
export const BGC = {
  STOP_AT_GAP: bit(BLOCK_GAP_CONTROL, 0),
  CONTINUE: bit(BLOCK_GAP_CONTROL, 1),
  READ_WAIT: bit(BLOCK_GAP_CONTROL, 2),
  INT_AT_GAP: bit(BLOCK_GAP_CONTROL, 3),
} as const;
export const WAKE = {
  ON_CARD_INT: bit(WAKEUP_CONTROL, 0),
  ON_INSERT: bit(WAKEUP_CONTROL, 1),
  ON_REMOVE: bit(WAKEUP_CONTROL, 2),
} as const;

/** Clock Control (0x2C, §1.6). SDCLK = base / (2·N), N = 10-bit divider, 0 = base. */
export const CLK = {
  INTERNAL_ENABLE: bit(CLOCK_CONTROL, 0),
  INTERNAL_STABLE: bit(CLOCK_CONTROL, 1),
  SD_CLOCK_ENABLE: bit(CLOCK_CONTROL, 2),
  PLL_ENABLE: bit(CLOCK_CONTROL, 3),
  PROG_CLOCK_MODE: bit(CLOCK_CONTROL, 5),
  DIVIDER_HI: field(CLOCK_CONTROL, 6, 2),
  DIVIDER_LO: field(CLOCK_CONTROL, 8, 8),
} as const;
export const clockDivider = (clk: number): number => (get(CLK.DIVIDER_HI, clk) << 8) | get(CLK.DIVIDER_LO, clk);
export const clockDividerBits = (n: number): number => compose(CLK, { DIVIDER_LO: n & 0xff, DIVIDER_HI: (n >> 8) & 3 });
export const sdClockHz = (baseHz: number, n: number): number => (n === 0 ? baseHz : baseHz / (2 * n));

/** Timeout Control (0x2E): data timeout = 2^(13+n) TMCLK periods. */
export const TOUT = { DATA_TIMEOUT_COUNT: field(TIMEOUT_CONTROL, 0, 4) } as const;

/** Software Reset (0x2F, §2.10). */
export const RST = {
  ALL: bit(SOFTWARE_RESET, 0),
  CMD: bit(SOFTWARE_RESET, 1),
  DATA: bit(SOFTWARE_RESET, 2),
} as const;

/** Normal interrupt bits (0x30 status, 0x34 status enable, 0x38 signal enable — same layout, §1.7). */
export const NIS = {
  CMD_COMPLETE: bit(NORMAL_INT_STATUS, 0),
  TRANSFER_COMPLETE: bit(NORMAL_INT_STATUS, 1),
  BLOCK_GAP: bit(NORMAL_INT_STATUS, 2),
  DMA: bit(NORMAL_INT_STATUS, 3),
  BUFFER_WRITE_READY: bit(NORMAL_INT_STATUS, 4),
  BUFFER_READ_READY: bit(NORMAL_INT_STATUS, 5),
  CARD_INSERTION: bit(NORMAL_INT_STATUS, 6),
  CARD_REMOVAL: bit(NORMAL_INT_STATUS, 7),
  CARD_INTERRUPT: bit(NORMAL_INT_STATUS, 8),
  RETUNING: bit(NORMAL_INT_STATUS, 12),
  CQE: bit(NORMAL_INT_STATUS, 14),
  ERROR: bit(NORMAL_INT_STATUS, 15),
} as const;

/** Error interrupt bits (0x32 status, 0x36 status enable, 0x3A signal enable). */
export const EIS = {
  CMD_TIMEOUT: bit(ERROR_INT_STATUS, 0),
  CMD_CRC: bit(ERROR_INT_STATUS, 1),
  CMD_END_BIT: bit(ERROR_INT_STATUS, 2),
  CMD_INDEX: bit(ERROR_INT_STATUS, 3),
  DATA_TIMEOUT: bit(ERROR_INT_STATUS, 4),
  DATA_CRC: bit(ERROR_INT_STATUS, 5),
  DATA_END_BIT: bit(ERROR_INT_STATUS, 6),
  CURRENT_LIMIT: bit(ERROR_INT_STATUS, 7),
  AUTO_CMD: bit(ERROR_INT_STATUS, 8),
  ADMA: bit(ERROR_INT_STATUS, 9),
  TUNING: bit(ERROR_INT_STATUS, 10),
  RESPONSE: bit(ERROR_INT_STATUS, 11),
} as const;

/** Linux's 32-bit interrupt view (`SDHCI_INT_*`): normal bits 15:0, error bits 31:16. */
export const INT = {
  RESPONSE: NIS.CMD_COMPLETE.mask,
  DATA_END: NIS.TRANSFER_COMPLETE.mask,
  BLK_GAP: NIS.BLOCK_GAP.mask,
  DMA_END: NIS.DMA.mask,
  SPACE_AVAIL: NIS.BUFFER_WRITE_READY.mask,
  DATA_AVAIL: NIS.BUFFER_READ_READY.mask,
  CARD_INSERT: NIS.CARD_INSERTION.mask,
  CARD_REMOVE: NIS.CARD_REMOVAL.mask,
  CARD_INT: NIS.CARD_INTERRUPT.mask,
  ERROR: NIS.ERROR.mask,
  TIMEOUT: (EIS.CMD_TIMEOUT.mask << 16) >>> 0,
  CRC: (EIS.CMD_CRC.mask << 16) >>> 0,
  END_BIT: (EIS.CMD_END_BIT.mask << 16) >>> 0,
  INDEX: (EIS.CMD_INDEX.mask << 16) >>> 0,
  DATA_TIMEOUT: (EIS.DATA_TIMEOUT.mask << 16) >>> 0,
  DATA_CRC: (EIS.DATA_CRC.mask << 16) >>> 0,
  DATA_END_BIT: (EIS.DATA_END_BIT.mask << 16) >>> 0,
  BUS_POWER: (EIS.CURRENT_LIMIT.mask << 16) >>> 0,
  AUTO_CMD_ERR: (EIS.AUTO_CMD.mask << 16) >>> 0,
  ADMA_ERROR: (EIS.ADMA.mask << 16) >>> 0,
  TUNING_ERROR: (EIS.TUNING.mask << 16) >>> 0,
} as const;
/** Linux's default enable/signal mask at init (§1.7). */
export const INT_DEFAULT_ENABLE = 0x00ff0003;

/** Auto CMD Error Status (0x3C). */
export const ACES = {
  CMD12_NOT_EXECUTED: bit(AUTO_CMD_ERROR_STATUS, 0),
  TIMEOUT: bit(AUTO_CMD_ERROR_STATUS, 1),
  CRC: bit(AUTO_CMD_ERROR_STATUS, 2),
  END_BIT: bit(AUTO_CMD_ERROR_STATUS, 3),
  INDEX: bit(AUTO_CMD_ERROR_STATUS, 4),
  RESPONSE: bit(AUTO_CMD_ERROR_STATUS, 5),
  CMD_NOT_ISSUED: bit(AUTO_CMD_ERROR_STATUS, 7),
} as const;

/** Host Control 2 (0x3E, §1.8). */
export const HC2 = {
  UHS_MODE: field(HOST_CONTROL2, 0, 3),
  SIGNALING_1V8: bit(HOST_CONTROL2, 3),
  DRIVER_STRENGTH: field(HOST_CONTROL2, 4, 2),
  EXECUTE_TUNING: bit(HOST_CONTROL2, 6),
  SAMPLING_CLOCK_SELECT: bit(HOST_CONTROL2, 7),
  ASYNC_INT_ENABLE: bit(HOST_CONTROL2, 14),
  PRESET_ENABLE: bit(HOST_CONTROL2, 15),
} as const;
export const UHS_MODE = { SDR12: 0, SDR25: 1, SDR50: 2, SDR104_HS200: 3, DDR50: 4, HS400: 5, UHS2: 7 } as const;

/** Capabilities 0 (0x40, §1.9). */
export const CAP0 = {
  TIMEOUT_CLOCK_FREQ: field(CAPABILITIES0, 0, 6),
  TIMEOUT_CLOCK_UNIT_MHZ: bit(CAPABILITIES0, 7),
  BASE_CLOCK_MHZ: field(CAPABILITIES0, 8, 8),
  MAX_BLOCK_LENGTH: field(CAPABILITIES0, 16, 2),
  BUS_8BIT: bit(CAPABILITIES0, 18),
  ADMA2: bit(CAPABILITIES0, 19),
  ADMA1: bit(CAPABILITIES0, 20),
  HIGH_SPEED: bit(CAPABILITIES0, 21),
  SDMA: bit(CAPABILITIES0, 22),
  SUSPEND_RESUME: bit(CAPABILITIES0, 23),
  VOLTAGE_3V3: bit(CAPABILITIES0, 24),
  VOLTAGE_3V0: bit(CAPABILITIES0, 25),
  VOLTAGE_1V8: bit(CAPABILITIES0, 26),
  ADDR_64BIT_V4: bit(CAPABILITIES0, 27),
  ADDR_64BIT_V3: bit(CAPABILITIES0, 28),
  ASYNC_INT: bit(CAPABILITIES0, 29),
  SLOT_TYPE: field(CAPABILITIES0, 30, 2),
} as const;
/** Capability profiles of §1.10. */
export const CAP0_PROFILES = {
  adma64: 0x156cc881,
  adma32: 0x056cc881,
  sdma: 0x0564c881,
  pio: 0x0524c881,
} as const;

/** Capabilities 1 (0x44). */
export const CAP1 = {
  SDR50: bit(CAPABILITIES1, 0),
  SDR104: bit(CAPABILITIES1, 1),
  DDR50: bit(CAPABILITIES1, 2),
  DRIVER_TYPE_A: bit(CAPABILITIES1, 4),
  DRIVER_TYPE_C: bit(CAPABILITIES1, 5),
  DRIVER_TYPE_D: bit(CAPABILITIES1, 6),
  RETUNING_TIMER: field(CAPABILITIES1, 8, 4),
  TUNING_SDR50: bit(CAPABILITIES1, 13),
  RETUNING_MODES: field(CAPABILITIES1, 14, 2),
  CLOCK_MULTIPLIER: field(CAPABILITIES1, 16, 8),
  HS400: bit(CAPABILITIES1, 31),
} as const;

/** Capabilities 1 of an HS200-capable controller: SDR50 + SDR104 (eMMC HS200 with 1.8 V signalling), no re-tuning timer. */
export const CAPABILITIES1_HS200 = CAP1.SDR50.mask | CAP1.SDR104.mask;

/** ADMA Error Status (0x54, §2.7). */
export const ADMA_ES = {
  STATE: field(ADMA_ERROR_STATUS, 0, 2),
  LENGTH_MISMATCH: bit(ADMA_ERROR_STATUS, 2),
} as const;
export const ADMA_STATE = { ST_STOP: 0, ST_FDS: 1, ST_CADR: 2, ST_TFR: 3 } as const;

/** Host Controller Version (0xFE). */
export const VER = {
  SPEC: field(HOST_VERSION, 0, 8),
  VENDOR: field(HOST_VERSION, 8, 8),
} as const;
export const SPEC_VERSION = { V1_00: 0, V2_00: 1, V3_00: 2, V4_00: 3, V4_10: 4, V4_20: 5 } as const;

/** Name of the register at an offset, for traces ("NORMAL_INT_STATUS+1"), or "0x??" for unknown offsets. */
export function offsetName(offset: number): string {
  const r = registerAt(offset);
  if (!r) return hex(offset, 2);
  return offset === r.offset ? r.name : `${r.name}+${offset - r.offset}`;
}
