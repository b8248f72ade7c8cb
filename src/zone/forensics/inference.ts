/**
 * What the layout inference steps (infer-*.ts, put together by detect.ts)
 * share: how sure a finding is, the signatures that can be zone starts, and
 * the kernel's 4096-byte size granule.
 */
import type { SignatureHit } from './signatures.js';

/**
 * `exact`: fixed by signatures alone; `likely`: one assumption, named;
 * `ambiguous`: several layouts fit (the reason is given).
 */
export type Confidence = 'exact' | 'likely' | 'ambiguous';

/** One inferred value, how sure that is, and how it was found. */
export interface Inference<T = number> {
  value: T;
  confidence: Confidence;
  how: string;
}

/** pstore/blk's verify_size() makes every front-end size a multiple of 4096. */
export const ZONE_ALIGN = 4096;

const RANK: Record<Confidence, number> = { exact: 0, likely: 1, ambiguous: 2 };

export function worst(a: Confidence, b: Confidence): Confidence {
  return RANK[a] >= RANK[b] ? a : b;
}

export const alignUp = (n: number, to = ZONE_ALIGN): number => Math.ceil(n / to) * to;
export const alignDown = (n: number): number => Math.floor(n / ZONE_ALIGN) * ZONE_ALIGN;

export function gcd(a: number, b: number): number {
  // No destructuring swap: code that has not warmed up yet allocates an array for it, and
  // detect takes the gcd once per dmesg zone (about 1000 on a 64 MiB region).
  while (b) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/** The signatures that can be zone starts, by kind, in disk order. */
export interface ZoneStartHits {
  /** A pmsg signature at offset 0 (the pmsg zone is always first). */
  pmsg: SignatureHit | undefined;
  /** The first console signature on a 4096 boundary. */
  console: SignatureHit | undefined;
  /** kmsg signatures on a 4096 boundary or with an intact kmsg header. */
  kmsg: SignatureHit[];
  /** ftrace signatures after the console zone and before the first kmsg zone. */
  ftrace: SignatureHit[];
  /** Those of `ftrace` whose records name their CPU. */
  ftraceWithCpu: SignatureHit[];
}

/** The signatures that can be zone starts (the rest is data inside zones, or noise). */
export function zoneStartHits(hits: readonly SignatureHit[]): ZoneStartHits {
  const pmsg = hits.find((h) => h.kind === 'pmsg' && h.off === 0);
  const consoleHit = hits.find((h) => h.kind === 'console' && h.off % ZONE_ALIGN === 0);
  const kmsg = hits.filter((h) => h.kind === 'kmsg' && (h.off % ZONE_ALIGN === 0 || h.magicOk));
  const ftrace = hits.filter((h) => h.kind === 'ftrace' && (!consoleHit || h.off > consoleHit.off) && (!kmsg.length || h.off < kmsg[0]!.off));
  return { pmsg, console: consoleHit, kmsg, ftrace, ftraceWithCpu: ftrace.filter((h) => h.cpu !== undefined) };
}

/** The smallest of the positive offsets given, if any. */
export function firstPositive(...offsets: (number | undefined)[]): number | undefined {
  const v = offsets.filter((x): x is number => x !== undefined && x > 0);
  return v.length ? Math.min(...v) : undefined;
}
