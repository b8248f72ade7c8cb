import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlockError } from '../../src/driver/system/locks.js';
import type { KmsgDumper } from '../../src/driver/system/kmsg-dump.js';
import { System, type SystemOptions } from '../../src/driver/system/system.js';
import { KmsgDumpReason } from '../../src/zone/types.js';

const R = KmsgDumpReason;
const dec = new TextDecoder();

interface Seen {
  reason: number;
  irqsDisabled: boolean;
  othersRunning: number[];
  cpu: number;
  text: string;
}

/** A dumper that records the machine state and the whole log it is given. */
function spy(sys: System, maxReason: number = R.MAX): KmsgDumper & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    name: 'spy',
    maxReason,
    seen,
    dump: (detail, iter) => {
      const parts: string[] = [];
      for (let b = iter.getBuffer(1 << 20); b; b = iter.getBuffer(1 << 20)) parts.unshift(dec.decode(b));
      seen.push({
        reason: detail.reason,
        irqsDisabled: sys.cpus.irqsDisabled(),
        othersRunning: sys.cpus.otherRunning(),
        cpu: sys.cpus.current,
        text: parts.join(''),
      });
    },
  };
}

function boot(options: SystemOptions = {}) {
  const sys = new System({ seed: 3, ...options });
  sys.loadBootLog(20);
  const d = spy(sys);
  sys.dumpers.register(d);
  return { sys, d };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '').map((l) => l.replace(/^<\d+>\[\s*\d+\.\d+\] /, ''));
}

