import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import { Tracer } from '../../src/device/trace.js';
import { cmd, makeBoard, powerUp } from './host.js';

test('after reset every register reads its reset value through MMIO', () => {
  const { board } = makeBoard();
  for (const r of R.REGISTERS) {
    if (r === R.BUFFER_DATA_PORT || r === R.PRESENT_STATE) continue;
    const v = r.width === 8 ? board.mmio.readb(r.offset) : r.width === 16 ? board.mmio.readw(r.offset) : board.mmio.readl(r.offset);
    assert.equal(v, r.reset, r.name);
  }
  const ps = board.mmio.readl(R.PRESENT_STATE.offset);
  assert.ok(R.isSet(R.PS.CARD_INSERTED, ps) && R.isSet(R.PS.WRITE_PROTECT_PIN, ps) && R.isSet(R.PS.DAT0_LEVEL, ps));
  assert.equal(ps & (R.PS.CMD_INHIBIT.mask | R.PS.DAT_INHIBIT.mask), 0);
});

test('writes to read-only registers are ignored and counted as guest errors, not thrown', () => {
  const { board } = makeBoard();
  board.mmio.writel(R.CAPABILITIES0.offset, 0);
  board.mmio.writew(R.HOST_VERSION.offset, 0x1234);
  board.mmio.writeb(R.PRESENT_STATE.offset + 2, 0);
  assert.equal(board.mmio.readl(R.CAPABILITIES0.offset), R.CAPABILITIES0_DEFAULT);
  assert.equal(board.mmio.readw(R.HOST_VERSION.offset), 0x0002);
  assert.equal(board.controller.counters.roWrites, 3);
  assert.equal(board.controller.counters.guestErrors, 3);
});

test('accesses to unknown offsets are traced as unimplemented and read 0', () => {
  const lines: string[] = [];
  const { board } = makeBoard({ trace: new Tracer({ enable: 'sdhci_unimplemented', sink: (l) => lines.push(l) }) });
  assert.equal(board.mmio.readl(0x80), 0);
  board.mmio.writel(0x84, 0xffffffff);
  assert.equal(board.controller.counters.unimplemented, 2);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /sdhci_unimplemented read of 32 bits at 0x80/);
});

test('8- and 16-bit accesses read and write the right bytes of 32-bit registers', () => {
  const { board } = makeBoard();
  board.mmio.writel(R.ARGUMENT.offset, 0x11223344);
  assert.equal(board.mmio.readb(R.ARGUMENT.offset + 2), 0x22);
  assert.equal(board.mmio.readw(R.ARGUMENT.offset + 1), 0x2233);
  board.mmio.writeb(R.ARGUMENT.offset + 3, 0xaa);
  board.mmio.writew(R.ARGUMENT.offset, 0xbbcc);
  assert.equal(board.mmio.readl(R.ARGUMENT.offset), 0xaa22bbcc);
  // a 32-bit read at 0x28 covers Host Control 1, Power, Block Gap, Wakeup
  board.mmio.writeb(R.HOST_CONTROL1.offset, R.set(R.HC1.DMA_SELECT, 0, R.DMA_SELECT.ADMA2_32));
  board.mmio.writeb(R.WAKEUP_CONTROL.offset, 0x05);
  assert.equal(board.mmio.readl(0x28), 0x05000010);
  assert.equal(board.mmio.readb(R.CAPABILITIES0.offset + 1), 0xc8);
});

