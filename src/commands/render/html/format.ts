/** Numbers as the report prints them: offsets in hex, sizes in bytes with a binary unit. */
import { hex } from '../../../lib/hex.js';
import { KiB, MiB, GiB } from '../../../lib/units.js';

/** `65536 bytes (64 KiB)`; the unit part only when it is a whole number of it. */
export function sizeText(n: number): string {
  const unit = n >= GiB && n % GiB === 0 ? `${n / GiB} GiB` : n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= KiB && n % KiB === 0 ? `${n / KiB} KiB` : '';
  return unit ? `${n} bytes (${unit})` : `${n} bytes`;
}

/** `64 KiB`, `1.5 MiB`, `300 B`: short, for labels on the map. */
export function shortSize(n: number): string {
  if (n >= GiB) return `${trim(n / GiB)} GiB`;
  if (n >= MiB) return `${trim(n / MiB)} MiB`;
  if (n >= KiB) return `${trim(n / KiB)} KiB`;
  return `${n} B`;
}

function trim(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** Offsets of one region in one width, as inspect prints them. */
export function offsetFormatter(maxOffset: number): (n: number) => string {
  const width = Math.max(1, maxOffset.toString(16).length);
  return (n) => hex(n, width);
}
