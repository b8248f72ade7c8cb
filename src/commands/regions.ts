/**
 * inspect and recover over the regions of a whole-disk image (reader/regions.ts picks them):
 * one run per region, each introduced by its name; a region with nothing to show is a warning
 * while another region shows records, and the exit status is 3 only when none does.
 */
import { NoDataError } from '../reader/errors.js';
import type { RegionRead } from '../reader/regions.js';
import { Reporter, type Io } from './io.js';

/** `==> region 2 of 3: p5-crashlog (bytes 1048576..2097152) <==`. */
export function regionHeading(r: RegionRead): string {
  const g = r.region;
  const cut = g.truncated ? ', truncated: the image ends inside it' : '';
  return `==> region ${r.index} of ${r.count}: ${r.name} (bytes ${g.offset}..${g.offset + g.size}${cut}) <==`;
}

/**
 * Runs `each` for every region in turn. A region that ends in NoDataError (no records, or the
 * kernel's recovery aborted) is reported as a warning naming it, unless no region had any:
 * then the first such error is thrown (exit 3). Any other error stops at once.
 */
export async function forEachRegion(reads: readonly RegionRead[], io: Io, quiet: boolean, each: (r: RegionRead) => Promise<void>): Promise<void> {
  const empty: { read: RegionRead; error: NoDataError }[] = [];
  for (const r of reads) {
    try {
      await each(r);
    } catch (e) {
      if (!(e instanceof NoDataError)) throw e;
      empty.push({ read: r, error: e });
    }
  }
  if (empty.length === reads.length) {
    if (reads.length === 1) throw empty[0]!.error;
    throw new NoDataError(`no pstore records in any of the ${reads.length} regions: ${empty.map((x) => `region ${x.read.index} (${x.read.name}): ${x.error.message}`).join('; ')}`);
  }
  const reporter = new Reporter(io, quiet, false);
  for (const x of empty) await reporter.warn(`region ${x.read.index} (${x.read.name}): ${x.error.message}`);
}
