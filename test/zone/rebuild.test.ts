/**
 * encode(decode(image)) is the image: kernel-written zones rebuilt from
 * their decoded records with our encoder equal the kernel's bytes, and the
 * engine fixtures rebuild identically from their scenarios.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KMSG_PAYLOAD_OFFSET,
  PSZ_BUFFER,
  decodeKmsgHeader,
  decodePszBuffer,
  encodeKmsgHeader,
  encodePszBuffer,
  pstoreCompress,
} from '../../src/zone/index.js';
import { ENGINE_SCENARIOS, buildEngineImage } from '../../scripts/engine-scenarios.js';
import { loadFixture, readFixture } from '../helpers/fixtures.js';

for (const name of ['mmc-256k-kmsg64-wrap', 'virtio-1m-kmsg64-deflate', 'virtio-1m-kmsg64-plain']) {
  test(`${name}: every zone rebuilt from its decoded record is the kernel's 64 KiB byte for byte`, () => {
    const fx = loadFixture(name);
    const zoneSize = 64 * 1024;
    const rebuilt = new Uint8Array(fx.image.length);
    for (const f of readFixture(fx)) {
      const off = f.id * zoneSize;
      const kh = decodeKmsgHeader(fx.image, off + PSZ_BUFFER.size);
      const text = f.data;
      let payload: Uint8Array;
      if (kh.compressed) {
        payload = pstoreCompress(text, zoneSize - KMSG_PAYLOAD_OFFSET, 'zlib')!;
      } else {
        // Drop the "<Reason>: Total N times" line the reader prepends.
        payload = text.subarray(text.indexOf(10) + 1);
      }
      encodePszBuffer({ ...decodePszBuffer(fx.image, off), datalen: 40 + payload.length }, rebuilt, off);
      encodeKmsgHeader(kh, rebuilt, off + PSZ_BUFFER.size);
      rebuilt.set(payload, off + KMSG_PAYLOAD_OFFSET);
    }
    assert.ok(Buffer.from(rebuilt).equals(Buffer.from(fx.image)));
  });
}

for (const s of ENGINE_SCENARIOS) {
  test(`${s.name}: the scenario rebuilds the committed image exactly (deterministic)`, () => {
    assert.ok(Buffer.from(buildEngineImage(s)).equals(Buffer.from(loadFixture(s.name).image)));
  });
}
