/**
 * forEachSignature(): the one-pass search for every zone signature finds exactly what one
 * search per signature kind finds (the scan it replaced), on random bytes with signatures
 * planted anywhere, adjacent, at the edges and past `end`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { forEachSignature, KIND_TYPE } from '../../src/zone/forensics/chunk-scan.js';
import { zoneSignature } from '../../src/zone/codec.js';
import type { ZoneKind } from '../../src/zone/types.js';

const KINDS = Object.keys(KIND_TYPE) as ZoneKind[];

function sig(kind: ZoneKind): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(zoneSignature(KIND_TYPE[kind]));
  return b;
}

/** The previous scan: one indexOf pass per kind, then sorted by offset. */
function perKind(data: Buffer, end: number): [ZoneKind, number][] {
  const out: [ZoneKind, number][] = [];
  for (const kind of KINDS) {
    const s = sig(kind);
    for (let i = data.indexOf(s); i >= 0 && i < end; i = data.indexOf(s, i + 1)) out.push([kind, i]);
  }
  return out.sort((a, b) => a[1] - b[1]);
}

function onePass(data: Uint8Array, end: number): [ZoneKind, number][] {
  const out: [ZoneKind, number][] = [];
  forEachSignature(data, end, (kind, i) => {
    out.push([kind, i]);
    return true;
  });
  return out;
}

test('forEachSignature finds what one search per kind finds (fixed seed)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 4096 }),
      fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.nat()), { maxLength: 12 }),
      fc.nat(),
      fc.boolean(),
      (bytes, plants, endSeed, plain) => {
        const data = Buffer.from(bytes);
        // Partial tails ("BGC" without a signature byte before it) as noise.
        for (const [kind, at] of plants) if (data.length >= 4) sig(kind).copy(data, at % (data.length - 3));
        if (data.length > 8) data.write('BGCBGC', data.length >> 1, 'latin1');
        const end = endSeed % (data.length + 1);
        const input = plain ? new Uint8Array(data) : data;
        assert.deepEqual(onePass(input, end), perKind(data, end));
      },
    ),
    { seed: 18, numRuns: 2000 },
  );
});

test('forEachSignature: adjacent signatures, one at index 0, one starting just before end, one at end', () => {
  const data = Buffer.concat([sig('kmsg'), sig('pmsg'), Buffer.from([0x42]), sig('console'), Buffer.alloc(5), sig('ftrace'), sig('kmsg')]);
  const end = data.length - 4;
  assert.deepEqual(onePass(data, end), [
    ['kmsg', 0],
    ['pmsg', 4],
    ['console', 9],
    ['ftrace', 18],
  ]);
});

test('forEachSignature stops when the visitor returns false', () => {
  const data = Buffer.concat([sig('kmsg'), sig('pmsg'), sig('console')]);
  const seen: number[] = [];
  forEachSignature(data, data.length, (_kind, i) => {
    seen.push(i);
    return seen.length < 2;
  });
  assert.deepEqual(seen, [0, 4]);
});
