/**
 * A Linux-shaped walk through the device, MMIO only (spec §4.1, §4.8, §4.9): probe, clock and power
 * sequence, eMMC init with the bus switched to 8-bit HS, then an ADMA2 64-bit write with Auto CMD23
 * (Transfer Mode 0x002B) and a read back (0x003B), polling INT_STATUS the way the panic path does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../src/hw/sdhci-regs.js';
import type { MmcResponse } from '../../src/hw/mmc-protocol.js';
import { R1 } from '../../src/device/emmc/status.js';
import type { Board } from '../../src/device/board.js';
import { clearInt, filled, makeBoard, waitInt } from './host.js';

function setClock(b: Board, div: number): void {
  b.mmio.writew(R.CLOCK_CONTROL.offset, 0);
  const clk = R.clockDividerBits(div) | R.CLK.INTERNAL_ENABLE.mask;
  b.mmio.writew(R.CLOCK_CONTROL.offset, clk);
  for (let i = 0; i < 15000 && !(b.mmio.readw(R.CLOCK_CONTROL.offset) & R.CLK.INTERNAL_STABLE.mask); i++) b.clock.advance(10_000);
  b.mmio.writew(R.CLOCK_CONTROL.offset, clk | R.CLK.SD_CLOCK_ENABLE.mask);
}

/** sdhci_send_command + polled completion; returns RESPONSE0 or throws on an error interrupt. */
function send(b: Board, index: number, arg: number, resp: MmcResponse): number {
  for (let i = 0; i < 1000 && b.mmio.readl(R.PRESENT_STATE.offset) & R.PS.CMD_INHIBIT.mask; i++) b.clock.advance(1000);
  b.mmio.writel(R.ARGUMENT.offset, arg);
  b.mmio.writew(R.TRANSFER_MODE.offset, 0);
  b.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(index, resp));
  let st = waitInt(b, R.INT.RESPONSE);
  if (st & R.NIS.ERROR.mask) throw new Error(`CMD${index} error 0x${st.toString(16)}`);
  if (resp === 'r1b') st |= waitInt(b, R.INT.DATA_END);
  if (st & R.NIS.ERROR.mask) throw new Error(`CMD${index} busy error 0x${st.toString(16)}`);
  b.mmio.writel(R.NORMAL_INT_STATUS.offset, st);
  return b.mmio.readl(R.RESPONSE0.offset);
}

