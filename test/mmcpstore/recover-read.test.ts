/**
 * Recovery reads as the kernel reads (fs/pstore/zone.c psz_kmsg_recover_data()): every kmsg zone
 * with a record is read whole, buffer_size + sizeof(struct psz_buffer) bytes at the zone offset,
 * through mmcpstore's read callback; where the posted driver refuses that span (a zone starting
 * mid-sector whose span exceeds its 256 KiB buffer), recovery fails with the kernel's lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { closeBoard, recoverFiles, runPanic } from '../../src/driver/board/index.js';
import { MMC_PSTORE_MAX_BUFFER_SIZE } from '../../src/driver/mmcpstore/constants.js';
import { PSZ_BUFFER, RecoveryFailedError } from '../../src/zone/index.js';
import { blankCard, session } from './helpers.js';

/** Records every read pstore/zone asks the driver for (after the attach, before the mount). */
function traceReads(s: ReturnType<typeof session>): { off: number; len: number; ret: number }[] {
  const info = s.pstore!.ctx.registration!.zone.info;
  const reads: { off: number; len: number; ret: number }[] = [];
  const read = info.read.bind(info);
  info.read = (buf, off) => {
    const ret = read(buf, off);
    reads.push({ off, len: buf.length, ret });
    return ret;
  };
  return reads;
}

describe('psz_kmsg_recover_data() through the emulated card', () => {
  it('asks the driver for buffer_size + 12 bytes at the offset of each kmsg zone holding a record', () => {
    const { image, blkdev } = blankCard();
    const back = new MemoryBacking(image);
    const s = session(back, blkdev, { seed: 4 }, { related: { compress: 'none' } });
    assert.equal(runPanic(s, { message: 'whole zone' }).outcome, 'written');
    closeBoard(s);

    const s2 = session(back, blkdev, { seed: 6 }, { related: { compress: 'none' }, mount: false });
    const reads = traceReads(s2);
    const zone0 = s2.pstore!.ctx.registration!.zone.layout.kmsg[0]!;
    const files = recoverFiles(s2);
    assert.ok(files.some((f) => f.name === 'dmesg-pstore_blk-0'));
    const whole = reads.filter((r) => r.off === zone0.off && r.len === zone0.bufferSize + PSZ_BUFFER.size);
    assert.equal(whole.length, 1, JSON.stringify(reads.filter((r) => r.off === zone0.off)));
    assert.equal(whole[0]!.ret, zone0.size);
    // Zones without a record are read for their headers only.
    const zone1 = s2.pstore!.ctx.registration!.zone.layout.kmsg[1]!;
    assert.deepEqual(
      reads.filter((r) => r.off === zone1.off).map((r) => r.len),
      [PSZ_BUFFER.size + 40],
    );
    closeBoard(s2);
  });

  // ftrace_size 4 KiB over 3 CPUs: 1365-byte ftrace zones, so the dmesg zones start at 4095.
  const params = { kmsgSize: 256, ftraceSize: 4 };
  const attach = { nrCpus: 3, params, related: { compress: 'none' as const } };

  it('a kmsg zone starting mid-sector whose span exceeds 256 KiB fails the posted driver\'s recovery, with the kernel\'s lines', () => {
    const { image, blkdev } = blankCard();
    const back = new MemoryBacking(image);
    const w = session(back, blkdev, { seed: 4 }, attach);
    const zone0 = w.pstore!.ctx.registration!.zone.layout.kmsg[0]!;
    assert.equal(zone0.off % 512, 4095 % 512, `dmesg zone 0 at ${zone0.off}`);
    assert.equal(runPanic(w, { message: 'mid-sector' }).outcome, 'written');
    closeBoard(w);

    const s = session(back, blkdev, { seed: 6 }, { ...attach, driver: 'v5', mount: false });
    const reads = traceReads(s);
    assert.throws(() => recoverFiles(s), (e: unknown) => e instanceof RecoveryFailedError && /recover failed/.test(e.message));
    const refused = reads.find((r) => r.off === zone0.off && r.len === zone0.size);
    assert.ok(refused, 'the whole zone was asked for');
    assert.equal(refused.ret, -22, 'the posted driver refuses it with -EINVAL');
    const span = Math.ceil((zone0.off + zone0.size) / 512) * 512 - Math.floor(zone0.off / 512) * 512;
    const log = s.kernelLog.join('\n');
    assert.ok(log.includes(`mmcpstore: Unaligned read span ${span} exceeds buffer size ${MMC_PSTORE_MAX_BUFFER_SIZE}`), log.slice(-600));
    const zoneLines = s.kernelLog.filter((l) => l.startsWith('pstore_zone:'));
    const tail = zoneLines.slice(-2);
    assert.deepEqual(tail, ['pstore_zone: psz_recover_kmsg failed', 'pstore_zone: recover failed']);
    closeBoard(s);

    // The fixed driver walks the span window by window and reads the record.
    const f = session(back, blkdev, { seed: 7 }, attach);
    const d = recoverFiles(f).find((x) => x.name === 'dmesg-pstore_blk-0');
    assert.ok(d);
    assert.match(new TextDecoder().decode(d.data), /Kernel panic - not syncing: mid-sector/);
    closeBoard(f);
  });
});
