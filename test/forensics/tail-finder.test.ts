/**
 * The signature scan's search (tail-finder.ts): the WebAssembly SIMD finder answers exactly
 * what the plain one (indexOf and a compare) answers, match positions and the all-zero verdict
 * alike, at every alignment and length around its 64-byte steps; the chunk scanner gives the
 * same hits and zero verdicts either way; a scan with the SIMD finder equals one without; and
 * ranges the scan found all zero are answered without reading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkScanner, KIND_TYPE } from '../../src/zone/forensics/chunk-scan.js';
import { NO_MATCH, NO_MATCH_ZERO, plainTailFinder, simdTailFinder } from '../../src/zone/forensics/tail-finder.js';
import { readKnowingZeros, scanSignatures, type ReadAt } from '../../src/zone/forensics/signatures.js';
import { zoneSignature } from '../../src/zone/codec.js';
import { Prng } from '../../src/lib/prng.js';
import type { ZoneKind } from '../../src/zone/types.js';

const PATTERN = Buffer.from('BGC', 'latin1');
const CAPACITY = 4096;
const KINDS = Object.keys(KIND_TYPE) as ZoneKind[];

function sig(kind: ZoneKind): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(zoneSignature(KIND_TYPE[kind]));
  return b;
}

test('the SIMD finder is available here (Node 20+ has WebAssembly SIMD)', () => {
  assert.ok(simdTailFinder(PATTERN, CAPACITY));
});

test('SIMD and plain finders answer alike: matches, no match, all zero (fixed seed)', () => {
  const simd = simdTailFinder(PATTERN, CAPACITY)!;
  const plain = plainTailFinder(PATTERN, Buffer.alloc(CAPACITY));
  fc.assert(
    fc.property(
      // Bytes drawn mostly from the pattern's own, so partial and whole matches are common.
      fc.array(fc.constantFrom(0, 0, 0, 0x42, 0x47, 0x43, 0x01, 0xff), { maxLength: 600 }),
      fc.nat(),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 4 }),
      (bytes, fromSeed, zeroed, plants) => {
        const data = zeroed ? bytes.map(() => 0) : bytes;
        for (const p of plants) if (data.length >= 3) PATTERN.forEach((b, k) => (data[(p % (data.length - 2)) + k] = b));
        // Stale bytes after len must not count.
        simd.buf.fill(0x42);
        plain.buf.fill(0x42);
        simd.buf.set(data);
        plain.buf.set(data);
        const len = data.length;
        const from = fromSeed % (len + 1);
        const want = plain.find(from, len);
        assert.equal(simd.find(from, len), want);
        if (zeroed && !plants.length) assert.equal(want, NO_MATCH_ZERO);
      },
    ),
    { seed: 18, numRuns: 3000 },
  );
});

test('SIMD finder: the pattern at every position across two 64-byte steps, one nonzero byte anywhere', () => {
  const simd = simdTailFinder(PATTERN, CAPACITY)!;
  for (let len = 0; len <= 200; len++) {
    simd.buf.fill(0, 0, 256);
    assert.equal(simd.find(0, len), NO_MATCH_ZERO, `zeros, len ${len}`);
    for (let at = 0; at < len; at++) {
      simd.buf.fill(0, 0, 256);
      simd.buf[at] = 1;
      assert.equal(simd.find(0, len), NO_MATCH, `one byte at ${at}, len ${len}`);
    }
    for (let at = 0; at + 3 <= len + 2; at++) {
      simd.buf.fill(0, 0, 256);
      PATTERN.copy(simd.buf, at);
      assert.equal(simd.find(0, len), at + 3 <= len ? at : NO_MATCH, `pattern at ${at}, len ${len}`);
    }
  }
});

test('the chunk scanner finds the same signatures and zero chunks with either finder (fixed seed)', () => {
  const prng = new Prng(18);
  const simd = new ChunkScanner(CAPACITY);
  const plain = new ChunkScanner(CAPACITY, { simd: false });
  for (let run = 0; run < 300; run++) {
    const len = prng.int(0, CAPACITY);
    const zero = prng.int(0, 2) === 0;
    const data = Buffer.alloc(len);
    if (!zero) for (let i = 0; i < len; i++) data[i] = prng.int(0, 255);
    for (let n = prng.int(0, 5); n > 0 && len >= 4; n--) sig(prng.pick(KINDS)).copy(data, prng.int(0, len - 4));
    const end = prng.int(0, len);
    const seen = (s: ChunkScanner): unknown => {
      s.buf.set(data);
      const hits: [ZoneKind, number][] = [];
      const z = s.scan(len, end, (kind, i) => {
        hits.push([kind, i]);
        return true;
      });
      return { z, hits };
    };
    assert.deepEqual(seen(simd), seen(plain), `run ${run}`);
  }
});

function fileOf(data: Uint8Array): { read: ReadAt; reads: () => number } {
  let n = 0;
  const read: ReadAt = (buf, pos) => {
    n++;
    const got = Math.max(0, Math.min(buf.length, data.length - pos));
    buf.set(data.subarray(pos, pos + got));
    return got;
  };
  return { read, reads: () => n };
}

test('scanSignatures: the same hits, statistics and zero chunks with and without the SIMD finder', () => {
  const prng = new Prng(7);
  const chunk = 4096;
  const data = new Uint8Array(chunk * 12 + 100);
  for (let i = chunk * 3; i < chunk * 7; i++) data[i] = prng.int(0, 255);
  for (const [kind, at] of [['pmsg', 0], ['console', chunk * 2], ['kmsg', chunk * 4 - 1], ['ftrace', chunk * 8 + 13]] as const) sig(kind).copy(data, at);
  const { read } = fileOf(data);
  const a = scanSignatures(read, data.length, { chunk });
  const b = scanSignatures(read, data.length, { chunk, simd: false });
  assert.deepEqual(a, b);
  // Chunk 1 is zero but for the console signature in its 3 bytes of overlap.
  assert.deepEqual([...a.zeros.zero], [0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1]);
  assert.equal(a.stats.zeroChunks, 5);
  // The kmsg signature off a 512-byte boundary without a kmsg header is no hit.
  assert.deepEqual(a.hits.map((h) => [h.kind, h.off]), [['pmsg', 0], ['console', chunk * 2], ['ftrace', chunk * 8 + 13]]);
});

test('readKnowingZeros answers inside a zero chunk without reading, and reads everywhere else', () => {
  const chunk = 4096;
  const data = new Uint8Array(chunk * 3 + 10);
  data[chunk * 2 + 5] = 7;
  const file = fileOf(data);
  const { zeros } = scanSignatures(file.read, data.length, { chunk });
  assert.deepEqual([...zeros.zero], [1, 1, 0, 1]);
  const read = readKnowingZeros(file.read, zeros);
  const before = file.reads();
  const b = new Uint8Array(16).fill(9);
  assert.equal(read(b, chunk + 100), 16);
  assert.deepEqual([...b], new Array(16).fill(0));
  assert.equal(read(new Uint8Array(16), chunk * 3 + 2), 8, 'the partial last chunk: what the file holds');
  assert.equal(file.reads(), before + 1, 'only the range past the end was read');
  const across = new Uint8Array(16);
  assert.equal(read(across, chunk * 2 - 8), 16, 'a range across into a chunk with data is read');
  assert.equal(file.reads(), before + 2);
  const withData = new Uint8Array(16);
  read(withData, chunk * 2);
  assert.equal(withData[5], 7);
});
