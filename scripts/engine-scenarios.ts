/**
 * Images written by our own pstore engine, in scenarios that exercise every
 * zone type. Each was read back by a real Linux kernel (../shared/oracle
 * kernel-read) into fixtures/<name>.kernel-read/; tests rebuild them here
 * byte for byte and recover them to the kernel's view.
 */
import { generateBootLog } from '../src/driver/boot-log.js';
import { formatSyslog, type PrintkRecord } from '../src/driver/printk-format.js';
import {
  KmsgDumpReason,
  LinesDumpIter,
  MemoryRegion,
  PstoreCore,
  genericBlkDevice,
  mergeBlkParams,
  registerPstoreDevice,
  type BlkParams,
  type Timespec,
} from '../src/zone/index.js';

export interface EngineScenario {
  name: string;
  description: string;
  imageSize: number;
  params: Partial<BlkParams>;
  cpus: number;
  compress: 'deflate' | 'none';
  boots: BootStep[][];
}

export type BootStep =
  | { dump: number; marker: string; lines?: number; seed?: number }
  | { pmsg: string }
  | { console: string }
  | { ftrace: number };

/** 2026-01-01T00:00:00Z; each boot starts 600 s later, each step takes 1 s. */
const EPOCH = 1767225600n;

export const ENGINE_SCENARIOS: readonly EngineScenario[] = [
  {
    name: 'engine-1m-kmsg64-deflate',
    description: 'kmsg only, deflate: five dumps over two boots (Oops, Panic, Oops | Shutdown, Panic), counters carried across boots',
    imageSize: 1 << 20,
    params: { kmsgSize: 64, maxReason: 4 },
    cpus: 1,
    compress: 'deflate',
    boots: [
      [{ dump: KmsgDumpReason.OOPS, marker: 'ENGINE-FX1-B1-OOPS' }, { dump: KmsgDumpReason.PANIC, marker: 'ENGINE-FX1-B1-PANIC' }],
      [{ dump: KmsgDumpReason.OOPS, marker: 'ENGINE-FX1-B2-OOPS', seed: 7 }, { dump: KmsgDumpReason.SHUTDOWN, marker: 'ENGINE-FX1-B2-SHUTDOWN' }, { dump: KmsgDumpReason.PANIC, marker: 'ENGINE-FX1-B2-PANIC' }],
    ],
  },
  {
    name: 'engine-256k-kmsg64-plain-wrap',
    description: 'kmsg only, pstore.compress=none, 4 zones and 6 dumps so the ring of zones wraps',
    imageSize: 256 << 10,
    params: { kmsgSize: 64, maxReason: 4 },
    cpus: 1,
    compress: 'none',
    boots: [
      [1, 2, 3].map((i) => ({ dump: KmsgDumpReason.OOPS, marker: `ENGINE-FX2-B1-OOPS-${i}`, lines: 60 + i * 30 })),
      [{ dump: KmsgDumpReason.EMERG, marker: 'ENGINE-FX2-B2-EMERG' }, { dump: KmsgDumpReason.OOPS, marker: 'ENGINE-FX2-B2-OOPS' }, { dump: KmsgDumpReason.PANIC, marker: 'ENGINE-FX2-B2-PANIC' }],
    ],
  },
  {
    name: 'engine-512k-pmsg-console-wrap',
    description: 'pmsg 64 KiB + console 64 KiB + kmsg 64 KiB: both rings wrap several times before a panic dump',
    imageSize: 512 << 10,
    params: { kmsgSize: 64, pmsgSize: 64, consoleSize: 64, maxReason: 2 },
    cpus: 1,
    compress: 'deflate',
    boots: [
      [
        ...Array.from({ length: 40 }, (_, i) => ({ pmsg: `ENGINE-FX3 pmsg write ${i}: ${'user space says hello; '.repeat(180)}\n` })),
        ...Array.from({ length: 30 }, (_, i) => ({ console: `[  ${(100 + i).toString().padStart(3)}.000000] ENGINE-FX3 console line ${i} ${'x'.repeat(3000)}\n` })),
        { dump: KmsgDumpReason.PANIC, marker: 'ENGINE-FX3-PANIC' },
      ],
    ],
  },
  {
    name: 'engine-2m-mixed-ftrace4',
    description: 'pmsg 128 KiB, console 64 KiB, ftrace 64 KiB over 4 CPUs, kmsg 32 KiB: a second boot writes over the first boot\'s rings',
    imageSize: 2 << 20,
    params: { kmsgSize: 32, pmsgSize: 128, consoleSize: 64, ftraceSize: 64, maxReason: 2 },
    cpus: 4,
    compress: 'deflate',
    boots: [
      [{ pmsg: 'ENGINE-FX4 boot 1 pmsg\n'.repeat(400) }, { console: 'ENGINE-FX4 boot 1 console\n'.repeat(100) }, { ftrace: 600 }, { dump: KmsgDumpReason.OOPS, marker: 'ENGINE-FX4-B1-OOPS' }],
      [{ pmsg: 'ENGINE-FX4 boot 2 pmsg, shorter\n'.repeat(20) }, { console: 'ENGINE-FX4 boot 2 console\n'.repeat(30) }, { dump: KmsgDumpReason.OOPS, marker: 'ENGINE-FX4-B2-OOPS' }],
    ],
  },
  {
    name: 'engine-64k-kmsg4-incompressible',
    description: '4 KiB kmsg zones and a log that does not compress into bufsize: stored uncompressed, first bufsize bytes kept (6.6+)',
    imageSize: 64 << 10,
    params: { kmsgSize: 4, maxReason: 2 },
    cpus: 1,
    compress: 'deflate',
    boots: [[{ dump: KmsgDumpReason.OOPS, marker: 'ENGINE-FX5-OOPS', lines: 0, seed: 99 }]],
  },
];

