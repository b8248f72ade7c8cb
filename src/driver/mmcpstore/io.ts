/**
 * Bytes to sectors (spec §1.4): aligned requests use the caller's buffer, unaligned ones go
 * through the 256 KiB buffer (read, or read-modify-write); bounds; splitting at max_req_size.
 */
import { MMC_PSTORE_MAX_BUFFER_SIZE, MMC_PSTORE_SECTOR_SIZE as SECTOR } from './constants.js';
import { EINVAL } from '../../lib/errno.js';
import type { MmcpstoreContext } from './context.js';

/** One low-level request over `blocks` sectors at area sector `sect` (normal or panic flavour). */
export type SectorIo = (sect: number, blocks: number, buf: Uint8Array, write: boolean) => number;

/** Split at max_req_size (rounded down to 512); the first failing chunk aborts. */
export function splitRequests(ctx: MmcpstoreContext, sect: number, buf: Uint8Array, write: boolean, io: SectorIo): number {
  const blocks = buf.length / SECTOR;
  if (sect < 0 || sect + blocks > ctx.sectors) return -EINVAL;
  const maxBlocks = Math.max(1, Math.min(Math.floor(ctx.host.maxReqSize / SECTOR), ctx.host.maxBlkCount));
  for (let done = 0; done < blocks; ) {
    const n = Math.min(maxBlocks, blocks - done);
    const err = io(sect + done, n, buf.subarray(done * SECTOR, (done + n) * SECTOR), write);
    if (err) return err;
    done += n;
  }
  return 0;
}

/**
 * Read or write `size` bytes at byte `off` of the area. Returns 0 or -errno.
 * The proposed driver holds `rmwMutex` across a whole read-modify-write (normal path only: in panic
 * nothing else runs) and walks spans larger than the buffer window by window instead of failing
 * with -EINVAL (H13).
 */
export function areaIo(ctx: MmcpstoreContext, buf: Uint8Array, off: number, write: boolean, io: SectorIo, panic: boolean): number {
  const size = buf.length;
  if (off < 0 || off + size > ctx.size) return -EINVAL;
  if (size === 0) return 0;
  if (off % SECTOR === 0 && size % SECTOR === 0) return splitRequests(ctx, off / SECTOR, buf, write, io);
  if (!ctx.fixed) return unalignedSpan(ctx, buf, off, write, io, panic);
  // fixed: window by window, each at most the buffer size, the RMW under one lock
  const lock = !panic;
  if (lock) ctx.rmwMutex.lock();
  try {
    let pos = 0;
    while (pos < size) {
      const o = off + pos;
      const first = Math.floor(o / SECTOR) * SECTOR;
      const room = MMC_PSTORE_MAX_BUFFER_SIZE - (o - first) - SECTOR;
      const n = Math.min(size - pos, room);
      const err = unalignedSpan(ctx, buf.subarray(pos, pos + n), o, write, io, panic);
      if (err) return err;
      pos += n;
    }
  } finally {
    if (lock) ctx.rmwMutex.unlock();
  }
  ctx.preempt?.();
  return 0;
}

function unalignedSpan(ctx: MmcpstoreContext, buf: Uint8Array, off: number, write: boolean, io: SectorIo, panic: boolean): number {
  const first = Math.floor(off / SECTOR) * SECTOR;
  const end = Math.ceil((off + buf.length) / SECTOR) * SECTOR;
  const span = end - first;
  if (span > MMC_PSTORE_MAX_BUFFER_SIZE) {
    ctx.log(3, `Unaligned ${write ? 'write' : 'read'} span ${span} exceeds buffer size ${MMC_PSTORE_MAX_BUFFER_SIZE}`);
    return -EINVAL;
  }
  const tmp = ctx.buffer!.subarray(0, span);
  let err = splitRequests(ctx, first / SECTOR, tmp, false, io);
  if (err) return err;
  if (!write) {
    buf.set(tmp.subarray(off - first, off - first + buf.length));
    return 0;
  }
  ctx.stats.rmw++;
  // v4: the mutex covered the read request only — another writer may run here (H14)
  if (!ctx.fixed && !panic) ctx.preempt?.();
  // the shared buffer, as it is now (which is the point of H14)
  const cur = ctx.buffer!.subarray(0, span);
  cur.set(buf, off - first);
  err = splitRequests(ctx, first / SECTOR, cur, true, io);
  return err;
}
