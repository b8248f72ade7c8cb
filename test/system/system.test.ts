import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuntimePmDevice, EINPROGRESS } from '../../src/driver/system/runtime-pm.js';
import { ManualClock } from '../../src/driver/system/clock.js';
import { System, parseUserLog } from '../../src/driver/system/system.js';
import { KmsgDumpReason } from '../../src/zone/types.js';

describe('user log loader', () => {
  it('keeps level, facility and time of "<N>[ s.us] text" lines', () => {
    const recs = parseUserLog('<3>[   12.345678] mmc0: error -110\n<14>[ 1234.000001] user says hi\n');
    assert.deepEqual(recs, [
      { tsNsec: 12_345_678_000n, level: 3, facility: 0, text: 'mmc0: error -110' },
      { tsNsec: 1_234_000_001_000n, level: 6, facility: 1, text: 'user says hi' },
    ]);
  });

  it('gives plain lines level 6 and times one step after the previous line', () => {
    const recs = parseUserLog('<4>[    2.000000] stamped\nplain one\r\nplain two', { stepNsec: 500n });
    assert.deepEqual(
      recs.map((r) => [r.level, r.tsNsec, r.text]),
      [
        [4, 2_000_000_000n, 'stamped'],
        [6, 2_000_000_500n, 'plain one'],
        [6, 2_000_001_000n, 'plain two'],
      ],
    );
  });

  it('keeps the time of "[ s.us] text" (dmesg without -r) and the level of "<N>text"', () => {
    const recs = parseUserLog('[    1.500000] from dmesg\n<2>crit without time', { startNsec: 7n });
    assert.deepEqual(
      recs.map((r) => [r.level, r.tsNsec, r.text]),
      [
        [6, 1_500_000_000n, 'from dmesg'],
        [2, 1_501_000_000n, 'crit without time'],
      ],
    );
  });

  it('round-trips a ring\'s own syslog text', () => {
    const a = new System({ seed: 5 });
    a.loadBootLog(30);
    const b = new System({ seed: 99 });
    b.loadUserLog(a.ring.syslogText());
    assert.equal(b.ring.syslogText(), a.ring.syslogText());
    assert.ok(b.now() >= Number(b.ring.records.at(-1)!.tsNsec), 'the clock moved up to the newest record');
  });

  it('continues unstamped lines from the current virtual time', () => {
    const sys = new System({ startNsec: 5_000_000_000 });
    sys.loadUserLog('first\nsecond\n');
    assert.equal(sys.ring.syslogText(), '<6>[    5.000000] first\n<6>[    5.001000] second\n');
  });
});

describe('System', () => {
  it('generates the same boot log for the same seed, and a different one for another seed', () => {
    const text = (seed: number) => {
      const s = new System({ seed });
      s.loadBootLog(50);
      return s.ring.syslogText();
    };
    assert.equal(text(4), text(4));
    assert.notEqual(text(4), text(5));
    assert.match(text(4), /^<5>\[\s+0\.\d{6}\] Booting Linux on physical CPU/);
  });

  it('stamps each printk from the virtual clock, a few µs apart', () => {
    const clock = new ManualClock(1_000_000_000);
    const sys = new System({ clock, printkCostNs: 10_000 });
    sys.printk(6, 'a');
    sys.printk(6, 'b');
    assert.deepEqual(sys.ring.records.map((r) => r.tsNsec), [1_000_000_000n, 1_000_010_000n]);
    assert.equal(clock.now, 1_000_020_000);
  });

  it('passes printk.always_kmsg_dump to the dumpers', () => {
    const sys = new System({ alwaysKmsgDump: true });
    const got: number[] = [];
    sys.dumpers.register({ name: 'd', maxReason: 0, dump: (d) => got.push(d.reason) });
    sys.dumpers.dump(KmsgDumpReason.SHUTDOWN);
    assert.deepEqual(got, [KmsgDumpReason.SHUTDOWN]);
  });

  it('builds the panic path on the same CPUs and ring (a whole panic with a boot log)', () => {
    const sys = new System({ seed: 2, nrCpus: 2 });
    sys.loadBootLog(5);
    const res = sys.panic('boom');
    assert.deepEqual(res.stop?.stopped, [1]);
    assert.ok(res.lastSeq > res.firstSeq);
    assert.equal(sys.ring.record(res.firstSeq)!.text, 'Kernel panic - not syncing: boom');
  });
});

describe('runtime PM', () => {
  function dev(options: ConstructorParameters<typeof RuntimePmDevice>[2] = {}) {
    const clock = new ManualClock();
    return { clock, d: new RuntimePmDevice('mmc0', () => clock.now, options) };
  }

  it('resumes on get_sync (0), reports an active device with 1, and counts usage', () => {
    const resumes: number[] = [];
    const { d } = dev({ status: 'suspended', resume: () => (resumes.push(1), 0) });
    assert.equal(d.getSync(), 0);
    assert.equal(d.status, 'active');
    assert.equal(d.getSync(), 1);
    assert.equal(d.usageCount, 2);
    assert.equal(resumes.length, 1);
  });

  it('stays suspended when the resume callback fails', () => {
    const { d } = dev({ status: 'suspended', resume: () => -110 });
    assert.equal(d.resumeAndGet(), -110);
    assert.equal(d.status, 'suspended');
    assert.equal(d.usageCount, 0);
    assert.equal(d.runtimeError, -110);
  });

  it('autosuspends only after last_busy + delay, and only when timers run', () => {
    const { clock, d } = dev({ autosuspendDelayMs: 3000 });
    d.getSync();
    d.markLastBusy();
    d.putAutosuspend();
    clock.advance(2_999_000_000);
    d.runTimers();
    assert.equal(d.status, 'active');
    clock.advance(1_000_000);
    d.runTimers();
    assert.equal(d.status, 'suspended');
  });

  it('does not autosuspend in a panic: the system runs no timers then', () => {
    const sys = new System({ nrCpus: 1 });
    const card = sys.runtimePm.device('mmc0:0001', { autosuspendDelayMs: 3000 });
    card.getSync();
    card.markLastBusy();
    card.putAutosuspend();
    sys.panic('boom');
    sys.advance(10_000_000_000);
    assert.equal(card.status, 'active');
    const idle = new System({ nrCpus: 1 });
    const c2 = idle.runtimePm.device('mmc0:0001', { autosuspendDelayMs: 3000 });
    c2.getSync();
    c2.markLastBusy();
    c2.putAutosuspend();
    idle.advance(10_000_000_000);
    assert.equal(c2.status, 'suspended');
  });

  it('reports -EINPROGRESS for a device caught mid-transition (e.g. by a stopped CPU)', () => {
    const { d } = dev();
    d.setStatus('suspending');
    assert.equal(d.getSync(), -EINPROGRESS);
  });

  it('warns about resuming a non-irq-safe device with IRQs off', () => {
    const sys = new System({ nrCpus: 1 });
    const host = sys.runtimePm.device('30b40000.mmc', { status: 'suspended' });
    sys.cpus.localIrqDisable();
    host.getSync();
    assert.equal(sys.cpus.warnings.length, 1);
    assert.match(sys.cpus.warnings[0]!, /rpm_resume\(30b40000\.mmc\)/);
  });
});
