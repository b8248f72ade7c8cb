/**
 * Finding the card and registering with pstore/blk (spec §1.2, §1.3, §1.8): the built-in probe
 * hook `mmcpstore_card_add(card, disk)`, the module path through `mmc_blk_get_card_by_name()`,
 * `mmcpstore_register_for_card()` steps 1–11, and unregistering.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import { registerPstoreDevice, type RegisterOptions } from '../../zone/blk.js';
import { PSTORE_FLAGS, zoneSizesFromParams, type BlkParams } from '../../zone/params.js';
import { ZoneRegisterError } from '../../zone/zone.js';
import { ZoneLayoutError } from '../../zone/layout.js';
import type { PstoreDeviceInfo } from '../../zone/device-info.js';
import { MMC_CAP_NONREMOVABLE, type MmcCard } from '../mmc/types.js';
import type { BlockDisk } from '../mmc/partitions/index.js';
import { parseBaseName, parsePartno, mmcDiskName } from './blkdev.js';
import { MMC_PSTORE_METADATA_SIZE, MmcpstoreState } from './constants.js';
import { EINVAL, ENODEV, ENOENT, EOPNOTSUPP, errnoName } from '../../lib/errno.js';
import { KERN, MmcpstoreContext, type MmcpstoreConfig, type MmcpstoreEnv } from './context.js';
import { mmcpstoreRead, mmcpstoreWrite } from './normal.js';
import { mmcpstorePanicWrite } from './panic-path.js';

/** What "opening the partition" yields: its first sector in the user area and its size. */
export interface OpenedArea {
  startSect: number;
  sectors: number;
}

/** The block devices the driver can see (block.c: registered disks). */
export interface BlockView {
  /** the user-area disk of a card, with its partitions and dev_t */
  userDisk(card: MmcCard): BlockDisk | undefined;
  /** mmc_blk_get_card_by_name() */
  getCardByName(name: string): MmcCard | undefined;
  /** every block device node (for open-by-path): whole disks including boot/gp, and partitions */
  nodes(): { path: string; disk: BlockDisk; partno: number; startSect: number; sectors: number; userArea: boolean }[];
}


export class MmcpstoreDriver {
  ctx: MmcpstoreContext | null = null;

  constructor(
    readonly blk: BlockView,
    /** pstore_blk's module parameters (pstore_blk_get_config) */
    readonly params: BlkParams,
    readonly config: MmcpstoreConfig,
    readonly env: MmcpstoreEnv,
    readonly registerOptions: RegisterOptions = {},
  ) {}

  private log(level: number, text: string): void {
    this.env.printk(level, `mmcpstore: ${text}`);
  }

  /** Built-in: mmcpstore_card_add(card, disk), the last step of mmc_blk_probe(). */
  cardAdd(card: MmcCard, disk: BlockDisk): number {
    const blkdev = this.params.blkdev;
    if (!blkdev) return 0;
    const base = parseBaseName(blkdev);
    if (typeof base === 'number') {
      this.log(KERN.ERR, `Device name too long: ${blkdev}`);
      return base;
    }
    if (base !== mmcDiskName(card.host.index)) return 0; // not our card
    const partno = parsePartno(blkdev);
    if (partno < 0) {
      this.log(KERN.ERR, `Cannot parse partition from ${blkdev}`);
      return -EINVAL;
    }
    const part = disk.partitions.find((p) => p.partno === partno);
    const ret = this.registerForCard(card, blkdev, () => {
      if (!part) {
        this.log(KERN.ERR, `Partition ${partno} not found`);
        return -ENODEV;
      }
      return { startSect: part.startSector, sectors: part.sectors };
    });
    return ret; // ignored by mmc_blk_probe
  }

