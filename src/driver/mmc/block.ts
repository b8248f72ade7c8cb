/**
 * The MMC block layer (drivers/mmc/core/block.c): one block device per hardware partition
 * (mmcblkN, mmcblkNbootM, mmcblkNgpM, and mmcblkNrpmb — a char device in Linux, a plain block
 * device here), the partition switch before each request, CMD17/18/24/25 with CMD23, the CMD13
 * busy poll after writes, the recovery of failed requests, a GPT/MBR scan of the user area giving
 * mmcblkNpM partitions, `mmcBlkGetCardByName` and `findBlkdev`.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import {
  mmcBlockDisk,
  resolveBlkdev,
  pageCachedReader,
  scanPartitions,
  ExtMinorAllocator,
  type BlockDisk,
  type BlockPartitionNode,
  type ResolvedBlkdev,
  type ScanOptions,
  type ScanResult,
} from './partitions/index.js';
import { mmcClaimHost, mmcReleaseHost, mmcSetDataTimeout, mmcWaitForReq, mrqError } from './core.js';
import { mmcBlkCqeRw } from './block-cqe.js';
import { mmcCqeActive, mmcCqeRecovery, mmcFlushCache } from './cqe.js';
import { EINVAL, EIO, ETIMEDOUT, errnoName } from '../../lib/errno.js';
import {
  EXT_CSD,
  EXT_CSD_CMD_SET_NORMAL,
  EXT_CSD_PART_CONFIG_ACC_MASK,
  EXT_CSD_PART_CONFIG_ACC_RPMB,
  R1,
  R1_CURRENT_STATE,
  R1_STATE,
  mmcSendStatus,
  mmcSendStop,
  mmcSwitch,
} from './mmc-ops.js';
import {
  MMC,
  MMC_CAP_CMD23,
  MMC_CMD_AC,
  MMC_CMD_ADTC,
  MMC_DATA_READ,
  MMC_DATA_WRITE,
  MMC_RSP_R1,
  MMC_RSP_R1B,
  mmcCommand,
  mmcData,
  type MmcCard,
  type MmcPart,
  type MmcRequest,
} from './types.js';

export const MMC_MAX_RETRIES = 5;
export const MMC_DATA_RETRIES = 2;
export const MMC_BLK_TIMEOUT_MS = 10_000;
/** R1 bits that fail a request (CMD_ERRORS) */
export const CMD_ERRORS =
  R1.OUT_OF_RANGE | R1.ADDRESS_ERROR | R1.BLOCK_LEN_ERROR | R1.WP_VIOLATION | R1.CARD_IS_LOCKED | R1.LOCK_UNLOCK_FAILED | R1.CARD_ECC_FAILED | R1.CC_ERROR | R1.ERROR;

/** A failed block request: `errno` is the MMC error (-EILSEQ, -ETIMEDOUT, -EIO, …); `blkStatus` is what the block layer reports (BLK_STS_IOERR → -EIO). */
export class MmcBlockError extends Error {
  readonly blkStatus = -EIO;
  constructor(
    readonly device: string,
    readonly errno: number,
    readonly detail: string,
  ) {
    super(`${device}: ${detail} (${errnoName(errno)})`);
    this.name = 'MmcBlockError';
  }
}

export interface MmcBlkOptions {
  /** requeue failed requests as block.c does (default true) */
  retries?: boolean;
}

/** The card's block driver state (the main mmc_blk_data and its part_curr). */
export class MmcBlk {
  /** currently selected hardware partition (EXT_CSD_PART_CONFIG_ACC_*); 0 = user area */
  partCurr = 0;
  readonly devices: MmcBlockDevice[] = [];
  readonly retries: boolean;
  readonly log: string[];
  readonly stats = { requests: 0, retries: 0, switches: 0, recoveries: 0 };

  constructor(
    readonly card: MmcCard,
    o: MmcBlkOptions = {},
  ) {
    this.retries = o.retries ?? true;
    this.log = card.host.log;
    this.devices.push(new MmcBlockDevice(this, `mmcblk${card.host.index}`, 0, card.sectors, 'user'));
    for (const p of card.parts) this.devices.push(new MmcBlockDevice(this, `mmcblk${card.host.index}${p.name}`, p.partCfg, p.size / SECTOR_SIZE, p.area));
  }

