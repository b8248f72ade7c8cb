/**
 * A tiny polling host for device tests: talks to the board through MMIO only, advancing the
 * virtual clock while it polls (as the panic-path driver does). Not a driver model — just enough
 * register sequences to exercise the device.
 */

import { MemoryBacking } from '../../src/device/backing.js';
import { createBoard, type Board, type BoardOptions } from '../../src/device/board.js';
import * as R from '../../src/hw/sdhci-regs.js';
import type { MmcResponse } from '../../src/hw/mmc-protocol.js';

export const BLOCK = 512;

/** Image bytes where every 512-byte block starts with its index and is filled with a pattern. */
export function patternImage(size: number): Uint8Array {
  const img = new Uint8Array(size);
  for (let b = 0; b < size / BLOCK; b++) {
    for (let i = 0; i < BLOCK; i++) img[b * BLOCK + i] = (b * 7 + i) & 0xff;
    img[b * BLOCK] = b & 0xff;
    img[b * BLOCK + 1] = (b >> 8) & 0xff;
  }
  return img;
}

export function makeBoard(o: Partial<BoardOptions> & { size?: number } = {}): { board: Board; backing: MemoryBacking } {
  const backing = o.backing instanceof MemoryBacking ? o.backing : new MemoryBacking(patternImage(o.size ?? 1024 * 1024));
  const board = createBoard({ ...o, backing });
  return { board, backing };
}

/** Poll NORMAL_INT_STATUS until any of `mask` (or the error summary) is set; returns the 32-bit status. */
export function waitInt(b: Board, mask: number, limitNs = 2e9): number {
  let st = 0;
  const end = b.clock.now + limitNs;
  const hit = (): boolean => {
    st = b.mmio.readl(R.NORMAL_INT_STATUS.offset);
    return (st & (mask | R.NIS.ERROR.mask)) !== 0;
  };
  // poll like a driver, but jump straight to the next device event instead of spinning
  while (!hit() && b.clock.now < end) {
    const next = b.clock.nextDue();
    b.clock.runUntil(Math.min(end, next === undefined ? end : Math.max(next, b.clock.now + 1)));
  }
  if (!hit()) throw new Error(`timeout waiting for interrupt 0x${mask.toString(16)} (status 0x${st.toString(16)})`);
  return st;
}

export function clearInt(b: Board, bits = 0xffffffff): void {
  b.mmio.writel(R.NORMAL_INT_STATUS.offset, bits);
}

/** Controller up: enable all status bits (signals too), clock at `div`, 3.3 V bus power. */
export function powerUp(b: Board, div = 0): void {
  b.mmio.writel(R.NORMAL_INT_STATUS_ENABLE.offset, 0xffffffff);
  b.mmio.writel(R.NORMAL_INT_SIGNAL_ENABLE.offset, 0xffffffff);
  const clk = R.clockDividerBits(div) | R.CLK.INTERNAL_ENABLE.mask;
  b.mmio.writew(R.CLOCK_CONTROL.offset, clk);
  if (!b.clock.pollUntil(() => (b.mmio.readw(R.CLOCK_CONTROL.offset) & R.CLK.INTERNAL_STABLE.mask) !== 0, 150e6, 10_000)) {
    throw new Error('clock never stable');
  }
  b.mmio.writew(R.CLOCK_CONTROL.offset, clk | R.CLK.SD_CLOCK_ENABLE.mask);
  b.mmio.writeb(R.POWER_CONTROL.offset, R.compose(R.PWR, { BUS_POWER: 1, VOLTAGE: R.BUS_VOLTAGE.V3_3 }));
  b.mmio.writeb(R.TIMEOUT_CONTROL.offset, 0xe);
}

export interface CmdResult {
  status: number; // 32-bit interrupt status seen
  resp: number[]; // RESPONSE0..3
  error: number; // ERROR_INT_STATUS
}

/** Issue a command without data and wait for Command Complete (and Transfer Complete for R1b). */
export function cmd(b: Board, index: number, arg: number, resp: MmcResponse, tm = 0): CmdResult {
  b.mmio.writel(R.ARGUMENT.offset, arg >>> 0);
  b.mmio.writew(R.TRANSFER_MODE.offset, tm);
  b.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(index, resp, false));
  let st = waitInt(b, R.NIS.CMD_COMPLETE.mask);
  if (resp === 'r1b' && !(st & R.NIS.ERROR.mask)) st |= waitInt(b, R.NIS.TRANSFER_COMPLETE.mask);
  const result = {
    status: st,
    resp: [0, 1, 2, 3].map((i) => b.mmio.readl(R.RESPONSE0.offset + 4 * i)),
    error: b.mmio.readw(R.ERROR_INT_STATUS.offset),
  };
  clearInt(b);
  return result;
}

