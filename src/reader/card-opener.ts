/**
 * The card opener for callers that start often (the CLI): the card path (card-source.ts) brings
 * the whole emulated board, so it is loaded only when the probe finds a card in the image the
 * read is about to open. The readers are synchronous: this runs before them, and they are handed
 * the opener in `ImageOptions.openCard`. The library entry passes the real opener instead.
 */
import { keepCardProbe, type KeptCardProbe } from './card-probe.js';
import { resolveParams } from './params.js';
import type { ImageOptions } from './types.js';

/** The card probe of `opts` (null: a plain region, or an error the reader reports in the user's words). */
function probeFor(opts: ImageOptions): KeptCardProbe | null {
  try {
    return keepCardProbe(opts, resolveParams(opts));
  } catch {
    return null; // the reader reports the same error, worded for the user
  }
}

/**
 * `opts` with the card opener it needs, loaded only when it reads a card image (a few sectors
 * read to tell), and the probe that chose it (the session reuses it).
 */
export async function withCardOpener(opts: ImageOptions): Promise<ImageOptions> {
  if (opts.openCard) return opts;
  const cardProbe = probeFor(opts);
  if (!cardProbe) return opts;
  return { ...opts, openCard: (await import('./card-source.js')).openPstoreSource, cardProbe };
}