  device(name: string): MmcBlockDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }

  /** REQ_OP_FLUSH → mmc_blk_issue_flush(): CMD6 FLUSH_CACHE when the card's cache is on. */
  flush(): number {
    const host = this.card.host;
    mmcClaimHost(host, 'mmcqd');
    try {
      return mmcFlushCache(this.card);
    } finally {
      mmcReleaseHost(host);
    }
  }

  /** mmc_blk_part_switch() */
  partSwitch(partType: number): number {
    if (this.partCurr === partType) return 0;
    const card = this.card;
    let partConfig = card.extCsd.partConfig;
    partConfig &= ~EXT_CSD_PART_CONFIG_ACC_MASK;
    partConfig |= partType;
    const err = mmcSwitch(card, EXT_CSD_CMD_SET_NORMAL, EXT_CSD.PART_CONFIG, partConfig, card.extCsd.partTimeMs);
    if (err) return err;
    this.stats.switches++;
    card.extCsd.partConfig = partConfig;
    this.partCurr = partType;
    return 0;
  }
}

/** One hardware partition as a block device. */
export class MmcBlockDevice {
  constructor(
    readonly blk: MmcBlk,
    readonly name: string,
    /** EXT_CSD_PART_CONFIG_ACC_* of this area */
    readonly partType: number,
    /** capacity in 512-byte sectors */
    readonly sectors: number,
    readonly area: 'user' | MmcPart['area'],
  ) {}

  get card(): MmcCard {
    return this.blk.card;
  }

  readSectors(lba: number, count: number): Uint8Array {
    // every byte is filled by the read (or the read throws and the buffer is dropped): no zeroing
    const out = uninitialized(count * SECTOR_SIZE);
    this.rw(lba, out, false);
    return out;
  }

  /**
   * Read `out.length` bytes (whole sectors) from `lba` into the caller's buffer, as a read(2)
   * into user pages does: a caller reading request after request can reuse one buffer instead of
   * taking a fresh one each time (fresh memory is what costs: the kernel faults its pages in
   * during the copy). Ownership: `out` is written only during this call (the request's DMA
   * mapping ends before it returns); the block layer keeps no reference to it. If the read
   * fails, `out` holds whatever the failed request left in it.
   */
  readSectorsInto(lba: number, out: Uint8Array): void {
    if (out.length % SECTOR_SIZE) throw new MmcBlockError(this.name, -EINVAL, `read into ${out.length} bytes is not whole sectors`);
    this.rw(lba, out, false);
  }

  writeSectors(lba: number, data: Uint8Array): void {
    if (data.length % SECTOR_SIZE) throw new MmcBlockError(this.name, -EINVAL, `write of ${data.length} bytes is not whole sectors`);
    this.rw(lba, data, true);
  }

  private rw(lba: number, buf: Uint8Array, write: boolean): void {
    const count = buf.length / SECTOR_SIZE;
    if (!Number.isInteger(lba) || lba < 0 || lba + count > this.sectors) {
      throw new MmcBlockError(this.name, -EINVAL, `access to sectors ${lba}+${count} beyond ${this.sectors}`);
    }
    const host = this.card.host;
    const maxSectors = Math.min(Math.floor(host.maxReqSize / SECTOR_SIZE), host.maxBlkCount);
    for (let done = 0; done < count; ) {
      const n = Math.min(maxSectors, count - done);
      this.issue(lba + done, buf.subarray(done * SECTOR_SIZE, (done + n) * SECTOR_SIZE), write);
      done += n;
    }
  }

