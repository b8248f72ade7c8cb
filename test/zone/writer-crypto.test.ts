/**
 * Writing dmesg records with the crypto-API compressors of 4.19 .. 6.5
 * (--kernel 5.15 --compress lz4|lz4hc|lzo|zstd): the sizes the kernel derives from
 * zbufsize_*, the stored block, and 6.6+'s fallback to deflate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KmsgDumpReason,
  UnsupportedCompressorError,
  decodePszBuffer,
  decompressWith,
  lzo1xCompress,
  lzo1xDecompressSafe,
  lzo1xWorstCompress,
  hasZstdMagic,
  pstoreCompressWith,
  zstdCompressBound,
  zstdCompressFrame,
  zstdDecompress,
  cryptoZbufsize,
} from '../../src/zone/index.js';
import { Prng } from '../../src/lib/prng.js';
import { logLines, rig } from './helpers-zone.js';

const KMSG = 16;
const BUFSIZE = KMSG * 1024 - 12 - 40;

test('LZO1X writer: blocks decode to the input, over every match and literal form', () => {
  const rng = new Prng('lzo-writer');
  const words = ['usb', 'mmc0:', 'pstore', 'panic', 'CPU', '0x', 'irq', ' ', '\n', 'sdhci'];
  const cases: Uint8Array[] = [
    new Uint8Array([7]),
    new Uint8Array([1, 2, 3]),
    new Uint8Array(300).map(() => rng.int(0, 255)),
    new Uint8Array(5000).fill(0x41),
  ];
  // Repeats 16..48 KiB apart (M4) and text with long and short literal runs.
  const block = new Uint8Array(20000).map(() => rng.int(0, 255));
  cases.push(new Uint8Array([...block, ...new Uint8Array(100).fill(1), ...block]));
  for (let n = 0; n < 30; n++) cases.push(new TextEncoder().encode(Array.from({ length: rng.int(1, 4000) }, () => rng.pick(words)).join('')));
  for (const input of cases) {
    const z = lzo1xCompress(input, lzo1xWorstCompress(input.length))!;
    assert.deepEqual([...z.subarray(-3)], [0x11, 0, 0]);
    const back = lzo1xDecompressSafe(z, input.length);
    assert.ok(back.ok && Buffer.from(back.data).equals(Buffer.from(input)), `${input.length} bytes`);
  }
  assert.equal(lzo1xCompress(new Uint8Array(0), 100), null);
});

test('zstd writer: frames decode to the input (fzstd here; libzstd when it was written), one or more blocks', () => {
  const rng = new Prng('zstd-writer');
  const words = ['usb', 'mmc0:', 'pstore', 'panic', 'CPU', '0x', 'irq', ' ', '\n', 'sdhci'];
  const cases: Uint8Array[] = [new Uint8Array([7]), new Uint8Array(300).map(() => rng.int(0, 255)), new Uint8Array(70000).fill(0x41)];
  // Over 128 KiB: two blocks and a 4-byte content size; long literal runs and long matches.
  cases.push(new Uint8Array(140000).map(() => rng.int(0, 3)));
  for (let n = 0; n < 20; n++) {
    const parts: number[] = [];
    const size = rng.int(1, 20000);
    while (parts.length < size) {
      if (rng.next() < 0.1) for (let k = rng.int(1, 400); k > 0; k--) parts.push(rng.int(0, 255));
      else parts.push(...new TextEncoder().encode(rng.pick(words)));
    }
    cases.push(Uint8Array.from(parts));
  }
  for (const input of cases) {
    const z = zstdCompressFrame(input, zstdCompressBound(input.length) + 16)!;
    assert.ok(hasZstdMagic(z));
    const back = zstdDecompress(z, input.length);
    assert.ok(back.ok && Buffer.from(back.data).equals(Buffer.from(input)), `${input.length} bytes`);
  }
  assert.equal(zstdCompressFrame(new Uint8Array(0), 100), null);
  assert.equal(zstdCompressFrame(new Uint8Array(1000).map(() => rng.int(0, 255)), 900), null, 'does not fit: stored uncompressed');
});

for (const alg of ['lz4', 'lz4hc', 'lzo', 'zstd'] as const) {
  test(`--kernel 5.15 --compress ${alg}: one block of zbufsize_${alg}(bufsize) bytes of text, read back by trial`, () => {
    const r = rig(64 * 1024, { kmsgSize: KMSG }, { kernel: '5.15', compress: alg });
    const res = r.core.dump(KmsgDumpReason.PANIC, logLines('lz4', 2000));
    const part = res.parts[0]!;
    assert.equal(part.compressed, true);
    // big_oops_buf is zbufsize_<alg>(bufsize): the header line plus whole lines up to that.
    const zbufsize = cryptoZbufsize(alg, BUFSIZE);
    assert.ok(part.textSize <= zbufsize - 1 && part.textSize > zbufsize - 60, String(part.textSize));
    const zone = r.dev.bytes.subarray(0, KMSG * 1024);
    const block = zone.subarray(52, 12 + decodePszBuffer(zone).datalen);
    const back = decompressWith(alg, block, zbufsize);
    assert.ok(back.ok);
    assert.match(new TextDecoder().decode(back.data.subarray(0, 20)), /^Panic#1 Part1\n/);
    const [file] = r.core.readFiles();
    assert.equal(file!.name, 'dmesg-pstore_blk-0');
    assert.equal(file!.algorithm, alg === 'lz4hc' ? 'lz4' : alg);
    assert.equal(file!.algorithmSource, 'trial');
    assert.equal(file!.size, part.textSize);
  });
}

test('6.6+ knows only deflate: --compress lz4 falls back to deflate', () => {
  const r = rig(64 * 1024, { kmsgSize: KMSG }, { compress: 'lz4' });
  r.core.dump(KmsgDumpReason.OOPS, logLines('zlib', 2000));
  const [file] = r.core.readFiles();
  assert.equal(file!.algorithm, 'deflate');
  assert.equal(file!.algorithmSource, 'default');
});

test('an lz4 block that does not fit in bufsize is stored uncompressed, as LZ4_compress_default() returning 0 makes pstore do', () => {
  const rng = new Prng('lz4-incompressible');
  assert.equal(pstoreCompressWith('lz4', new Uint8Array(3000).map(() => rng.int(0, 255)), 1000, 'crypto'), null);
});

test('writing 842 is refused with the list of writable algorithms', () => {
  assert.throws(() => pstoreCompressWith('842', new Uint8Array(10), 100, 'crypto'), UnsupportedCompressorError);
});
