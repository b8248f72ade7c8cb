/**
 * The crypto-API compressors of 4.19 .. 6.5 (src/zone/compressors): each
 * decoder against the reference libraries' output (the crafted fixtures),
 * the zbufsize_* limits, decompression bombs, and identification by trial,
 * which must never take a good deflate record for anything else and must
 * fail cleanly on garbage.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COMPRESS_ALGORITHMS,
  cryptoZbufsize,
  decompressRecord,
  decompressWith,
  lz4CompressBound,
  lz4CompressDefault,
  lz4DecompressSafe,
  lzo1xDecompressSafe,
  lzo1xWorstCompress,
  pstoreCompress,
  zstdCompressBound,
  zstdDecompress,
} from '../../src/zone/index.js';
import { Prng } from '../../src/lib/prng.js';
import { listCrafted } from './extra-fixtures.js';

const enc = new TextEncoder();
const BUFSIZE = 65484;

/** The stored payload of kmsg zone `i` of a crafted 64 KiB-zone image (x86_64 header). */
function storedPayload(image: Uint8Array, i: number): Uint8Array {
  const off = i * 65536;
  const datalen = new DataView(image.buffer, image.byteOffset).getInt32(off + 4, true);
  return image.subarray(off + 12 + 40, off + 12 + datalen);
}

const crypto = listCrafted('crypto');

test('zbufsize_* as platform.c of 6.1..6.5 computes them', () => {
  assert.equal(lzo1xWorstCompress(65484), 65484 + 4092 + 67);
  assert.equal(lz4CompressBound(65484), 65484 + 256 + 16);
  assert.equal(zstdCompressBound(65484), 65484 + 255 + ((131072 - 65484) >> 11));
  assert.equal(zstdCompressBound(200000), 200000 + 781);
  assert.equal(cryptoZbufsize('842', 4096), 4096);
  assert.equal(cryptoZbufsize('deflate', 4096), Math.floor((4096 * 100) / 45));
  assert.deepEqual([...COMPRESS_ALGORITHMS], ['deflate', 'lz4', 'lz4hc', 'lzo', 'zstd', '842']);
});

for (const fx of crypto) {
  const alg = fx.sidecar.module_params['pstore.compress'] as string;
  test(`${fx.name}: each record decodes with ${alg} given, and by trial to the same bytes`, () => {
    for (const [i, rec] of fx.sidecar.records_expected.entries()) {
      const payload = storedPayload(fx.image, i);
      assert.equal(payload.length, rec.stored_size);
      const given = decompressRecord(payload, BUFSIZE, 'crypto', alg as (typeof COMPRESS_ALGORITHMS)[number]);
      assert.ok(given.ok, JSON.stringify(given));
      assert.ok(Buffer.from(given.data).equals(fx.expected.get(rec.name)!));
      assert.equal(given.source, 'given');
      const trial = decompressRecord(payload, BUFSIZE, 'crypto');
      assert.ok(trial.ok, JSON.stringify(trial));
      assert.equal(trial.algorithm, rec.algorithm);
      assert.equal(trial.source, 'trial');
      assert.ok(Buffer.from(trial.data).equals(fx.expected.get(rec.name)!));
    }
  });
}

test('a good deflate record is always deflate, in both eras', () => {
  const text = enc.encode(`Panic#1 Part1\n${'<0>[   1.000000] Kernel panic - not syncing: test\n'.repeat(200)}`);
  for (const era of ['zlib', 'crypto'] as const) {
    const z = pstoreCompress(text, 8192, era)!;
    const r = decompressRecord(z, 8192, era);
    assert.ok(r.ok);
    assert.equal(r.algorithm, 'deflate');
    assert.equal(r.source, 'default');
  }
});

test('garbage fails cleanly: the deflate error stays, each trial says why', () => {
  const rng = new Prng('compress-garbage');
  for (let n = 0; n < 200; n++) {
    const junk = new Uint8Array(rng.int(1, 600)).map(() => rng.int(0, 255));
    const r = decompressRecord(junk, 4096, 'crypto');
    if (r.ok) assert.equal(r.algorithm, 'deflate', 'only a (lucky) deflate stream may decode');
    else {
      assert.equal(r.algorithm, 'deflate');
      assert.equal(r.trials.length, 3);
      assert.match(r.trials.join('\n'), /^zstd: /m);
    }
  }
});

test('a decode to something other than a dump is not taken by trial', () => {
  const block = lz4CompressDefault(enc.encode('not a pstore dump at all, just text '.repeat(20)), 4096)!;
  const r = decompressRecord(block, 4096, 'crypto');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.trials.join('\n'), /lz4: decodes, but not to a dump/);
});

