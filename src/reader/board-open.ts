/**
 * Opening the emulated board over an image file, for the card path of the readers and for the
 * board commands: the image file (FileBacking, with the writer lock), the --trace sink, the
 * default seed, and the driver's registration errors worded for a user. Errors leave here typed.
 */
import * as fs from 'node:fs';
import { FileBacking, ImageLockedError, MmcpstoreAttachError, Tracer, type BlockBacking } from '../driver/board/index.js';
import { BlkdevError } from '../driver/mmc/partitions/index.js';
import { probeCard, type CardProbe } from './card-probe.js';
import { lockPathFor } from '../lib/image-lock.js';
import { DataError, InputError, LockedError, UsageError, errnoCode, strerror, inputFileError } from './errors.js';

/** `FileBacking.open` with the errors a user can act on. Writers take `<image>.lock`. */
export function openImageBacking(path: string, readOnly: boolean, waitSeconds = 0): BlockBacking {
  try {
    return FileBacking.open(path, { mode: readOnly ? 'ro' : 'rw', waitSeconds });
  } catch (e) {
    throw imageOpenError(path, e);
  }
}

function imageOpenError(path: string, e: unknown): Error {
  if (e instanceof ImageLockedError) {
    const lock = lockPathFor(path);
    return new LockedError(`image '${path}' is locked by ${e.owner ? `pid ${e.owner.pid} on ${e.owner.host}` : 'another process'} (${lock}); try again when it has finished`, { lock });
  }
  // A block device opened for writing is opened exclusively (device/backing.ts): busy means mounted or held.
  if (errnoCode(e) === 'EBUSY') return new InputError(`cannot open '${path}' exclusively: ${strerror(e)} (mounted, or held by another program)`, { code: 'EBUSY' });
  if (errnoCode(e)) return inputFileError(`cannot open '${path}': ${strerror(e)}`, e);
  return e as Error;
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
