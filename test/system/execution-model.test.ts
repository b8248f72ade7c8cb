/**
 * One kernel execution model: the MMC core, the SDHCI driver, mmcpstore and the system model run on
 * the same CPUs (IRQ state, preempt count), the same non-recursive CPU-owned spinlocks and the
 * same virtual time, the board's device clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, openBoard, runPanic, type BoardSession } from '../../src/driver/board/index.js';
import { mmcClaimHost, mmcReleaseHost } from '../../src/driver/mmc/core.js';
import { Cpu } from '../../src/driver/mmc/cpu.js';
import { System } from '../../src/driver/system/system.js';
import { DeadlockError, LockContendedError } from '../../src/driver/system/locks.js';
import { SleepInAtomicError } from '../../src/driver/system/wait-errors.js';
import { blankCard } from '../helpers/blank-card.js';

function boot(): { s: BoardSession; blkdev: string } {
  const { image, blkdev } = blankCard();
  return { s: openBoard({ image: new MemoryBacking(image.slice()), seed: 3, bootLogLines: 0 }), blkdev };
}

const isDeadlock = (kind: DeadlockError['kind'], owner?: number) => (e: unknown) =>
  e instanceof DeadlockError && e.kind === kind && (owner === undefined || e.owner === owner);

describe('execution model: one set of CPUs', () => {
  it('runs the MMC stack on the system CPUs: the host locks are the system spinlocks, with one IRQ state', () => {
    const { s } = boot();
    const { stack, system } = s;
    assert.equal(stack.cpu.cpus, system.cpus);
    assert.equal(s.sdhciLock, stack.sdhci.lock);
    assert.equal(s.hostLock, stack.host.lock);
    system.cpus.localIrqDisable();
    assert.equal(stack.cpu.irqsDisabled, true, 'the driver sees the system CPU mask');
    system.cpus.localIrqEnable();
    const f = stack.sdhci.lockIrqSave();
    assert.equal(system.cpus.irqsDisabled(), true, 'the driver masks the system CPU');
    assert.equal(system.cpus.cpu.preemptCount, 1);
    assert.equal(stack.sdhci.lock.owner, 0);
    stack.sdhci.unlockIrqRestore(f);
    assert.equal(system.cpus.irqsDisabled(), false);
    assert.equal(system.cpus.cpu.preemptCount, 0);
  });

  it('restores the saved IRQ flag: spin_unlock_irqrestore inside an IRQs-off section keeps them off', () => {
    const { s } = boot();
    const cpus = s.system.cpus;
    const outer = cpus.localIrqSave();
    const f = s.stack.sdhci.lockIrqSave();
    assert.equal(f, true, 'saved flags say "were disabled"');
    s.stack.sdhci.unlockIrqRestore(f);
    assert.equal(cpus.irqsDisabled(), true);
    cpus.localIrqRestore(outer);
    assert.equal(cpus.irqsDisabled(), false);
  });

  it('runs interrupt handlers in hardirq context (in_interrupt(), IRQs masked), and only there', () => {
    const { s } = boot();
    const { stack, system } = s;
    const seen: [boolean, boolean][] = [];
    stack.cpu.requestIrq({ name: 'probe', handler: () => (seen.push([system.cpus.inInterrupt(), system.cpus.irqsDisabled()]), 'none') });
    stack.devices[0]!.readSectors(0, 8);
    assert.ok(seen.length > 0, 'the read raised the IRQ line');
    assert.ok(seen.every(([inIrq, off]) => inIrq && off));
    assert.equal(system.cpus.inInterrupt(), false);
    assert.equal(system.cpus.irqsDisabled(), false);
  });
});

describe('execution model: spinlocks', () => {
  it('is not recursive: taking sdhci_host->lock or mmc_host->lock again on the owner CPU is a deadlock', () => {
    const { s } = boot();
    const f = s.stack.sdhci.lockIrqSave();
    assert.throws(() => s.stack.sdhci.lockIrqSave(), isDeadlock('recursive', 0));
    s.stack.sdhci.unlockIrqRestore(f);
    s.hostLock.lock();
    assert.throws(() => mmcClaimHost(s.stack.host, 'nested'), isDeadlock('recursive', 0));
    s.hostLock.unlock();
    mmcClaimHost(s.stack.host, 'after');
    mmcReleaseHost(s.stack.host);
    assert.equal(s.stack.host.claimed, false);
  });

  it('spins on a lock a running CPU holds (contention) and forever on one a stopped CPU holds (DeadlockError)', () => {
    const { s } = boot();
    const cpus = s.system.cpus;
    cpus.cpus[1]!.activity = '__mmc_claim_host()';
    s.hostLock.forceOwner(1);
    assert.throws(() => mmcClaimHost(s.stack.host), LockContendedError);
    cpus.smpSendStop();
    let err: unknown;
    try {
      mmcClaimHost(s.stack.host);
    } catch (e) {
      err = e;
    }
    assert.ok(isDeadlock('stopped-owner', 1)(err));
    assert.match((err as Error).message, /^deadlock: CPU0 spins on mmc_host->lock, held by stopped CPU1 \(__mmc_claim_host\(\)\)$/);
    assert.equal(cpus.trace.at(-1)!.kind, 'deadlock');
  });

  it('lets the fixed panic path re-initialise sdhci_host->lock held by a stopped CPU (lock-init in the CPU trace)', () => {
    const { s, blkdev } = boot();
    attachPstore(s, { blkdev, params: { kmsgSize: 64 } });
    const rep = runPanic(s, { message: 'stuck lock', scenario: { lockHeld: 'sdhci' } });
    assert.equal(rep.outcome, 'written');
    const init = rep.cpuTrace.find((e) => e.kind === 'lock-init');
    assert.deepEqual(init && { cpu: init.cpu, lock: init.lock, detail: init.detail }, { cpu: 0, lock: 'sdhci_host->lock', detail: 'was held by CPU1' });
    assert.ok(!rep.cpuTrace.some((e) => e.kind === 'deadlock'));
  });
});

describe('execution model: sleeping', () => {
  it('refuses a sleeping wait with IRQs off (SleepInAtomicError, listed once in the CPU set)', () => {
    const { s } = boot();
    const cpus = s.system.cpus;
    cpus.localIrqDisable();
    const t0 = s.board.clock.now;
    assert.throws(() => s.stack.cpu.sleep(1_000_000, 'msleep(1)'), SleepInAtomicError);
    assert.equal(s.board.clock.now, t0, 'no time passed');
    assert.deepEqual(cpus.atomicSleeps, ['msleep(1)']);
    assert.equal(s.stack.cpu.atomicSleeps, cpus.atomicSleeps);
    assert.match(cpus.warnings[0]!, /\(msleep\(1\)\): in_atomic\(\): 0, irqs_disabled\(\): 1$/);
  });

  it('splats (might_sleep) but sleeps when only a spinlock makes the context atomic', () => {
    const { s } = boot();
    const cpus = s.system.cpus;
    const l = cpus.spinLock('some_lock');
    l.lock();
    const t0 = s.board.clock.now;
    s.stack.cpu.sleep(1_000_000, 'msleep(1)');
    l.unlock();
    assert.equal(s.board.clock.now - t0, 1_000_000);
    assert.deepEqual(cpus.atomicSleeps, []);
    assert.equal(cpus.warnings.length, 1);
    assert.match(cpus.warnings[0]!, /in_atomic\(\): 1, irqs_disabled\(\): 0$/);
  });
});

describe('execution model: one virtual time', () => {
  it('has the CPUs, the driver, printk and the trace read the board clock', () => {
    const { s } = boot();
    const { board, stack, system } = s;
    const t0 = board.clock.now;
    assert.equal(system.now(), t0);
    assert.equal(stack.cpu.now, t0);
    assert.equal(system.cpus.now(), t0);
    stack.cpu.udelay(250);
    assert.equal(board.clock.now, t0 + 250_000);
    assert.equal(system.now(), board.clock.now);
    const before = board.clock.now;
    system.printk(6, 'stamped');
    assert.equal(system.ring.records.at(-1)!.tsNsec, BigInt(before));
    const f = stack.sdhci.lockIrqSave();
    stack.sdhci.unlockIrqRestore(f);
    assert.equal(system.cpus.trace.at(-1)!.t, board.clock.now);
    system.cpus.delay(1_000);
    assert.equal(stack.cpu.now, board.clock.now);
  });

  it('refuses a driver CPU over a CPU set that runs on another clock', () => {
    const { s } = boot();
    assert.throws(() => new Cpu({ clock: s.board.clock, irq: s.board.irq, cpus: new System().cpus }), /one virtual time/);
    const own = new Cpu({ clock: s.board.clock, irq: s.board.irq });
    assert.equal(own.cpus.nrCpus, 1);
    assert.equal(own.cpus.clock, s.board.clock);
  });
});