describe('panic()', () => {
  it('disables IRQs and stops the other CPUs before the dump, which runs on the panic CPU', () => {
    const { sys, d } = boot();
    sys.cpus.switchTo(2);
    const res = sys.panic('sysrq triggered crash');
    assert.equal(d.seen.length, 1);
    const s = d.seen[0]!;
    assert.equal(s.reason, R.PANIC);
    assert.equal(s.irqsDisabled, true);
    assert.deepEqual(s.othersRunning, []);
    assert.equal(s.cpu, 2);
    assert.equal(res.cpu, 2);
    assert.equal(res.outcome, 'halted');
    assert.deepEqual(res.stop?.stopped, [0, 1, 3]);
  });

  it('runs its phases in kernel order with non-decreasing virtual times', () => {
    const { sys } = boot();
    const res = sys.panic('boom');
    assert.deepEqual(
      res.phases.map((p) => p.name),
      ['irq-off', 'message', 'stack', 'smp-stop', 'notifiers', 'kmsg-dump', 'kmsg-dump-done', 'console-flush', 'halt'],
    );
    for (let i = 1; i < res.phases.length; i++) assert.ok(res.phases[i]!.t >= res.phases[i - 1]!.t);
    const dump = res.phases.find((p) => p.name === 'kmsg-dump')!;
    assert.equal(dump.irqsDisabled, true);
    assert.deepEqual(dump.othersRunning, []);
    assert.ok(res.phases[0]!.irqsDisabled, 'IRQs are off from the first phase');
  });

  it('shows the dump the panic message as its newest line when nothing else is printed after it', () => {
    const { sys, d } = boot({ nrCpus: 1, panic: { dumpStack: false } });
    sys.panic('VFS: Unable to mount root fs on unknown-block(179,7)');
    const got = lines(d.seen[0]!.text);
    assert.equal(got.at(-1), 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(179,7)');
    assert.ok(d.seen[0]!.text.endsWith('\n'));
    assert.match(d.seen[0]!.text.split('\n').at(-2)!, /^<0>\[\s*\d+\.\d{6}\] Kernel panic/);
  });

  it('prints, before the dump, the message, dump_stack() and the SMP stop line, and after it only the end marker', () => {
    const { sys, d } = boot();
    const before = sys.ring.syslogText();
    sys.panic('boom');
    const seen = d.seen[0]!.text;
    assert.ok(seen.startsWith(before), 'the dump holds the log from before the panic');
    const added = lines(seen.slice(before.length));
    assert.equal(added[0], 'Kernel panic - not syncing: boom');
    assert.match(added[1]!, /^CPU: 0 UID: 0 PID: 345 Comm: sh Not tainted 7\.0\.0-rc3 #1$/);
    assert.equal(added[2], 'Hardware name: mmcpstore reference board (eMMC 5.1) (DT)');
    assert.equal(added[3], 'Call trace:');
    assert.ok(added.includes(' panic+0x39c/0x3d8'));
    assert.equal(added.at(-1), 'SMP: stopping secondary CPUs');
    const after = lines(sys.ring.syslogText().slice(seen.length));
    assert.deepEqual(after, ['---[ end Kernel panic - not syncing: boom ]---']);
  });

  it('runs the panic notifiers before the dump, highest priority first, their lines in the dump', () => {
    const { sys, d } = boot();
    const order: string[] = [];
    sys.kernel.registerNotifier({ name: 'low', call: () => order.push('low') });
    sys.kernel.registerNotifier({
      name: 'arm64 kernel offset',
      priority: 10,
      call: () => {
        order.push('offset');
        sys.printk(0, 'Kernel Offset: disabled');
      },
    });
    sys.panic('boom');
    assert.deepEqual(order, ['offset', 'low']);
    assert.equal(lines(d.seen[0]!.text).at(-1), 'Kernel Offset: disabled');
  });

  it('never reaches the dumpers when a crash kernel is loaded, unless crash_kexec_post_notifiers', () => {
    const pre = boot({ panic: { kexecLoaded: true } });
    const r1 = pre.sys.panic('boom');
    assert.equal(r1.outcome, 'kexec');
    assert.equal(pre.d.seen.length, 0);
    assert.equal(r1.stop, undefined, 'kdump starts before smp_send_stop');

    const post = boot({ panic: { kexecLoaded: true, crashKexecPostNotifiers: true } });
    const r2 = post.sys.panic('boom');
    assert.equal(r2.outcome, 'kexec');
    assert.equal(post.d.seen.length, 1);
    assert.deepEqual(post.d.seen[0]!.othersRunning, [], 'crash_smp_send_stop() stopped them');
    assert.deepEqual(r2.phases.map((p) => p.name).slice(-3), ['kmsg-dump', 'kmsg-dump-done', 'crash-kexec']);
  });

  it('reboots after panic_timeout seconds of busy-waiting', () => {
    const { sys } = boot({ panic: { panicTimeout: 5 } });
    const res = sys.panic('boom');
    assert.equal(res.outcome, 'rebooted');
    const flush = res.phases.find((p) => p.name === 'console-flush')!;
    const reboot = res.phases.find((p) => p.name === 'reboot')!;
    assert.ok(reboot.t - flush.t >= 5_000_000_000);
    assert.ok(lines(sys.ring.syslogText()).includes('Rebooting in 5 seconds..'));
  });

  it('parks a second CPU that panics while another owns the panic', () => {
    const { sys, d } = boot({ stopNmi: false });
    // CPU1 has IRQs off so the stop IPI does not reach it; it panics too.
    sys.cpus.runOn(1, () => sys.cpus.localIrqDisable());
    sys.panic('first');
    const second = sys.cpus.runOn(1, () => sys.panic('second'));
    assert.equal(second.outcome, 'self-stopped');
    assert.equal(sys.cpus.cpus[1]!.state, 'stopped');
    assert.equal(d.seen.length, 1);
  });

  it('hangs, instead of dumping, when a dumper takes a lock held by a stopped CPU', () => {
    const { sys, d } = boot();
    const lock = sys.cpus.spinLock('sdhci_host->lock');
    sys.cpus.runOn(1, () => lock.lock(), 'in sdhci_irq()');
    const greedy: KmsgDumper = { name: 'greedy', maxReason: R.MAX, dump: () => lock.lock() };
    sys.dumpers.unregister(d);
    sys.dumpers.register(greedy);
    sys.dumpers.register(d);
    const res = sys.panic('boom');
    assert.equal(res.outcome, 'hung');
    assert.ok(res.error instanceof DeadlockError);
    assert.equal(res.error.lock, 'sdhci_host->lock');
    assert.equal(res.error.owner, 1);
    assert.equal(d.seen.length, 0, 'dumpers after the hang never run');
    assert.equal(res.phases.at(-1)!.name, 'hang');
    assert.ok(!sys.ring.syslogText().includes('end Kernel panic'));
  });
});

describe('oops()', () => {
  it('dumps OOPS with die_lock held and IRQs off, then lets the system run on', () => {
    const { sys, d } = boot();
    const res = sys.oops('Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000');
    assert.equal(res.outcome, 'continued');
    assert.equal(res.dieCounter, 1);
    assert.deepEqual(d.seen.map((s) => s.reason), [R.OOPS]);
    assert.equal(d.seen[0]!.irqsDisabled, true);
    assert.deepEqual(d.seen[0]!.othersRunning, [1, 2, 3], 'an oops stops nobody');
    const got = lines(d.seen[0]!.text);
    assert.ok(got.includes('Internal error: Oops: 0000000096000045 [#1] PREEMPT SMP'));
    assert.equal(got.at(-1), '---[ end trace 0000000000000000 ]---');
    assert.equal(sys.cpus.irqsDisabled(), false, 'IRQs are back on');
    assert.equal(sys.kernel.panicking, false);
    assert.ok(sys.kernel.taints.has('D'));
  });

  it('skips dumpers whose max_reason is PANIC', () => {
    const { sys, d } = boot();
    const panicOnly = spy(sys, R.PANIC);
    sys.dumpers.register(panicOnly);
    sys.oops('fault');
    assert.equal(d.seen.length, 1);
    assert.equal(panicOnly.seen.length, 0);
  });

  it('with panic_on_oops dumps OOPS, then PANIC without a second stack dump', () => {
    const { sys, d } = boot({ panic: { panicOnOops: true } });
    const res = sys.oops('fault');
    assert.equal(res.outcome, 'panic');
    assert.deepEqual(d.seen.map((s) => s.reason), [R.OOPS, R.PANIC]);
    assert.ok(res.panic);
    assert.equal(res.panic.message, 'Oops: Fatal exception');
    assert.ok(!res.panic.phases.some((p) => p.name === 'stack'));
    const panicLines = lines(d.seen[1]!.text.slice(d.seen[0]!.text.length));
    assert.equal(panicLines[0], 'Kernel panic - not syncing: Oops: Fatal exception');
    assert.ok(!panicLines.some((l) => l.startsWith('CPU: ')), 'no second CPU/stack header');
  });

  it('panics when the oops happens in interrupt context', () => {
    const { sys } = boot();
    sys.cpus.irqEnter();
    const res = sys.oops('fault');
    assert.equal(res.outcome, 'panic');
    assert.equal(res.panic!.message, 'Oops: Fatal exception in interrupt');
  });
});