test('interrupt status is write-1-to-clear at every width and the error summary bit follows the error register', () => {
  const { board } = makeBoard();
  powerUp(board);
  // CMD13 in idle is illegal: the card stays silent → Command Timeout; CMD0 gives Command Complete
  cmd(board, 0, 0, 'none');
  board.mmio.writel(R.ARGUMENT.offset, 0x10000);
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(13, 'r1'));
  board.clock.advance(10e6);
  let st = board.mmio.readl(R.NORMAL_INT_STATUS.offset);
  assert.equal(st & R.INT.TIMEOUT, R.INT.TIMEOUT);
  assert.ok(st & R.NIS.ERROR.mask, 'error summary');
  // writing 1 to the RO summary bit through a byte access changes nothing
  board.mmio.writeb(R.NORMAL_INT_STATUS.offset + 1, 0x80);
  assert.ok(board.mmio.readw(R.NORMAL_INT_STATUS.offset) & R.NIS.ERROR.mask);
  assert.equal(board.controller.counters.roWrites, 0, 'RO bits inside a RW1C register are not guest errors');
  // clear the timeout with an 8-bit write to the error byte
  board.mmio.writeb(R.ERROR_INT_STATUS.offset, R.EIS.CMD_TIMEOUT.mask);
  st = board.mmio.readl(R.NORMAL_INT_STATUS.offset);
  assert.equal(st & 0xffff8000, 0, 'error and summary clear together');
  // writing 0 clears nothing
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  board.clock.advance(1e6);
  board.mmio.writel(R.NORMAL_INT_STATUS.offset, 0);
  assert.ok(board.mmio.readw(R.NORMAL_INT_STATUS.offset) & R.NIS.CMD_COMPLETE.mask);
  board.mmio.writel(R.NORMAL_INT_STATUS.offset, R.NIS.CMD_COMPLETE.mask);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset), 0);
});

test('a status bit whose Status Enable is clear never latches, and clearing an enable clears its status', () => {
  const { board } = makeBoard();
  powerUp(board);
  board.mmio.writew(R.NORMAL_INT_STATUS_ENABLE.offset, 0);
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  board.clock.advance(1e6);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset), 0);
  assert.equal(board.irq.level, false);
  board.mmio.writew(R.NORMAL_INT_STATUS_ENABLE.offset, 0xffff);
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  board.clock.advance(1e6);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset), R.NIS.CMD_COMPLETE.mask);
  board.mmio.writew(R.NORMAL_INT_STATUS_ENABLE.offset, 0xfffe);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset), 0);
});

test('Signal Enable masks the IRQ line but not the status, and the line is level-triggered', () => {
  const { board } = makeBoard();
  powerUp(board);
  const levels: boolean[] = [];
  board.irq.onChange((l) => levels.push(l));
  board.mmio.writel(R.NORMAL_INT_SIGNAL_ENABLE.offset, 0);
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  board.clock.advance(1e6);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset), R.NIS.CMD_COMPLETE.mask, 'status latched');
  assert.equal(board.irq.level, false, 'line masked');
  board.mmio.writew(R.NORMAL_INT_SIGNAL_ENABLE.offset, R.NIS.CMD_COMPLETE.mask);
  assert.equal(board.irq.level, true, 'unmasking a pending status raises the line');
  board.clock.advance(1e6);
  assert.equal(board.irq.level, true, 'stays high until cleared');
  board.mmio.writew(R.NORMAL_INT_STATUS.offset, R.NIS.CMD_COMPLETE.mask);
  assert.equal(board.irq.level, false);
  assert.deepEqual(levels, [true, false]);
});

test('Internal Clock Stable follows Internal Clock Enable after the settle time and is read-only', () => {
  const { board } = makeBoard();
  board.mmio.writew(R.CLOCK_CONTROL.offset, 0xfa01 | R.CLK.INTERNAL_STABLE.mask);
  assert.equal(board.mmio.readw(R.CLOCK_CONTROL.offset), 0xfa01);
  board.clock.advance(20_000);
  assert.equal(board.mmio.readw(R.CLOCK_CONTROL.offset), 0xfa03);
  board.mmio.writew(R.CLOCK_CONTROL.offset, 0);
  assert.equal(board.mmio.readw(R.CLOCK_CONTROL.offset), 0);
});

test('bus power only sticks with an advertised voltage', () => {
  const { board } = makeBoard();
  board.mmio.writeb(R.POWER_CONTROL.offset, R.compose(R.PWR, { BUS_POWER: 1, VOLTAGE: R.BUS_VOLTAGE.V3_0 }));
  assert.equal(board.mmio.readb(R.POWER_CONTROL.offset) & 1, 0);
  board.mmio.writeb(R.POWER_CONTROL.offset, 0x0f);
  assert.equal(board.mmio.readb(R.POWER_CONTROL.offset), 0x0f);
});

