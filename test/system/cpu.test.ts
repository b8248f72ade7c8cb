import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/driver/system/clock.js';
import { CpuSet, cpuList } from '../../src/driver/system/cpu.js';
import { DeadlockError, LockContendedError, LockStateError } from '../../src/driver/system/locks.js';

function cpus(options: { nrCpus?: number; stopNmi?: boolean } = {}) {
  const clock = new ManualClock();
  const printed: string[] = [];
  const set = new CpuSet({
    nrCpus: options.nrCpus ?? 4,
    clock,
    stopNmi: options.stopNmi ?? true,
    printk: (level, text) => printed.push(`<${level}>${text}`),
  });
  return { set, printed, now: () => clock.now };
}

describe('CPU model: interrupts', () => {
  it('nests local_irq_save/restore and reports irqs_disabled() per CPU', () => {
    const { set } = cpus();
    const outer = set.localIrqSave();
    const inner = set.localIrqSave();
    assert.equal(set.irqsDisabled(), true);
    set.localIrqRestore(inner);
    assert.equal(set.irqsDisabled(), true, 'the inner restore keeps them off');
    set.localIrqRestore(outer);
    assert.equal(set.irqsDisabled(), false);
    set.runOn(2, () => set.localIrqDisable());
    assert.equal(set.cpus[2]!.irqsDisabled, true);
    assert.equal(set.irqsDisabled(), false, 'CPU0 is not affected');
  });

  it('is in_interrupt() between irq_enter and irq_exit, with IRQs masked', () => {
    const { set } = cpus();
    assert.equal(set.inInterrupt(), false);
    const f = set.irqEnter();
    assert.equal(set.inInterrupt(), true);
    assert.equal(set.irqsDisabled(), true);
    set.irqExit(f);
    assert.equal(set.inInterrupt(), false);
    assert.equal(set.irqsDisabled(), false);
    assert.deepEqual(
      set.trace.map((e) => e.kind),
      ['irq-disable', 'irq-enter', 'irq-exit', 'irq-enable'],
    );
  });
});