test('LZ4: a bomb stops at the limit; truncation and bad offsets are refused', () => {
  // One literal, then a match of 4 + 15 + 255*k bytes at offset 1: output far past the input.
  const ext = new Uint8Array(400).fill(255);
  const bomb = new Uint8Array([0x1f, 0x41, 0x01, 0x00, ...ext, 0x00, 0x00]);
  const r = lz4DecompressSafe(bomb, 4096);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /past the 4096-byte limit/);
  assert.equal(lz4DecompressSafe(new Uint8Array([0x10, 0x41, 0x05, 0x00, 0x00]), 100).ok, false, 'offset 5 before 1 byte');
  assert.equal(lz4DecompressSafe(new Uint8Array([0x50, 0x41]), 100).ok, false, 'literals past the input');
  assert.equal(lz4DecompressSafe(new Uint8Array(0), 100).ok, false);
  const ok = lz4DecompressSafe(new Uint8Array([0x30, 0x61, 0x62, 0x63]), 100);
  assert.ok(ok.ok && new TextDecoder().decode(ok.data) === 'abc');
});

test('LZ4 writer: blocks decode to the input (lz4 and lz4hc), within the output bound', () => {
  const rng = new Prng('lz4-writer');
  const words = ['usb', 'mmc0:', 'pstore', 'panic', 'CPU', '0x', 'irq', ' ', '\n', 'sdhci'];
  for (let n = 0; n < 30; n++) {
    const text = enc.encode(Array.from({ length: rng.int(1, 3000) }, () => rng.pick(words)).join(''));
    const block = lz4CompressDefault(text, lz4CompressBound(text.length))!;
    const back = lz4DecompressSafe(block, text.length);
    assert.ok(back.ok && Buffer.from(back.data).equals(text));
  }
  const random = new Uint8Array(1000).map(() => rng.int(0, 255));
  assert.equal(lz4CompressDefault(random, 900), null, 'incompressible: does not fit, stored uncompressed');
  const lit = lz4CompressDefault(random, 2000)!;
  assert.ok(lz4DecompressSafe(lit, 1000).ok);
});

test('LZO1X: the end marker must end the input; a bomb stops at the limit', () => {
  const lzoFx = crypto.find((f) => f.name.endsWith('-lzo'))!;
  const payload = storedPayload(lzoFx.image, 0);
  assert.deepEqual([...payload.subarray(-3)], [0x11, 0x00, 0x00]);
  const trailing = lzo1xDecompressSafe(new Uint8Array([...payload, 0]), 70000);
  assert.equal(trailing.ok, false);
  if (!trailing.ok) assert.match(trailing.error, /INPUT_NOT_CONSUMED/);
  const cut = lzo1xDecompressSafe(payload.subarray(0, payload.length - 10), 70000);
  assert.equal(cut.ok, false);
  const small = lzo1xDecompressSafe(payload, 1000);
  assert.equal(small.ok, false);
  if (!small.ok) assert.match(small.error, /past the 1000-byte limit/);
  assert.equal(lzo1xDecompressSafe(new Uint8Array([0x11, 0x01, 0x00]), 10).ok, false, 'lzo-rle is not plain LZO1X');
});

test('zstd: the frame content size and the output are bounded by the limit', () => {
  const zstdFx = crypto.find((f) => f.name.endsWith('-zstd'))!;
  const payload = storedPayload(zstdFx.image, 0);
  const small = zstdDecompress(payload, 1000);
  assert.equal(small.ok, false);
  if (!small.ok) assert.match(small.error, /past the 1000-byte limit/);
  assert.equal(zstdDecompress(payload.subarray(0, payload.length - 5), 70000).ok, false, 'truncated frame');
  // The Panic frame states no content size (pre-5.16 kernels): the stream itself stops at the limit.
  const noSize = storedPayload(zstdFx.image, 1);
  assert.equal(noSize[4]! >> 6, 0, 'Frame_Content_Size_flag 0');
  const streamed = zstdDecompress(noSize, 2000);
  assert.equal(streamed.ok, false);
  if (!streamed.ok) assert.match(streamed.error, /decompresses past the 2000-byte limit/);
  assert.ok(zstdDecompress(noSize, 70000).ok);
  // A frame header claiming 4 GiB of content.
  const claim = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00]);
  const big = zstdDecompress(claim, 70000);
  assert.equal(big.ok, false);
  if (!big.ok) assert.match(big.error, /content size \d+ is past/);
});

test('842 stays compressed with the reason', () => {
  const r = decompressWith('842', new Uint8Array([1, 2, 3]), 100);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /no maintained 842 decoder/);
});
