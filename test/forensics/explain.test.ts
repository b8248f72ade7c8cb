/**
 * `inspect --explain`: every explanation and kernel-side hint, each on an
 * image made to trigger it; and the CLI output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MemoryRegion,
  PstoreCore,
  PstoreType,
  detectLayout,
  explainImage,
  genericBlkDevice,
  mergeBlkParams,
  registerPstoreDevice,
  zoneSignature,
  type BlkParams,
  type RelatedParams,
} from '../../src/zone/index.js';
import { explanationText, type ExplanationText } from '../../src/commands/render/hints.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { generateImage } from './helpers.js';

const K = 8192;
const PM = 8192;
const CO = 8192;
const kz = (i: number): number => PM + CO + i * K; // kmsg zone i

function base(compress: 'deflate' | 'none' = 'none', dumps = 2, tailPages = 0): { image: Uint8Array; params: BlkParams } {
  return generateImage({ kmsgKib: 8, pmsgKib: 8, consoleKib: 8, ftraceKib: 0, cpus: 1, kmsgZones: 4, tailPages }, { compress, dumps });
}

/** The zone layer's codes and facts, with the words the commands layer gives them. */
function explain(image: Uint8Array, params: BlkParams, related: RelatedParams = {}, paramsGiven = false): ExplanationText {
  const region = new MemoryRegion(image);
  const reg = registerPstoreDevice(genericBlkDevice(region), params);
  let files: ReturnType<PstoreCore['readFiles']> = [];
  try {
    files = new PstoreCore(reg.zone).readFiles();
  } catch {
    /* recovery aborted */
  }
  const read = (b: Uint8Array, p: number): number => region.readAt(b, p);
  return explanationText(explainImage({ read, layout: reg.zone.layout, verdicts: reg.zone.verdicts, files, recovered: reg.zone.recovered, params, related, detected: detectLayout(read, image.length), paramsGiven }));
}

const zone = (e: ExplanationText, kind: string, index: number): string[] => e.zones.filter((z) => z.kind === kind && z.index === index).map((z) => z.code);
const hints = (e: ExplanationText): string[] => e.hints.map((h) => h.code);
const dv = (img: Uint8Array): DataView => new DataView(img.buffer, img.byteOffset);

test('written zones are explained as holding their record; never-written ones as all zero or all 0xFF', () => {
  const { image, params } = base();
  const e = explain(image, params);
  assert.deepEqual(zone(e, 'kmsg', 0), ['ok']);
  assert.match(e.zones.find((z) => z.kind === 'kmsg' && z.index === 0)!.text, /holds dmesg-pstore_blk-0/);
  assert.deepEqual(zone(e, 'kmsg', 2), ['never-written-zero']);
  image.fill(0xff, kz(2), kz(3));
  assert.deepEqual(zone(explain(image, params), 'kmsg', 2), ['never-written-ff']);
});

test('another front end\'s signature, or data without one, means wrong parameters or offset', () => {
  const { image, params } = base();
  dv(image).setUint32(kz(2), zoneSignature(PstoreType.CONSOLE), true);
  const e = explain(image, params);
  assert.deepEqual(zone(e, 'kmsg', 2), ['wrong-signature']);
  assert.match(e.zones.find((z) => z.code === 'wrong-signature')!.text, /console signature/);
  assert.ok(hints(e).includes('layout-mismatch'));
  const b = base();
  b.image.set(new TextEncoder().encode('some filesystem data here'), kz(3));
  assert.deepEqual(zone(explain(b.image, b.params), 'kmsg', 3), ['no-signature-data']);
});

test('a damaged signature with an intact dmesg header; a damaged magic; datalen out of range', () => {
  const a = base();
  a.image.fill(0, kz(0), kz(0) + 4);
  assert.deepEqual(zone(explain(a.image, a.params), 'kmsg', 0), ['signature-damaged']);
  const b = base();
  dv(b.image).setUint32(kz(0) + 12, 0x12345678, true);
  assert.deepEqual(zone(explain(b.image, b.params), 'kmsg', 0), ['bad-magic']);
  const c = base();
  dv(c.image).setInt32(kz(0) + 4, 999999, true);
  const e = explain(c.image, c.params);
  assert.deepEqual(zone(e, 'kmsg', 0), ['overtop']);
  assert.match(e.zones.find((z) => z.code === 'overtop')!.text, /datalen 999999 for a 8180-byte buffer/);
});

test('erased zones: with the payload still on disk, and without', () => {
  const a = base();
  dv(a.image).setInt32(kz(1) + 4, 0, true);
  assert.deepEqual(zone(explain(a.image, a.params), 'kmsg', 1), ['erased-payload-left']);
  a.image.fill(0, kz(1) + 52, kz(2));
  assert.deepEqual(zone(explain(a.image, a.params), 'kmsg', 1), ['erased']);
});