describe('CPU model: smp_send_stop()', () => {
  it('stops every other CPU wherever it is, leaving the locks it holds held', () => {
    const { set, printed } = cpus();
    const hostLock = set.spinLock('sdhci_host->lock');
    set.runOn(2, () => hostLock.lock(), 'inside sdhci_request()');
    const res = set.smpSendStop();
    assert.deepEqual(res.stopped, [1, 2, 3]);
    assert.deepEqual(res.failed, []);
    assert.deepEqual(res.heldByStopped, [{ cpu: 2, locks: ['sdhci_host->lock'] }]);
    assert.deepEqual(set.otherRunning(), []);
    assert.equal(hostLock.owner, 2);
    assert.equal(hostLock.ownerStopped, true);
    assert.deepEqual(printed, ['<2>SMP: stopping secondary CPUs']);
  });

  it('makes lock() throw DeadlockError naming the lock and the stopped owner, while tryLock() returns false', () => {
    const { set } = cpus();
    const hostLock = set.spinLock('sdhci_host->lock');
    set.runOn(1, () => hostLock.lock(), 'inside sdhci_irq()');
    set.smpSendStop();
    assert.equal(hostLock.tryLock(), false);
    assert.equal(hostLock.owner, 1, 'a failed trylock changes nothing');
    let err: unknown;
    try {
      hostLock.lock();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof DeadlockError);
    assert.equal(err.lock, 'sdhci_host->lock');
    assert.equal(err.owner, 1);
    assert.equal(err.cpu, 0);
    assert.equal(err.kind, 'stopped-owner');
    assert.match(err.message, /held by stopped CPU1 \(inside sdhci_irq\(\)\)/);
    assert.equal(set.trace.at(-1)!.kind, 'deadlock');
  });

  it('keeps IRQs off after a spin_lock_irqsave that hangs, as the spinning CPU would', () => {
    const { set } = cpus();
    const l = set.spinLock('l');
    set.runOn(3, () => l.lock());
    set.smpSendStop();
    assert.throws(() => l.lockIrqSave(), DeadlockError);
    assert.equal(set.irqsDisabled(), true);
    assert.equal(l.tryLockIrqSave(), null);
  });

  it('tells a lock held by a still-running CPU (contention) apart from a deadlock', () => {
    const { set } = cpus();
    const l = set.spinLock('l');
    set.runOn(1, () => l.lock());
    assert.throws(() => l.lock(), LockContendedError);
    set.runOn(1, () => l.unlock());
    l.lock();
    assert.equal(l.owner, 0);
  });

  it('detects taking a lock the CPU already holds', () => {
    const { set } = cpus();
    const l = set.spinLock('die_lock');
    l.lock();
    assert.throws(() => l.lock(), (e: unknown) => e instanceof DeadlockError && e.kind === 'recursive');
  });

  it('refuses unlocking a lock held by another CPU', () => {
    const { set } = cpus();
    const l = set.spinLock('l');
    set.runOn(1, () => l.lock());
    assert.throws(() => l.unlock(), LockStateError);
  });

  it('costs the 1 s wait and then uses the NMI for a CPU with IRQs masked', () => {
    const { set, now } = cpus();
    set.runOn(1, () => set.localIrqDisable());
    const res = set.smpSendStop();
    assert.deepEqual(res.stopped, [2, 3, 1]);
    assert.ok(now() >= 1_000_000_000);
  });

  it('without an NMI, reports the masked CPU as not stopped; it stops when it re-enables IRQs', () => {
    const { set, printed } = cpus({ stopNmi: false });
    const l = set.spinLock('l');
    set.runOn(1, () => l.lockIrqSave());
    const res = set.smpSendStop();
    assert.deepEqual(res.failed, [1]);
    assert.equal(set.cpus[1]!.state, 'running');
    assert.deepEqual(printed, ['<2>SMP: stopping secondary CPUs', '<4>SMP: failed to stop secondary CPUs 1']);
    assert.throws(() => l.lock(), LockContendedError, 'a running owner is contention, not a deadlock');
    set.runOn(1, () => l.unlockIrqRestore(false));
    assert.equal(set.cpus[1]!.state, 'stopped');
    assert.equal(l.locked, false);
  });

  it('does nothing on a second crash_smp_send_stop()', () => {
    const { set } = cpus();
    assert.deepEqual(set.crashSmpSendStop().stopped, [1, 2, 3]);
    assert.deepEqual(set.crashSmpSendStop().stopped, []);
  });

  it('runs nothing on a stopped CPU', () => {
    const { set } = cpus();
    set.smpSendStop();
    assert.throws(() => set.switchTo(1), /stopped/);
  });
});

describe('CPU model: mutexes', () => {
  it('warns "sleeping function called from invalid context" for mutex_lock with IRQs off, but not during an oops', () => {
    const { set } = cpus();
    const m = set.mutex('mmcpstore->lock');
    set.localIrqDisable();
    m.lock();
    m.unlock();
    assert.equal(set.warnings.length, 1);
    assert.match(set.warnings[0]!, /^BUG: sleeping function called from invalid context \(mutex_lock\(mmcpstore->lock\)\)/);
    set.oopsInProgress = 1;
    m.lock();
    assert.equal(set.warnings.length, 1);
  });

  it('hangs (DeadlockError) on a contended mutex with IRQs off, and on one owned by a stopped CPU', () => {
    const { set } = cpus();
    const m = set.mutex('m');
    const n = set.mutex('n');
    set.runOn(1, () => m.lock());
    set.localIrqDisable();
    assert.throws(() => m.lock(), (e: unknown) => e instanceof DeadlockError && e.kind === 'sleep-in-atomic');
    set.runOn(2, () => n.lock());
    set.smpSendStop();
    assert.throws(() => n.lock(), (e: unknown) => e instanceof DeadlockError && e.kind === 'stopped-owner' && e.owner === 2);
    assert.equal(n.tryLock(), false);
  });
});

describe('cpuList', () => {
  it('prints a CPU set as %*pbl does', () => {
    assert.equal(cpuList([3, 1, 2, 5, 7, 8]), '1-3,5,7-8');
    assert.equal(cpuList([0]), '0');
  });
});
