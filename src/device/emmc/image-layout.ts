/**
 * How the physical partitions of the eMMC map onto the image (docs/device.md):
 *
 * (a) `user-area` (default): the file is the user area only, exactly what `dd if=/dev/mmcblk0`
 *     gives. boot0/boot1/RPMB (and optional GP1–4) live in sparse in-memory stores that start
 *     zero-filled and are discarded when the board is closed; they exist so that EXT_CSD, Linux's
 *     partition scan and PARTITION_CONFIG switches behave as on hardware.
 * (b) `qemu`: QEMU's eMMC convention (spec §6.1): boot0 | boot1 | RPMB | user concatenated in one
 *     file, B = boot size, R = RPMB size, user = file size − 2B − R, with QEMU's size rules.
 */

import { MemoryBacking, RegionBacking, type BlockBacking } from '../backing.js';
import { hex } from '../../lib/hex.js';
import { KiB, MiB, SECTOR_SIZE } from '../../lib/units.js';
import { GP_SIZE_UNIT, SIZE_MULT_UNIT } from './registers.js';

/** PARTITION_ACCESS values (§3.9). */
export const PARTITION_ACCESS = { user: 0, boot0: 1, boot1: 2, rpmb: 3, gp1: 4, gp2: 5, gp3: 6, gp4: 7 } as const;
export type PartitionName = keyof typeof PARTITION_ACCESS;
/** PARTITION_ACCESS inverted once (a name is asked for per written block: no search, no closure). */
const PARTITION_NAMES: readonly PartitionName[] = (() => {
  const names: PartitionName[] = [];
  for (const k of Object.keys(PARTITION_ACCESS) as PartitionName[]) names[PARTITION_ACCESS[k]] = k;
  return names;
})();
export const partitionNameOf = (access: number): PartitionName => PARTITION_NAMES[access] ?? 'user';

export interface EmmcLayout {
  readonly kind: 'user-area' | 'qemu';
  /** partitions present, by PARTITION_ACCESS value; absent partitions are missing */
  readonly partitions: ReadonlyMap<number, BlockBacking>;
  readonly userSize: number;
  readonly bootSize: number;
  readonly rpmbSize: number;
  readonly gpSizes: readonly number[];
  /** where each partition lives: "image @0x...", "memory" */
  readonly where: Readonly<Record<string, string>>;
}

/** An image that cannot be laid out as the card's partitions (sizes, alignment, QEMU's rules). */
export class ImageLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageLayoutError';
  }
}

/** Defaults for the in-memory partitions of the user-area layout: 4 MiB boot partitions, 512 KiB RPMB. */
export const DEFAULT_BOOT_SIZE = 4 * MiB;
export const DEFAULT_RPMB_SIZE = 512 * KiB;
/** QEMU limits (§6.1). */
export const QEMU_MAX_BOOT_SIZE = 255 * SIZE_MULT_UNIT;
export const QEMU_MAX_RPMB_SIZE = 128 * SIZE_MULT_UNIT;

export type LayoutOptions =
  | { kind: 'user-area'; bootSize?: number; rpmbSize?: number; gpSizes?: readonly number[] }
  | { kind: 'qemu'; bootSize: number; rpmbSize: number; allowAnyUserSize?: boolean };

function checkMult(what: string, size: number, unit: number, max: number): void {
  if (!Number.isInteger(size) || size < 0 || size % unit !== 0) {
    throw new ImageLayoutError(`${what} size ${size} must be a multiple of ${unit / KiB} KiB`);
  }
  if (size > max) throw new ImageLayoutError(`${what} size ${size} exceeds ${max / KiB} KiB`);
}

