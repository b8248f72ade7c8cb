/**
 * Injected faults end in the error the kernel returns (-EILSEQ, -ETIMEDOUT), after the SDHCI
 * driver's CMD/DATA resets, within bounded virtual time — and the stack keeps working afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { MmcBlockError } from '../../src/driver/mmc/block.js';
import { EILSEQ, EIO, ETIMEDOUT } from '../../src/lib/errno.js';
import type { TransferKind } from '../../src/driver/sdhci/sdhci.js';
import { makeRig, partitionBytes, randomBytes, TRANSFERS } from './helpers.js';

const RESET_CMD = R.RST.CMD.mask;
const RESET_DATA = R.RST.DATA.mask;

function expectBlockError(fn: () => unknown, errno: number): MmcBlockError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MmcBlockError, String(e));
    assert.equal(e.errno, errno, e.message);
    assert.equal(e.blkStatus, -EIO);
    return e;
  }
  assert.fail('expected the request to fail');
}

interface Case {
  faults: string;
  op: 'read' | 'write';
  errno: number;
}
const CASES: Case[] = [
  { faults: 'data-crc:2@cmd18', op: 'read', errno: -EILSEQ },
  { faults: 'data-crc:1@cmd25', op: 'write', errno: -EILSEQ },
  { faults: 'cmd-timeout@cmd18', op: 'read', errno: -ETIMEDOUT },
  { faults: 'cmd-timeout@cmd25', op: 'write', errno: -ETIMEDOUT },
  { faults: 'data-timeout:3@cmd18', op: 'read', errno: -ETIMEDOUT },
  { faults: 'data-timeout:2@cmd25', op: 'write', errno: -ETIMEDOUT },
  { faults: 'stuck:2@cmd18', op: 'read', errno: -ETIMEDOUT },
  { faults: 'stuck:2@cmd25', op: 'write', errno: -ETIMEDOUT },
  { faults: 'busy:forever@cmd25', op: 'write', errno: -ETIMEDOUT },
];

for (const transfer of TRANSFERS as readonly TransferKind[]) {
  for (const c of CASES) {
    test(`${transfer}: ${c.faults} on a ${c.op} → ${c.errno}, resets, then the stack works again`, () => {
      const { board, stack } = makeRig({ transfer, size: 1 << 20, armFaults: c.faults, retries: false });
      const dev = stack.devices[0]!;
      const resetsBefore = stack.sdhci.stats.resets.length;
      const t0 = board.clock.now;
      const data = randomBytes(8 * 512, 3);
      expectBlockError(() => (c.op === 'read' ? dev.readSectors(16, 8) : dev.writeSectors(16, data)), c.errno);
      assert.ok(board.clock.now - t0 < 30e9, `bounded virtual time (${(board.clock.now - t0) / 1e9} s)`);
      const resets = stack.sdhci.stats.resets.slice(resetsBefore);
      assert.ok(resets.includes(RESET_DATA), `DATA reset after the error (resets ${resets})`);
      if (!c.faults.startsWith('busy')) assert.ok(resets.includes(RESET_CMD) || resets.includes(RESET_CMD | RESET_DATA), `CMD reset (resets ${resets})`);
      assert.equal(stack.sdhci.readl(R.PRESENT_STATE) & (R.PS.CMD_INHIBIT.mask | R.PS.DAT_INHIBIT.mask), 0, 'no inhibit left');
      assert.equal(stack.host.ongoingMrq, null);
      if (c.faults.startsWith('busy')) return; // the card stays busy forever
      // fault fired once: the next requests succeed
      const again = randomBytes(4 * 512, 9);
      dev.writeSectors(40, again);
      assert.deepEqual(dev.readSectors(40, 4), again);
      assert.deepEqual(partitionBytes(board, 0, 40 * 512, again.length), again);
    });
  }
}

test('the block layer retries a one-off data CRC error and the read succeeds', () => {
  const { board, stack } = makeRig({ size: 1 << 20, armFaults: 'data-crc:2@cmd18' });
  const got = stack.devices[0]!.readSectors(8, 8);
  assert.deepEqual(got, partitionBytes(board, 0, 8 * 512, 8 * 512));
  assert.equal(stack.blk.stats.retries, 1);
  assert.equal(board.faults.log.length, 1);
});

test('a persistent CRC error fails after MMC_DATA_RETRIES tries with -EILSEQ', () => {
  const { board, stack } = makeRig({ size: 1 << 20, armFaults: 'data-crc:1@cmd18~1' });
  expectBlockError(() => stack.devices[0]!.readSectors(8, 8), -EILSEQ);
  assert.equal(board.faults.log.length, 2);
});

test('power-loss:3 during an 8-block write: exactly 3 blocks reach the image, the write fails -ETIMEDOUT', () => {
  const { board, backing, stack } = makeRig({ size: 1 << 20, armFaults: 'power-loss:3@cmd25', retries: false });
  const before = backing.read(64 * 512, 8 * 512);
  const data = randomBytes(8 * 512, 17);
  const t0 = board.clock.now;
  expectBlockError(() => stack.devices[0]!.writeSectors(64, data), -ETIMEDOUT);
  assert.ok(board.clock.now - t0 < 60e9);
  const after = backing.read(64 * 512, 8 * 512);
  assert.deepEqual(after.subarray(0, 3 * 512), data.subarray(0, 3 * 512));
  assert.deepEqual(after.subarray(3 * 512), before.subarray(3 * 512));
  // the card answers nothing any more: a read fails too, still bounded
  expectBlockError(() => stack.devices[0]!.readSectors(0, 1), -ETIMEDOUT);
});

test('a slow switch (busy:5ms@cmd6) during a partition switch still completes', () => {
  const { board, stack } = makeRig({ size: 1 << 20, armFaults: 'busy:5ms@cmd6' });
  const data = randomBytes(512, 4);
  stack.device('mmcblk0boot0')!.writeSectors(0, data);
  assert.deepEqual(partitionBytes(board, 1, 0, 512), data);
  assert.equal(board.faults.log.length, 1);
});

test('a stuck transfer is ended by the 10 s software timer, not a hang', () => {
  const { board, stack } = makeRig({ size: 1 << 20, armFaults: 'stuck:1@cmd18', retries: false });
  const t0 = board.clock.now;
  expectBlockError(() => stack.devices[0]!.readSectors(0, 4), -ETIMEDOUT);
  const dt = board.clock.now - t0;
  assert.ok(dt >= 10e9 && dt < 11e9, `timer fired after ${dt / 1e9} s`);
  assert.ok(stack.sdhci.log.some((l) => l.includes('Timeout waiting for hardware interrupt')));
});
