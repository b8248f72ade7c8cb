import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { closeBoard, recoverFiles, runPanic, writePmsg } from '../../src/driver/board/index.js';
import { withHost } from '../../src/driver/mmc/core.js';
import { mmcpstoreRead, mmcpstoreWrite } from '../../src/driver/mmcpstore/normal.js';
import { blankCard, dec, session } from './helpers.js';

/** the defects are in every posted version (v3 ≡ v4; v5 changed only the claim path) */
const DRIVERS = ['v3', 'v4', 'v5', 'proposed'] as const;

describe('§3.2 defects of the posted driver (v3, v4, v5), prevented by the proposed one', () => {
  it('CMD23 failure (sbc.error) reported as success vs. returned', () => {
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver });
      const rep = runPanic(s, { message: 'cmd23', scenario: { fault: 'cmd-timeout@cmd23~1' } });
      assert.equal(rep.outcome, 'lost');
      if (driver !== 'proposed') {
        assert.equal(rep.writes[0]!.ret, 65536, 'posted: panic_write claims success');
        assert.match(rep.reason!, /sbc\.error is not examined/);
      } else {
        assert.ok(rep.writes[0]!.ret < 0, 'fixed: the error reaches pstore/zone');
      }
    }
  });

  it('no poll callback: posted starts and does not wait (success by accident of the 55 ms delays); fixed refuses', () => {
    const r: Record<string, string> = {};
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver });
      const rep = runPanic(s, { message: 'nopoll', scenario: { noPanicOps: true } });
      r[driver] = rep.reason ?? rep.outcome;
      if (driver !== 'proposed') assert.ok(!rep.phases.some((p) => p.name === 'poll'), 'nothing polled');
    }
    for (const v of ['v3', 'v4', 'v5']) assert.equal(r[v], 'written', v);
    assert.match(r['proposed']!, /-EOPNOTSUPP/);
  });

  it('H15: stale part_config/part_curr sends the block layer\'s boot0 write to the user area (posted only)', () => {
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver, params: { kmsgSize: 64, pmsgSize: 16 } });
      const { stack } = s;
      const user = stack.device('mmcblk0')!;
      const lba = 2048; // inside "bootloader", below the 4 MiB boot area size
      const before = user.readSectors(lba, 1);
      withHost(stack.host, () => stack.blk.partSwitch(1), 'mmcqd'); // the block layer served boot0 last
      assert.equal(writePmsg(s, 'switch me\n'), 0); // mmcpstore's normal path switches the card to the user area
      const pattern = new Uint8Array(512).fill(0xb0);
      stack.device('mmcblk0boot0')!.writeSectors(lba, pattern);
      if (driver !== 'proposed') {
        assert.deepEqual(user.readSectors(lba, 1), pattern, 'boot0 data landed in the user area');
      } else {
        assert.equal(stack.blk.partCurr === 1 || stack.blk.partCurr === 0, true);
        assert.deepEqual(user.readSectors(lba, 1), before, 'user area untouched');
        assert.deepEqual(stack.device('mmcblk0boot0')!.readSectors(lba, 1), pattern);
      }
    }
  });

  it('H14: concurrent unaligned writers through the shared 256 KiB buffer corrupt each other (posted only)', () => {
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver });
      const ctx = s.pstore!.ctx;
      // sector n of the area filled with byte n
      const fill = new Uint8Array(16 * 512);
      for (let n = 0; n < 16; n++) fill.fill(n + 1, n * 512, (n + 1) * 512);
      assert.equal(mmcpstoreWrite(ctx, fill, 0), fill.length);
      let ran = false;
      ctx.preempt = () => {
        if (ran) return;
        ran = true;
        ctx.preempt = null;
        assert.equal(mmcpstoreWrite(ctx, new Uint8Array(10).fill(0xbb), 9 * 512 + 20), 10); // writer B, sector 9
      };
      assert.equal(mmcpstoreWrite(ctx, new Uint8Array(10).fill(0xaa), 100), 10); // writer A, sector 0
      assert.ok(ran);
      const sec0 = new Uint8Array(512);
      assert.equal(mmcpstoreRead(ctx, sec0, 0), 512);
      const expected = new Uint8Array(512).fill(1);
      expected.fill(0xaa, 100, 110);
      if (driver !== 'proposed') {
        assert.notDeepEqual(sec0, expected);
        assert.equal(sec0[0], 10, 'sector 0 now carries sector 9\'s bytes');
      } else {
        assert.deepEqual(sec0, expected);
      }
      const sec9 = new Uint8Array(512);
      mmcpstoreRead(ctx, sec9, 9 * 512);
      assert.equal(sec9[20], 0xbb);
    }
  });

  it('H16: SHUTDOWN before unregister loses dirty zones (posted); fixed flushes first', () => {
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const back = new MemoryBacking(image);
      const params = { kmsgSize: 64, pmsgSize: 16 };
      const s = session(back, blkdev, {}, { driver, params });
      s.system.cpus.preemptDisable(); // written from atomic context: -EBUSY, the zone stays dirty
      assert.equal(writePmsg(s, 'dirty at shutdown\n'), 0);
      s.system.cpus.preemptEnable();
      assert.equal(s.pstore!.core.zone.dirtyZones().length, 1);
      closeBoard(s); // reboot notifier
      const files = recoverFiles(session(back, blkdev, { seed: 4 }, { driver, params }));
      const pmsg = files.find((f) => f.name === 'pmsg-pstore_blk-0');
      if (driver !== 'proposed') assert.equal(pmsg, undefined);
      else assert.equal(dec.decode(pmsg!.data), 'dirty at shutdown\n');
    }
  });
});

describe('H13: unaligned zone layout (ftrace 64 KiB over 3 CPUs)', () => {
  it('64 KiB kmsg zones at unaligned offsets are written by read-modify-write, intact', () => {
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver, nrCpus: 3, params: { kmsgSize: 64, ftraceSize: 64 } });
      const rep = runPanic(s, { message: 'unaligned' });
      assert.notEqual(rep.zoneOffset! % 512, 0, 'zone starts mid-sector');
      assert.equal(rep.outcome, 'written', rep.reason);
      assert.ok(s.pstore!.ctx.stats.rmw > 0);
    }
  });

  it('a 256 KiB kmsg zone spans more than the buffer: posted -EINVAL, fixed window by window', () => {
    for (const driver of DRIVERS) {
      const { image, blkdev } = blankCard();
      const s = session(new MemoryBacking(image), blkdev, {}, { driver, nrCpus: 3, params: { kmsgSize: 256, ftraceSize: 64 } });
      const rep = runPanic(s, { message: 'big unaligned' });
      if (driver !== 'proposed') {
        assert.equal(rep.outcome, 'lost');
        assert.match(rep.reason!, /-EINVAL/);
        assert.ok(rep.driverLog.some((l) => /span \d+ exceeds buffer size 262144/.test(l)));
      } else assert.equal(rep.outcome, 'written', rep.reason);
    }
  });
});
