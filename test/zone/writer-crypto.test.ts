/**
 * Writing dmesg records with the crypto-API compressors of 4.19 .. 6.5
 * (--kernel 5.15 --compress lz4): the sizes the kernel derives from
 * zbufsize_*, the stored block, and 6.6+'s fallback to deflate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KmsgDumpReason,
  UnsupportedCompressorError,
  decodePszBuffer,
  lz4CompressBound,
  lz4DecompressSafe,
  pstoreCompressWith,
} from '../../src/zone/index.js';
import { Prng } from '../../src/lib/prng.js';
import { logLines, rig } from './helpers-zone.js';

const KMSG = 16;
const BUFSIZE = KMSG * 1024 - 12 - 40;

for (const alg of ['lz4', 'lz4hc'] as const) {
  test(`--kernel 5.15 --compress ${alg}: one LZ4 block of zbufsize_lz4(bufsize) bytes of text, read back as ${alg === 'lz4hc' ? 'lz4 (same format)' : 'lz4'}`, () => {
    const r = rig(64 * 1024, { kmsgSize: KMSG }, { kernel: '5.15', compress: alg });
    const res = r.core.dump(KmsgDumpReason.PANIC, logLines('lz4', 2000));
    const part = res.parts[0]!;
    assert.equal(part.compressed, true);
    // big_oops_buf is LZ4_compressBound(bufsize): the header line plus whole lines up to that.
    assert.ok(part.textSize <= lz4CompressBound(BUFSIZE) - 1 && part.textSize > lz4CompressBound(BUFSIZE) - 60, String(part.textSize));
    const zone = r.dev.bytes.subarray(0, KMSG * 1024);
    const block = zone.subarray(52, 12 + decodePszBuffer(zone).datalen);
    const back = lz4DecompressSafe(block, lz4CompressBound(BUFSIZE));
    assert.ok(back.ok);
    assert.match(new TextDecoder().decode(back.data.subarray(0, 20)), /^Panic#1 Part1\n/);
    const [file] = r.core.readFiles();
    assert.equal(file!.name, 'dmesg-pstore_blk-0');
    assert.equal(file!.algorithm, 'lz4');
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

test('writing lzo, zstd or 842 is refused with the list of writable algorithms', () => {
  for (const alg of ['lzo', 'zstd', '842'] as const) {
    assert.throws(() => pstoreCompressWith(alg, new Uint8Array(10), 100, 'crypto'), UnsupportedCompressorError);
  }
});
