/**
 * Did the panic writes land? A second board boots over the same image (through registers, as the
 * next boot would) and reads back what each panic_write asked for.
 */
import { SECTOR_SIZE } from '../../lib/units.js';
import { createBoard } from '../../device/board.js';
import { bootMmcStack } from '../mmc/host-board.js';
import type { BoardSession } from './session.js';
import { QEMU_BOOT_SIZE, QEMU_RPMB_SIZE } from './image-file.js';

export interface WriteCheck {
  off: number;
  length: number;
  /** bytes on the card equal what pstore/zone handed to panic_write */
  landed: boolean;
  /** first differing byte offset within the write */
  firstDiff?: number;
}

export function verifyPanicWrites(session: BoardSession, writes: readonly { off: number; bytes: Uint8Array }[]): WriteCheck[] {
  const p = session.requirePstore();
  const board = createBoard({
    backing: session.backing,
    layout: session.options.layout === 'qemu' ? { kind: 'qemu', bootSize: QEMU_BOOT_SIZE, rpmbSize: QEMU_RPMB_SIZE } : { kind: 'user-area' },
  });
  const stack = bootMmcStack({ board, transfer: 'adma2' });
  const user = stack.device(`mmcblk${stack.host.index}`)!;
  const base = p.ctx.startSect * SECTOR_SIZE;
  const out: WriteCheck[] = [];
  for (const w of writes) {
    const first = Math.floor((base + w.off) / SECTOR_SIZE);
    const last = Math.ceil((base + w.off + w.bytes.length) / SECTOR_SIZE);
    const span = user.readSectors(first, last - first);
    const at = base + w.off - first * SECTOR_SIZE;
    let diff = -1;
    for (let i = 0; i < w.bytes.length; i++) {
      if (span[at + i] !== w.bytes[i]) {
        diff = i;
        break;
      }
    }
    out.push(diff < 0 ? { off: w.off, length: w.bytes.length, landed: true } : { off: w.off, length: w.bytes.length, landed: false, firstDiff: diff });
  }
  stack.close();
  return out;
}
