/**
 * Properties of the kernel-compatible deflate encoder: valid RFC 1951 output
 * for any input and setting, the kernel's outLimit semantics, and the match
 * distance limit of small windows.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { kernelDeflateRaw, kernelDeflateRawStream } from '../../src/zone/deflate/index.js';
import { inspectDeflate } from './deflate-inspect.js';

const SEED = 42;
const ZONE_OUT_LIMIT = 65484;
/** zlib caps distances at wSize - MIN_LOOKAHEAD (MAX_DIST). */
const maxDistFor = (windowBits: number): number => (1 << windowBits) - 262;

const encoder = new TextEncoder();

/** Deterministic pseudo-random bytes (xorshift32), independent of fast-check. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const MESSAGES = [
  'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
  'EXT4-fs (vda1): mounted filesystem 6f1c0d1e-1c47-4d5c with ordered data mode',
  'CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.12.0-amd64 #1 Debian',
  'Call Trace:',
  ' <TASK>',
  ' dump_stack_lvl+0x5d/0x80',
  ' panic+0x118/0x2e0',
  'pstore: Registered pstore_blk as persistent store backend',
  'mmc0: new high speed MMC card at address 0001',
];

const logLine = fc
  .record({
    level: fc.integer({ min: 0, max: 7 }),
    seconds: fc.integer({ min: 0, max: 99999 }),
    micros: fc.integer({ min: 0, max: 999999 }),
    message: fc.constantFrom(...MESSAGES),
    value: fc.integer({ min: 0, max: 0x7fffffff }),
  })
  .map(
    ({ level, seconds, micros, message, value }) =>
      `<${level}>[${String(seconds).padStart(5)}.${String(micros).padStart(6, '0')}] ${message} 0x${value.toString(16)}\n`,
  );

const logText = fc.array(logLine, { maxLength: 300 }).map((lines) => encoder.encode(lines.join('')));
const repetitive = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 2000 }))
  .map(([unit, times]) => {
    const out = new Uint8Array(unit.length * times);
    for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
    return out;
  });
const binary = fc.uint8Array({ maxLength: 4096 });
/** Binary with runs and copies of earlier material, so both literals and matches occur. */
const mixed = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 600 })).map(([b, n]) => new Uint8Array(n).fill(b)),
      fc.constantFrom(...MESSAGES).map((m) => encoder.encode(m)),
    ),
    { maxLength: 60 },
  )
  .map((parts) => concat(...parts));

const anyInput = fc.oneof(
  logText,
  repetitive,
  binary,
  mixed,
  fc.constant(new Uint8Array(0)),
  fc.integer({ min: 0, max: 255 }).map((b) => Uint8Array.of(b)),
);
const windowBits = fc.constantFrom(11, 15);

function assertValidStream(input: Uint8Array, stream: Uint8Array, bits: number): void {
  assert.deepEqual(new Uint8Array(inflateRawSync(stream)), input, 'node:zlib inflates back to the input');
  const info = inspectDeflate(stream);
  assert.equal(info.consumedBytes, stream.length, 'no trailing bytes after the final block');
  assert.equal(info.blocks.at(-1)?.final, true, 'last block has BFINAL set');
  assert.ok(info.blocks.slice(0, -1).every((b) => !b.final), 'only the last block is final');
  assert.ok(info.maxDistance <= maxDistFor(bits), `distance ${info.maxDistance} within window`);
}

