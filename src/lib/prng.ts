/**
 * mulberry32, the one seeded PRNG: every generated log line, fault decision and GUID comes from
 * one, so the same command line gives the same bytes.
 */
export class Prng {
  private state: number;

  /** A string seed is hashed with FNV-1a, so names ("disk.img") seed as well as numbers. */
  constructor(seed: number | string) {
    this.state = typeof seed === 'number' ? seed >>> 0 : fnv1a(seed);
  }

  /** The next raw 32-bit output, unsigned. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** FNV-1a, 32-bit: a string seed to a number. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
