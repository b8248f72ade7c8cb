/**
 * Layout auto-detection: exact parameters of every kernel fixture and of
 * engine-written images with random layouts; no guess on noise or zeros;
 * `detect` over a sparse disk image with a GPT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { defaultCardLayout, encodeGpt } from '../../src/driver/mmc/partitions/index.js';
import { detectLayout } from '../../src/zone/index.js';
import { recoverImage } from '../../src/index.js';
import { listFixtures, loadFixture } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { generateImage, kib, readerOf, type GenLayout } from './helpers.js';

for (const name of listFixtures()) {
  test(`detects the exact parameters of fixture ${name}`, () => {
    const fx = loadFixture(name);
    const d = detectLayout(readerOf(fx.image), fx.image.length);
    assert.equal(d.found, true);
    assert.deepEqual(d.params, {
      kmsgSize: kib(fx.params.kmsgSize),
      pmsgSize: kib(fx.params.pmsgSize),
      consoleSize: kib(fx.params.consoleSize),
      ftraceSize: kib(fx.params.ftraceSize),
    });
    if (fx.params.ftraceSize > 0) assert.equal(d.nrCpus, fx.cpus);
    else assert.equal(d.nrCpus, null, 'no ftrace area: the CPU count is not claimed');
    assert.notEqual(d.confidence, 'ambiguous', d.findings.map((f) => f.how).join('; '));
    assert.deepEqual(d.problems, []);
    for (const f of d.findings) assert.ok(f.how.length > 0, `${f.param} says how it was found`);
  });
}

test('a fixture with only one dmesg zone written is "likely", and says why', () => {
  const fx = loadFixture('engine-512k-pmsg-console-wrap');
  const d = detectLayout(readerOf(fx.image), fx.image.length);
  assert.equal(d.confidence, 'likely');
  const k = d.findings.find((f) => f.param === 'kmsg_size')!;
  assert.equal(k.confidence, 'likely');
  assert.match(k.how, /one dmesg zone/);
  assert.equal(d.findings.find((f) => f.param === 'pmsg_size')!.confidence, 'exact', 'a wrapped ring gives its size exactly');
});

test('auto-detection finds the parameters of engine images with random layouts (fixed seed)', () => {
  const gen = fc
    .record({
      kmsgKib: fc.constantFrom(4, 8, 16, 32, 64),
      pmsgKib: fc.constantFrom(0, 4, 8, 16, 64),
      consoleKib: fc.constantFrom(0, 4, 8, 32),
      ftraceKib: fc.constantFrom(0, 4, 8, 12, 16, 64),
      cpus: fc.integer({ min: 1, max: 4 }),
      kmsgZones: fc.integer({ min: 2, max: 6 }),
      tailPages: fc.integer({ min: 0, max: 15 }),
    })
    .map((g): GenLayout => ({ ...g, tailPages: g.tailPages % (g.kmsgKib / 4) }));
  fc.assert(
    fc.property(gen, (g) => {
      const { image } = generateImage(g);
      const d = detectLayout(readerOf(image), image.length);
      assert.equal(d.found, true);
      assert.deepEqual(d.params, { kmsgSize: g.kmsgKib, pmsgSize: g.pmsgKib, consoleSize: g.consoleKib, ftraceSize: g.ftraceKib }, JSON.stringify({ g, f: d.findings }));
      if (g.ftraceKib) assert.equal(d.nrCpus, g.cpus);
      assert.deepEqual(d.problems, []);
      assert.notEqual(d.confidence, 'ambiguous', JSON.stringify(d.findings));
    }),
    { seed: 20240601, numRuns: 40 },
  );
});

test('refuses to guess on random data and on all zeros', () => {
  let x = 0x12345678;
  const noise = new Uint8Array(2 * 1024 * 1024).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
  const dn = detectLayout(readerOf(noise), noise.length);
  assert.equal(dn.found, false);
  assert.equal(dn.confidence, 'ambiguous');
  const zeros = new Uint8Array(1024 * 1024);
  const dz = detectLayout(readerOf(zeros), zeros.length);
  assert.equal(dz.found, false);
  assert.match(dz.summary, /no pstore\/zone signature/);
  assert.equal(dz.stats.zeroChunks, 1, 'the all-zero chunk was skipped');
});

test('without a zone size, recover auto-detects; with no signature it falls back to the kernel defaults and says so', (t) => {
  const dir = tempDir(t);
  const fx = loadFixture('engine-2m-mixed-ftrace4');
  const image = path.join(dir, 'mixed.img');
  fs.writeFileSync(image, fx.image);
  const { report, files } = recoverImage({ image });
  assert.equal(report.params.detection?.used, true);
  assert.equal(report.params.nrCpus, 4);
  assert.match(report.params.cmdline, /kmsg_size=32 pstore_blk\.pmsg_size=128 pstore_blk\.console_size=64 pstore_blk\.ftrace_size=64/);
  assert.deepEqual(files.map((f) => f.name).sort(), [...fx.kernelFiles.keys()].filter((n) => !n.startsWith('ftrace')).concat(files.some((f) => f.name.startsWith('ftrace')) ? ['ftrace-pstore_blk-0'] : []).sort());
  const blank = path.join(dir, 'blank.img');
  fs.writeFileSync(blank, new Uint8Array(256 * 1024));
  const r = runCli(['inspect', '-i', blank, '--json']);
  const j = JSON.parse(r.stdout.toString()) as { params: { detection: { used: boolean; summary: string }; cmdline: string } };
  assert.equal(j.params.detection.used, false);
  assert.match(j.params.detection.summary, /using the kernel defaults/);
  assert.match(j.params.cmdline, /kmsg_size=64/);
  const explicit = recoverImage({ image, paramString: 'pstore_blk.kmsg_size=32 pstore_blk.pmsg_size=128 pstore_blk.console_size=64 pstore_blk.ftrace_size=64', nrCpus: 4 });
  assert.equal(explicit.report.params.detection, undefined, '--params given: no detection');
});

test('detect --json finds a fixture inside a partition of a sparse disk image with a GPT', (t) => {
  const dir = tempDir(t);
  const fx = loadFixture('engine-2m-mixed-ftrace4');
  const diskBytes = 64 * 1024 * 1024;
  const card = defaultCardLayout({ diskBytes, pstoreBytes: fx.image.length, profile: 'compact', label: 'pstore' });
  const disk = path.join(dir, 'emmc.img');
  const fd = fs.openSync(disk, 'w');
  fs.ftruncateSync(fd, diskBytes);
  for (const w of encodeGpt(card.layout, card.diskSectors)) fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.lba * 512);
  const part = card.layout.partitions.find((p) => p.number === card.pstoreNumber)!;
  fs.writeSync(fd, fx.image, 0, fx.image.length, part.firstLba * 512);
  fs.closeSync(fd);
  const r = runCli(['detect', '--image', disk, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout.toString()) as {
    table: { scheme: string };
    scan: { zeroChunks: number; chunks: number };
    regions: { offset: number; size: number; partition: { number: number; label: string } | null; layout: { params: unknown; nrCpus: number; confidence: string } }[];
  };
  assert.equal(rep.table.scheme, 'gpt');
  assert.equal(rep.regions.length, 1);
  const g = rep.regions[0]!;
  assert.equal(g.offset, part.firstLba * 512);
  assert.equal(g.size, fx.image.length);
  assert.deepEqual(g.partition && { number: g.partition.number, label: g.partition.label }, { number: card.pstoreNumber, label: 'pstore' });
  assert.deepEqual(g.layout.params, { kmsgSize: 32, pmsgSize: 128, consoleSize: 64, ftraceSize: 64 });
  assert.equal(g.layout.nrCpus, 4);
  assert.equal(g.layout.confidence, 'exact');
  assert.ok(rep.scan.zeroChunks >= rep.scan.chunks - 4, `holes skipped (${rep.scan.zeroChunks} of ${rep.scan.chunks} chunks)`);
  const text = runCli(['detect', '--image', disk]);
  assert.equal(text.status, 0);
  assert.match(text.stdout.toString(), new RegExp(`--offset ${part.firstLba * 512} --size ${fx.image.length} --params "pstore_blk.kmsg_size=32 `));
  const none = path.join(dir, 'zeros.img');
  fs.writeFileSync(none, new Uint8Array(1024 * 1024));
  assert.equal(runCli(['detect', '--image', none]).status, 3);
});
