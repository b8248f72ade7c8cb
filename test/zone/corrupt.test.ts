/** Damaged zones are skipped with the kernel's verdict; the rest is still recovered. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KmsgDumpReason, PSZ_BUFFER, RecoveryFailedError, encodePszBuffer, decodePszBuffer } from '../../src/zone/index.js';
import { bytes, logLines, rig } from './helpers-zone.js';

const K = 1024;

function image(): Uint8Array {
  const a = rig(512 * K, { kmsgSize: 64, pmsgSize: 64, consoleSize: 64 });
  a.core.writePmsg(bytes('user says hi\n'));
  a.core.writeConsole(bytes('console line\n'));
  for (let i = 0; i < 4; i++) {
    a.clock.sec += 1n;
    a.core.dump(KmsgDumpReason.OOPS, logLines(`d${i}`, 30));
  }
  return a.dev.bytes;
}
const KMSG0 = 128 * K;
const read = (img: Uint8Array) => {
  const r = rig(512 * K, { kmsgSize: 64, pmsgSize: 64, consoleSize: 64 }, { bytes: img, mount: false });
  const files = r.core.readFiles();
  return { files, verdicts: [...r.core.zone.verdicts.values()], names: files.map((f) => f.name) };
};

test('an intact image gives all six records', () => {
  assert.deepEqual(read(image()).names, ['dmesg-pstore_blk-0', 'dmesg-pstore_blk-1', 'dmesg-pstore_blk-2', 'dmesg-pstore_blk-3', 'pmsg-pstore_blk-0', 'console-pstore_blk-0']);
});

test('a kmsg zone with a bad signature is "no valid data"; the others are recovered', () => {
  const img = image();
  img[KMSG0 + 64 * K] ^= 0xff;
  const r = read(img);
  assert.ok(!r.names.includes('dmesg-pstore_blk-1'));
  assert.equal(r.names.length, 5);
  assert.equal(r.verdicts.find((v) => v.zone.kind === 'kmsg' && v.zone.index === 1)?.status, 'no-valid-data');
});

test('datalen past the buffer (or negative) is "overtop"', () => {
  for (const datalen of [64 * K, -5]) {
    const img = image();
    const h = decodePszBuffer(img, KMSG0 + 2 * 64 * K);
    encodePszBuffer({ ...h, datalen }, img, KMSG0 + 2 * 64 * K);
    const r = read(img);
    const v = r.verdicts.find((x) => x.zone.kind === 'kmsg' && x.zone.index === 2)!;
    assert.equal(v.status, 'overtop');
    assert.match(v.message, /found overtop zone: dmesg: id 2, off 262144, size 65524/);
    assert.equal(r.names.length, 5);
  }
});

test('a bad kmsg magic is "invalid"', () => {
  const img = image();
  img[KMSG0 + 3 * 64 * K + PSZ_BUFFER.size] ^= 1;
  const r = read(img);
  assert.equal(r.verdicts.find((x) => x.zone.kind === 'kmsg' && x.zone.index === 3)?.status, 'invalid');
  assert.equal(r.names.length, 5);
});

test('garbage under the compressed flag becomes dmesg-pstore_blk-N.enc.z with the raw bytes', () => {
  const img = image();
  img.fill(0x55, KMSG0 + 52, KMSG0 + 52 + 40);
  const f = read(img).files.find((x) => x.id === 0 && x.typeName === 'dmesg')!;
  assert.equal(f.name, 'dmesg-pstore_blk-0.enc.z');
  assert.equal(f.compressed, true);
  assert.ok(f.notes[0]?.startsWith('zlib_inflate() failed'));
  assert.equal(f.data.length, decodePszBuffer(img, KMSG0).datalen - 40);
});

test('a truncated deflate stream does not inflate: .enc.z, never a partial text', () => {
  const img = image();
  const h = decodePszBuffer(img, KMSG0);
  encodePszBuffer({ ...h, datalen: 40 + 20 }, img, KMSG0);
  assert.equal(read(img).files[0]!.name, 'dmesg-pstore_blk-0.enc.z');
});

test('a ring zone with start > datalen aborts the whole recovery, as the kernel does', () => {
  const img = image();
  encodePszBuffer({ ...decodePszBuffer(img, 0), start: 100, datalen: 10 }, img, 0);
  assert.throws(() => read(img), (e: unknown) => e instanceof RecoveryFailedError && /read zone pmsg failed/.test(e.message));
});

test('a ring zone with start past the buffer is overtop and skipped', () => {
  const img = image();
  encodePszBuffer({ ...decodePszBuffer(img, 0), start: 64 * K }, img, 0);
  const r = read(img);
  assert.ok(!r.names.includes('pmsg-pstore_blk-0'));
  assert.equal(r.names.length, 5);
});

test('an erased (datalen 0) zone is skipped but still positions the next write', () => {
  const img = image();
  encodePszBuffer({ ...decodePszBuffer(img, KMSG0 + 3 * 64 * K), datalen: 0 }, img, KMSG0 + 3 * 64 * K);
  const r = rig(512 * K, { kmsgSize: 64, pmsgSize: 64, consoleSize: 64 }, { bytes: img });
  assert.equal(r.core.readFiles().length, 5);
  assert.equal(r.core.zone.kmsgWriteCnt, 4, 'the newest tv_sec was the erased zone 3');
});

test('reading never writes to the device', () => {
  const img = image();
  const r = rig(512 * K, { kmsgSize: 64, pmsgSize: 64, consoleSize: 64 }, { bytes: img, mount: false });
  r.core.readFiles();
  assert.equal(r.dev.writes.length, 0);
});
