import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { createBoard } from '../../src/device/board.js';
import { Tracer } from '../../src/device/trace.js';
import { bootMmcStack, type MmcStack } from '../../src/driver/mmc/host-board.js';
import { mmcBlkCqeInFlight, mmcBlkCqeStart } from '../../src/driver/mmc/block-cqe.js';
import { mmcCmdqDisable, mmcCmdqEnable, mmcCqeActive, mmcFlushCache } from '../../src/driver/mmc/cqe.js';
import { mmcSendStatus } from '../../src/driver/mmc/mmc-ops.js';
import { withHost } from '../../src/driver/mmc/core.js';
import { randomBytes } from './helpers.js';
import { parseFaults } from '../../src/device/faults.js';
import { MmcBlockError } from '../../src/driver/mmc/block.js';
import { EIO } from '../../src/lib/errno.js';

function cqeStack(o: { cqe?: boolean; cmdqDepth?: number; cacheSize?: number; trace?: string } = {}) {
  const backing = new MemoryBacking(new Uint8Array(4 << 20));
  const tracer = new Tracer({ enable: o.trace ?? 'sdcard_cmdq,sdcard_cache', record: true, sink: () => {} });
  const board = createBoard({ backing, cqe: o.cqe ?? true, cmdqDepth: o.cmdqDepth, cacheSize: o.cacheSize, trace: tracer });
  const stack = bootMmcStack({ board, cqe: o.cqe ?? true });
  return { backing, board, stack, tracer };
}

const lines = (t: Tracer, from = 0): string[] => t.records.slice(from).map((r) => r.line);
const user = (s: MmcStack) => s.device('mmcblk0')!;

