/**
 * The CMD6-writable EXT_CSD modes bytes (spec §3.7, §3.8) as one table: which bytes a SWITCH may
 * write, the values each accepts, which bytes are actions rather than settings, which byte is the
 * partition switch, and which bits CMD0 resets. Every other byte (properties segment, reserved,
 * one-time partitioning fields) answers SWITCH_ERROR.
 */

import {
  EXT_CSD,
  EXT_CSD_CARD_TYPE_DDR_1_2V,
  EXT_CSD_CARD_TYPE_DDR_1_8V,
  EXT_CSD_CARD_TYPE_HS200_1_2V,
  EXT_CSD_CARD_TYPE_HS200_1_8V,
  EXT_CSD_CARD_TYPE_HS400_1_2V,
  EXT_CSD_CARD_TYPE_HS400_1_8V,
  EXT_CSD_CARD_TYPE_HS_26,
  EXT_CSD_CARD_TYPE_HS_52,
  EXT_CSD_CMDQ_MODE_ENABLED,
  EXT_CSD_CMDQ_SUPPORTED,
  EXT_CSD_MODES_END,
  EXT_CSD_PART_CONFIG_ACC_MASK,
} from '../../hw/ext-csd.js';
import { acceptsBootWp, acceptsUserWp } from './write-protect.js';

/** What a value check may consult. */
export interface SwitchContext {
  readonly extCsd: Uint8Array;
  /** tasks in the command queue (CMDQ_MODE_EN changes only with an empty queue) */
  readonly queuedTasks: number;
  isSupportedPartition(access: number): boolean;
}

export interface WritableByte {
  /** value check; absent: any value is accepted */
  readonly accepts?: (value: number, card: SwitchContext) => boolean;
  /** a command, not a setting: it triggers an action and reads back 0 */
  readonly action?: boolean;
  /** the partition switch: busy for PART_SWITCH_TIME rather than GENERIC_CMD6_TIME */
  readonly partitionConfig?: boolean;
  /** bits CMD0 and power-on clear (the volatile settings) */
  readonly resetMask?: number;
}

/** BOOT_PARTITION_ENABLE values: none, boot0, boot1, user. */
const BOOT_ENABLE_VALUES: readonly number[] = [0, 1, 2, 7];
/** BUS_WIDTH values: 1, 4, 8 bit; 4 and 8 bit DDR. */
const BUS_WIDTH_VALUES: readonly number[] = [0, 1, 2, 5, 6];
const BUS_WIDTH_DDR_FIRST = 5;
const BUS_WIDTH_ENHANCED_STROBE = 0x80;
const BUS_WIDTH_RESERVED = 0x70;
/** CARD_TYPE bits each HS_TIMING value needs: HS (26/52), DDR52 (for DDR bus widths), HS200, HS400. */
const CARD_TYPE_HS = EXT_CSD_CARD_TYPE_HS_26 | EXT_CSD_CARD_TYPE_HS_52;
const CARD_TYPE_DDR52 = EXT_CSD_CARD_TYPE_DDR_1_8V | EXT_CSD_CARD_TYPE_DDR_1_2V;
const CARD_TYPE_HS200 = EXT_CSD_CARD_TYPE_HS200_1_8V | EXT_CSD_CARD_TYPE_HS200_1_2V;
const CARD_TYPE_HS400 = EXT_CSD_CARD_TYPE_HS400_1_8V | EXT_CSD_CARD_TYPE_HS400_1_2V;
const HS_TIMING_NEEDS: readonly number[] = [0, CARD_TYPE_HS, CARD_TYPE_HS200, CARD_TYPE_HS400];
const ALL_BITS = 0xff;

const upTo = (max: number) => (value: number): boolean => value <= max;
const anyValue: WritableByte = {};

function acceptsPartitionConfig(value: number, card: SwitchContext): boolean {
  const access = value & EXT_CSD_PART_CONFIG_ACC_MASK;
  const bootEnable = (value >> 3) & 0x07;
  if (value & 0x80) return false;
  if (!BOOT_ENABLE_VALUES.includes(bootEnable)) return false;
  return card.isSupportedPartition(access);
}

function acceptsBusWidth(value: number, { extCsd: x }: SwitchContext): boolean {
  const w = value & 0x0f;
  if (value & BUS_WIDTH_RESERVED) return false;
  if (value & BUS_WIDTH_ENHANCED_STROBE && !x[EXT_CSD.STROBE_SUPPORT]) return false;
  if (!BUS_WIDTH_VALUES.includes(w)) return false;
  return !(w >= BUS_WIDTH_DDR_FIRST && !(x[EXT_CSD.CARD_TYPE]! & CARD_TYPE_DDR52));
}