test('a Linux-style probe, init, ADMA2 64-bit Auto-CMD23 write and read back work over MMIO alone', () => {
  const { board: b, backing } = makeBoard({ size: 4 * 1024 * 1024 });
  // probe (§4.1)
  b.mmio.writeb(R.SOFTWARE_RESET.offset, R.RST.ALL.mask);
  assert.equal(b.mmio.readb(R.SOFTWARE_RESET.offset), 0);
  assert.equal(R.get(R.VER.SPEC, b.mmio.readw(R.HOST_VERSION.offset)), R.SPEC_VERSION.V3_00);
  const caps = b.mmio.readl(R.CAPABILITIES0.offset);
  assert.ok(R.isSet(R.CAP0.ADMA2, caps) && R.isSet(R.CAP0.ADDR_64BIT_V3, caps));
  b.mmio.writel(R.NORMAL_INT_STATUS_ENABLE.offset, R.INT_DEFAULT_ENABLE);
  b.mmio.writel(R.NORMAL_INT_SIGNAL_ENABLE.offset, R.INT_DEFAULT_ENABLE);
  // power up at 400 kHz (§1.6: base 200 MHz → N = 250 → 0xFA01 / 0xFA07)
  setClock(b, 250);
  assert.equal(b.mmio.readw(R.CLOCK_CONTROL.offset), 0xfa07);
  b.mmio.writeb(R.POWER_CONTROL.offset, 0);
  b.mmio.writeb(R.POWER_CONTROL.offset, 0x0e);
  b.mmio.writeb(R.POWER_CONTROL.offset, 0x0f);
  // eMMC init (§4.8)
  send(b, 0, 0, 'none');
  let ocr = send(b, 1, 0, 'r3');
  send(b, 0, 0, 'none');
  for (let wait = 4e6; !(ocr & 0x80000000); wait *= 2) {
    b.clock.advance(wait);
    ocr = send(b, 1, 0x40300000, 'r3');
  }
  send(b, 2, 0, 'r2');
  send(b, 3, 0x00010000, 'r1');
  send(b, 9, 0x00010000, 'r2');
  send(b, 7, 0x00010000, 'r1');
  send(b, 6, 0x03af0101, 'r1b'); // ERASE_GROUP_DEF
  assert.equal(send(b, 13, 0x00010000, 'r1') & R1.SWITCH_ERROR.mask, 0);
  send(b, 6, 0x03b90101, 'r1b'); // HS_TIMING = 1
  b.mmio.writeb(R.HOST_CONTROL1.offset, R.HC1.HIGH_SPEED.mask);
  setClock(b, 2); // 50 MHz
  send(b, 6, 0x03b70201, 'r1b'); // BUS_WIDTH = 8
  assert.equal(send(b, 13, 0x00010000, 'r1') & 0xfff9a080, 0, 'no R1 error bits, no SWITCH_ERROR');
  b.mmio.writeb(R.HOST_CONTROL1.offset, R.compose(R.HC1, { HIGH_SPEED: 1, EXT_DATA_WIDTH_8BIT: 1, DMA_SELECT: R.DMA_SELECT.ADMA2_64 }));
  assert.equal(b.controller.busConfig().width, 8);

  // ADMA2 64-bit write of 8 blocks with Auto CMD23 (§4.9: Transfer Mode 0x002B)
  const table = 0x1000;
  const buf = 0x1_0000_0000; // above 4 GiB: needs 64-bit descriptors
  const data = filled(8 * 512, 11);
  b.memory.write(buf, data);
  b.memory.write(table, R.encodeAdma2Descriptor({ attr: R.ADMA2_TRAN_VALID, length: 4096, address: buf }, true));
  b.memory.write(table + 12, R.encodeAdma2Descriptor({ attr: R.ADMA2_NOP_END_VALID, length: 0, address: 0 }, true));
  const xfer = (index: number, tm: number): number => {
    b.mmio.writel(R.NORMAL_INT_STATUS_ENABLE.offset, R.INT_DEFAULT_ENABLE | R.INT.DMA_END | R.INT.ADMA_ERROR | R.INT.AUTO_CMD_ERR);
    b.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0x0e);
    b.mmio.writel(R.ADMA_ADDRESS_LO.offset, table);
    b.mmio.writel(R.ADMA_ADDRESS_HI.offset, 0);
    b.mmio.writew(R.BLOCK_SIZE.offset, 0x7200);
    b.mmio.writew(R.BLOCK_COUNT.offset, 8);
    b.mmio.writel(R.ARGUMENT.offset, 16 * 512); // byte address: a 4 MiB part is byte-addressed
    b.mmio.writel(R.SDMA_ADDRESS.offset, 8); // Argument 2: the CMD23 count
    b.mmio.writew(R.TRANSFER_MODE.offset, tm);
    b.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(index, 'r1', true));
    const st = waitInt(b, R.INT.DATA_END);
    const st2 = st & R.INT.RESPONSE ? st : st | waitInt(b, R.INT.RESPONSE);
    clearInt(b);
    return st2;
  };
  const t0 = b.clock.now;
  const w = xfer(25, 0x002b);
  assert.equal(w & 0xffff8000, 0, `write status 0x${w.toString(16)}`);
  assert.ok(w & R.INT.DATA_END);
  const took = b.clock.now - t0;
  assert.ok(took > 8 * 25_000 && took < 2e6, `8 blocks in ${took} ns at 50 MHz 8-bit`);
  assert.deepEqual(backing.read(16 * 512, 8 * 512), data);
  // the block layer's CMD13 poll after a write
  assert.ok(send(b, 13, 0x00010000, 'r1') & R1.READY_FOR_DATA.mask);

  b.memory.write(buf, new Uint8Array(4096));
  const r = xfer(18, 0x003b);
  assert.equal(r & 0xffff8000, 0, `read status 0x${r.toString(16)}`);
  assert.deepEqual(b.memory.read(buf, 4096), data);
  assert.equal(b.controller.counters.guestErrors, 0);
});
