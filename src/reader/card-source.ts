/**
 * The card path of `recover` and `inspect`: when --blkdev is given, or the image is a whole card
 * whose partition table has a partition labelled "pstore" (and no --offset/--size), the emulated
 * board boots read-only over the image, the blkdev is resolved as the kernel would (any form), and
 * mmcpstore is registered with pstore/blk: recovery then reads every zone through the driver
 * (block layer → SDHCI registers → card). A session (session.ts) calls openPstoreSource() through
 * `ImageOptions.openCard` when card-probe.ts says the image wants it; this module brings the
 * whole emulated board, so callers that start often load it only then (card-opener.ts).
 *
 * The FileRegion returned covers the partition in the file: the zone table and --params auto read
 * the headers from it directly (the bytes are the same), and closing it shuts the board down.
 */
import { attachPstore, closeBoard, type BoardSession } from '../driver/board/index.js';
import { BlkdevError } from '../driver/mmc/partitions/index.js';
import { SECTOR_SIZE } from '../lib/units.js';
import type { Registration } from '../zone/blk.js';
import type { Arch } from '../zone/codec.js';
import { attachError, openCardBoard, openImageBacking, traceSink } from './board-open.js';
import { relatedOf } from './board-run.js';
import { now } from './clock.js';
import { DEFAULT_SEED } from './defaults.js';
import type { CardProbe } from './card-probe.js';
import { DataError, UsageError } from './errors.js';
import { openRegion } from './region.js';
import type { ImageOptions, PstoreSource, RegionWindow, ResolvedParams } from './types.js';

/** Trace lines of a library read: standard error, one line per event. */
function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`, () => undefined);
}

/**
 * Boots the board over the card `probe` found (card-probe.ts decides whether the card path is
 * wanted) and resolves the blkdev. `params.offset/size` (from mmcpstore.sector_offset /
 * sector_count) are taken relative to the partition when --blkdev is given, as the driver does.
 */
export function openPstoreSource(opts: ImageOptions, params: RegionWindow, probe: CardProbe): PstoreSource {
  const blkdev = opts.blkdev ?? `/dev/mmcblk0p${probe.pstoreNumber}`;
  const tracer = traceSink(opts.trace, opts.traceLine ?? stderrLine);
  const session = openCardBoard({
    image: opts.file ?? opts.image,
    openImage: openImageBacking,
    readOnly: true,
    layout: probe.layout,
    seed: DEFAULT_SEED,
    bootLogLines: 0,
    // pstorefs stamps records that carry no time (pmsg, console) with the read time
    now: Number(now().sec),
    ...(tracer ? { trace: tracer } : {}),
  }, opts.image);
  try {
    let found;
    try {
      found = session.stack.findBlkdev(blkdev);
    } catch (e) {
      if (e instanceof BlkdevError) throw new UsageError(`--blkdev: ${e.message}`, { option: 'blkdev', value: blkdev });
      throw e;
    }
    const r = found.resolved;
    const userArea = found.device === session.stack.devices[0];
    if (!userArea) throw new DataError(`--blkdev ${blkdev}: ${r.path} is not on the user area, which is all the image file holds in the ${probe.layout} layout`);
    const sectorOffset = opts.blkdev !== undefined && params.offset !== undefined ? params.offset / SECTOR_SIZE : 0;
    const sectorCount = opts.blkdev !== undefined && params.size !== undefined ? params.size / SECTOR_SIZE : 0;
    if (sectorOffset >= r.sectors || sectorOffset + sectorCount > r.sectors) {
      throw new DataError(`mmcpstore.sector_offset ${sectorOffset} + sector_count ${sectorCount} run past ${r.path} (${r.sectors} sectors)`);
    }
    const offset = probe.userOffset + (r.startSector + sectorOffset) * SECTOR_SIZE;
    const size = (sectorCount || r.sectors - sectorOffset) * SECTOR_SIZE;
    const { region, fileSize } = openRegion(opts.file ?? opts.image, offset, size, opts.image);
    const closeRegion = region.close.bind(region);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      try {
        closeRegion();
      } finally {
        closeBoard(session);
      }
    };
    region.close = close;
    const source: PstoreSource = {
      region,
      fileSize,
      blkdev,
      describe: `${r.path} (${r.devt.major}:${r.devt.minor}) of ${opts.image} via mmcpstore, blkdev ${blkdev}`,
      // the driver is given the partition's path: its own name parser takes only /dev/mmcblkNpM forms
      attach: (p, arch) => attachDriver(session, source, r.path, p, sectorOffset, sectorCount, arch, tracer !== undefined),
      close,
    };
    return source;
  } catch (e) {
    closeBoard(session);
    throw e;
  }
}

function attachDriver(session: BoardSession, source: PstoreSource, blkdev: string, p: ResolvedParams, sectorOffset: number, sectorCount: number, arch: Arch | undefined, traced: boolean): Registration {
  let state;
  try {
    state = attachPstore(session, {
      blkdev,
      params: p.requested,
      related: relatedOf(p),
      nrCpus: p.nrCpus,
      ...(arch ? { arch } : {}),
      kernel: p.kernel,
      driver: 'proposed',
      mount: false,
      // pstore's console replays the kernel log into the console zone's new buffer, and the
      // flush of it fails on the read-only image: seen only on a traced bus, so done only then
      ...(traced ? {} : { console: false }),
      sectorOffset,
      sectorCount,
    });
  } catch (e) {
    throw attachError(e, blkdev);
  }
  const reg = state.ctx.registration;
  if (!reg) throw new DataError(`mmcpstore could not register ${blkdev}`);
  source.core = state.core;
  return reg;
}
