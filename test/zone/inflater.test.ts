/**
 * RawInflater (one reused zlib engine and output buffer) gives every record exactly what
 * pstoreDecompress() (inflateRawSync per record) gives: the same bytes, the same verdict and
 * the same words for a failure, in any order of good and bad records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { INFLATE_CHUNK_MAX, pstoreDecompress, type InflateResult } from '../../src/zone/compress.js';
import { RawInflater } from '../../src/zone/inflater.js';
import { Prng } from '../../src/lib/prng.js';

const LIMIT = 12_000;
const text = Buffer.from('<6>[    1.000000] a line of kernel log text\n'.repeat(200)).subarray(0, 9_000);
const good = deflateRawSync(text);
const exact = deflateRawSync(Buffer.alloc(LIMIT, 0x41));
const oneOver = deflateRawSync(Buffer.alloc(LIMIT + 1, 0x41));
const prng = new Prng(7);
const random = Buffer.from(Array.from({ length: 3_000 }, () => prng.int(0, 255)));

/** Cases in an order that puts every kind of failure before a good record. */
const CASES: [string, Uint8Array][] = [
  ['good', good],
  ['truncated', good.subarray(0, good.length - 7)],
  ['good after a truncated stream', good],
  ['bad block type', Buffer.from([0xff, 0xff, 0xff, 0xff])],
  ['good after bad data', good],
  ['no input', new Uint8Array(0)],
  ['an empty stream', deflateRawSync(Buffer.alloc(0))],
  ['exactly the limit', exact],
  ['one byte over the limit', oneOver],
  ['good after an over-limit stream', good],
  ['trailing bytes after the stream', Buffer.concat([good, Buffer.from('tail')])],
  ['random bytes', random],
  ['a stored block', deflateRawSync(random, { level: 0 })],
];

/** The result with its bytes copied out (the inflater's view lasts until its next call). */
function settled(r: InflateResult): { ok: boolean; error?: string; data?: Buffer } {
  return r.ok ? { ok: true, data: Buffer.from(r.data) } : { ok: false, error: r.error };
}

for (const reuse of [true, false]) {
  test(`RawInflater (${reuse ? 'reused engine' : 'fallback'}) decodes like inflateRawSync per record, good and bad records interleaved`, () => {
    const inflater = new RawInflater({ reuse });
    for (let round = 0; round < 2; round++) {
      for (const [name, payload] of CASES) {
        assert.deepEqual(settled(inflater.inflate(payload, LIMIT)), settled(pstoreDecompress(payload, LIMIT)), `${name} (round ${round})`);
      }
    }
    assert.equal(inflater.reusing, reuse, reuse ? 'this Node\'s engine is driven directly (no silent fallback)' : 'the fallback was asked for');
    inflater.close();
    assert.deepEqual(settled(inflater.inflate(good, LIMIT)), { ok: true, data: text }, 'usable again after close()');
  });
}

test('RawInflater: the over-limit verdict and the failure words are the kernel-facing ones', () => {
  const inflater = new RawInflater();
  assert.deepEqual(settled(inflater.inflate(oneOver, LIMIT)), { ok: false, error: `inflates past the ${LIMIT}-byte limit (Z_BUF_ERROR)` });
  assert.deepEqual(settled(inflater.inflate(good.subarray(0, 10), LIMIT)), { ok: false, error: 'unexpected end of file' });
  assert.deepEqual(settled(inflater.inflate(exact, LIMIT)), { ok: true, data: Buffer.alloc(LIMIT, 0x41) });
});

test('RawInflater: one output buffer, reused (the view of a record is overwritten by the next)', () => {
  const inflater = new RawInflater();
  const a = inflater.inflate(good, LIMIT);
  const b = inflater.inflate(exact, LIMIT);
  assert.ok(a.ok && b.ok);
  assert.equal(a.data.buffer, b.data.buffer, 'both views share the buffer');
  assert.equal(a.data[0], 0x41, 'the first view now shows the second record');
});

test('RawInflater: a limit too large to keep a buffer for inflates per record, with the same result', () => {
  const big = INFLATE_CHUNK_MAX;
  const inflater = new RawInflater();
  assert.deepEqual(settled(inflater.inflate(good, big)), settled(pstoreDecompress(good, big)));
  assert.deepEqual(settled(inflater.inflate(random, big)), settled(pstoreDecompress(random, big)));
});
