/**
 * The named steps of layout inference, one at a time, on hand-made signature
 * hits: which hits can be zone starts, ftrace geometry, split and CPU count,
 * pmsg/console sizes, kmsg spacing and size. detect.test.ts checks them put
 * together, on fixtures and random layouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcd, zoneStartHits, type ZoneStartHits } from '../../src/zone/forensics/inference.js';
import { inferCpuCount, inferFtraceGeometry, inferFtraceSize, inferFtraceSplit } from '../../src/zone/forensics/infer-ftrace.js';
import { inferConsoleSize, inferPmsgSize } from '../../src/zone/forensics/infer-rings.js';
import { inferKmsgSize, inferKmsgSpacing, inferOneKmsgZoneSize } from '../../src/zone/forensics/infer-kmsg.js';
import type { SignatureHit } from '../../src/zone/forensics/signatures.js';
import { readerOf } from './helpers.js';

const KiB = 1024;
const HEADER = 12; // struct psz_buffer

function hit(kind: SignatureHit['kind'], off: number, more: Partial<SignatureHit> = {}): SignatureHit {
  return { kind, off, datalen: 100, start: 100, wrapped: false, ...(kind === 'kmsg' ? { magicOk: true } : {}), ...more };
}

const starts = (hits: SignatureHit[]): ZoneStartHits => zoneStartHits(hits);

test('zoneStartHits: pmsg only at 0, console on 4096, kmsg aligned or with its magic, ftrace between', () => {
  const s = starts([
    hit('pmsg', 0),
    hit('pmsg', 8 * KiB),
    hit('console', 4 * KiB + 512),
    hit('console', 8 * KiB),
    hit('ftrace', 4 * KiB, { cpu: 0 }),
    hit('ftrace', 12 * KiB, { cpu: 0 }),
    hit('ftrace', 14 * KiB),
    hit('kmsg', 16 * KiB + 100, { magicOk: false }),
    hit('kmsg', 20 * KiB),
    hit('ftrace', 24 * KiB, { cpu: 1 }),
  ]);
  assert.equal(s.pmsg?.off, 0);
  assert.equal(s.console?.off, 8 * KiB);
  assert.deepEqual(s.kmsg.map((h) => h.off), [20 * KiB]);
  assert.deepEqual(s.ftrace.map((h) => h.off), [12 * KiB, 14 * KiB]);
  assert.deepEqual(s.ftraceWithCpu.map((h) => h.off), [12 * KiB]);
});

test('inferFtraceGeometry: two CPUs fix the zone size and area start; a misplaced CPU is a problem', () => {
  const problems: string[] = [];
  const g = inferFtraceGeometry(starts([hit('ftrace', 8 * KiB + 2000, { cpu: 1 }), hit('ftrace', 8 * KiB + 4000, { cpu: 2 }), hit('ftrace', 8 * KiB + 7000, { cpu: 3 })]), problems);
  assert.equal(g.zoneSize, 2000);
  assert.equal(g.areaStart, 8 * KiB);
  assert.match(g.zoneSizeHow, /^CPU 1 and CPU 2 ftrace zones at 0x27d0 and 0x2fa0$/);
  assert.deepEqual(problems, ['ftrace signature at 0x3b58 (CPU 3) is not where zone 3 would start']);
});

test('inferFtraceGeometry: a wrapped ring gives its size; an unwrapped CPU > 0 waits for the area start', () => {
  const wrapped = inferFtraceGeometry(starts([hit('ftrace', 8 * KiB + 4084, { cpu: 1, datalen: 4072, start: 24, wrapped: true })]), []);
  assert.deepEqual([wrapped.zoneSize, wrapped.areaStart, wrapped.pendingCpu], [4084, 8 * KiB, undefined]);
  const cpu0 = inferFtraceGeometry(starts([hit('ftrace', 8 * KiB, { cpu: 0 })]), []);
  assert.deepEqual([cpu0.zoneSize, cpu0.areaStart], [undefined, 8 * KiB]);
  const pending = inferFtraceGeometry(starts([hit('ftrace', 10 * KiB, { cpu: 2 })]), []);
  assert.equal(pending.areaStart, undefined);
  assert.equal(pending.pendingCpu?.cpu, 2);
});

test('inferFtraceSplit: the area follows pmsg and console; a pending CPU is sized from it', () => {
  const problems: string[] = [];
  const pending = inferFtraceGeometry(starts([hit('ftrace', 10 * KiB, { cpu: 2 })]), []);
  const split = inferFtraceSplit(pending, 8 * KiB, problems);
  assert.deepEqual([split.start, split.zoneSize, split.confidence], [8 * KiB, KiB, 'exact']);
  assert.equal(split.zoneSizeHow, "CPU 2's zone at 0x2800, the area at 0x2000");
  assert.deepEqual(problems, []);
  const off = inferFtraceSplit({ areaStart: 12 * KiB, zoneSize: KiB, zoneSizeHow: '', pendingCpu: undefined }, 8 * KiB, problems);
  assert.equal(off.confidence, 'ambiguous');
  assert.deepEqual(problems, ['the ftrace area would start at 0x3000 but pmsg and console end at 0x2000']);
});

test('inferCpuCount and inferFtraceSize: the span to the first dmesg zone in zones of the size found', () => {
  const hits = starts([hit('ftrace', 0, { cpu: 0 }), hit('ftrace', 4 * KiB, { cpu: 1 }), hit('kmsg', 16 * KiB)]);
  const split = inferFtraceSplit(inferFtraceGeometry(hits, []), 0, []);
  const problems: string[] = [];
  const cpus = inferCpuCount(hits, split, problems);
  assert.deepEqual([cpus.value, cpus.zoneSize, cpus.confidence], [4, 4 * KiB, 'likely']);
  assert.match(cpus.how, /; CPUs 2\.\.3 never traced$/);
  const size = inferFtraceSize(hits, split, cpus, problems);
  assert.deepEqual([size.value, size.confidence], [16 * KiB, 'exact']);
  assert.deepEqual(problems, []);
});

test('inferCpuCount: with no zone size, the counts whose zones hold the data; without a dmesg zone, the CPUs seen', () => {
  const one = starts([hit('ftrace', 0, { cpu: 0, datalen: 3000 }), hit('kmsg', 8 * KiB)]);
  const split = inferFtraceSplit(inferFtraceGeometry(one, []), 0, []);
  const cpus = inferCpuCount(one, split, []);
  assert.deepEqual([cpus.value, cpus.zoneSize, cpus.confidence], [1, 8 * KiB, 'ambiguous'], cpus.how);
  const alone = starts([hit('ftrace', 0, { cpu: 0, datalen: 3000 })]);
  const lone = inferCpuCount(alone, inferFtraceSplit(inferFtraceGeometry(alone, []), 0, []), []);
  assert.deepEqual([lone.value, lone.how], [1, 'one ftrace zone seen']);
  const size = inferFtraceSize(alone, inferFtraceSplit(inferFtraceGeometry(alone, []), 0, []), lone, []);
  assert.deepEqual([size.value, size.confidence], [4 * KiB, 'ambiguous']);
});

test('inferPmsgSize: wrapped ring, the console offset, or none at all', () => {
  assert.deepEqual(inferPmsgSize(starts([hit('pmsg', 0, { datalen: 8 * KiB - HEADER, start: 5, wrapped: true })]), undefined, 64 * KiB).value, 8 * KiB);
  const toConsole = inferPmsgSize(starts([hit('pmsg', 0), hit('console', 16 * KiB)]), undefined, 64 * KiB);
  assert.deepEqual([toConsole.value, toConsole.confidence, toConsole.how], [16 * KiB, 'exact', 'the console zone starts at 0x4000']);
  assert.deepEqual(inferPmsgSize(starts([hit('kmsg', 0)]), undefined, 64 * KiB), { value: 0, confidence: 'exact', how: 'no pmsg zone' });
  const gap = inferPmsgSize(starts([hit('kmsg', 12 * KiB)]), undefined, 64 * KiB);
  assert.deepEqual([gap.value, gap.confidence], [12 * KiB, 'ambiguous']);
});

test('inferConsoleSize: wrapped ring, up to the ftrace area, or a never-written zone between pmsg and dmesg', () => {
  const wrapped = starts([hit('console', 4 * KiB, { datalen: 8 * KiB - HEADER, start: 9, wrapped: true })]);
  assert.equal(inferConsoleSize(wrapped, undefined, 4 * KiB, undefined, 64 * KiB).value, 8 * KiB);
  const toFtrace = inferConsoleSize(starts([hit('console', 4 * KiB)]), 12 * KiB, 4 * KiB, undefined, 64 * KiB);
  assert.deepEqual([toFtrace.value, toFtrace.confidence], [8 * KiB, 'exact']);
  const pmsgFull = starts([hit('pmsg', 0, { datalen: 4 * KiB - HEADER, start: 1, wrapped: true }), hit('kmsg', 12 * KiB), hit('kmsg', 28 * KiB)]);
  const gap = inferConsoleSize(pmsgFull, undefined, 4 * KiB, 16 * KiB, 64 * KiB);
  assert.deepEqual([gap.value, gap.confidence], [8 * KiB, 'ambiguous']);
  assert.deepEqual(inferConsoleSize(starts([hit('kmsg', 0)]), undefined, 0, undefined, 64 * KiB), { value: 0, confidence: 'exact', how: 'no console signature' });
});

test('inferKmsgSpacing: the common divisor of the distances, checked against datalen and 4096', () => {
  const problems: string[] = [];
  assert.deepEqual(inferKmsgSpacing([hit('kmsg', 0), hit('kmsg', 16 * KiB), hit('kmsg', 40 * KiB)], problems), { value: 8 * KiB, confidence: 'exact', how: 'spacing of 3 dmesg zones with a signature' });
  assert.equal(inferKmsgSpacing([hit('kmsg', 0)], problems).value, undefined);
  assert.equal(inferKmsgSpacing([hit('kmsg', 0, { datalen: 9000 }), hit('kmsg', 8 * KiB)], problems).confidence, 'ambiguous');
  assert.equal(inferKmsgSpacing([hit('kmsg', 0), hit('kmsg', 6 * KiB)], problems).confidence, 'ambiguous');
  assert.deepEqual(problems, ['dmesg zones 8192 bytes apart cannot hold a datalen of 9000', 'dmesg zone spacing 6144 is not a multiple of 4096']);
});

test('inferOneKmsgZoneSize: a record that fills its zone, the end of its zero fill, or the 64 KiB default', () => {
  const zeros = readerOf(new Uint8Array(256 * KiB));
  assert.equal(inferOneKmsgZoneSize(hit('kmsg', 0, { datalen: 16 * KiB - HEADER }), 0, 256 * KiB, zeros).value, 16 * KiB);
  const image = new Uint8Array(256 * KiB);
  image[32 * KiB] = 1; // the next zone's data
  const fill = inferOneKmsgZoneSize(hit('kmsg', 0), 0, 256 * KiB, readerOf(image));
  assert.deepEqual([fill.value, fill.how], [32 * KiB, "one dmesg zone; its zero fill ends at 0x8000, where the next zone's data starts"]);
  const dflt = inferOneKmsgZoneSize(hit('kmsg', 0), 0, 256 * KiB, zeros);
  assert.deepEqual([dflt.value, dflt.confidence], [64 * KiB, 'likely']);
});

test('inferKmsgSize: none found, zones before the first signature, and a signature off the grid', () => {
  assert.equal(inferKmsgSize([], { value: undefined, confidence: 'exact', how: '' }, 60 * KiB, 64 * KiB, readerOf(new Uint8Array(0)), []).confidence, 'ambiguous');
  assert.equal(inferKmsgSize([], { value: undefined, confidence: 'exact', how: '' }, 62 * KiB, 64 * KiB, readerOf(new Uint8Array(0)), []).how, 'no room left for dmesg zones');
  const spacing = { value: 8 * KiB, confidence: 'exact' as const, how: 'spacing' };
  const later = inferKmsgSize([hit('kmsg', 24 * KiB), hit('kmsg', 32 * KiB)], spacing, 8 * KiB, 64 * KiB, readerOf(new Uint8Array(0)), []);
  assert.deepEqual(later, { value: 8 * KiB, confidence: 'likely', how: 'spacing; dmesg zones before 0x6000 never written' });
  const problems: string[] = [];
  const off = inferKmsgSize([hit('kmsg', 12 * KiB), hit('kmsg', 20 * KiB)], spacing, 8 * KiB, 64 * KiB, readerOf(new Uint8Array(0)), problems);
  assert.equal(off.confidence, 'ambiguous');
  assert.deepEqual(problems, ['dmesg zones would start at 0x2000 but one has a signature at 0x3000']);
});

test('gcd: the dmesg zone spacing from zone distances', () => {
  assert.equal(gcd(0, 0), 0);
  assert.equal(gcd(0, 65536), 65536);
  assert.equal(gcd(65536, 0), 65536);
  assert.equal(gcd(12, 18), 6);
  assert.equal(gcd(3 * 65536, 5 * 65536), 65536);
  assert.equal(gcd(7 * 4096, 3 * 65536), 4096);
});
