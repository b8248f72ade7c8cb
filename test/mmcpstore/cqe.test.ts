import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { Tracer } from '../../src/device/trace.js';
import { runPanic, writePmsg, type PanicScenario } from '../../src/driver/board/index.js';
import { blankCard, session } from './helpers.js';

function cqeSession(driver: 'proposed' | 'v5', trace?: Tracer) {
  const { image, blkdev } = blankCard();
  const backing = new MemoryBacking(image);
  const s = session(backing, blkdev, { cqe: true, ...(trace ? { trace } : {}) }, { driver, params: { kmsgSize: 64, pmsgSize: 16 } });
  return { s, backing };
}

const panicCqe = (driver: 'proposed' | 'v5', scenario: PanicScenario = { cqe: true }, trace?: Tracer) => {
  const { s } = cqeSession(driver, trace);
  return { rep: runPanic(s, { message: 'H6', scenario }), s };
};

describe('H6: command queueing on at the panic', () => {
  it('posted: cqe_off halts only the engine (stuck on: a task is moving data), the card stays in CMDQ mode, CMD23 is illegal → silent loss', () => {
    const { rep, s } = panicCqe('v5');
    assert.equal(rep.outcome, 'lost');
    assert.match(rep.reason ?? '', /still in command-queue mode \(CMDQ_MODE_EN=1\).*sbc\.error is not examined/);
    assert.ok(rep.hostLog.includes('mmc0: cqhci: CQE stuck on'), rep.hostLog.join('\n'));
    assert.ok(rep.notes.some((n) => /queued 4 write task\(s\) of 256 blocks into mmcblk0p\d+; 4 still in the engine/.test(n)), rep.notes.join('\n'));
    assert.equal(s.stack.card.extCsd.cmdqEn, true);
  });

  it('proposed: halt (polled), CMD48 discard, CQE tasks cleared, CMD6 CMDQ_MODE_EN=0, then legacy writes → written', () => {
    const tracer = new Tracer({ enable: 'sdcard_cmdq', record: true, sink: () => {} });
    const { rep, s } = panicCqe('proposed', { cqe: true }, tracer);
    assert.equal(rep.outcome, 'written', rep.reason);
    assert.deepEqual(rep.atomicSleeps, []);
    assert.ok(rep.irqsOffThroughout);
    const halt = rep.phases.find((p) => p.name === 'prepare' && /^CQE halt \(4 task\(s\) in the engine\): 0$/.test(p.detail ?? ''));
    assert.ok(halt, rep.phases.map((p) => `${p.name}: ${p.detail}`).join('\n'));
    assert.ok(rep.phases.some((p) => p.name === 'stop' && p.detail === 'CMD48 discard queue: 0'));
    assert.ok(rep.phases.some((p) => p.name === 'switch' && p.detail === 'panic CMD6 CMDQ_MODE_EN -> 0: 0'));
    // the task moving data finished during the halt; the three still queued are discarded
    assert.ok(rep.driverLog.some((l) => /command queue engine halted, 3 queued task\(s\) discarded/.test(l)), rep.driverLog.join('\n'));
    assert.ok(rep.driverLog.some((l) => /command queueing off \(CMDQ_MODE_EN=0\): legacy commands from here/.test(l)));
    assert.ok(tracer.records.some((r) => /sdcard_cmdq discard all task 3 tasks/.test(r.line)), tracer.records.map((r) => r.line).slice(-10).join('\n'));
    assert.equal(s.stack.card.extCsd.cmdqEn, false);
    assert.equal(s.stack.host.cqeEnabled, false);
  });

  it('a CQE board with no tasks queued: posted still loses the record (card in CMDQ mode), proposed writes it', () => {
    assert.match(panicCqe('v5', {}).rep.reason ?? '', /command-queue mode/);
    assert.equal(panicCqe('proposed', {}).rep.outcome, 'written');
  });

  it('combined with a card power cycle (resetMask all): proposed still writes, posted still loses', () => {
    // (a runtime-suspended card needs an aggressive-PM board, where the card is powered off: H4, scenarios.test.ts)
    for (const extra of [{ resetMask: 'all' }] as const) {
      const fixed = panicCqe('proposed', { cqe: true, ...extra }).rep;
      assert.equal(fixed.outcome, 'written', `${JSON.stringify(extra)}: ${fixed.reason}`);
      assert.equal(panicCqe('v5', { cqe: true, ...extra }).rep.outcome, 'lost');
    }
  });

  it('cqe: N queues N tasks', () => {
    const { rep } = panicCqe('proposed', { cqe: 2 });
    assert.ok(rep.notes.some((n) => /queued 2 write task\(s\)/.test(n)), rep.notes.join('\n'));
    assert.equal(rep.outcome, 'written', rep.reason);
  });

  it('normal path (every version): CMDQ off around each request and back on after; records round-trip', () => {
    for (const driver of ['v5', 'proposed'] as const) {
      const { s } = cqeSession(driver);
      const p = s.requirePstore();
      const ev = p.ctx.events.map((e) => e.detail);
      assert.ok(ev.includes('normal: CMD6 CMDQ_MODE_EN -> 0: 0'), `${driver}: ${ev.slice(0, 6).join('\n')}`);
      assert.ok(ev.includes('normal: CMD6 CMDQ_MODE_EN -> 1: 0'));
      assert.equal(s.stack.card.extCsd.cmdqEn, true, 'CMDQ is back on after the mount');
      const before = p.ctx.stats.requests;
      assert.equal(writePmsg(s, 'hello from userspace'), 0);
      assert.ok(p.ctx.stats.requests > before, 'the pmsg write went to the card');
      assert.equal(s.stack.card.extCsd.cmdqEn, true);
    }
  });
});
