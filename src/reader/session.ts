/**
 * One open registration over an image region, what every reader starts from: the parameters
 * resolved, the lock checked, the region opened (or the card's partition through the emulated
 * driver, when the probe finds a whole card), the layout detected if asked, and pstore/blk
 * registered over it. Errors leave here typed (errors.ts), already worded for a user.
 */
import { genericBlkDevice, registerPstoreDevice, type Registration } from '../zone/blk.js';
import type { BlockRegion, FileRegion } from '../zone/file-region.js';
import type { DetectedLayout } from '../zone/forensics/detect.js';
import { kernelProfile } from '../zone/kernel-profile.js';
import { ZoneLayoutError } from '../zone/layout.js';
import { PstoreCore } from '../zone/platform.js';
import { ZoneRegisterError, type ZoneContext } from '../zone/zone.js';
import { now } from './clock.js';
import { cardProbeOnce } from './card-probe.js';
import { DataError } from './errors.js';
import { checkImageLock } from './lock.js';
import { applyDetection, resolveParams, wantsAutoDetect } from './params.js';
import { guarded, openRegion } from './region.js';
import type { ReportSource } from './report.js';
import type { CardSourceOpener, ImageOptions, RegionWindow, ResolvedParams } from './types.js';

export interface Session extends ReportSource {
  opts: ImageOptions;
  params: ResolvedParams & RegionWindow;
  fileRegion: FileRegion;
  core: PstoreCore;
  /** True when the layout was auto-detected (no parameters given). */
  auto: boolean;
  detected: DetectedLayout | null;
}

function cardOpener(opts: ImageOptions): CardSourceOpener {
  if (!opts.openCard) throw new Error(`internal: '${opts.image}' is a card image and no card opener was given (ImageOptions.openCard)`);
  return opts.openCard;
}

export function openSession(opts: ImageOptions): Session {
  const params = resolveParams(opts);
  // A temporary copy has no writer; the lock is the named image's.
  if ((opts.checkLock ?? true) && opts.file === undefined) checkImageLock(opts.image);
  // A whole card image (--blkdev, or a partition labelled pstore): through the emulated driver.
  const probe = cardProbeOnce(opts, params);
  const card = probe ? cardOpener(opts)(opts, params, probe) : null;
  const { region: fileRegion, fileSize } = card ?? openRegion(opts.file ?? opts.image, params.offset, params.size, opts.image);
  const region: BlockRegion = guarded(fileRegion, opts.image);
  try {
    const auto = wantsAutoDetect(opts);
    const detected = auto ? applyDetection(opts, params, region) : null;
    let reg: Registration;
    try {
      reg = card
        ? card.attach(params, opts.arch)
        : registerPstoreDevice(genericBlkDevice(region), params.requested, {
            nrCpus: params.nrCpus,
            profile: kernelProfile(opts.kernel),
            deferKmsgData: true,
            ...(opts.arch ? { arch: opts.arch } : {}),
          });
    } catch (e) {
      if (e instanceof ZoneLayoutError || e instanceof ZoneRegisterError) {
        throw new DataError(`pstore/zone refuses this layout: ${e.message} (${params.cmdline}, region ${fileRegion.size} bytes)`, {
          kernelMessage: e.message,
          regionSize: fileRegion.size,
        });
      }
      throw e;
    }
    const zone: ZoneContext = reg.zone;
    const core =
      card?.core ??
      new PstoreCore(zone, {
        // the read time of records that carry none: the same clock on the file and the card path
        now: () => now(),
        compress: params.compress,
        ...(params.decompress ? { decompress: params.decompress } : {}),
        ...(params.kmsgBytes !== null ? { kmsgBytes: params.kmsgBytes } : {}),
      });
    return { image: opts.image, opts, params, fileRegion, fileSize, region, reg, zone, core, auto, detected };
  } catch (e) {
    region.close();
    throw e;
  }
}
