/**
 * Write protection (JEDEC eMMC 5.1 §6.6.23, EXT_CSD USER_WP / BOOT_WP / BOOT_WP_STATUS): groups of
 * the user and general-purpose areas protected by CMD28 as temporary, power-on or permanent (the
 * kind USER_WP selects), and the boot areas protected as a whole by BOOT_WP.
 *
 * Where it lives: in the card's memory for the board's lifetime, like the rest of EXT_CSD (the
 * image holds only data). Power-on protection (groups and boot areas) clears at a power cycle;
 * temporary and permanent protection survive it; CMD0 changes nothing.
 */

import {
  EXT_CSD,
  EXT_CSD_BOOT_WP_B_PERM_WP_DIS,
  EXT_CSD_BOOT_WP_B_PERM_WP_EN,
  EXT_CSD_BOOT_WP_B_PERM_WP_SEC_SEL,
  EXT_CSD_BOOT_WP_B_PWR_WP_DIS,
  EXT_CSD_BOOT_WP_B_PWR_WP_EN,
  EXT_CSD_BOOT_WP_B_PWR_WP_SEC_SEL,
  EXT_CSD_BOOT_WP_B_SEC_WP_SEL,
  EXT_CSD_BOOT_WP_POWER_ON_BITS,
  EXT_CSD_BOOT_WP_S_BITS_PER_AREA,
  EXT_CSD_BOOT_WP_S_NONE,
  EXT_CSD_BOOT_WP_S_PERM,
  EXT_CSD_BOOT_WP_S_PWR,
  EXT_CSD_PART_CONFIG_ACC_BOOT0,
  EXT_CSD_USER_WP_POWER_ON_BITS,
  EXT_CSD_USER_WP_US_PERM_WP_DIS,
  EXT_CSD_USER_WP_US_PERM_WP_EN,
  EXT_CSD_USER_WP_US_PWR_WP_DIS,
  EXT_CSD_USER_WP_US_PWR_WP_EN,
} from '../../hw/ext-csd.js';

export type WpType = 'temporary' | 'power-on' | 'permanent';

/** CMD31 SEND_WRITE_PROT_TYPE codes, two bits per group. */
export const WP_TYPE_CODE: Readonly<Record<WpType | 'none', number>> = { none: 0, temporary: 1, 'power-on': 2, permanent: 3 };
/** CMD30 reports 32 groups (one bit each), CMD31 32 groups (two bits each). */
export const WP_GROUPS_PER_STATUS = 32;
export const SEND_WRITE_PROT_BYTES = 4;
export const SEND_WRITE_PROT_TYPE_BYTES = 8;
const WP_TYPE_BITS = 2;
const BOOT_AREAS = 2;

/** The kind of protection CMD28 sets under USER_WP (US_PERM_WP_EN wins over US_PWR_WP_EN). */
export function setWriteProtType(userWp: number): WpType {
  if (userWp & EXT_CSD_USER_WP_US_PERM_WP_EN) return 'permanent';
  if (userWp & EXT_CSD_USER_WP_US_PWR_WP_EN) return 'power-on';
  return 'temporary';
}

/** USER_WP values a SWITCH may leave: no kind enabled that its DIS bit locks out. */
export function acceptsUserWp(value: number): boolean {
  if (value & EXT_CSD_USER_WP_US_PERM_WP_EN && value & EXT_CSD_USER_WP_US_PERM_WP_DIS) return false;
  return !(value & EXT_CSD_USER_WP_US_PWR_WP_EN && value & EXT_CSD_USER_WP_US_PWR_WP_DIS);
}

/** BOOT_WP values a SWITCH may leave (same rule as USER_WP). */
export function acceptsBootWp(value: number): boolean {
  if (value & EXT_CSD_BOOT_WP_B_PERM_WP_EN && value & EXT_CSD_BOOT_WP_B_PERM_WP_DIS) return false;
  return !(value & EXT_CSD_BOOT_WP_B_PWR_WP_EN && value & EXT_CSD_BOOT_WP_B_PWR_WP_DIS);
}

