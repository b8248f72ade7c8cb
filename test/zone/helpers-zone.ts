/** Small builders for zone-engine tests (not a test file itself). */
import {
  LinesDumpIter,
  MemoryPstoreDevice,
  PstoreCore,
  kernelProfile,
  mergeBlkParams,
  registerPstoreDevice,
  type Arch,
  type BlkParams,
  type PstoreCoreOptions,
  type Timespec,
} from '../../src/zone/index.js';

export interface Rig {
  dev: MemoryPstoreDevice;
  core: PstoreCore;
  clock: { sec: bigint };
}

/** A region in memory, registered and (unless told otherwise) recovered, as after mounting pstorefs. */
export function rig(size: number, params: Partial<BlkParams>, opts: { bytes?: Uint8Array; nrCpus?: number; mount?: boolean; panicWrite?: boolean; kernel?: string; arch?: Arch } & PstoreCoreOptions = {}): Rig {
  const dev = new MemoryPstoreDevice(opts.bytes ?? size, opts.panicWrite ?? true);
  const clock = { sec: 1_700_000_000n };
  const now = (): Timespec => ({ sec: clock.sec, nsec: 0n });
  const reg = registerPstoreDevice(dev, mergeBlkParams(params), { nrCpus: opts.nrCpus ?? 1, ...(opts.kernel ? { profile: kernelProfile(opts.kernel) } : {}), ...(opts.arch ? { arch: opts.arch } : {}) });
  const core = new PstoreCore(reg.zone, { now, ...opts });
  if (opts.mount ?? true) reg.zone.recovery();
  return { dev, core, clock };
}

export function logLines(tag: string, n: number): LinesDumpIter {
  return new LinesDumpIter(Array.from({ length: n }, (_, i) => `<6>[${String(i).padStart(5)}.000000] ${tag} line ${i}\n`));
}

export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