  /** mmc_blk_mq_issue_rq() for one read/write request, with the block layer's retries. */
  private issue(lba: number, buf: Uint8Array, write: boolean): void {
    const blk = this.blk;
    const host = this.card.host;
    mmcClaimHost(host, 'mmcqd');
    try {
      let err = blk.partSwitch(this.partType);
      if (err) throw new MmcBlockError(this.name, err, `partition switch to ${this.name} failed`);
      if (this.partType === 0 && mmcCqeActive(this.card)) return this.issueCqe(lba, buf, write);
      let cmdTries = 0;
      let dataTries = 0;
      for (;;) {
        blk.stats.requests++;
        const r = this.rwRequest(lba, buf, write);
        if (!r.err) break;
        const isData = !!r.mrq.data?.error && !r.mrq.cmd.error && !r.mrq.sbc?.error;
        if (isData) dataTries++;
        else cmdTries++;
        this.recover(write);
        const exhausted = !blk.retries || (isData ? dataTries >= MMC_DATA_RETRIES : cmdTries >= MMC_MAX_RETRIES);
        if (exhausted) throw new MmcBlockError(this.name, r.err, `${write ? 'write' : 'read'} of sectors ${lba}+${buf.length / SECTOR_SIZE} failed: ${r.what}`);
        blk.stats.retries++;
      }
      // after RPMB access Linux always switches back to the user area
      if (this.partType === EXT_CSD_PART_CONFIG_ACC_RPMB) {
        err = blk.partSwitch(0);
        if (err) throw new MmcBlockError(this.name, err, 'switch back to the user area failed');
      }
    } finally {
      mmcReleaseHost(host);
    }
  }

  /** mmc_blk_cqe_issue_rw_rq(): one task through the command-queue engine (block-cqe.ts). */
  private issueCqe(lba: number, buf: Uint8Array, write: boolean): void {
    this.blk.stats.requests++;
    const err = mmcBlkCqeRw(this.card, { lba, buf, write });
    if (!err) return;
    this.blk.stats.recoveries++;
    mmcCqeRecovery(this.card.host); // mmc_blk_cqe_recovery()
    throw new MmcBlockError(this.name, err, `${write ? 'write' : 'read'} of sectors ${lba}+${buf.length / SECTOR_SIZE} failed: CQE task`);
  }

  /** mmc_blk_rw_rq_prep() + issue + wait, and for writes the CMD13 busy poll. */
  private rwRequest(lba: number, buf: Uint8Array, write: boolean): { err: number; what: string; mrq: MmcRequest } {
    const card = this.card;
    const host = card.host;
    const blocks = buf.length / SECTOR_SIZE;
    const arg = card.blockaddr ? lba : lba * SECTOR_SIZE;
    const multi = blocks > 1;
    const opcode = write ? (multi ? MMC.WRITE_MULTIPLE_BLOCK : MMC.WRITE_BLOCK) : multi ? MMC.READ_MULTIPLE_BLOCK : MMC.READ_SINGLE_BLOCK;
    // reads land in the caller's buffer (the request's pages), as DMA does in Linux
    const data = mmcData(buf, blocks, write ? MMC_DATA_WRITE : MMC_DATA_READ);
    mmcSetDataTimeout(data, card);
    const mrq: MmcRequest = { cmd: mmcCommand(opcode, arg, MMC_RSP_R1 | MMC_CMD_ADTC), data, completed: false };
    if (multi) {
      mrq.stop = mmcCommand(MMC.STOP_TRANSMISSION, 0, (write ? MMC_RSP_R1B : MMC_RSP_R1) | MMC_CMD_AC);
      if (host.caps & MMC_CAP_CMD23) mrq.sbc = mmcCommand(MMC.SET_BLOCK_COUNT, blocks, MMC_RSP_R1 | MMC_CMD_AC);
    }
    mmcWaitForReq(host, mrq);
    let err = mrqError(mrq);
    if (err) return { err, what: describe(mrq), mrq };
    const st = mrq.cmd.resp[0] & CMD_ERRORS;
    if (st) return { err: -EIO, what: `card status 0x${(mrq.cmd.resp[0] >>> 0).toString(16)}`, mrq };
    if (write) {
      err = this.cardBusyDetect();
      if (err) return { err, what: 'card stuck busy after write', mrq };
    }
    return { err: 0, what: '', mrq };
  }

  /** card_busy_detect(): CMD13 until READY_FOR_DATA and not in prg (10 s). */
  private cardBusyDetect(): number {
    const card = this.card;
    const cpu = card.host.cpu;
    const deadline = cpu.now + MMC_BLK_TIMEOUT_MS * 1e6;
    for (;;) {
      const { err, status } = mmcSendStatus(card, 5);
      if (err) return err;
      if (status & CMD_ERRORS) return -EIO;
      if (status & R1.READY_FOR_DATA && R1_CURRENT_STATE(status) !== R1_STATE.PRG) return 0;
      if (cpu.now > deadline) return -ETIMEDOUT;
      cpu.sleep(100_000, 'card_busy_detect');
    }
  }