const bootStatusShift = (area: number): number => area * EXT_CSD_BOOT_WP_S_BITS_PER_AREA;
const BOOT_STATUS_MASK = (1 << EXT_CSD_BOOT_WP_S_BITS_PER_AREA) - 1;
const bootStatusOf = (status: number, area: number): number => (status >> bootStatusShift(area)) & BOOT_STATUS_MASK;

/** The boot areas an enable bit of BOOT_WP covers: both, or the one its SEC_SEL bit names. */
function bootAreasOf(bootWp: number, secSel: number): number[] {
  if (!(bootWp & EXT_CSD_BOOT_WP_B_SEC_WP_SEL)) return [0, 1];
  return [bootWp & secSel ? 1 : 0];
}

export class WriteProtection {
  /** PARTITION_ACCESS → group index → kind */
  private readonly groups = new Map<number, Map<number, WpType>>();

  /** `groupSize` bytes per WP group (HC_WP_GRP_SIZE × HC_ERASE_GRP_SIZE × 512 KiB). */
  constructor(readonly groupSize: number) {}

  private groupsOf(part: number): Map<number, WpType> {
    let m = this.groups.get(part);
    if (!m) this.groups.set(part, (m = new Map()));
    return m;
  }

  /** Anything protected at all (a group or a boot area): the bulk write path checks block by block then. */
  active(extCsd: Uint8Array): boolean {
    if (extCsd[EXT_CSD.BOOT_WP_STATUS] !== EXT_CSD_BOOT_WP_S_NONE) return true;
    for (const m of this.groups.values()) if (m.size > 0) return true;
    return false;
  }

  typeAt(part: number, offset: number): WpType | undefined {
    return this.groups.get(part)?.get(Math.floor(offset / this.groupSize));
  }

  /** True if a group of `part` touching [offset, offset + len) is protected, or its boot area is (len 0: the boot area only). */
  protects(part: number, offset: number, len: number, extCsd: Uint8Array): boolean {
    if (this.bootAreaProtected(part, extCsd)) return true;
    const m = this.groups.get(part);
    if (!m || m.size === 0 || len <= 0) return false;
    const last = Math.floor((offset + len - 1) / this.groupSize);
    for (let g = Math.floor(offset / this.groupSize); g <= last; g++) if (m.has(g)) return true;
    return false;
  }

  /** CMD28: protect the group holding `offset` with `type` (a stronger kind is never weakened). */
  set(part: number, offset: number, type: WpType): void {
    const m = this.groupsOf(part);
    const g = Math.floor(offset / this.groupSize);
    const had = m.get(g);
    if (had && WP_TYPE_CODE[had] > WP_TYPE_CODE[type]) return;
    m.set(g, type);
  }

  /** CMD29: clear a temporary protection; false if the group's protection cannot be cleared. */
  clear(part: number, offset: number): boolean {
    const m = this.groups.get(part);
    const g = Math.floor(offset / this.groupSize);
    const had = m?.get(g);
    if (had === undefined) return true;
    if (had !== 'temporary') return false;
    m!.delete(g);
    return true;
  }

  /** [from, to) split into runs outside protected groups (erase skips the protected ones). */
  unprotectedRuns(part: number, from: number, to: number): Array<[number, number]> {
    const runs: Array<[number, number]> = [];
    for (let at = from; at < to; ) {
      const end = Math.min(to, (Math.floor(at / this.groupSize) + 1) * this.groupSize);
      if (this.typeAt(part, at) === undefined) {
        const prev = runs.at(-1);
        if (prev && prev[1] === at) prev[1] = end;
        else runs.push([at, end]);
      }
      at = end;
    }
    return runs;
  }

