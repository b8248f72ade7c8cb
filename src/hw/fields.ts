/**
 * Bit-field helpers (QEMU registerfields.h style) shared by the SDHCI register map, the eMMC card's
 * R1/OCR/EXT_CSD fields and the driver. A field is `len` bits at `shift` inside a register or word.
 */

/** A bit field: `len` bits starting at `shift`, inside `reg` (or a free-standing word such as an ADMA2 attribute). */
export interface Field {
  readonly reg: { readonly name: string } | undefined;
  readonly shift: number;
  readonly len: number;
  /** the field's bits in place (e.g. shift 3, len 2 → 0x18) */
  readonly mask: number;
}

export function field(r: { readonly name: string } | undefined, shift: number, len: number): Field {
  if (len < 1 || shift + len > 32) throw new RangeError(`bad field ${shift}+${len}`);
  const mask = len === 32 ? 0xffffffff : (((1 << len) >>> 0) - 1) * 2 ** shift;
  return Object.freeze({ reg: r, shift, len, mask: mask >>> 0 });
}
export const bit = (r: { readonly name: string } | undefined, n: number): Field => field(r, n, 1);

/** Field value from a register value. */
export function get(f: Field, regValue: number): number {
  return ((regValue & f.mask) >>> f.shift) >>> 0;
}

/** Register value with the field replaced by `x`; throws if `x` does not fit (QEMU's FIELD_DP32 warns). */
export function set(f: Field, regValue: number, x: number): number {
  if (x < 0 || x > f.mask >>> f.shift) throw new RangeError(`value ${x} does not fit ${f.len}-bit field at ${f.shift}`);
  return ((regValue & ~f.mask) | ((x << f.shift) & f.mask)) >>> 0;
}

/** Build a register value from named field values: compose(CAP0, { BASE_CLOCK_MHZ: 200, ... }). */
export function compose<T extends Record<string, Field>>(fields: T, values: Partial<Record<keyof T, number>>): number {
  let v = 0;
  for (const k of Object.keys(values) as (keyof T)[]) v = set(fields[k], v, values[k] ?? 0);
  return v >>> 0;
}

/** True if the single-bit (or any bit of the) field is set. */
export const isSet = (f: Field, regValue: number): boolean => (regValue & f.mask) !== 0;

