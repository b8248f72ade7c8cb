/**
 * Opening the emulated board over an image file, for the card path of the readers and for the
 * board commands: the image file (FileBacking, with the writer lock), the --trace sink, the
 * default seed, and the driver's registration errors worded for a user. Errors leave here typed.
 */
import * as fs from 'node:fs';
import { FileBacking, ImageLayoutError, ImageLockedError, MmcpstoreAttachError, Tracer, isBlockDevice, openBoard, type BlockBacking, type BoardSession } from '../driver/board/index.js';
import type { OpenBoardOptions } from '../driver/board/types.js';
import { BlkdevError } from '../driver/mmc/partitions/index.js';
import { probeCard, type CardProbe } from './card-probe.js';
import { acquireImageLockAsync, type LockOwner } from '../lib/image-lock.js';
import { HostIoError } from '../lib/host-io.js';
import { DataError, InputError, UsageError, errnoCode, strerror, inputFileError, hostIoFailure, writeTargetError } from './errors.js';
import { lockedError } from './lock.js';

export interface ImageBackingOptions {
  /** seconds to wait for another writer's lock (FileBacking's own, blocking wait) */
  waitSeconds?: number;
  /** false: the caller holds `<image>.lock` already (lockImage) or the file is its private one */
  lock?: boolean;
}

/** `FileBacking.open` with the errors a user can act on. Writers take `<image>.lock` unless told. */
export function openImageBacking(path: string, readOnly: boolean, o: ImageBackingOptions = {}): BlockBacking {
  try {
    return FileBacking.open(path, { mode: readOnly ? 'ro' : 'rw', waitSeconds: o.waitSeconds ?? 0, ...(o.lock === false ? { lock: false } : {}) });
  } catch (e) {
    throw imageOpenError(path, e, readOnly);
  }
}

/**
 * Takes `<image>.lock` for a writer, waiting up to `waitSeconds` without blocking the process (a
 * terminating signal ends the wait, lib/exit-cleanup.ts); `onWait` hears once that it waits.
 * Returns the release; a terminating signal releases it too.
 */
export async function lockImage(image: string, waitSeconds: number, onWait?: (owner: LockOwner | undefined) => void | Promise<void>): Promise<() => void> {
  // a block device is locked by its exclusive open (FileBacking.open): no <device>.lock in /dev
  if (isBlockDevice(image)) return () => undefined;
  try {
    return await acquireImageLockAsync(image, { waitSeconds, ...(onWait ? { onWait } : {}) });
  } catch (e) {
    throw imageOpenError(image, e, false);
  }
}

function imageOpenError(path: string, e: unknown, readOnly: boolean): Error {
  if (e instanceof ImageLockedError) return lockedError(path, e.owner);
  if (e instanceof HostIoError) return hostIoFailure(e);
  // A block device opened for writing is opened exclusively (device/backing.ts): busy means mounted or held.
  if (errnoCode(e) === 'EBUSY') return new InputError(`cannot open '${path}' exclusively: ${strerror(e)} (mounted, or held by another program)`, { code: 'EBUSY' });
  if (errnoCode(e)) return readOnly ? inputFileError(`cannot open '${path}': ${strerror(e)}`, e) : writeTargetError(`cannot open '${path}' for writing: ${strerror(e)}`, e);
  return e as Error;
}

/**
 * openBoard() over a card image: a file whose size or layout the emulated card cannot take (a
 * QEMU-layout image whose user area is not a power of two, say) is a data error naming the
 * image, not a bug.
 */
export function openCardBoard(o: OpenBoardOptions, image: string): BoardSession {
  try {
    return openBoard(o);
  } catch (e) {
    if (e instanceof ImageLayoutError) throw new DataError(`'${image}' cannot be a card image: ${e.message}`);
    throw e;
  }
}

/** A Tracer handing each event's line to `line`, or undefined without a --trace glob. */
export function traceSink(glob: string | undefined, line: (text: string) => void): Tracer | undefined {
  if (glob === undefined) return undefined;
  return new Tracer({ enable: glob, sink: line });
}

/** The card of an image (opened at `file`: the image or its temporary copy), or a DataError that says what to do. */
export function requireCard(file: string, image = file): CardProbe {
  if (!fs.existsSync(file)) throw new InputError(`cannot open '${image}': No such file or directory`, { code: 'ENOENT' });
  const probe = probeCard(file);
  if (!probe) {
    throw new DataError(`'${image}' is not a card image (no GPT or MBR partition table at the start of the user area); make one with 'mmcpstore mkimage'`);
  }
  return probe;
}

/** Kernel lines of a failed registration, worded for a user. */
export function attachError(e: unknown, blkdev: string): Error {
  if (e instanceof MmcpstoreAttachError) {
    const lines = e.kernelLines.filter((l) => /mmcpstore|pstore_zone|pstore_blk/.test(l));
    return new DataError(`mmcpstore could not register ${blkdev}: ${lines.slice(-2).join('; ') || e.message}`, { kernelLog: e.kernelLines });
  }
  if (e instanceof BlkdevError) return new UsageError(`--blkdev: ${e.message}`, { option: 'blkdev', value: blkdev });
  return e as Error;
}
