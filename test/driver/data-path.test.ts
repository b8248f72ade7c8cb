/**
 * The data path's reuse rules: a read into the caller's buffer (readSectorsInto) gives what a
 * fresh-buffer read gives and leaves the buffer alone once it returns; the driver's own CPU set
 * keeps no event trace (it would grow with every request) while a System's does; a scratch
 * file backing need not fsync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileBacking } from '../../src/device/backing.js';
import { createBoard } from '../../src/device/board.js';
import { bootMmcStack } from '../../src/driver/mmc/host-board.js';
import { MmcBlockError } from '../../src/driver/mmc/block.js';
import { CpuSet } from '../../src/driver/system/cpu.js';
import { ManualClock } from '../../src/driver/system/clock.js';
import { injectHostIoFault } from '../../src/lib/host-io.js';
import { tempDir } from '../helpers/temp-dir.js';
import { TRANSFERS, makeRig, partitionBytes, randomBytes } from './helpers.js';

for (const transfer of TRANSFERS) {
  test(`${transfer}: readSectorsInto fills the caller's buffer with what readSectors returns, on disks and partitions`, () => {
    const { board, stack } = makeRig({ transfer, size: 2 << 20 });
    const user = stack.devices[0]!;
    const out = new Uint8Array(300 * 512);
    for (const lba of [0, 7, 1000]) {
      user.readSectorsInto(lba, out);
      assert.deepEqual(out, partitionBytes(board, 0, lba * 512, out.length));
      assert.deepEqual(out, user.readSectors(lba, 300));
    }
    const boot0 = stack.devices[1]!;
    const small = new Uint8Array(3 * 512);
    boot0.readSectorsInto(5, small);
    assert.deepEqual(small, partitionBytes(board, boot0.partType, 5 * 512, small.length));
  });
}

test('a buffer read into is not written after the read returns (no mapping outlives the request)', () => {
  for (const transfer of TRANSFERS) {
    const { board, stack } = makeRig({ transfer, size: 2 << 20 });
    const user = stack.devices[0]!;
    const first = new Uint8Array(256 * 512);
    user.readSectorsInto(64, first);
    const kept = first.slice();
    // the same sectors rewritten and read again into another buffer, and other DMA meanwhile
    user.writeSectors(64, randomBytes(first.length, 7));
    const second = new Uint8Array(first.length);
    user.readSectorsInto(64, second);
    user.readSectors(0, 128);
    assert.deepEqual(first, kept, transfer);
    assert.deepEqual(second, partitionBytes(board, 0, 64 * 512, second.length), transfer);
  }
});

test('readSectorsInto refuses a buffer that is not whole sectors, and ranges beyond the device', () => {
  const { stack } = makeRig({ size: 1 << 20 });
  const user = stack.devices[0]!;
  assert.throws(() => user.readSectorsInto(0, new Uint8Array(513)), (e: unknown) => e instanceof MmcBlockError && /not whole sectors/.test(e.message));
  assert.throws(() => user.readSectorsInto(user.sectors - 1, new Uint8Array(1024)), (e: unknown) => e instanceof MmcBlockError && /beyond/.test(e.message));
});

test("the driver's own CPU set keeps no event trace; a set that records (a System's) keeps every event", () => {
  const { stack } = makeRig({ size: 1 << 20 });
  stack.devices[0]!.readSectors(0, 64);
  assert.ok(stack.cpu.stats.hardIrqs > 0, 'the request went through the interrupt path');
  assert.equal(stack.cpu.cpus.trace.length, 0);
  const recording = new CpuSet({ nrCpus: 1, clock: new ManualClock() });
  const quiet = new CpuSet({ nrCpus: 1, clock: new ManualClock(), recordEvents: false });
  for (const set of [recording, quiet]) {
    const lock = set.spinLock('l');
    const f = lock.lockIrqSave();
    lock.unlockIrqRestore(f);
  }
  assert.deepEqual(recording.trace.map((e) => e.kind), ['irq-disable', 'lock', 'unlock', 'irq-enable']);
  assert.equal(quiet.trace.length, 0);
  assert.equal(quiet.cpu.irqsDisabled, false, 'the state is kept all the same');
});

test('a file backing opened durable: false does not fsync on flush; the default does', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'card.img');
  fs.writeFileSync(file, new Uint8Array(1 << 20));
  for (const durable of [false, true]) {
    const fault = injectHostIoFault({ code: 'EIO', nth: 1, ops: ['fsync'] });
    try {
      const board = createBoard({ backing: FileBacking.open(file, { mode: 'rw', durable, lock: false }) });
      const user = bootMmcStack({ board }).devices[0]!;
      user.writeSectors(0, randomBytes(4096, 3));
      if (durable) assert.throws(() => board.close(), /fsync failed: EIO/);
      else board.close();
      assert.equal(fault.calls(), durable ? 1 : 0);
    } finally {
      fault.disarm();
    }
  }
  assert.deepEqual(new Uint8Array(fs.readFileSync(file).subarray(0, 4096)), randomBytes(4096, 3));
});