test('a command is refused while Command Inhibit (CMD) is set and counted as a guest error', () => {
  const { board } = makeBoard();
  powerUp(board, 250); // 400 kHz: the command takes a while
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  assert.ok(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.CMD_INHIBIT.mask, 'inhibit visible while the command runs');
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  assert.equal(board.controller.counters.guestErrors, 1);
  board.clock.advance(1e6);
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.CMD_INHIBIT.mask, 0);
});

test('a command with the SD clock off ends in Command Timeout', () => {
  const { board } = makeBoard();
  board.mmio.writel(R.NORMAL_INT_STATUS_ENABLE.offset, 0xffffffff);
  board.mmio.writeb(R.POWER_CONTROL.offset, 0x0f);
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(1, 'r3'));
  board.clock.advance(5e6);
  assert.equal(board.mmio.readl(R.NORMAL_INT_STATUS.offset) & (R.INT.TIMEOUT | R.INT.RESPONSE), R.INT.TIMEOUT);
});

test('RESET_ALL restores reset values but keeps capabilities; RESET_CMD and RESET_DATA clear their own state', () => {
  const { board } = makeBoard();
  powerUp(board, 250);
  board.mmio.writel(R.ARGUMENT.offset, 0xdeadbeef);
  board.mmio.writeb(R.HOST_CONTROL1.offset, 0x18);
  // leave a command in flight, then reset the CMD line
  board.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(0, 'none'));
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask);
  assert.equal(board.mmio.readb(R.SOFTWARE_RESET.offset), 0, 'self-clearing');
  assert.equal(board.mmio.readl(R.PRESENT_STATE.offset) & R.PS.CMD_INHIBIT.mask, 0);
  board.clock.advance(5e6);
  assert.equal(board.mmio.readw(R.NORMAL_INT_STATUS.offset) & R.NIS.CMD_COMPLETE.mask, 0, 'the reset command never completes');
  // RESET_CMD | RESET_DATA in one write (Linux soft re-init) acts on both
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.CMD.mask | R.RST.DATA.mask);
  assert.equal(board.mmio.readl(R.ARGUMENT.offset), 0xdeadbeef, 'CMD/DATA resets keep ordinary registers');
  board.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.ALL.mask);
  assert.equal(board.mmio.readl(R.ARGUMENT.offset), 0);
  assert.equal(board.mmio.readb(R.HOST_CONTROL1.offset), 0);
  assert.equal(board.mmio.readw(R.CLOCK_CONTROL.offset), 0, 'clocks off');
  assert.equal(board.mmio.readb(R.POWER_CONTROL.offset), 0, 'bus power off');
  assert.equal(board.mmio.readl(R.CAPABILITIES0.offset), R.CAPABILITIES0_DEFAULT);
  assert.equal(board.mmio.readl(R.NORMAL_INT_STATUS_ENABLE.offset), 0);
});

test('any mix of 8/16/32-bit writes to plain RW registers reads back like a little-endian byte array', async () => {
  const fc = (await import('fast-check')).default;
  // Argument (0x08) and the two ADMA address words (0x58, 0x5C): plain RW, no side effects
  const offsets = [0x08, 0x09, 0x0a, 0x0b, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f];
  const access = fc.record({
    off: fc.constantFrom(...offsets),
    size: fc.constantFrom(1 as const, 2 as const, 4 as const),
    value: fc.integer({ min: 0, max: 0xffffffff }),
  });
  fc.assert(
    fc.property(fc.array(access, { maxLength: 30 }), (ops) => {
      const { board } = makeBoard({ size: 4096 });
      const model = new Map<number, number>();
      for (const { off, size, value } of ops) {
        const base = off & ~(size - 1);
        if (![0x08, 0x58, 0x5c].includes(base & ~3)) continue;
        board.controller.write(base, size, value);
        for (let i = 0; i < size; i++) model.set(base + i, (value >>> (8 * i)) & 0xff);
      }
      for (const o of offsets) assert.equal(board.mmio.readb(o), model.get(o) ?? 0, `byte 0x${o.toString(16)}`);
      assert.equal(board.controller.counters.guestErrors, 0);
    }),
    { numRuns: 200, seed: 1 },
  );
});