describe('kernelDeflateRaw properties', () => {
  it('round-trips random, log-like, repetitive, binary, empty and 1-byte inputs (windowBits 11 and 15)', () => {
    fc.assert(
      fc.property(anyInput, windowBits, (input, bits) => {
        const stream = kernelDeflateRaw(input, ZONE_OUT_LIMIT, { windowBits: bits });
        assert.ok(stream, 'inputs of at most a few KiB fit in a 64 KiB zone');
        assertValidStream(input, stream, bits);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('round-trips inputs larger than 64 KiB (the window slides several times)', () => {
    // The shortest generated line is 30 bytes, so 2300 lines always exceed 64 KiB.
    const bigLog = fc.array(logLine, { minLength: 2300, maxLength: 3000 }).map((lines) => encoder.encode(lines.join('')));
    fc.assert(
      fc.property(bigLog, windowBits, (input, bits) => {
        assert.ok(input.length > 65536, `input is ${input.length} bytes`);
        const stream = kernelDeflateRawStream(input, { windowBits: bits });
        assertValidStream(input, stream, bits);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it('returns the stream only when it is strictly shorter than outLimit, like the kernel', () => {
    fc.assert(
      fc.property(anyInput, windowBits, fc.nat(), (input, bits, r) => {
        const stream = kernelDeflateRawStream(input, { windowBits: bits });
        const length = stream.length;
        // One spare byte: the kernel gets Z_STREAM_END.
        assert.deepEqual(kernelDeflateRaw(input, length + 1, { windowBits: bits }), stream);
        // Exactly full: zlib's FLUSH_BLOCK returns finish_started, deflate() returns Z_OK, pstore stores plain text.
        assert.equal(kernelDeflateRaw(input, length, { windowBits: bits }), null);
        // Any smaller buffer fails too (including 0: Z_BUF_ERROR).
        assert.equal(kernelDeflateRaw(input, r % length, { windowBits: bits }), null);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('produces valid streams at every level 0..9 and memLevel 1..8', () => {
    fc.assert(
      fc.property(
        fc.oneof(logText, mixed, repetitive),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(9, 11, 13, 15),
        (input, level, memLevel, bits) => {
          const stream = kernelDeflateRawStream(input, { level, memLevel, windowBits: bits });
          assertValidStream(input, stream, bits);
          if (level === 0) {
            assert.ok(inspectDeflate(stream).blocks.every((b) => b.type === 'stored'), 'level 0 stores only');
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('kernelDeflateRaw fixed cases', () => {
  it('encodes empty input as one empty fixed block (03 00)', () => {
    assert.deepEqual(kernelDeflateRaw(new Uint8Array(0), ZONE_OUT_LIMIT), Uint8Array.of(0x03, 0x00));
    assert.equal(kernelDeflateRaw(new Uint8Array(0), 2), null);
  });

  it('stores incompressible data and gives up when it cannot fit the zone', () => {
    const small = noise(5000, 7);
    const stream = kernelDeflateRaw(small, ZONE_OUT_LIMIT);
    assert.ok(stream);
    assertValidStream(small, stream, 15);
    assert.ok(inspectDeflate(stream).blocks.some((b) => b.type === 'stored'));
    assert.equal(kernelDeflateRaw(noise(70000, 7), ZONE_OUT_LIMIT), null);
  });

  it('windowBits 11 never uses a distance beyond the 2 KiB window', () => {
    const near = noise(1000, 1);
    const filler = noise(3000, 2);
    // `near` repeats at distance 1000 (reachable) and again 4000+ bytes later (not reachable with 2 KiB).
    const input = concat(near, near, filler, near, filler, near);

    const wide = kernelDeflateRaw(input, ZONE_OUT_LIMIT, { windowBits: 15 });
    const narrow = kernelDeflateRaw(input, ZONE_OUT_LIMIT, { windowBits: 11 });
    assert.ok(wide && narrow);
    assert.ok(inspectDeflate(wide).maxDistance > 2048, 'control: the 32 KiB window uses the far repeats');
    const narrowInfo = inspectDeflate(narrow);
    assert.ok(narrowInfo.maxDistance >= 1000 && narrowInfo.maxDistance <= maxDistFor(11));

    // An inflater with a 2 KiB window and small output chunks accepts only the narrow stream.
    assert.deepEqual(new Uint8Array(inflateRawSync(narrow, { windowBits: 11, chunkSize: 64 })), input);
    assert.throws(() => inflateRawSync(wide, { windowBits: 11, chunkSize: 64 }));
  });

  it('is deterministic and independent between calls', () => {
    const input = encoder.encode(MESSAGES.join('\n').repeat(50));
    const first = kernelDeflateRaw(input, ZONE_OUT_LIMIT);
    kernelDeflateRaw(noise(20000, 3), ZONE_OUT_LIMIT); // unrelated call in between
    assert.deepEqual(kernelDeflateRaw(input, ZONE_OUT_LIMIT), first);
  });

  it('rejects parameters the kernel rejects (Z_STREAM_ERROR)', () => {
    const input = Uint8Array.of(1, 2, 3);
    assert.throws(() => kernelDeflateRaw(input, 100, { windowBits: 8 }), RangeError);
    assert.throws(() => kernelDeflateRaw(input, 100, { windowBits: 16 }), RangeError);
    assert.throws(() => kernelDeflateRaw(input, 100, { memLevel: 9 }), RangeError);
    assert.throws(() => kernelDeflateRaw(input, 100, { memLevel: 0 }), RangeError);
    assert.throws(() => kernelDeflateRaw(input, 100, { level: 10 }), RangeError);
    assert.throws(() => kernelDeflateRaw(input, 100, { level: 1.5 }), RangeError);
  });

  it('compresses a 100 KB log in well under a second', () => {
    const line = (i: number): string => `<6>[${(i / 7).toFixed(6).padStart(12)}] ${MESSAGES[i % MESSAGES.length]} ${i}\n`;
    let text = '';
    for (let i = 0; text.length < 100_000; i++) text += line(i);
    const input = encoder.encode(text);
    const start = performance.now();
    const stream = kernelDeflateRaw(input, ZONE_OUT_LIMIT);
    const elapsed = performance.now() - start;
    assert.ok(stream);
    assert.deepEqual(new Uint8Array(inflateRawSync(stream)), input);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(1)} ms`);
  });
});