  /** mmc_blk_mq_rw_recovery() / mmc_blk_fix_state(): CMD13; if not in tran, CMD12 and poll. */
  private recover(write: boolean): void {
    const card = this.card;
    this.blk.stats.recoveries++;
    const { err, status } = mmcSendStatus(card, 5);
    if (err) {
      this.blk.log.push(`${this.name}: recovery: status read failed ${errnoName(err)}`);
      return;
    }
    if (R1_CURRENT_STATE(status) === R1_STATE.TRAN && status & R1.READY_FOR_DATA) return;
    const stopErr = mmcSendStop(card, write);
    if (stopErr) {
      this.blk.log.push(`${this.name}: recovery: CMD12 failed ${errnoName(stopErr)}`);
      return;
    }
    this.cardBusyDetect();
  }
}

function describe(mrq: MmcRequest): string {
  const parts: string[] = [];
  if (mrq.sbc?.error) parts.push(`sbc ${errnoName(mrq.sbc.error)}`);
  if (mrq.cmd.error) parts.push(`cmd CMD${mrq.cmd.opcode} ${errnoName(mrq.cmd.error)}`);
  if (mrq.data?.error) parts.push(`data ${errnoName(mrq.data.error)}`);
  if (mrq.stop?.error) parts.push(`stop ${errnoName(mrq.stop.error)}`);
  return parts.join(', ');
}

/** A partition (mmcblkNpM) of a disk: sector and byte access relative to its start. */
export class MmcBlockPartition {
  constructor(
    readonly disk: MmcBlockDevice,
    readonly node: BlockPartitionNode,
  ) {}
  get name(): string {
    return this.node.name;
  }
  get startSector(): number {
    return this.node.startSector;
  }
  get sectors(): number {
    return this.node.sectors;
  }
  get size(): number {
    return this.node.sectors * SECTOR_SIZE;
  }
  readSectors(lba: number, count: number): Uint8Array {
    this.check(lba, count);
    return this.disk.readSectors(this.node.startSector + lba, count);
  }
  /** MmcBlockDevice.readSectorsInto relative to the partition (same ownership rule). */
  readSectorsInto(lba: number, out: Uint8Array): void {
    this.check(lba, out.length / SECTOR_SIZE);
    this.disk.readSectorsInto(this.node.startSector + lba, out);
  }
  writeSectors(lba: number, data: Uint8Array): void {
    this.check(lba, data.length / SECTOR_SIZE);
    this.disk.writeSectors(this.node.startSector + lba, data);
  }
  readBytes(offset: number, length: number): Uint8Array {
    return readBytesOf(this, offset, length);
  }
  /** read-modify-write of partial sectors */
  writeBytes(offset: number, data: Uint8Array): void {
    writeBytesOf(this, offset, data);
  }
  private check(lba: number, count: number): void {
    if (lba < 0 || lba + count > this.node.sectors) throw new MmcBlockError(this.name, -EINVAL, `access to sectors ${lba}+${count} beyond ${this.node.sectors}`);
  }
}

interface SectorDev {
  readonly name: string;
  readonly sectors: number;
  readSectors(lba: number, count: number): Uint8Array;
  writeSectors(lba: number, data: Uint8Array): void;
}

/** Byte-range read of a sector device. */
export function readBytesOf(dev: SectorDev, offset: number, length: number): Uint8Array {
  if (offset < 0 || length < 0 || offset + length > dev.sectors * SECTOR_SIZE) throw new MmcBlockError(dev.name, -EINVAL, `byte range ${offset}+${length} outside the device`);
  if (length === 0) return new Uint8Array(0);
  const first = Math.floor(offset / SECTOR_SIZE);
  const last = Math.ceil((offset + length) / SECTOR_SIZE);
  const span = dev.readSectors(first, last - first);
  return span.slice(offset - first * SECTOR_SIZE, offset - first * SECTOR_SIZE + length);
}

