/**
 * Where kernel versions differ in on-disk bytes or in how they read them,
 * one profile names the behaviour (docs/format.md §"Kernel versions").
 *
 * - 6.6+ (default, current mainline): zlib library compression, raw deflate
 *   with windowBits 15; input buffer bufsize*100/60; inflate capped at
 *   3*bufsize; an uncompressible dump keeps its first bufsize bytes.
 * - 5.11 .. 6.5: crypto API "deflate": raw deflate windowBits 11; input
 *   buffer sized by the zone size table; inflate capped at that buffer; an
 *   uncompressible dump keeps the header line and its newest bytes.
 * - 5.8 .. 5.10: as 5.11, but total_size is not capped at 128 MiB.
 */
export type CompressionEra = 'zlib' | 'crypto';

export interface KernelProfile {
  /** What the user asked for, normalised: "6.6", "5.11", "5.8". */
  readonly name: string;
  readonly compression: CompressionEra;
  /** 5.11+ caps the pstore region at 128 MiB. */
  readonly capTotalSize: boolean;
}

export const SZ_128M = 128 * 1024 * 1024;

const PROFILES: readonly KernelProfile[] = [
  { name: '6.6', compression: 'zlib', capTotalSize: true },
  { name: '5.11', compression: 'crypto', capTotalSize: true },
  { name: '5.8', compression: 'crypto', capTotalSize: false },
];

export const DEFAULT_KERNEL: KernelProfile = PROFILES[0]!;

export class KernelVersionError extends Error {}

/**
 * `--kernel 6.12`, `--kernel 5.15.0-rc1`, `--kernel mainline`: picks the
 * newest profile whose version is not above the one given.
 */
export function kernelProfile(version: string | undefined): KernelProfile {
  if (version === undefined || version === '' || version === 'mainline' || version === 'current') return DEFAULT_KERNEL;
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) throw new KernelVersionError(`'${version}' is not a kernel version (expected e.g. 6.12 or 5.15)`);
  const wanted = Number(m[1]) * 1000 + Number(m[2]);
  if (wanted < 5008) throw new KernelVersionError(`pstore/zone first appeared in Linux 5.8; '${version}' has no pstore/blk`);
  for (const p of PROFILES) {
    const [maj, min] = p.name.split('.').map(Number) as [number, number];
    if (wanted >= maj * 1000 + min) return p;
  }
  return PROFILES[PROFILES.length - 1]!;
}