/** Lines of noise that deflate cannot shrink (seeded). */
function incompressibleLines(seed: number, count: number, startNs: bigint): PrintkRecord[] {
  let s = seed >>> 0;
  const out: PrintkRecord[] = [];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < count; i++) {
    let text = 'entropy: ';
    for (let j = 0; j < 100; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      text += alphabet[s >>> 26];
    }
    out.push({ tsNsec: startNs + BigInt(i) * 1000n, level: 6, facility: 0, text });
  }
  return out;
}

function dumpLog(step: { marker: string; lines?: number; seed?: number }, bootSeed: number): string[] {
  const records = step.lines === 0 ? incompressibleLines(step.seed ?? 1, 120, 5_000_000_000n) : generateBootLog(step.seed ?? bootSeed, step.lines ?? 120);
  const last = records.at(-1)?.tsNsec ?? 0n;
  records.push({ tsNsec: last + 1_000_000n, level: 1, facility: 0, text: `${step.marker}: Unable to handle kernel NULL pointer dereference at virtual address 0000000000000010` });
  records.push({ tsNsec: last + 1_000_100n, level: 4, facility: 0, text: 'Call trace:\n pstore_oracle_init+0x10/0x1000 [oops]\n do_one_initcall+0x4c/0x2a0\n do_init_module+0x60/0x230' });
  return records.map(formatSyslog);
}

/** Builds the scenario's image from zeroes, boot by boot, as the kernel would. */
export function buildEngineImage(s: EngineScenario): Uint8Array {
  const image = new Uint8Array(s.imageSize);
  const params = mergeBlkParams(s.params);
  s.boots.forEach((steps, boot) => {
    let clock = EPOCH + BigInt(boot) * 600n;
    const now = (): Timespec => ({ sec: clock, nsec: 250_000_000n });
    const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(image), { panicWriter: true }), params, { nrCpus: s.cpus });
    const core = new PstoreCore(reg.zone, { compress: s.compress, now });
    // Mounting pstorefs runs recovery; until then pstore/zone writes nothing.
    reg.zone.recovery();
    for (const step of steps) {
      if ('dump' in step) core.dump(step.dump, new LinesDumpIter(dumpLog(step, boot + 1)));
      else if ('pmsg' in step) core.writePmsg(new TextEncoder().encode(step.pmsg));
      else if ('console' in step) core.writeConsole(new TextEncoder().encode(step.console));
      else for (let i = 0; i < step.ftrace; i++) core.writeFtrace(0xffff800080010000n + BigInt(i * 0x40), 0xffff800080020000n + BigInt(i), i % s.cpus);
      clock += 1n;
    }
    // The deferred flusher runs before the next boot.
    reg.zone.unregister();
  });
  return image;
}
