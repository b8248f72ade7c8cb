/**
 * ADMA2 descriptors (SDHCI 3.00 §2.7), the table the host driver builds in memory and the
 * controller walks: 32-bit = 8 bytes [attr u16][len u16][addr u32]; 64-bit (v3 "96-bit") =
 * 12 bytes [attr u16][len u16][addr u64]. Length 0 means 65536.
 */

import { bit, compose, field } from './fields.js';

export const ADMA2_ATTR = {
  VALID: bit(undefined, 0),
  END: bit(undefined, 1),
  INT: bit(undefined, 2),
  ACT: field(undefined, 4, 2),
} as const;
export const ADMA2_ACT = { NOP: 0, RESERVED: 1, TRAN: 2, LINK: 3 } as const;
export const ADMA2_DESC32_SIZE = 8;
export const ADMA2_DESC64_SIZE = 12;
/** Linux's data entry (Tran|Valid) and terminator (Nop|End|Valid). */
export const ADMA2_TRAN_VALID = 0x21;
export const ADMA2_NOP_END_VALID = 0x03;

export interface Adma2Descriptor {
  attr: number;
  /** 0 encodes 65536 */
  length: number;
  address: number;
}
export function encodeAdma2Descriptor(d: Adma2Descriptor, is64: boolean): Uint8Array {
  const out = new Uint8Array(is64 ? ADMA2_DESC64_SIZE : ADMA2_DESC32_SIZE);
  encodeAdma2DescriptorAt(out, 0, d.attr, d.length, d.address, is64);
  return out;
}
/** Encode one descriptor into `out` at `at` (a driver building its table in place). */
export function encodeAdma2DescriptorAt(out: Uint8Array, at: number, attr: number, length: number, address: number, is64: boolean): void {
  // little-endian by hand: a DataView per descriptor costs more than the table itself
  const lo = address % 2 ** 32 >>> 0;
  out[at] = attr & 0xff;
  out[at + 1] = (attr >>> 8) & 0xff;
  out[at + 2] = length & 0xff;
  out[at + 3] = (length >>> 8) & 0xff;
  out[at + 4] = lo & 0xff;
  out[at + 5] = (lo >>> 8) & 0xff;
  out[at + 6] = (lo >>> 16) & 0xff;
  out[at + 7] = lo >>> 24;
  if (is64) {
    const hi = Math.floor(address / 2 ** 32) >>> 0;
    out[at + 8] = hi & 0xff;
    out[at + 9] = (hi >>> 8) & 0xff;
    out[at + 10] = (hi >>> 16) & 0xff;
    out[at + 11] = hi >>> 24;
  }
}
const u32le = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
export function decodeAdma2Descriptor(bytes: Uint8Array, is64: boolean): Adma2Descriptor {
  const hi = is64 ? u32le(bytes, 8) : 0;
  return { attr: bytes[0]! | (bytes[1]! << 8), length: bytes[2]! | (bytes[3]! << 8), address: hi * 2 ** 32 + u32le(bytes, 4) };
}
export const adma2Attr = (act: number, o: { valid?: boolean; end?: boolean; int?: boolean } = {}): number =>
  compose(ADMA2_ATTR, { ACT: act, VALID: o.valid === false ? 0 : 1, END: o.end ? 1 : 0, INT: o.int ? 1 : 0 });