  /** Module: mmcpstore_init() → find the card by name, open the partition by path. */
  moduleInit(): number {
    const blkdev = this.params.blkdev;
    if (!blkdev) {
      this.log(KERN.INFO, 'no pstore_blk device configured');
      return 0;
    }
    const base = parseBaseName(blkdev);
    if (typeof base === 'number') {
      this.log(KERN.ERR, `Device name too long: ${blkdev}`);
      return base;
    }
    const card = this.blk.getCardByName(base);
    if (!card) {
      this.log(KERN.ERR, `MMC card for ${base} not found`);
      return -ENODEV;
    }
    if (!(card.host.caps & MMC_CAP_NONREMOVABLE)) {
      this.log(KERN.ERR, 'Only non-removable MMC devices are supported');
      return -EINVAL;
    }
    return this.registerForCard(card, blkdev, () => {
      // open by path: relative names resolve against the loader's cwd, not /dev
      const node = this.blk.nodes().find((n) => n.path === blkdev);
      if (!node) {
        this.log(KERN.ERR, `Failed to open ${blkdev}: ${errnoName(-ENOENT)}`);
        return -ENOENT;
      }
      if (!node.userArea) {
        this.log(KERN.ERR, `${blkdev} is not on the MMC user area`);
        return -EINVAL;
      }
      return { startSect: node.startSect, sectors: node.sectors };
    });
  }

  /** mmcpstore_register_for_card() */
  registerForCard(card: MmcCard, device: string, open: () => OpenedArea | number): number {
    if (this.ctx && this.ctx.state !== MmcpstoreState.UNINITIALIZED) {
      this.log(KERN.ERR, 'already registered');
      return -EINVAL;
    }
    const ctx = new MmcpstoreContext(card, this.config, this.env);
    ctx.state = MmcpstoreState.INITIALIZING;
    this.ctx = ctx;
    const fail = (err: number): number => {
      ctx.state = MmcpstoreState.UNINITIALIZED;
      ctx.buffer = null;
      return err;
    };
    // 1. open read-only
    const area = open();
    if (typeof area === 'number') return fail(area);
    // 2. the 256 KiB buffer is allocated with the context; 3. removable hosts
    if (!(card.host.caps & MMC_CAP_NONREMOVABLE)) return fail(-EOPNOTSUPP);
    // 4.
    ctx.device = device;
    ctx.startSect = area.startSect;
    ctx.size = area.sectors * SECTOR_SIZE;
    // 5. the optional window
    const { sectorOffset: so, sectorCount: sc } = this.config;
    if (so || sc) {
      if (!so || !sc) {
        this.log(KERN.ERR, 'sector_offset and sector_count must both be set');
        return fail(-EINVAL);
      }
      if (so >= area.sectors) {
        this.log(KERN.ERR, `sector_offset ${so} beyond partition (${area.sectors} sectors)`);
        return fail(-EINVAL);
      }
      if (so + sc > area.sectors) {
        this.log(KERN.ERR, `sector_offset + sector_count (${so + sc}) exceeds partition (${area.sectors} sectors)`);
        return fail(-EINVAL);
      }
      ctx.startSect += so;
      ctx.size = sc * SECTOR_SIZE;
    }
    // 6. closed, no reference kept. 7. pstore_blk_get_config()
    const sizes = zoneSizesFromParams(this.params);
    const { kmsgSize, pmsgSize, consoleSize, ftraceSize } = sizes;
    // 8. size check
    const required = pmsgSize + consoleSize + ftraceSize + kmsgSize;
    if (ctx.size < required) {
      this.log(KERN.ERR, `Partition too small: ${ctx.size} bytes, need at least ${required}`);
      return fail(-EINVAL);
    }
    if (kmsgSize && Math.floor((ctx.size - pmsgSize - consoleSize - ftraceSize) / (kmsgSize + MMC_PSTORE_METADATA_SIZE)) < 1) {
      this.log(KERN.ERR, 'Partition too small for even one kmsg record');
      return fail(-EINVAL);
    }
    // 9.
    let flags = 0;
    if (kmsgSize) flags |= PSTORE_FLAGS.DMESG;
    if (pmsgSize) flags |= PSTORE_FLAGS.PMSG;
    if (consoleSize) flags |= PSTORE_FLAGS.CONSOLE;
    if (ftraceSize) flags |= PSTORE_FLAGS.FTRACE;
    const dev: PstoreDeviceInfo = {
      flags,
      totalSize: ctx.size,
      read: (buf, off) => mmcpstoreRead(ctx, buf, off),
      write: (buf, off) => mmcpstoreWrite(ctx, buf, off),
      panicWrite: (buf, off) => {
        const t0 = ctx.host.cpu.now;
        const entry = { off, bytes: buf.slice(), ret: 0, returned: false, t0, t1: t0 };
        ctx.panicLog.push(entry);
        entry.ret = mmcpstorePanicWrite(ctx, buf, off);
        entry.returned = true;
        entry.t1 = ctx.host.cpu.now;
        return entry.ret;
      },
    };
    // 10.
    ctx.state = MmcpstoreState.READY;
    try {
      ctx.registration = registerPstoreDevice(dev, this.params, this.registerOptions);
    } catch (e) {
      if (!(e instanceof ZoneRegisterError) && !(e instanceof ZoneLayoutError)) throw e;
      this.log(KERN.ERR, `Failed to register pstore device: ${e.message}`);
      return fail(-EINVAL);
    }
    // 11.
    const kb = (n: number) => Math.floor(n / 1024);
    this.log(KERN.INFO, 'MMC pstore backend registered successfully');
    this.log(KERN.INFO, `  Device: ${device}`);
    this.log(KERN.INFO, `  Size: ${ctx.size} bytes (${kb(ctx.size)} KB)`);
    this.log(KERN.INFO, `  Start sector: ${ctx.startSect}, sectors: ${ctx.sectors}`);
    this.log(KERN.INFO, `  kmsg: ${kb(kmsgSize)} KB, pmsg: ${kb(pmsgSize)} KB, console: ${kb(consoleSize)} KB, ftrace: ${kb(ftraceSize)} KB`);
    return 0;
  }