function acceptsHsTiming(value: number, { extCsd: x }: SwitchContext): boolean {
  const t = value & 0x0f;
  if (t === 0) return true;
  const needs = HS_TIMING_NEEDS[t];
  return needs !== undefined && (x[EXT_CSD.CARD_TYPE]! & needs) !== 0;
}

/** A cache can be switched on only if the card has one (CACHE_SIZE, 4 bytes, non-zero). */
function acceptsCacheCtrl(value: number, { extCsd: x }: SwitchContext): boolean {
  const at = EXT_CSD.CACHE_SIZE;
  return value === 0 || (x[at]! | x[at + 1]! | x[at + 2]! | x[at + 3]!) !== 0;
}

/** Command queueing can be switched on only if supported, and on or off only with an empty queue. */
function acceptsCmdqModeEn(value: number, { extCsd: x, queuedTasks }: SwitchContext): boolean {
  if (value & ~EXT_CSD_CMDQ_MODE_ENABLED || queuedTasks > 0) return false;
  return value === 0 || (x[EXT_CSD.CMDQ_SUPPORT]! & EXT_CSD_CMDQ_SUPPORTED) !== 0;
}

export const EXT_CSD_WRITABLE: ReadonlyMap<number, WritableByte> = new Map<number, WritableByte>([
  [EXT_CSD.PART_CONFIG, { accepts: acceptsPartitionConfig, partitionConfig: true, resetMask: EXT_CSD_PART_CONFIG_ACC_MASK }],
  [EXT_CSD.BUS_WIDTH, { accepts: acceptsBusWidth, resetMask: ALL_BITS }],
  [EXT_CSD.HS_TIMING, { accepts: acceptsHsTiming, resetMask: ALL_BITS }],
  [EXT_CSD.ERASE_GROUP_DEF, { accepts: upTo(1), resetMask: ALL_BITS }],
  [EXT_CSD.HPI_MGMT, { accepts: upTo(1), resetMask: ALL_BITS }],
  [EXT_CSD.BKOPS_EN, { accepts: upTo(3) }],
  [EXT_CSD.CMDQ_MODE_EN, { accepts: acceptsCmdqModeEn }],
  [EXT_CSD.CACHE_CTRL, { accepts: acceptsCacheCtrl }],
  [EXT_CSD.POWER_OFF_NOTIFICATION, { accepts: upTo(4), resetMask: ALL_BITS }],
  [EXT_CSD.FLUSH_CACHE, { action: true }],
  [EXT_CSD.BKOPS_START, { action: true }],
  [EXT_CSD.SANITIZE_START, { action: true }],
  [EXT_CSD.POWER_CLASS, { resetMask: ALL_BITS }],
  [EXT_CSD.BOOT_WP, { accepts: acceptsBootWp }],
  [EXT_CSD.USER_WP, { accepts: acceptsUserWp }],
  [EXT_CSD.BOOT_BUS_CONDITIONS, anyValue],
  [EXT_CSD.BOOT_CONFIG_PROT, anyValue],
  [EXT_CSD.RST_N_FUNCTION, anyValue],
  [EXT_CSD.WR_REL_SET, anyValue],
  [EXT_CSD.EXP_EVENTS_CTRL, anyValue],
  [EXT_CSD.EXP_EVENTS_CTRL + 1, anyValue],
]);
for (const index of EXT_CSD_WRITABLE.keys()) {
  if (index >= EXT_CSD_MODES_END) throw new Error(`EXT_CSD[${index}] is a properties byte, not CMD6-writable`);
}

/** EXT_CSD byte write through CMD6 (§3.8); false → SWITCH_ERROR. */
export function switchAllowed(card: SwitchContext, index: number, value: number): boolean {
  const rule = EXT_CSD_WRITABLE.get(index);
  return rule !== undefined && (rule.accepts?.(value, card) ?? true);
}

/** The byte a successful SWITCH leaves: an action byte reads back 0. */
export const switchedValue = (index: number, value: number): number => (EXT_CSD_WRITABLE.get(index)?.action ? 0 : value);

/** True for the partition switch (its busy is PART_SWITCH_TIME). */
export const isPartitionSwitch = (index: number): boolean => EXT_CSD_WRITABLE.get(index)?.partitionConfig === true;

/** CMD0 / power-on: the volatile settings back to their reset values. */
export function resetVolatileBytes(extCsd: Uint8Array): void {
  for (const [index, rule] of EXT_CSD_WRITABLE) if (rule.resetMask) extCsd[index] = extCsd[index]! & ~rule.resetMask;
}