  /** CMD30 data: one bit per group from the addressed one (bit 0 = first), big-endian on the bus. */
  statusBits(part: number, offset: number, partSize: number): Uint8Array {
    let word = 0;
    for (let i = 0; i < WP_GROUPS_PER_STATUS; i++) {
      const at = offset + i * this.groupSize;
      if (at >= partSize) break;
      if (this.typeAt(part, at) !== undefined) word |= 1 << i;
    }
    const out = new Uint8Array(SEND_WRITE_PROT_BYTES);
    new DataView(out.buffer).setUint32(0, word >>> 0);
    return out;
  }

  /** CMD31 data: two bits per group (WP_TYPE_CODE), first group in the low bits, big-endian. */
  typeBits(part: number, offset: number, partSize: number): Uint8Array {
    let word = 0n;
    for (let i = 0; i < WP_GROUPS_PER_STATUS; i++) {
      const at = offset + i * this.groupSize;
      if (at >= partSize) break;
      word |= BigInt(WP_TYPE_CODE[this.typeAt(part, at) ?? 'none']) << BigInt(i * WP_TYPE_BITS);
    }
    const out = new Uint8Array(SEND_WRITE_PROT_TYPE_BYTES);
    new DataView(out.buffer).setBigUint64(0, word);
    return out;
  }

  /** A boot partition write-protected by BOOT_WP (its BOOT_WP_STATUS code is not NONE). */
  bootAreaProtected(part: number, extCsd: Uint8Array): boolean {
    const area = part - EXT_CSD_PART_CONFIG_ACC_BOOT0;
    if (area < 0 || area >= BOOT_AREAS) return false;
    return bootStatusOf(extCsd[EXT_CSD.BOOT_WP_STATUS]!, area) !== EXT_CSD_BOOT_WP_S_NONE;
  }

  /** After a BOOT_WP write: the areas it protects enter BOOT_WP_STATUS (permanent wins). */
  applyBootWp(extCsd: Uint8Array): void {
    const wp = extCsd[EXT_CSD.BOOT_WP]!;
    let status = extCsd[EXT_CSD.BOOT_WP_STATUS]!;
    const raise = (areas: number[], code: number): void => {
      for (const a of areas) {
        if (bootStatusOf(status, a) >= code) continue;
        status = (status & ~(BOOT_STATUS_MASK << bootStatusShift(a))) | (code << bootStatusShift(a));
      }
    };
    if (wp & EXT_CSD_BOOT_WP_B_PWR_WP_EN) raise(bootAreasOf(wp, EXT_CSD_BOOT_WP_B_PWR_WP_SEC_SEL), EXT_CSD_BOOT_WP_S_PWR);
    if (wp & EXT_CSD_BOOT_WP_B_PERM_WP_EN) raise(bootAreasOf(wp, EXT_CSD_BOOT_WP_B_PERM_WP_SEC_SEL), EXT_CSD_BOOT_WP_S_PERM);
    extCsd[EXT_CSD.BOOT_WP_STATUS] = status;
  }

  /** Power cycle: power-on protection and the power-on bits of USER_WP / BOOT_WP clear. */
  powerCycle(extCsd: Uint8Array): void {
    for (const m of this.groups.values()) for (const [g, t] of m) if (t === 'power-on') m.delete(g);
    extCsd[EXT_CSD.USER_WP] = extCsd[EXT_CSD.USER_WP]! & ~EXT_CSD_USER_WP_POWER_ON_BITS;
    extCsd[EXT_CSD.BOOT_WP] = extCsd[EXT_CSD.BOOT_WP]! & ~EXT_CSD_BOOT_WP_POWER_ON_BITS;
    let status = extCsd[EXT_CSD.BOOT_WP_STATUS]!;
    for (let a = 0; a < BOOT_AREAS; a++) {
      if (bootStatusOf(status, a) === EXT_CSD_BOOT_WP_S_PWR) status &= ~(EXT_CSD_BOOT_WP_S_PWR << bootStatusShift(a));
    }
    extCsd[EXT_CSD.BOOT_WP_STATUS] = status;
  }
}