  /**
   * unregister_pstore_device() after SHUTDOWN (v3–v5: the final flush then fails with -ENODEV,
   * H16) or, proposed, flush while still READY and only then SHUTDOWN.
   */
  private unregister(why: string): void {
    const ctx = this.ctx;
    if (!ctx || !ctx.registration) return;
    const zone = ctx.registration.zone;
    if (this.config.driver === 'proposed') {
      zone.unregister();
      const left = zone.dirtyZones();
      if (left.length) this.log(KERN.WARNING, `${why}: ${left.length} dirty zone(s) could not be flushed`);
      ctx.state = MmcpstoreState.SHUTDOWN;
    } else {
      ctx.state = MmcpstoreState.SHUTDOWN;
      zone.unregister();
    }
    ctx.registration = null;
    ctx.buffer = null;
  }

  /** Reboot notifier (SYS_RESTART / HALT / POWER_OFF). */
  rebootNotify(): void {
    this.unregister('reboot');
  }

  /** Built-in: mmcpstore_card_remove(card), first thing in mmc_blk_remove(). */
  cardRemove(card: MmcCard): void {
    if (this.ctx && this.ctx.card === card) {
      this.unregister('card removal');
      this.ctx = null;
    }
  }

  /** PM notifier. */
  pmNotify(event: 'suspend-prepare' | 'post-suspend'): void {
    const ctx = this.ctx;
    if (!ctx) return;
    if (event === 'suspend-prepare') {
      if (ctx.state === MmcpstoreState.READY) {
        ctx.state = MmcpstoreState.SUSPENDED;
        this.log(KERN.INFO, 'PM suspend prepare - blocking pstore operations');
      }
      return;
    }
    if (ctx.state !== MmcpstoreState.SUSPENDED) return;
    const pm = this.env.cardPm;
    if (pm) {
      const ret = pm.getSync();
      if (ret < 0) {
        pm.putNoIdle();
        this.log(KERN.ERR, `Failed to resume card: ${errnoName(ret)}`);
        return;
      }
      pm.markLastBusy();
      pm.putAutosuspend();
    }
    ctx.state = MmcpstoreState.READY;
    this.log(KERN.INFO, 'PM post suspend - resuming pstore operations');
  }
}
