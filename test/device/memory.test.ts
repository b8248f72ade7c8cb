/**
 * SimMemory page generations (what lets the ADMA2 engine keep a table walk between requests)
 * and mapping a range of a buffer in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimMemory, ViewList } from '../../src/device/memory.js';

test('a page generation changes whenever the page may change, and not for a rewrite of the same bytes', () => {
  const m = new SimMemory();
  const page = 1; // 0x1000
  assert.equal(m.pageGeneration(page), 0);
  m.write(0x1000, new Uint8Array(16)); // zeros over never-written memory: nothing changes
  const g0 = m.pageGeneration(page);
  m.write(0x1000, Uint8Array.of(1, 2, 3));
  const g1 = m.pageGeneration(page);
  assert.notEqual(g1, g0);
  m.write(0x1000, Uint8Array.of(1, 2, 3)); // same bytes
  assert.equal(m.pageGeneration(page), g1);
  assert.deepEqual(m.read(0x1000, 4), Uint8Array.of(1, 2, 3, 0));
  m.views(0x1000, 8, new ViewList(), true); // handed out for a DMA engine to fill
  const g2 = m.pageGeneration(page);
  assert.notEqual(g2, g1);
  m.views(0x1000, 8, new ViewList(), false); // read only
  assert.equal(m.pageGeneration(page), g2);
  const buf = new Uint8Array(3 * 4096).fill(7);
  m.mapPages(0x1000, buf, 4096, 4096);
  assert.equal(m.pageGeneration(page), -1, 'a mapped page can change behind the memory');
  assert.deepEqual(m.read(0x1000, 2), Uint8Array.of(7, 7));
  buf[4096] = 9;
  assert.equal(m.readU32(0x1000) & 0xff, 9, 'the mapping is the buffer from `from`');
  m.unmapPages(0x1000, 4096);
  const g3 = m.pageGeneration(page);
  assert.ok(g3 >= 0 && g3 !== g2);
  assert.deepEqual(m.read(0x1000, 4), Uint8Array.of(1, 2, 3, 0), 'the own frame is back');
  assert.throws(() => m.mapPages(0x2000, buf, 4096, 100), RangeError);
  assert.throws(() => m.mapPages(0x2000, buf, 8192, 8192), RangeError);
});
