/**
 * One run of the board commands (panic, oops, pmsg, console, erase) on a card image: boot the
 * emulated board over it, register mmcpstore for the pstore partition (recovery runs at the
 * pstorefs mount), run the command's work, shut down. The commands decide what to run with
 * (board-session.ts); opening and closing the card is done here. Errors leave here typed.
 */
import {
  attachPstore,
  closeBoard,
  type AttachOptions,
  type BlockBacking,
  type BoardSession,
  type OpenBoardOptions,
  type PstoreState,
  type Tracer,
} from '../driver/board/index.js';
import { SECTOR_SIZE } from '../lib/units.js';
import type { Arch } from '../zone/codec.js';
import type { BlkParams } from '../zone/params.js';
import type { LockOwner } from '../lib/image-lock.js';
import { attachError, lockImage, openCardBoard, openImageBacking } from './board-open.js';
import { hostIoFailure } from './errors.js';
import type { CardProbe } from './card-probe.js';
import { resolveParams } from './params.js';
import type { ImageOptions, ResolvedParams } from './types.js';

/** The module parameters of a board run, as attachPstore takes them. */
export interface BoardParams {
  params: Partial<BlkParams>;
  related: AttachOptions['related'];
  nrCpus: number;
  kernel: string;
  sectorOffset?: number;
  sectorCount?: number;
  cmdline: string;
  /** The writing kernel's ABI; unset: detected at the pstorefs mount, else 64-bit. */
  arch?: Arch;
}

/** pstore's own parameters (pstore.compress, pstore.kmsg_bytes) as attachPstore takes them. */
export function relatedOf(r: ResolvedParams): NonNullable<AttachOptions['related']> {
  const related: NonNullable<AttachOptions['related']> = { compress: r.compress };
  if (r.decompress) related.decompress = r.decompress;
  if (r.kmsgBytes !== null) related.kmsgBytes = r.kmsgBytes;
  return related;
}

/** The parameters of `opts` (resolveParams()), as mmcpstore's registration takes them. */
export function boardParams(opts: ImageOptions): BoardParams {
  const r = resolveParams(opts);
  const out: BoardParams = { params: r.requested, related: relatedOf(r), nrCpus: r.nrCpus, kernel: r.kernel, cmdline: r.cmdline };
  if (opts.arch) out.arch = opts.arch;
  if (r.offset !== undefined) out.sectorOffset = r.offset / SECTOR_SIZE;
  if (r.size !== undefined) out.sectorCount = r.size / SECTOR_SIZE;
  return out;
}

/** The board's own options (bus mode, aggressive PM, gated MMIO) as openBoard takes them. */
export type BoardShape = Pick<OpenBoardOptions, 'busMode' | 'aggressivePm' | 'gatedMmio'>;

/** What a board run boots with. */
export interface BoardRun {
  /** the board beyond the image (default: HS, no aggressive PM, registers reachable when gated) */
  board?: BoardShape;
  image: string;
  probe: CardProbe;
  /** pstore_blk.blkdev, in any form the kernel takes. */
  blkdev: string;
  params: BoardParams;
  tracer: Tracer | undefined;
  /** Seconds to wait for another writer's lock. */
  wait: number;
  /** told once that the run waits for another writer's lock */
  onWait?: (owner: LockOwner | undefined) => void | Promise<void>;
  seed: number;
  driver: NonNullable<AttachOptions['driver']>;
  readOnly: boolean;
  /** mount pstorefs (recovery) after registering */
  mount: boolean;
  /** the wall clock (epoch seconds), read once the run holds the lock: record times start there */
  clock: () => number;
  /** optional card and host features the board is built with (panic --cqe, --cache-size, --without-cmd23) */
  features?: BoardFeatures;
}

/** The board features a command line can ask for (docs/scenarios.md: H6, H9). */
export type BoardFeatures = Pick<OpenBoardOptions, 'cqe' | 'cacheSize' | 'hostNoCmd23'>;

export interface Booted {
  image: string;
  probe: CardProbe;
  blkdev: string;
  params: BoardParams;
  session: BoardSession;
  pstore: PstoreState;
  tracer: Tracer | undefined;
}

/**
 * Boots the board over the image, registers mmcpstore for the pstore partition, runs `fn`, and
 * shuts down (a clean reboot: dirty zones flushed) — unless the session panicked, when nothing is
 * flushed, as after emergency_restart().
 *
 * A writer first takes `<image>.lock` (waiting up to `wait` seconds), and only then reads the
 * clock: writers that waited stamp their records in the order they got the lock. A host I/O error
 * on the image (ENOSPC, EIO, ...) fails the run with exit 74 naming the file, whatever the emulated
 * card made of it; the lock is released in every case.
 */
export async function runOnBoard<T>(r: BoardRun, fn: (x: Booted) => T | Promise<T>): Promise<T> {
  const release = r.readOnly ? undefined : await lockImage(r.image, r.wait, r.onWait);
  try {
    return await bootAndRun(r, fn);
  } finally {
    release?.();
  }
}

async function bootAndRun<T>(r: BoardRun, fn: (x: Booted) => T | Promise<T>): Promise<T> {
  const { image, probe, tracer } = r;
  let backing: BlockBacking | undefined;
  let session: BoardSession | undefined;
  let result: T | undefined;
  let failure: { error: unknown } | undefined;
  try {
    session = openCardBoard({
      image,
      // the lock is held already (runOnBoard); readers take none
      openImage: (p, ro) => (backing = openImageBacking(p, ro, { lock: false })),
      readOnly: r.readOnly,
      layout: probe.layout,
      seed: r.seed,
      now: r.clock(),
      ...(tracer ? { trace: tracer } : {}),
      ...r.features,
      ...r.board,
    }, image);
    result = await attachAndRun(session, r, fn);
  } catch (e) {
    failure = { error: e };
  }
  try {
    if (session) closeBoard(session);
  } catch (e) {
    failure ??= { error: e };
  } finally {
    backing?.close();
  }
  const host = backing?.hostError;
  if (host) throw hostIoFailure(host);
  if (failure) throw failure.error;
  return result as T;
}

async function attachAndRun<T>(session: BoardSession, r: BoardRun, fn: (x: Booted) => T | Promise<T>): Promise<T> {
  const { image, probe, blkdev, params, tracer } = r;
  // any form the kernel's name_to_dev_t/early_lookup_bdev takes; mmcpstore itself is handed the path
  let path: string;
  try {
    path = session.stack.findBlkdev(blkdev).resolved.path;
  } catch (e) {
    throw attachError(e, blkdev);
  }
  let pstore: PstoreState;
  try {
    pstore = attachPstore(session, {
      blkdev: path,
      params: params.params,
      related: params.related,
      nrCpus: params.nrCpus,
      kernel: params.kernel,
      ...(params.arch ? { arch: params.arch } : {}),
      driver: r.driver,
      mount: r.mount,
      ...(params.sectorOffset !== undefined ? { sectorOffset: params.sectorOffset } : {}),
      ...(params.sectorCount !== undefined ? { sectorCount: params.sectorCount } : {}),
    });
  } catch (e) {
    throw attachError(e, blkdev);
  }
  return await fn({ image, probe, blkdev: path, params, session, pstore, tracer });
}
