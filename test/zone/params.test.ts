import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLK_DEFAULTS, ParamError, checkSize, mergeBlkParams, parseParamString, zoneSizesFromParams, PSTORE_FLAGS } from '../../src/zone/params.js';

test('defaults are a mainline defconfig: kmsg 64 KiB only, max_reason Oops', () => {
  assert.deepEqual(zoneSizesFromParams(mergeBlkParams()), { kmsgSize: 65536, pmsgSize: 0, consoleSize: 0, ftraceSize: 0, notes: [] });
  assert.equal(BLK_DEFAULTS.maxReason, 2);
});

test('a pasted /proc/cmdline yields the pstore_blk parameters and ignores the rest', () => {
  const p = parseParamString('console=ttyS0,115200 root=/dev/mmcblk0p7 pstore_blk.blkdev=/dev/mmcblk0p6 pstore_blk.kmsg_size=32 pstore_blk.pmsg_size=0x80 pstore_blk.max_reason=1 pstore.compress=none quiet');
  assert.deepEqual(p.blk, { blkdev: '/dev/mmcblk0p6', kmsgSize: 32, pmsgSize: 128, maxReason: 1 });
  assert.equal(p.related.compress, 'none');
  assert.deepEqual(p.ignored, ['console=ttyS0,115200', 'root=/dev/mmcblk0p7', 'quiet']);
});

test('modprobe styles: bare keys, and an options line from modprobe.d', () => {
  assert.deepEqual(parseParamString('kmsg_size=16 console_size=64 best_effort=y').blk, { kmsgSize: 16, consoleSize: 64, bestEffort: true });
  assert.deepEqual(parseParamString('options pstore_blk kmsg_size=8 ftrace-size=64').blk, { kmsgSize: 8, ftraceSize: 64 });
});

test('quoted values keep their spaces and equals signs', () => {
  assert.equal(parseParamString('pstore_blk.blkdev="PARTLABEL=pstore"').blk.blkdev, 'PARTLABEL=pstore');
});

test('values the kernel would not parse are errors naming the parameter', () => {
  assert.throws(() => parseParamString('pstore_blk.kmsg_size=64k'), (e: unknown) => e instanceof ParamError && /pstore_blk.kmsg_size: '64k' is not a number/.test(e.message));
  assert.throws(() => parseParamString('pstore_blk.best_effort=maybe'), ParamError);
  assert.throws(() => parseParamString('pstore_blk.kmsgsize=4'), /unknown parameter 'pstore_blk.kmsgsize'/);
  assert.throws(() => parseParamString(`pstore_blk.blkdev=${'x'.repeat(80)}`), /longer than 79/);
});

test('verify_size quirk: a KiB value that is not a multiple of 4 becomes ALIGN(KiB, 4096) bytes', () => {
  const notes: string[] = [];
  assert.equal(checkSize('kmsg_size', 6, notes), 4096);
  assert.deepEqual(notes, ['kmsg_size must align to 4096']);
  assert.equal(checkSize('kmsg_size', 8, []), 8192);
  assert.equal(checkSize('pmsg_size', -1, []), 0);
  assert.equal(checkSize('pmsg_size', 0, []), 0);
});

test('front ends a device does not support are forced to 0', () => {
  const sizes = zoneSizesFromParams(mergeBlkParams({ pmsgSize: 64, consoleSize: 64 }), PSTORE_FLAGS.DMESG);
  assert.equal(sizes.pmsgSize, 0);
  assert.equal(sizes.consoleSize, 0);
  assert.equal(sizes.kmsgSize, 65536);
});

test('later layers win over earlier ones when merging', () => {
  assert.equal(mergeBlkParams({ kmsgSize: 8 }, { kmsgSize: undefined }, { kmsgSize: 16 }).kmsgSize, 16);
});
