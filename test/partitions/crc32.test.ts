import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from '../../src/driver/mmc/partitions/index.js';
import { crc32Table } from '../../src/driver/mmc/partitions/crc32.js';

test('CRC32 of "123456789" is the catalogued check value 0xCBF43926', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('CRC32 can be continued across chunks', () => {
  const data = new TextEncoder().encode('EFI PART header and entries');
  assert.equal(crc32(data.subarray(10), crc32(data.subarray(0, 10))), crc32(data));
});

test('CRC32 agrees with an independent implementation (node:zlib) on random buffers', (t) => {
  const zcrc = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof zcrc !== 'function') return t.skip('node:zlib has no crc32 in this Node version');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => crc32(bytes) === zcrc(bytes)),
    { seed: 20240601, numRuns: 200 },
  );
});

test('the table-driven CRC32 (used where zlib has none) agrees with the one in use, chained too', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(4096), (bytes, cut) => {
      const at = Math.min(cut, bytes.length);
      assert.equal(crc32Table(bytes), crc32(bytes));
      assert.equal(crc32Table(bytes.subarray(at), crc32Table(bytes.subarray(0, at))), crc32(bytes));
    }),
    { seed: 18, numRuns: 200 },
  );
  assert.equal(crc32Table(new TextEncoder().encode('123456789')), 0xcbf43926);
});
