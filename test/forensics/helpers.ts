/** Builders shared by the forensics tests (not a test file itself). */
import {
  KmsgDumpReason,
  LinesDumpIter,
  MemoryRegion,
  PstoreCore,
  genericBlkDevice,
  mergeBlkParams,
  registerPstoreDevice,
  type BlkParams,
  type PstoreFile,
  type ReadAt,
  type Timespec,
} from '../../src/zone/index.js';

export function readerOf(bytes: Uint8Array): ReadAt {
  const r = new MemoryRegion(bytes);
  return (b, p) => r.readAt(b, p);
}

export interface GenLayout {
  kmsgKib: number;
  pmsgKib: number;
  consoleKib: number;
  ftraceKib: number;
  cpus: number;
  kmsgZones: number;
  /** Extra 4 KiB pages after the last kmsg zone (less than one zone). */
  tailPages: number;
}

export function lines(tag: string, n: number, from = 0): LinesDumpIter {
  return new LinesDumpIter(Array.from({ length: n }, (_, i) => `<6>[${String(from + i).padStart(5)}.000000] ${tag} line ${i}\n`));
}

/**
 * An image written by the engine with this layout: two dumps or more, pmsg
 * and console text, and (with ftrace) enough calls on every CPU to wrap each ring.
 */
export function generateImage(g: GenLayout, opts: { compress?: 'deflate' | 'none'; dumps?: number } = {}): { image: Uint8Array; params: BlkParams } {
  const K = g.kmsgKib * 1024;
  const total = (g.pmsgKib + g.consoleKib + g.ftraceKib) * 1024 + K * g.kmsgZones + g.tailPages * 4096;
  const image = new Uint8Array(total);
  const params = mergeBlkParams({ kmsgSize: g.kmsgKib, pmsgSize: g.pmsgKib || -1, consoleSize: g.consoleKib || -1, ftraceSize: g.ftraceKib || -1 });
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(image)), params, { nrCpus: g.cpus });
  const clock = { sec: 1_700_000_000n };
  const core = new PstoreCore(reg.zone, { now: (): Timespec => ({ sec: clock.sec, nsec: 0n }), compress: opts.compress ?? 'deflate' });
  reg.zone.recovery();
  const enc = new TextEncoder();
  if (g.pmsgKib) core.writePmsg(enc.encode('pmsg: hello from userspace\n'));
  if (g.consoleKib) core.writeConsole(enc.encode('[    1.000000] console: booting\n'));
  if (g.ftraceKib) {
    const per = Math.floor((g.ftraceKib * 1024) / g.cpus) - 12;
    const calls = Math.ceil(per / 24) + 3;
    for (let cpu = 0; cpu < g.cpus; cpu++) for (let i = 0; i < calls; i++) core.writeFtrace(0xffffffff81000000n + BigInt(i * 16), 0xffffffff81100000n, cpu);
  }
  const dumps = opts.dumps ?? 2;
  for (let d = 0; d < dumps; d++) {
    clock.sec += 60n;
    core.dump(KmsgDumpReason.OOPS, lines(`dump${d}`, 40));
  }
  reg.zone.flushAllDirtyZones();
  return { image, params };
}

export function readImageFiles(image: Uint8Array, params: BlkParams, cpus = 1): PstoreFile[] {
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(image)), params, { nrCpus: cpus });
  return new PstoreCore(reg.zone).readFiles();
}

/** Zone-size KiB as pstore/blk reads it back: disabled front ends are 0. */
export function kib(v: number): number {
  return v > 0 ? v : 0;
}
