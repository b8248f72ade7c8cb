import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZoneLayoutError, computeLayout, zonesInDiskOrder } from '../../src/zone/layout.js';
import { kernelProfile } from '../../src/zone/kernel-profile.js';

const K = 1024;
const base = { kmsgSize: 0, pmsgSize: 0, consoleSize: 0, ftraceSize: 0, nrCpus: 1 };

test('defaults on 1 MiB with 4 CPUs give the worked example of the format notes', () => {
  const l = computeLayout({ totalSize: 1024 * K, kmsgSize: 64 * K, pmsgSize: 64 * K, consoleSize: 64 * K, ftraceSize: 64 * K, nrCpus: 4 });
  assert.equal(l.pmsg?.off, 0);
  assert.equal(l.console?.off, 0x10000);
  assert.deepEqual(l.ftrace.map((z) => [z.off, z.size]), [[0x20000, 0x4000], [0x24000, 0x4000], [0x28000, 0x4000], [0x2c000, 0x4000]]);
  assert.equal(l.kmsg.length, 13);
  assert.equal(l.kmsg[0]!.off, 0x30000);
  assert.equal(l.kmsg[12]!.off, 0x30000 + 12 * 0x10000);
  assert.equal(l.unused, 0);
});

test('an ftrace size that does not divide by the CPU count leaves the kmsg zones unaligned', () => {
  const l = computeLayout({ ...base, totalSize: 1024 * K, kmsgSize: 64 * K, ftraceSize: 64 * K, nrCpus: 3 });
  assert.equal(l.ftrace.length, 3);
  assert.equal(l.ftrace[0]!.size, 21845);
  // The kmsg area subtracts ftrace_size, but zones start after 3 * 21845.
  assert.equal(l.kmsg[0]!.off, 65535);
  assert.equal(l.kmsg.length, 15);
});

test('more ftrace zones than CPUs when ftrace_size < nr_cpus^2 ... the kernel still makes floor(F / (F / n))', () => {
  const l = computeLayout({ ...base, totalSize: 64 * K, kmsgSize: 4 * K, ftraceSize: 4608, nrCpus: 100 });
  assert.equal(l.ftrace[0]!.size, 46);
  assert.equal(l.ftrace.length, 100);
});

test('5.11+ caps the region at 128 MiB; 5.8 does not', () => {
  const big = { ...base, totalSize: 256 * K * K, kmsgSize: 64 * K };
  const capped = computeLayout(big);
  assert.equal(capped.totalSize, 128 * K * K);
  assert.equal(capped.kmsg.length, 2048);
  assert.deepEqual(capped.notes, ['capping size to 128MiB']);
  assert.equal(computeLayout(big, kernelProfile('5.8')).kmsg.length, 4096);
});

test('zones come in disk order pmsg, console, ftrace, kmsg and never overlap', () => {
  const l = computeLayout({ totalSize: 4096 * K, kmsgSize: 32 * K, pmsgSize: 128 * K, consoleSize: 64 * K, ftraceSize: 64 * K, nrCpus: 4 });
  const zones = zonesInDiskOrder(l);
  assert.deepEqual([...new Set(zones.map((z) => z.kind))], ['pmsg', 'console', 'ftrace', 'kmsg']);
  for (let i = 1; i < zones.length; i++) assert.equal(zones[i]!.off, zones[i - 1]!.off + zones[i - 1]!.size);
  assert.ok(zones.at(-1)!.off + zones.at(-1)!.size <= l.totalSize);
});

test('layouts the kernel refuses fail with the kernel message', () => {
  const refuse = (p: Parameters<typeof computeLayout>[0], msg: RegExp): void => assert.throws(() => computeLayout(p), (e: unknown) => e instanceof ZoneLayoutError && msg.test(e.message));
  refuse({ ...base, totalSize: 2048, kmsgSize: 1024 }, /total_size must be >= 4096/);
  refuse({ ...base, totalSize: 8192 }, /at least one record size must be non-zero/);
  refuse({ ...base, totalSize: 6144, kmsgSize: 4096 }, /total_size must be a multiple of 4096/);
  refuse({ ...base, totalSize: 8192, kmsgSize: 256 }, /kmsg_size must be over 512/);
  refuse({ ...base, totalSize: 8192, kmsgSize: 1000 }, /kmsg_size must be a multiple of 512/);
  refuse({ ...base, totalSize: 32 * K, pmsgSize: 64 * K }, /no room for pmsg \(0x10000@0x0 over 0x8000\)/);
  refuse({ ...base, totalSize: 32 * K, kmsgSize: 64 * K }, /zone dmesg total_size too small/);
});
