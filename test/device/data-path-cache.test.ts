/**
 * What the data path keeps instead of rebuilding per block or per access: the bus configuration
 * object (rebuilt whenever the registers change it), the register file's plain storage (reset
 * values and hardware-initialised registers), and the card's busy-span reason (built only for a
 * tracer that prints it). Same answers as before, fewer objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracer } from '../../src/device/trace.js';
import * as R from '../../src/hw/sdhci-regs.js';
import { TRANSFERS, makeRig, randomBytes } from '../driver/helpers.js';
import { makeBoard, powerUp } from './host.js';

test('busConfig is one object while the bus stays the same and a new one when the clock or width changes', () => {
  const { board } = makeBoard();
  powerUp(board, 2);
  const c = board.controller;
  const first = c.busConfig();
  assert.equal(c.busConfig(), first, 'unchanged registers: the same object');
  assert.ok(Object.isFrozen(first), 'callers cannot change what others share');
  board.mmio.writeb(R.HOST_CONTROL1.offset, R.HC1.EXT_DATA_WIDTH_8BIT.mask);
  const wide = c.busConfig();
  assert.notEqual(wide, first);
  assert.deepEqual({ ...wide }, { ...first, width: 8 });
  board.mmio.writew(R.CLOCK_CONTROL.offset, R.clockDividerBits(0) | R.CLK.INTERNAL_ENABLE.mask | R.CLK.SD_CLOCK_ENABLE.mask);
  const fast = c.busConfig();
  assert.equal(fast.width, 8);
  assert.ok(fast.clockHz > wide.clockHz, `${fast.clockHz} > ${wide.clockHz}`);
});

test('after a reset the registers read their reset values, the hardware-initialised ones their board values', () => {
  const { board } = makeBoard({ capabilities1: 0x1234_5678 });
  const snap = board.controller.snapshot();
  assert.equal(snap.CAPABILITIES0, R.CAPABILITIES0.reset);
  assert.equal(snap.CAPABILITIES1, 0x1234_5678);
  assert.equal(snap.HOST_VERSION, R.HOST_VERSION.reset);
  board.mmio.writel(R.ARGUMENT.offset, 0xdead_beef);
  board.mmio.writel(R.CAPABILITIES1.offset, 0); // read-only: refused, counted
  assert.equal(board.mmio.readl(R.ARGUMENT.offset), 0xdead_beef);
  assert.equal(board.mmio.readl(R.CAPABILITIES1.offset), 0x1234_5678);
  assert.equal(board.controller.counters.roWrites, 1);
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.ALL.mask);
  assert.equal(board.mmio.readl(R.ARGUMENT.offset), 0, 'a reset clears the plain registers');
  assert.equal(board.mmio.readl(R.CAPABILITIES1.offset), 0x1234_5678, 'and keeps the board values');
});

test('a traced write names each programmed block; the bytes and virtual time do not depend on tracing', () => {
  const runs = [undefined, 'sdcard_busy'].map((trace) => {
    const { board, stack, tracer } = makeRig({ transfer: 'pio', size: 1 << 20, trace });
    stack.devices[0]!.writeSectors(8, randomBytes(4 * 512, 11));
    return { board, tracer, now: board.clock.now };
  });
  assert.equal(runs[0]!.now, runs[1]!.now, 'same virtual time traced or not');
  const lines = runs[1]!.tracer!.records.map((r) => r.line).filter((l) => l.includes('program block'));
  assert.deepEqual(lines.map((l) => /program block \d+/.exec(l)![0]), ['program block 1', 'program block 2', 'program block 3', 'program block 4']);
  assert.ok(runs[0]!.board.tracer instanceof Tracer && runs[0]!.board.tracer.silent);
});

for (const transfer of TRANSFERS) {
  test(`${transfer}: a request ends at the same virtual time and with the same bytes as before the data-path changes`, () => {
    // the virtual ns below were measured on the code before this round's data-path changes (with
    // readSectors): a change that moves an interrupt, a clock task or a busy span shows here
    const expected: Record<string, number> = { pio: 12_103_560, sdma: 12_338_960, adma2: 12_103_560 };
    const { board, stack } = makeRig({ transfer, size: 2 << 20 });
    const user = stack.devices[0]!;
    const data = randomBytes(256 * 512, 5);
    const t0 = board.clock.now;
    user.writeSectors(100, data);
    const back = new Uint8Array(data.length);
    user.readSectorsInto(100, back);
    assert.deepEqual(back, data);
    assert.equal(board.clock.now - t0, expected[transfer]);
  });
}
