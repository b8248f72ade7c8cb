import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  KMSG_PAYLOAD_OFFSET,
  PSTORE_KMSG_HEADER_MAGIC,
  PSZ_BUFFER,
  PSZ_KMSG_HEADER,
  decodeFtraceRecord,
  decodeKmsgHeader,
  decodePszBuffer,
  encodeFtraceRecord,
  encodeKmsgHeader,
  encodePszBuffer,
  ftraceCpu,
  ftraceTimestamp,
  ftraceTs,
  zoneSignature,
} from '../../src/zone/codec.js';
import { PstoreType } from '../../src/zone/types.js';
import { loadFixture } from '../helpers/fixtures.js';

test('signatures are PSZ_SIG xor type, stored as DBGC, FBGC, GBGC, CBGC', () => {
  const ascii = (t: number): string => Buffer.from(encodePszBuffer({ sig: zoneSignature(t), datalen: 0, start: 0 }).subarray(0, 4)).toString('latin1');
  assert.equal(ascii(PstoreType.DMESG), 'DBGC');
  assert.equal(ascii(PstoreType.CONSOLE), 'FBGC');
  assert.equal(ascii(PstoreType.FTRACE), 'GBGC');
  assert.equal(ascii(PstoreType.PMSG), 'CBGC');
});

test('the kmsg header is 40 bytes with padding where LP64 puts it, payload at zone offset 52', () => {
  assert.equal(PSZ_BUFFER.size, 12);
  assert.equal(PSZ_KMSG_HEADER.size, 40);
  assert.equal(KMSG_PAYLOAD_OFFSET, 52);
  const bytes = encodeKmsgHeader({ magic: PSTORE_KMSG_HEADER_MAGIC, tvSec: 0x0102030405060708n, tvNsec: 999n, compressed: true, counter: 7, reason: 2 });
  assert.deepEqual([...bytes.subarray(0, 4)], [0xe5, 0x3a, 0xfc, 0x4d]);
  assert.deepEqual([...bytes.subarray(4, 8)], [0, 0, 0, 0], 'padding after magic');
  assert.equal(bytes[24], 1);
  assert.deepEqual([...bytes.subarray(25, 28)], [0, 0, 0], 'padding after compressed');
  assert.deepEqual([...bytes.subarray(36, 40)], [0, 0, 0, 0], 'tail padding');
});

test('decode(encode(header)) is the header, for any field values', () => {
  fc.assert(
    fc.property(
      fc.record({
        magic: fc.nat({ max: 0xffffffff }),
        tvSec: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        tvNsec: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        compressed: fc.boolean(),
        counter: fc.nat({ max: 0xffffffff }),
        reason: fc.nat({ max: 0xffffffff }),
      }),
      (h) => {
        const into = new Uint8Array(52);
        encodeKmsgHeader(h, into, 12);
        assert.deepEqual(decodeKmsgHeader(into, 12), { ...h });
      },
    ),
    { seed: 3, numRuns: 300 },
  );
});

test('psz_buffer fields are signed: a negative datalen survives a round trip', () => {
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (sig, datalen, start) => {
      assert.deepEqual(decodePszBuffer(encodePszBuffer({ sig, datalen, start })), { sig, datalen, start });
    }),
    { seed: 4, numRuns: 300 },
  );
});

test('re-encoding every kernel-written zone header gives the kernel bytes back', () => {
  for (const name of ['mmc-256k-kmsg64-wrap', 'virtio-1m-kmsg64-deflate', 'virtio-1m-kmsg64-plain']) {
    const { image } = loadFixture(name);
    for (let off = 0; off < image.length; off += 65536) {
      const head = image.subarray(off, off + KMSG_PAYLOAD_OFFSET);
      const buf = decodePszBuffer(head);
      if (buf.sig !== zoneSignature(PstoreType.DMESG)) continue;
      const again = new Uint8Array(KMSG_PAYLOAD_OFFSET);
      encodePszBuffer(buf, again);
      encodeKmsgHeader(decodeKmsgHeader(head), again, PSZ_BUFFER.size);
      assert.deepEqual([...again], [...head], `${name} zone at ${off}`);
    }
  }
});

test('ftrace records keep the CPU in the low 8 bits of ts', () => {
  const ts = ftraceTs(123456n, 3);
  const r = decodeFtraceRecord(encodeFtraceRecord({ ip: 0xffff800080001234n, parentIp: 0xffff800080005678n, ts }));
  assert.equal(ftraceCpu(r), 3);
  assert.equal(ftraceTimestamp(r), 123456n);
  assert.equal(r.ip, 0xffff800080001234n);
});