/** Byte-range write: whole sectors directly, partial head/tail sectors read-modify-write. */
export function writeBytesOf(dev: SectorDev, offset: number, data: Uint8Array): void {
  if (offset < 0 || offset + data.length > dev.sectors * SECTOR_SIZE) throw new MmcBlockError(dev.name, -EINVAL, `byte range ${offset}+${data.length} outside the device`);
  if (data.length === 0) return;
  const first = Math.floor(offset / SECTOR_SIZE);
  const last = Math.ceil((offset + data.length) / SECTOR_SIZE);
  if (offset % SECTOR_SIZE === 0 && data.length % SECTOR_SIZE === 0) {
    dev.writeSectors(first, data);
    return;
  }
  const span = dev.readSectors(first, last - first);
  span.set(data, offset - first * SECTOR_SIZE);
  dev.writeSectors(first, span);
}

/** The block devices Linux registers for a card, with the partition scan of the user area. */
export interface MmcBlkDisks {
  blk: MmcBlk;
  /** BlockDisks with dev_t (RPMB excluded: a char device) for resolveBlkdev */
  disks: BlockDisk[];
  scan: ScanResult;
  partitions: MmcBlockPartition[];
}

/** mmc_blk_probe(): allocate the disks (dev_t from the probe-order id), scan the user area. */
export function mmcBlkProbe(card: MmcCard, o: MmcBlkOptions & { scan?: ScanOptions; perdevMinors?: number } = {}): MmcBlkDisks {
  const blk = new MmcBlk(card, o);
  const user = blk.devices[0]!;
  // Through the page cache, as read_part_sector() reads: one 4 KiB request per page, not per sector.
  const scan = scanPartitions(pageCachedReader((lba, n) => user.readSectors(lba, n), user.sectors), user.sectors, o.scan);
  const ext = new ExtMinorAllocator();
  const disks: BlockDisk[] = [];
  let devidx = 0;
  const hostIndex = card.host.index;
  disks.push(mmcBlockDisk({ hostIndex, sectors: user.sectors, partitions: scan.partitions, devidx: devidx++, perdevMinors: o.perdevMinors, ext }));
  for (const d of blk.devices.slice(1)) {
    if (d.area === 'rpmb') continue;
    disks.push(mmcBlockDisk({ hostIndex, sectors: d.sectors, partitions: [], devidx: devidx++, perdevMinors: o.perdevMinors, subname: d.name.slice(`mmcblk${hostIndex}`.length), ext }));
  }
  const partitions = disks[0]!.partitions.map((n) => new MmcBlockPartition(user, n));
  return { blk, disks, scan, partitions };
}

/** The result of `findBlkdev`: the resolved spec and something to read/write it through. */
export interface FoundBlkdev {
  resolved: ResolvedBlkdev;
  device: MmcBlockDevice;
  partition?: MmcBlockPartition;
}

// registered cards (mmc_blk_get_card_by_name looks them up by disk name)
const registry: MmcBlkDisks[] = [];

export function mmcBlkRegister(d: MmcBlkDisks): void {
  registry.push(d);
}
export function mmcBlkUnregister(d: MmcBlkDisks): void {
  const i = registry.indexOf(d);
  if (i >= 0) registry.splice(i, 1);
}

/** mmc_blk_get_card_by_name(): "/dev/mmcblk0" or "mmcblk0boot0" → the card; undefined if none. */
export function mmcBlkGetCardByName(name: string, among: readonly MmcBlkDisks[] = registry): MmcCard | undefined {
  const n = name.startsWith('/dev/') ? name.slice(5) : name;
  for (let i = among.length - 1; i >= 0; i--) {
    const d = among[i]!;
    if (d.blk.devices.some((dev) => dev.name === n)) return d.blk.card;
  }
  return undefined;
}

/** Resolve a pstore/blk `blkdev` value (every form resolveBlkdev knows) to a device of this card. */
export function findBlkdev(d: MmcBlkDisks, spec: string): FoundBlkdev {
  const resolved = resolveBlkdev(spec, d.disks);
  const device = d.blk.device(resolved.disk.name);
  if (!device) throw new MmcBlockError(resolved.disk.name, -EIO, 'disk has no block device');
  const partition = resolved.partition ? d.partitions.find((p) => p.node === resolved.partition) : undefined;
  return { resolved, device, partition };
}

/** A plain Uint8Array of `n` bytes whose contents are not cleared first (Buffer.allocUnsafeSlow's memory). */
function uninitialized(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}
