/**
 * Byte-exactness against real kernel output: every compressed kmsg record in
 * the fixtures (written by Linux 6.12 pstore/blk) must be reproduced exactly.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { kernelDeflateRaw } from '../../src/zone/deflate/index.js';
import { inspectDeflate } from './deflate-inspect.js';
import { fixtureImage, kernelReadDir } from '../helpers/fixtures.js';

const KMSG_ZONE_SIZE = 65536;
/** pstore_zone kmsg header: sig, datalen at +4, compressed flag at +36, data from +52. */
const HEADER_SIZE = 52;
const DATALEN_OFFSET = 4;
const COMPRESSED_OFFSET = 36;
/** datalen counts from offset 12 (after sig, datalen and start/size fields). */
const DATALEN_BASE = 12;
/** What pstore hands zlib as avail_out for a 64 KiB kmsg zone. */
const OUT_LIMIT = KMSG_ZONE_SIZE - HEADER_SIZE;

interface KmsgRecord {
  fixture: string;
  zone: number;
  compressed: boolean;
  payload: Uint8Array;
  /** The text as the kernel's own pstore read it back. */
  kernelText: Uint8Array;
}

function loadRecords(fixture: string, zones: number): KmsgRecord[] {
  const image = fixtureImage(fixture);
  const records: KmsgRecord[] = [];
  for (let zone = 0; zone < zones; zone++) {
    const base = zone * KMSG_ZONE_SIZE;
    const view = new DataView(image.buffer, image.byteOffset + base, KMSG_ZONE_SIZE);
    const datalen = view.getInt32(DATALEN_OFFSET, true);
    if (datalen <= 0) continue;
    records.push({
      fixture,
      zone,
      compressed: image[base + COMPRESSED_OFFSET] === 1,
      payload: image.subarray(base + HEADER_SIZE, base + DATALEN_BASE + datalen),
      kernelText: readFileSync(`${kernelReadDir(fixture)}/dmesg-pstore_blk-${zone}`),
    });
  }
  return records;
}

const compressedRecords = [
  ...loadRecords('mmc-256k-kmsg64-wrap', 4),
  ...loadRecords('virtio-1m-kmsg64-deflate', 16),
].filter((r) => r.compressed);

describe('kernelDeflateRaw against real Linux 6.12 pstore records', () => {
  it('finds the 8 compressed fixture records (4 + 4)', () => {
    assert.equal(compressedRecords.length, 8);
  });

  for (const record of compressedRecords) {
    describe(`${record.fixture} zone ${record.zone}`, () => {
      it('fixture sanity: the payload inflates to the text the kernel read back', () => {
        assert.deepEqual(new Uint8Array(inflateRawSync(record.payload)), new Uint8Array(record.kernelText));
      });

      it('reproduces the kernel payload byte for byte (windowBits 15, level 6, memLevel 8)', () => {
        const ours = kernelDeflateRaw(record.kernelText, OUT_LIMIT);
        assert.ok(ours, 'stream should fit the zone');
        assert.equal(ours.length, record.payload.length);
        assert.deepEqual(ours, new Uint8Array(record.payload));
      });

      it('the kernel stream starts with a non-final dynamic block (block split heuristic)', () => {
        const info = inspectDeflate(record.payload);
        assert.ok(info.blocks.length >= 2, 'kernel output is split into several blocks');
        assert.deepEqual(info.blocks[0], { type: 'dynamic', final: false });
      });
    });
  }
});
