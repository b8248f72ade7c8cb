/**
 * detect never calls a layout exact when a zone start it implies holds a damaged header, or
 * when a datalen (or a ring's start) does not fit its zone: kernel-written images, then damaged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLayout, PSZ_BUFFER } from '../../src/zone/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { readerOf } from './helpers.js';

const KMSG_ZONE = 65536;

function detect(image: Uint8Array) {
  return detectLayout(readerOf(image), image.length);
}

const setI32 = (image: Uint8Array, at: number, v: number): void => new DataView(image.buffer, image.byteOffset).setInt32(at, v, true);

test('a damaged header at a zone start the layout implies makes it not exact, and says where', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  assert.equal(detect(fx.image).confidence, 'exact');
  const image = fx.image.slice();
  // The last dmesg zone was never written (no signature): give it a torn header.
  const last = image.length - KMSG_ZONE;
  assert.ok(image.subarray(last, last + PSZ_BUFFER.size).every((b) => b === 0), 'never written');
  image.fill(0x5a, last + 2, last + PSZ_BUFFER.size);
  const d = detect(image);
  assert.notEqual(d.confidence, 'exact');
  assert.ok(d.problems.some((p) => p.includes(`kmsg zone ${last / KMSG_ZONE} at 0x${last.toString(16)}: damaged header`)), d.problems.join('; '));
  // A never-written zone erased to 0xFF (flash) is no damage.
  const erased = fx.image.slice();
  erased.fill(0xff, last, last + PSZ_BUFFER.size);
  assert.equal(detect(erased).confidence, 'exact');
});

test('a datalen that does not fit its dmesg zone makes the layout not exact', () => {
  const fx = loadFixture('virtio-1m-kmsg64-deflate');
  const image = fx.image.slice();
  setI32(image, KMSG_ZONE + PSZ_BUFFER.datalen, KMSG_ZONE); // more than buffer_size (65536 - 12)
  const d = detect(image);
  assert.notEqual(d.confidence, 'exact');
  assert.ok(d.problems.some((p) => /datalen 65536 does not fit/.test(p)), d.problems.join('; '));
  // Negative, as the kernel's size_t comparison sees it: huge.
  setI32(image, KMSG_ZONE + PSZ_BUFFER.datalen, -1);
  assert.notEqual(detect(image).confidence, 'exact');
});

test("a ring's start past its buffer makes the layout not exact", () => {
  const fx = loadFixture('engine-512k-pmsg-console-wrap');
  const before = detect(fx.image);
  assert.notEqual(before.confidence, 'ambiguous');
  const image = fx.image.slice();
  const pmsgBuffer = fx.params.pmsgSize * 1024 - PSZ_BUFFER.size;
  setI32(image, PSZ_BUFFER.start, pmsgBuffer + 1);
  const d = detect(image);
  assert.equal(d.confidence, 'ambiguous');
  assert.ok(d.problems.some((p) => p.includes(`pmsg zone at 0x0: start ${pmsgBuffer + 1} does not fit`)), d.problems.join('; '));
});
