/** Shared setup for the driver tests: a board on an in-memory image and the booted MMC stack. */
import { MemoryBacking } from '../../src/device/backing.js';
import { createBoard, type Board, type BoardOptions } from '../../src/device/board.js';
import { parseFaults } from '../../src/device/faults.js';
import { Tracer } from '../../src/device/trace.js';
import { bootMmcStack, type MmcStack } from '../../src/driver/mmc/host-board.js';
import type { TransferKind } from '../../src/driver/sdhci/sdhci.js';

export const TRANSFERS: readonly TransferKind[] = ['pio', 'sdma', 'adma2'];

export function randomBytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

export interface Rig {
  board: Board;
  backing: MemoryBacking;
  stack: MmcStack;
  tracer?: Tracer;
}

export function makeRig(
  o: { transfer?: TransferKind; size?: number; image?: Uint8Array; trace?: string; retries?: boolean; /** faults armed once the stack has booted (not hit by the boot's own reads) */ armFaults?: string } & Partial<
    Omit<BoardOptions, 'backing' | 'trace'>
  > = {},
): Rig {
  const backing = o.image ? new MemoryBacking(o.image) : new MemoryBacking(randomBytes(o.size ?? 4 << 20, 99));
  const tracer = o.trace ? new Tracer({ enable: o.trace, record: true, sink: () => {} }) : undefined;
  const { transfer, size: _s, image: _i, trace: _t, retries, armFaults, ...rest } = o;
  const board = createBoard({ ...rest, backing, trace: tracer });
  const stack = bootMmcStack({ board, transfer: transfer ?? 'adma2', retries });
  for (const f of armFaults ? parseFaults(armFaults) : []) board.faults.add(f);
  return { board, backing, stack, tracer };
}

/** Bytes of a hardware partition as the card stores them (tests only: reads the layout's backing). */
export function partitionBytes(board: Board, partType: number, offset: number, length: number): Uint8Array {
  const b = board.layout.partitions.get(partType);
  if (!b) throw new Error(`no partition ${partType}`);
  return b.read(offset, length);
}
