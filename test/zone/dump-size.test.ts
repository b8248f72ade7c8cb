/**
 * pstore_dump()'s record.size when compression fails (fs/pstore/platform.c): 6.6+ stores
 * bufsize bytes of big_oops_buf whatever the dump's length; up to 6.5 copy_kmsg_to_buffer()
 * stores the dump itself (its header and newest bytes when it is longer than bufsize).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KmsgDumpReason, type KmsgDumpIter } from '../../src/zone/index.js';
import { Prng } from '../../src/lib/prng.js';
import { rig } from './helpers-zone.js';

const K = 1024;
/** 4 KiB kmsg zones: bufsize = 4096 - 12 - 40. */
const BUFSIZE = 4044;
const HEADER = new TextEncoder().encode('Oops#1 Part1\n');

/** One dump of exactly these bytes (random bytes do not deflate into less than themselves). */
function once(body: Uint8Array): KmsgDumpIter {
  let done = false;
  return {
    getBuffer(size: number) {
      if (done) return null;
      done = true;
      assert.ok(body.length <= size - 1, `${body.length} bytes do not fit ${size}`);
      return body;
    },
  };
}

const noise = (seed: string, n: number): Uint8Array => {
  const rng = new Prng(seed);
  return new Uint8Array(n).map(() => rng.int(0, 255));
};

const stored = (files: { name: string; data: Uint8Array }[], id: number): Uint8Array => {
  const f = files.find((x) => x.name === `dmesg-pstore_blk-${id}`);
  assert.ok(f, files.map((x) => x.name).join());
  // Past "Oops: Total N times\n", the bytes of the zone.
  const nl = f.data.indexOf(0x0a);
  return f.data.subarray(nl + 1);
};

test('6.6+: a dump shorter than bufsize that does not compress is stored as bufsize bytes (the dump, its NUL, zeros)', () => {
  const { core } = rig(64 * K, { kmsgSize: 4 });
  // 4042 bytes: a stored deflate block (5 bytes more) does not fit the 4044-byte buffer.
  const body = noise('short', 4042 - HEADER.length);
  const r = core.dump(KmsgDumpReason.OOPS, once(body));
  assert.equal(r.parts[0]!.compressed, false);
  assert.equal(r.parts[0]!.textSize, 4042);
  assert.equal(r.parts[0]!.size, BUFSIZE, 'record.size = bufsize, not the dump\'s 4042');
  const data = stored(core.readFiles(), 0);
  assert.equal(data.length, BUFSIZE);
  assert.deepEqual(data.subarray(0, HEADER.length), HEADER);
  assert.deepEqual(data.subarray(HEADER.length, 4042), body);
  assert.deepEqual([...data.subarray(4042)], [0, 0]);
});

test('6.6+: past a short dump, big_oops_buf still holds what a longer earlier dump of the boot left', () => {
  const { core } = rig(64 * K, { kmsgSize: 4 });
  const long = noise('long', 6000);
  core.dump(KmsgDumpReason.OOPS, once(long));
  const short = noise('short2', 4041 - '\nOops#2 Part1'.length);
  const r = core.dump(KmsgDumpReason.OOPS, once(short));
  assert.equal(r.parts[0]!.size, BUFSIZE);
  const data = stored(core.readFiles(), 1);
  const h2 = new TextEncoder().encode('Oops#2 Part1\n');
  assert.deepEqual(data.subarray(h2.length, 4041), short);
  assert.equal(data[4041], 0, 'the NUL kmsg_dump_get_buffer() ends the text with');
  // The first dump's bytes 4042..4043 (header, then its body from offset 13).
  assert.deepEqual([...data.subarray(4042)], [...long.subarray(4042 - HEADER.length, BUFSIZE - HEADER.length)]);
});

test('up to 6.5: the same short dump is stored as itself (copy_kmsg_to_buffer())', () => {
  const { core } = rig(64 * K, { kmsgSize: 4 }, { kernel: '5.15' });
  const body = noise('short', 4042 - HEADER.length);
  const r = core.dump(KmsgDumpReason.OOPS, once(body));
  assert.equal(r.parts[0]!.compressed, false);
  assert.equal(r.parts[0]!.size, 4042);
  const data = stored(core.readFiles(), 0);
  assert.equal(data.length, 4042);
  assert.deepEqual(data.subarray(HEADER.length), body);
});
