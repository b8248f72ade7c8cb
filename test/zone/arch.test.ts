/**
 * 32-bit boards: struct psz_kmsg_header is 28 bytes on i386 (u64 aligned to
 * 4) and keeps the 40-byte layout on arm (u64 aligned to 8, tv_nsec a 4-byte
 * long); pstore_ftrace_record is 16 bytes on both. The layouts come from the
 * arch table of codec.ts; the arch is given, or detected from the headers.
 * The fixtures (fixtures/arch32/) were crafted from the struct definitions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ARCH_ABIS,
  ARCHES,
  KmsgDumpReason,
  MemoryRegion,
  PSZ_KMSG_HEADER,
  PSTORE_FTRACE_RECORD,
  PstoreCore,
  decodeFtraceRecord,
  decodeKmsgHeader,
  encodeFtraceRecord,
  encodeKmsgHeader,
  ftraceRecordBits,
  genericBlkDevice,
  kmsgHeaderLayout,
  kmsgPayloadOffset,
  mergeBlkParams,
  registerPstoreDevice,
  type Arch,
  type PstoreFile,
} from '../../src/zone/index.js';
import { listFixtures, loadFixture } from '../helpers/fixtures.js';
import { sha256 } from '../helpers/hash.js';
import { type CraftedFixture, craftedParams, listCrafted } from './extra-fixtures.js';
import { logLines, rig } from './helpers-zone.js';

function read(fx: CraftedFixture, arch?: Arch): { files: PstoreFile[]; arch: Arch } {
  const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(fx.image.slice())), mergeBlkParams(craftedParams(fx)), {
    nrCpus: fx.sidecar.cpus,
    ...(arch ? { arch } : {}),
  });
  const files = new PstoreCore(reg.zone).readFiles();
  return { files, arch: reg.zone.arch };
}

test('the arch table follows the C struct rules', () => {
  assert.deepEqual([...ARCHES], ['x86_64', 'arm64', 'arm', 'i386']);
  assert.equal(ARCH_ABIS.i386.kmsgHeader.size, 28);
  assert.equal(ARCH_ABIS.arm.kmsgHeader.size, 40);
  assert.equal(ARCH_ABIS.x86_64.kmsgHeader.size, PSZ_KMSG_HEADER.size);
  assert.equal(ARCH_ABIS.arm64.kmsgHeader.size, 40);
  assert.equal(ARCH_ABIS.i386.ftraceRecord.size, 16);
  assert.equal(ARCH_ABIS.arm.ftraceRecord.size, 16);
  assert.equal(ARCH_ABIS.x86_64.ftraceRecord.size, PSTORE_FTRACE_RECORD.size);
  assert.equal(kmsgPayloadOffset(ARCH_ABIS.i386), 40);
  assert.equal(kmsgPayloadOffset(), 52);
});

test('64-bit encodings are unchanged by the arch parameter (defaults and x86_64 alike)', () => {
  const h = { magic: 0x4dfc3ae5, tvSec: 1767225600n, tvNsec: 123456789n, compressed: true, counter: 7, reason: 1 };
  const a = encodeKmsgHeader(h);
  assert.deepEqual(a, encodeKmsgHeader(h, undefined, 0, ARCH_ABIS.x86_64));
  assert.deepEqual(a, encodeKmsgHeader(h, undefined, 0, ARCH_ABIS.arm64));
  assert.equal(a.length, 40);
  const r = { ip: 0xffffffff81000000n, parentIp: 0xffffffff81000010n, ts: 0x1234n };
  assert.deepEqual(encodeFtraceRecord(r), encodeFtraceRecord(r, undefined, 0, ARCH_ABIS.x86_64));
});

for (const arch of ['i386', 'arm'] as const) {
  test(`${arch}: header and ftrace record round-trip through the table`, () => {
    const abi = ARCH_ABIS[arch];
    const h = { magic: 0x4dfc3ae5, tvSec: 1767225600n, tvNsec: 5n, compressed: false, counter: 3, reason: 2 };
    const bytes = encodeKmsgHeader(h, undefined, 0, abi);
    assert.equal(bytes.length, abi.kmsgHeader.size);
    assert.deepEqual(decodeKmsgHeader(bytes, 0, abi), h);
    const r = { ip: 0xc10a2b40n, parentIp: 0xc10a3010n, ts: (9n << 8n) | 1n };
    const rb = encodeFtraceRecord(r, undefined, 0, abi);
    assert.equal(rb.length, 16);
    assert.deepEqual(decodeFtraceRecord(rb, 0, abi), r);
  });
}

test('an arm kmsg header is byte-identical to a 64-bit one (only ftrace tells them apart)', () => {
  const h = { magic: 0x4dfc3ae5, tvSec: 1767225600n, tvNsec: 999n, compressed: true, counter: 2, reason: 1 };
  assert.deepEqual(encodeKmsgHeader(h, undefined, 0, ARCH_ABIS.arm), encodeKmsgHeader(h));
});

test('detection helpers: the kmsg layout and the ftrace record size', () => {
  const zoneWith = (abi: (typeof ARCH_ABIS)[Arch]): Uint8Array => {
    const z = new Uint8Array(64);
    encodeKmsgHeader({ magic: 0x4dfc3ae5, tvSec: 1767225600n, tvNsec: 0n, compressed: false, counter: 1, reason: 1 }, z, 12, abi);
    return z;
  };
  assert.equal(kmsgHeaderLayout(zoneWith(ARCH_ABIS.i386)), 'i386');
  assert.equal(kmsgHeaderLayout(zoneWith(ARCH_ABIS.x86_64)), 'lp64');
  assert.equal(kmsgHeaderLayout(zoneWith(ARCH_ABIS.arm)), 'lp64');
  assert.equal(kmsgHeaderLayout(new Uint8Array(64)), undefined);
  const rec = (abi: (typeof ARCH_ABIS)[Arch], ip: bigint): Uint8Array => encodeFtraceRecord({ ip, parentIp: ip + 16n, ts: 0x500n }, undefined, 0, abi);
  assert.equal(ftraceRecordBits(new Uint8Array([...rec(ARCH_ABIS.x86_64, 0xffffffff81000000n), ...rec(ARCH_ABIS.x86_64, 0xffffffff81000100n)])), 64);
  assert.equal(ftraceRecordBits(new Uint8Array([...rec(ARCH_ABIS.i386, 0xc1000000n), ...rec(ARCH_ABIS.i386, 0xc1000100n)])), 32);
  assert.equal(ftraceRecordBits(new Uint8Array(48)), undefined);
});

for (const fx of listCrafted('arch32')) {
  describe(fx.name, () => {
    test('the image is the one the sidecar describes', () => {
      assert.equal(sha256(fx.image), fx.sidecar.image_sha256);
    });
    for (const [how, given] of [['detected from the headers', undefined], ['given', fx.sidecar.arch as Arch]] as const) {
      test(`arch ${how}: the records a ${fx.sidecar.arch} kernel shows`, () => {
        const { files, arch } = read(fx, given);
        assert.equal(arch, fx.sidecar.arch);
        assert.deepEqual(files.map((f) => f.name).sort(), fx.sidecar.records_expected.map((r) => r.name).sort());
        for (const f of files) {
          const want = fx.sidecar.records_expected.find((r) => r.name === f.name)!;
          assert.ok(Buffer.from(f.data).equals(fx.expected.get(f.name)!), `${f.name} bytes`);
          assert.equal(sha256(f.data), want.sha256);
          if (want.mtime !== undefined) assert.equal(Number(f.time.sec), want.mtime);
        }
      });
    }
    test('read as 64-bit it does not give what the kernel shows', () => {
      const { files } = read(fx, 'x86_64');
      // arm's kmsg zones are the 64-bit layout; its ftrace records are not.
      const name = fx.sidecar.arch === 'arm' ? 'ftrace-pstore_blk-0' : 'dmesg-pstore_blk-0';
      const got = files.find((f) => f.name === name);
      assert.ok(!got || !Buffer.from(got.data).equals(fx.expected.get(name)!));
    });
  });
}

for (const arch of ['i386', 'arm'] as const) {
  test(`writing with arch ${arch}: kmsg and ftrace in its layout, read back detected`, () => {
    const r = rig(64 * 1024, { kmsgSize: 16, ftraceSize: 8 }, { nrCpus: 2, arch, compress: 'none' });
    r.core.dump(KmsgDumpReason.PANIC, logLines(arch, 100));
    r.core.zone.unregister();
    const back = registerPstoreDevice(genericBlkDevice(new MemoryRegion(r.dev.bytes.slice())), mergeBlkParams({ kmsgSize: 16, ftraceSize: 8 }), { nrCpus: 2 });
    const files = new PstoreCore(back.zone).readFiles();
    const dmesg = files.find((f) => f.name === 'dmesg-pstore_blk-0')!;
    assert.match(new TextDecoder().decode(dmesg.data), new RegExp(`^Panic: Total 1 times\\nPanic#1 Part1\\n<6>\\[ {4}\\d\\.000000\\] ${arch} line`));
    // kmsg alone cannot tell arm from 64-bit: without ftrace records arm reads back as the 64-bit layout.
    assert.equal(back.zone.arch, arch === 'i386' ? 'i386' : 'x86_64');
  });

  test(`writing ftrace with arch ${arch}: 16-byte records, rendered and detected on reading`, () => {
    const r = rig(64 * 1024, { kmsgSize: 16, ftraceSize: 8 }, { nrCpus: 2, arch, compress: 'none' });
    r.core.dump(KmsgDumpReason.OOPS, logLines(arch, 50));
    for (let i = 0; i < 10; i++) r.core.writeFtrace(0xc10a2b40n + BigInt(i * 16), 0xc10a3010n, i % 2);
    r.core.zone.unregister();
    const cpu0 = r.core.zone.layout.ftrace[0]!;
    assert.equal(new DataView(r.dev.bytes.buffer).getInt32(cpu0.off + 4, true), 5 * 16, 'five 16-byte records on CPU 0');
    const back = registerPstoreDevice(genericBlkDevice(new MemoryRegion(r.dev.bytes.slice())), mergeBlkParams({ kmsgSize: 16, ftraceSize: 8 }), { nrCpus: 2 });
    const files = new PstoreCore(back.zone).readFiles();
    assert.equal(back.zone.arch, arch);
    const ftrace = new TextDecoder().decode(files.find((f) => f.name === 'ftrace-pstore_blk-0')!.data);
    assert.equal(ftrace.split('\n')[0], 'CPU:0 ts:0 c10a2b40  c10a3010  0xc10a2b40 <- 0xc10a3010');
    assert.equal(ftrace.split('\n').length - 1, 10);
  });
}

test('every kernel fixture is read as 64-bit, and the ftrace one says why', () => {
  for (const name of listFixtures()) {
    const fx = loadFixture(name);
    const reg = registerPstoreDevice(genericBlkDevice(new MemoryRegion(fx.image.slice())), fx.params, { nrCpus: fx.cpus });
    new PstoreCore(reg.zone).readFiles();
    assert.equal(reg.zone.arch, 'x86_64', name);
    if (name === 'engine-2m-mixed-ftrace4') assert.equal(reg.zone.archEvidence, '64-bit: 24-byte ftrace records');
  }
});