export const RCA = 1;

/** The eMMC init sequence (spec §4.8, without the SD/SDIO probes): card ends in tran. */
export function initCard(b: Board): void {
  cmd(b, 0, 0, 'none');
  let ocr = 0;
  for (let i = 0; i < 10 && !(ocr & 0x80000000); i++) ocr = cmd(b, 1, 0x40300000, 'r3').resp[0]!;
  if (!(ocr & 0x80000000)) throw new Error('card never left power-up busy');
  cmd(b, 2, 0, 'r2');
  cmd(b, 3, RCA << 16, 'r1');
  cmd(b, 9, RCA << 16, 'r2');
  cmd(b, 7, RCA << 16, 'r1');
}

/** Set up a data command: block size/count, transfer mode, then issue. */
export function dataCmd(b: Board, index: number, arg: number, blocks: number, tm: number, blockSize = BLOCK): void {
  b.mmio.writew(R.BLOCK_SIZE.offset, R.blockSizeValue(blockSize));
  b.mmio.writew(R.BLOCK_COUNT.offset, blocks);
  b.mmio.writel(R.ARGUMENT.offset, arg >>> 0);
  b.mmio.writew(R.TRANSFER_MODE.offset, tm);
  b.mmio.writew(R.COMMAND.offset, R.mmcCommandWord(index, 'r1', true));
}

export function tmValue(o: { read: boolean; multi?: boolean; dma?: boolean; count?: boolean; auto?: number }): number {
  return R.compose(R.TM, {
    READ: o.read ? 1 : 0,
    MULTI_BLOCK: o.multi ? 1 : 0,
    DMA_ENABLE: o.dma ? 1 : 0,
    BLOCK_COUNT_ENABLE: o.count === false ? 0 : 1,
    AUTO_CMD: o.auto ?? 0,
  });
}

/** PIO read of `blocks` blocks through the Buffer Data Port (32-bit reads). */
export function pioRead(b: Board, blocks: number, blockSize = BLOCK): Uint8Array {
  const out = new Uint8Array(blocks * blockSize);
  for (let k = 0; k < blocks; k++) {
    waitInt(b, R.NIS.BUFFER_READ_READY.mask);
    clearInt(b, R.NIS.BUFFER_READ_READY.mask);
    for (let i = 0; i < blockSize; i += 4) {
      const w = b.mmio.readl(R.BUFFER_DATA_PORT.offset);
      out[k * blockSize + i] = w & 0xff;
      out[k * blockSize + i + 1] = (w >>> 8) & 0xff;
      out[k * blockSize + i + 2] = (w >>> 16) & 0xff;
      out[k * blockSize + i + 3] = (w >>> 24) & 0xff;
    }
  }
  return out;
}

export function pioWrite(b: Board, data: Uint8Array, blockSize = BLOCK): void {
  for (let k = 0; k < data.length / blockSize; k++) {
    waitInt(b, R.NIS.BUFFER_WRITE_READY.mask);
    clearInt(b, R.NIS.BUFFER_WRITE_READY.mask);
    for (let i = 0; i < blockSize; i += 4) {
      const o = k * blockSize + i;
      b.mmio.writel(R.BUFFER_DATA_PORT.offset, (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)) >>> 0);
    }
  }
}

/** Wait for Transfer Complete; returns the status seen (error bits included) and clears it. */
export function waitTransfer(b: Board, limitNs = 2e9): number {
  const st = waitInt(b, R.NIS.TRANSFER_COMPLETE.mask, limitNs);
  clearInt(b);
  return st;
}

export function filled(len: number, seed: number): Uint8Array {
  const d = new Uint8Array(len);
  for (let i = 0; i < len; i++) d[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
  return d;
}

/** A 1 MiB (or `o.size`) board, powered, its card initialised and in TRAN (CMD13 answered). */
export function readyBoard(o: Parameters<typeof makeBoard>[0] = {}): ReturnType<typeof makeBoard> {
  const r = makeBoard({ size: 1024 * 1024, ...o });
  powerUp(r.board);
  initCard(r.board);
  cmd(r.board, 13, RCA << 16, 'r1');
  return r;
}
