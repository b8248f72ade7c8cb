/**
 * The card opener for callers that start often (the CLI): the card path (card-source.ts) brings
 * the whole emulated board, so it is loaded only when the probe finds a card in the image the
 * read is about to open. The readers are synchronous: this runs before them, and they are handed
 * the opener in `ImageOptions.openCard`. The library entry passes the real opener instead.
 */
import { cardProbeFor, type CardProbe } from './card-probe.js';
import { resolveParams } from './params.js';
import type { CardSourceOpener, ImageOptions } from './types.js';

/** The card opener `opts` needs: loaded when it reads a card image, undefined otherwise (a few sectors read). */
export async function cardOpenerFor(opts: ImageOptions): Promise<CardSourceOpener | undefined> {
  if (opts.openCard) return opts.openCard;
  let probe: CardProbe | null;
  try {
    probe = cardProbeFor(opts, resolveParams(opts));
  } catch {
    return undefined; // the reader reports the same error, worded for the user
  }
  return probe ? (await import('./card-source.js')).openPstoreSource : undefined;
}

/** `opts` with the card opener it needs. */
export async function withCardOpener(opts: ImageOptions): Promise<ImageOptions> {
  const openCard = await cardOpenerFor(opts);
  return openCard ? { ...opts, openCard } : opts;
}