test('compressed data that does not inflate', () => {
  const { image, params } = base('deflate');
  const v = dv(image);
  v.setInt32(kz(0) + 4, 40 + Math.floor((v.getInt32(kz(0) + 4, true) - 40) / 2), true);
  const e = explain(image, params);
  assert.deepEqual(zone(e, 'kmsg', 0), ['does-not-inflate']);
  assert.match(e.zones[2 + 0]!.text, /does not inflate/);
});

test('start > datalen in a ring aborts recovery of every zone; later zones are "not examined"', () => {
  const { image, params } = base();
  dv(image).setInt32(4, 10, true);
  dv(image).setInt32(8, 20, true);
  const e = explain(image, params);
  assert.deepEqual(zone(e, 'pmsg', 0), ['start-after-datalen']);
  assert.deepEqual(zone(e, 'console', 0), ['recovery-aborted']);
  assert.ok(hints(e).includes('recovery-aborted'));
});

test('counters that repeat and record times of 0', () => {
  const { image, params } = base();
  const v = dv(image);
  v.setUint32(kz(1) + 12 + 28, v.getUint32(kz(0) + 12 + 28, true), true);
  v.setBigInt64(kz(0) + 12 + 8, 0n, true);
  const e = explain(image, params);
  assert.ok(zone(e, 'kmsg', 1).includes('counter-inconsistent') || zone(e, 'kmsg', 0).includes('counter-inconsistent'), JSON.stringify(e.zones.filter((z) => z.kind === 'kmsg')));
  assert.ok(zone(e, 'kmsg', 0).includes('time-inconsistent'));
});

test('kernel-side hints: max_reason, best_effort, always_kmsg_dump, crash_kexec_post_notifiers', () => {
  const { image, params } = base();
  const e = explain(image, params);
  assert.deepEqual(hints(e), ['max-reason-no-shutdown', 'best-effort-no-panic', 'crash-kexec']);
  assert.ok(hints(explain(image, { ...params, maxReason: 1 })).includes('max-reason-panic-only'));
  assert.ok(hints(explain(image, { ...params, maxReason: 0 })).includes('always-kmsg-dump'));
  assert.ok(!hints(explain(image, { ...params, maxReason: 0 }, { alwaysKmsgDump: true })).includes('always-kmsg-dump'));
  assert.ok(!hints(explain(image, params, { crashKexecPostNotifiers: true })).includes('crash-kexec'));
});

test('a panic before pstorefs was mounted: zone 0 holds the newest record', () => {
  const { image, params } = base('none', 3);
  dv(image).setBigInt64(kz(0) + 12 + 8, 1_800_000_000n, true);
  assert.ok(hints(explain(image, params)).includes('panic-before-mount'));
});

test('a layout that does not fit the partition; parameters that disagree with the signatures', () => {
  const { image, params } = base('none', 2, 1);
  const e = explain(image, params);
  assert.ok(hints(e).includes('layout-unused'), hints(e).join());
  const wrong = mergeBlkParams({ kmsgSize: 4, pmsgSize: 8, consoleSize: 8 });
  const w = explain(image, wrong, {}, true);
  assert.ok(hints(w).includes('layout-mismatch'));
  assert.match(w.hints.find((h) => h.code === 'layout-mismatch')!.text, /kmsg_size=8 pmsg_size=8 console_size=8/);
});

test('inspect --explain (text and --json)', (t) => {
  const dir = tempDir(t);
  const { image } = base();
  dv(image).setInt32(kz(1) + 4, 0, true);
  const file = path.join(dir, 'x.img');
  fs.writeFileSync(file, image);
  const r = runCli(['inspect', '-i', file, '--explain']);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /^detect  auto-detected from the zone signatures: kmsg_size=8 pmsg_size=8 console_size=8 ftrace_size=0/m);
  assert.match(out, /^explain$/m);
  assert.match(out, /^ {2}kmsg 1: datalen is 0: the record was erased .*--salvage recovers it$/m);
  assert.match(out, /^ {2}kmsg 2-3: no signature, all zeros/m);
  assert.match(out, /^hints$/m);
  const j = runCli(['inspect', '-i', file, '--explain', '--json']);
  const rep = JSON.parse(j.stdout.toString()) as { explain: ExplanationText };
  assert.equal(rep.explain.zones.find((z) => z.kind === 'kmsg' && z.index === 1)!.code, 'erased-payload-left');
  const plain = runCli(['inspect', '-i', file, '--json']);
  assert.equal((JSON.parse(plain.stdout.toString()) as { explain?: unknown }).explain, undefined, 'only with --explain');
});