describe('MMC core + cqhci: command queueing', () => {
  it('mmc_init_card turns CMDQ_MODE_EN on and cqe_enable arms the engine', () => {
    const { stack } = cqeStack();
    assert.equal(stack.card.extCsd.cmdqSupport, true);
    assert.equal(stack.card.extCsd.cmdqDepth, 32);
    assert.equal(stack.card.extCsd.cmdqEn, true);
    assert.equal(stack.host.cqeEnabled, true);
    assert.ok(mmcCqeActive(stack.card));
    assert.ok(stack.host.log.includes('mmc0: Command Queue Engine enabled'), stack.host.log.join('\n'));
    assert.ok(stack.sdhci.log.some((l) => /CQHCI version 5\.10/.test(l)), stack.sdhci.log.join('\n'));
  });

  it('without supports-cqe the card stays in legacy mode; a card without CMDQ support gets no CMD6', () => {
    const plain = cqeStack({ cqe: false }).stack;
    assert.equal(plain.card.extCsd.cmdqEn, false);
    assert.equal(plain.host.cqeOps, undefined);
    const noCmdq = cqeStack({ cmdqDepth: 0 }).stack;
    assert.equal(noCmdq.card.extCsd.cmdqSupport, false);
    assert.equal(noCmdq.card.extCsd.cmdqEn, false);
    assert.equal(mmcCqeActive(noCmdq.card), false);
  });

  it('block reads and writes go through the engine as tasks (CMD44/45/46/47) and round-trip', () => {
    const { stack, tracer, backing } = cqeStack();
    const from = tracer.records.length;
    const data = randomBytes(64 * 512, 7);
    user(stack).writeSectors(100, data);
    assert.deepEqual(user(stack).readSectors(100, 64), data);
    const t = lines(tracer, from).join('\n');
    assert.match(t, /sdcard_cmdq queued task 0 write 64 block\(s\)/);
    assert.match(t, /sdcard_cmdq execute task 0 write 64/);
    assert.match(t, /sdcard_cmdq execute task 0 read 64/);
    assert.deepEqual(backing.read(100 * 512, 64 * 512), data);
    assert.equal(mmcBlkCqeInFlight(stack.card), 0);
  });

  it('a task larger than 64 KiB is split over several ADMA2 transfer descriptors', () => {
    const { stack } = cqeStack();
    const data = randomBytes(1024 * 512, 9); // 512 KiB: eight descriptors
    user(stack).writeSectors(2048, data);
    assert.deepEqual(user(stack).readSectors(2048, 1024), data);
  });

  it('queued tasks without waiting: each takes its own tag, and the CQE interrupt completes them', () => {
    const { stack } = cqeStack();
    const done: number[] = [];
    withHost(stack.host, () => {
      for (let i = 0; i < 3; i++) {
        const r = mmcBlkCqeStart(stack.card, { lba: 200 + i * 8, buf: randomBytes(8 * 512, i + 1), write: true, done: (m) => done.push(m.tag) });
        assert.notEqual(typeof r, 'number');
      }
      assert.equal(mmcBlkCqeInFlight(stack.card), 3);
      stack.cpu.waitFor(() => done.length === 3, 'three tasks');
    }, 'test');
    assert.deepEqual([...done].sort(), [0, 1, 2]);
    assert.equal(mmcBlkCqeInFlight(stack.card), 0);
    assert.deepEqual(user(stack).readSectors(208, 8), randomBytes(8 * 512, 2));
  });

  it('a legacy command turns the engine off (cqe_off: CQCTL HALT) and the next task turns it back on', () => {
    const { stack } = cqeStack();
    assert.equal(stack.host.cqeOn, true);
    const st = withHost(stack.host, () => mmcSendStatus(stack.card, 0), 'test');
    assert.equal(st.err, 0);
    assert.equal(stack.host.cqeOn, false);
    assert.ok(!stack.host.log.some((l) => /CQE stuck on/.test(l)), 'an idle engine halts within CQHCI_OFF_TIMEOUT');
    user(stack).readSectors(0, 8);
    assert.equal(stack.host.cqeOn, true);
  });

  it('mmc_cmdq_disable / enable switch CMDQ_MODE_EN; legacy block I/O works in between', () => {
    const { stack, tracer } = cqeStack();
    withHost(stack.host, () => assert.equal(mmcCmdqDisable(stack.card), 0), 'test');
    assert.equal(mmcCqeActive(stack.card), false);
    const from = tracer.records.length;
    const data = randomBytes(16 * 512, 3);
    user(stack).writeSectors(300, data);
    assert.deepEqual(user(stack).readSectors(300, 16), data);
    assert.equal(lines(tracer, from).filter((l) => l.includes('sdcard_cmdq')).length, 0);
    withHost(stack.host, () => assert.equal(mmcCmdqEnable(stack.card), 0), 'test');
    assert.ok(mmcCqeActive(stack.card));
  });

  it('the card refuses CMDQ_MODE_EN = 0 while tasks are queued', () => {
    const { stack, board } = cqeStack();
    let err = 0;
    withHost(stack.host, () => {
      for (let i = 0; i < 3; i++) mmcBlkCqeStart(stack.card, { lba: 400 + i * 256, buf: new Uint8Array(256 * 512), write: true });
      board.clock.advance(200_000); // queued in the card, none finished
      err = mmcCmdqDisable(stack.card);
    }, 'test');
    assert.notEqual(err, 0);
    assert.equal(stack.card.extCsd.cmdqEn, true);
  });

  it('a task whose data fails (CQIS RED, CQTERRI data error) ends with -EIO; the engine keeps serving the next task', () => {
    const { stack, board } = cqeStack();
    for (const f of parseFaults('data-crc:2@cmd47')) board.faults.add(f);
    assert.throws(
      () => user(stack).writeSectors(600, randomBytes(8 * 512, 11)),
      (e: unknown) => e instanceof MmcBlockError && e.errno === -EIO && /CQE task/.test(e.message),
    );
    assert.ok(stack.host.log.some((l) => /cqhci: error IRQ status: 0x00000006 TERRI 0x/.test(l)), stack.host.log.slice(-4).join('\n'));
    assert.equal(mmcBlkCqeInFlight(stack.card), 0, 'the tag is back');
    assert.ok(stack.host.log.includes('mmc0: running CQE recovery'));
    const data = randomBytes(8 * 512, 12);
    user(stack).writeSectors(600, data);
    assert.deepEqual(user(stack).readSectors(600, 8), data);
  });

  it('REQ_FLUSH: CMD6 FLUSH_CACHE programs what the volatile cache holds; without a cache nothing is sent', () => {
    const { stack, backing, tracer } = cqeStack({ cqe: false, cacheSize: 64 * 1024 });
    const data = randomBytes(8 * 512, 5);
    user(stack).writeSectors(500, data);
    assert.notDeepEqual(backing.read(500 * 512, 8 * 512), data, 'the write waits in the cache');
    assert.equal(stack.blk.flush(), 0);
    assert.deepEqual(backing.read(500 * 512, 8 * 512), data);
    assert.ok(lines(tracer).some((l) => /sdcard_cache/.test(l)));
    const none = cqeStack({ cqe: false }).stack;
    assert.equal(withHost(none.host, () => mmcFlushCache(none.card), 'test'), 0);
  });
});