export function userAreaLayout(image: BlockBacking, o: { bootSize?: number; rpmbSize?: number; gpSizes?: readonly number[] } = {}): EmmcLayout {
  const bootSize = o.bootSize ?? DEFAULT_BOOT_SIZE;
  const rpmbSize = o.rpmbSize ?? DEFAULT_RPMB_SIZE;
  const gpSizes = o.gpSizes ?? [];
  if (image.size === 0 || image.size % SECTOR_SIZE !== 0) throw new ImageLayoutError(`user area size ${image.size} is not a non-zero multiple of 512`);
  checkMult('boot partition', bootSize, SIZE_MULT_UNIT, QEMU_MAX_BOOT_SIZE);
  checkMult('RPMB', rpmbSize, SIZE_MULT_UNIT, 255 * SIZE_MULT_UNIT);
  if (gpSizes.length > 4) throw new ImageLayoutError('at most 4 GP partitions');
  gpSizes.forEach((s, i) => checkMult(`GP${i + 1}`, s, GP_SIZE_UNIT, 2 ** 40));
  const parts = new Map<number, BlockBacking>([[PARTITION_ACCESS.user, image]]);
  const where: Record<string, string> = { user: 'image @0x0' };
  if (bootSize > 0) {
    parts.set(PARTITION_ACCESS.boot0, new MemoryBacking(bootSize));
    parts.set(PARTITION_ACCESS.boot1, new MemoryBacking(bootSize));
    where['boot0'] = where['boot1'] = 'memory';
  }
  if (rpmbSize > 0) {
    parts.set(PARTITION_ACCESS.rpmb, new MemoryBacking(rpmbSize));
    where['rpmb'] = 'memory';
  }
  gpSizes.forEach((s, i) => {
    if (s > 0) {
      parts.set(PARTITION_ACCESS.gp1 + i, new MemoryBacking(s));
      where[`gp${i + 1}`] = 'memory';
    }
  });
  return { kind: 'user-area', partitions: parts, userSize: image.size, bootSize, rpmbSize, gpSizes, where };
}

export function qemuLayout(image: BlockBacking, o: { bootSize: number; rpmbSize: number; allowAnyUserSize?: boolean }): EmmcLayout {
  const B = o.bootSize;
  const R = o.rpmbSize;
  checkMult('boot partition', B, SIZE_MULT_UNIT, QEMU_MAX_BOOT_SIZE);
  checkMult('RPMB', R, SIZE_MULT_UNIT, QEMU_MAX_RPMB_SIZE);
  if (image.size <= 2 * B + R) throw new ImageLayoutError(`image of ${image.size} bytes is smaller than its boot and RPMB partitions`);
  const user = image.size - 2 * B - R;
  if (!o.allowAnyUserSize) {
    if (user <= 2 ** 31 && (user & (user - 1)) !== 0) {
      throw new ImageLayoutError(`user area ${user} bytes: QEMU requires a power of two up to 2 GiB`);
    }
  }
  if (user % SECTOR_SIZE !== 0) throw new ImageLayoutError(`user area ${user} bytes is not a multiple of 512`);
  const parts = new Map<number, BlockBacking>();
  const where: Record<string, string> = {};
  const at = (n: number): string => `image @${hex(n)}`;
  if (B > 0) {
    parts.set(PARTITION_ACCESS.boot0, new RegionBacking(image, 0, B));
    parts.set(PARTITION_ACCESS.boot1, new RegionBacking(image, B, B));
    where['boot0'] = at(0);
    where['boot1'] = at(B);
  }
  if (R > 0) {
    parts.set(PARTITION_ACCESS.rpmb, new RegionBacking(image, 2 * B, R));
    where['rpmb'] = at(2 * B);
  }
  parts.set(PARTITION_ACCESS.user, new RegionBacking(image, 2 * B + R, user));
  where['user'] = at(2 * B + R);
  return { kind: 'qemu', partitions: parts, userSize: user, bootSize: B, rpmbSize: R, gpSizes: [], where };
}

export function createLayout(image: BlockBacking, o: LayoutOptions = { kind: 'user-area' }): EmmcLayout {
  return o.kind === 'qemu' ? qemuLayout(image, o) : userAreaLayout(image, o);
}
