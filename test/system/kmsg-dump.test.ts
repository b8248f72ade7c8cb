import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, tsNsecOf } from '../../src/driver/system/clock.js';
import { CpuSet } from '../../src/driver/system/cpu.js';
import { DeadlockError } from '../../src/driver/system/locks.js';
import { KmsgDumpers, effectiveMaxReason, type KmsgDumper } from '../../src/driver/system/kmsg-dump.js';
import { PrintkRing } from '../../src/driver/system/printk-ring.js';
import { EBUSY, EINVAL } from '../../src/lib/errno.js';
import { KmsgDumpReason } from '../../src/zone/types.js';

const R = KmsgDumpReason;
const REASONS = [R.PANIC, R.OOPS, R.EMERG, R.SHUTDOWN];

function setup(alwaysKmsgDump = false) {
  const clock = new ManualClock();
  const ring = new PrintkRing({ clock: () => (clock.advance(1000), tsNsecOf(clock.now)) });
  const cpus = new CpuSet({ nrCpus: 2, clock });
  const listLock = cpus.spinLock('dump_list_lock');
  const dumpers = new KmsgDumpers({ newIter: () => ring.dumpIter(), alwaysKmsgDump, listLock });
  return { ring, cpus, dumpers, listLock };
}

function recording(name: string, maxReason: number, seen: string[] = []): KmsgDumper & { seen: string[]; got: number[] } {
  const got: number[] = [];
  return {
    name,
    maxReason,
    seen,
    got,
    dump: (detail, iter) => {
      got.push(detail.reason);
      seen.push(`${name}:${new TextDecoder().decode(iter.getBuffer(4096) ?? new Uint8Array())}`);
    },
  };
}

describe('kmsg_dump(): max_reason', () => {
  for (const max of [R.PANIC, R.OOPS, R.EMERG, R.SHUTDOWN, R.MAX]) {
    it(`a dumper with max_reason ${max} gets exactly the reasons <= ${max}`, () => {
      const { dumpers } = setup();
      const d = recording('d', max);
      dumpers.register(d);
      for (const reason of REASONS) dumpers.dump(reason);
      assert.deepEqual(d.got, REASONS.filter((r) => r <= max));
    });
  }

  it('max_reason 0 (UNDEF) means up to OOPS: panic and oops only', () => {
    const { dumpers } = setup(false);
    const d = recording('d', R.UNDEF);
    dumpers.register(d);
    for (const reason of REASONS) dumpers.dump(reason);
    assert.deepEqual(d.got, [R.PANIC, R.OOPS]);
    assert.equal(effectiveMaxReason(R.UNDEF, false), R.OOPS);
  });

  it('max_reason 0 with printk.always_kmsg_dump means every reason up to MAX', () => {
    const { dumpers } = setup(true);
    const d = recording('d', R.UNDEF);
    dumpers.register(d);
    for (const reason of REASONS) dumpers.dump(reason);
    assert.deepEqual(d.got, REASONS);
    assert.equal(effectiveMaxReason(R.UNDEF, true), R.MAX);
  });

  it('always_kmsg_dump does not widen a dumper that set its own max_reason', () => {
    const { dumpers } = setup(true);
    const d = recording('d', R.OOPS);
    dumpers.register(d);
    for (const reason of REASONS) dumpers.dump(reason);
    assert.deepEqual(d.got, [R.PANIC, R.OOPS]);
  });

  it('reports every dumper it considered, called or not', () => {
    const { dumpers } = setup();
    dumpers.register(recording('panic-only', R.PANIC));
    dumpers.register(recording('all', R.MAX));
    const calls = dumpers.dump(R.OOPS, 'Oops: boom');
    assert.deepEqual(
      calls.map((c) => [c.dumper, c.called, c.effectiveMaxReason]),
      [
        ['panic-only', false, R.PANIC],
        ['all', true, R.MAX],
      ],
    );
  });
});

describe('kmsg_dump(): dumpers', () => {
  it('calls dumpers in registration order, each with a fresh iterator over the whole log', () => {
    const { ring, dumpers } = setup();
    ring.printk(6, 'hello');
    const seen: string[] = [];
    dumpers.register(recording('a', R.MAX, seen));
    dumpers.register(recording('b', R.MAX, seen));
    dumpers.dump(R.PANIC, 'boom');
    assert.deepEqual(seen, ['a:<6>[    0.000001] hello\n', 'b:<6>[    0.000001] hello\n']);
  });

  it('passes the panic description in the dump detail', () => {
    const { dumpers } = setup();
    let desc: string | undefined;
    dumpers.register({ name: 'd', maxReason: R.MAX, dump: (detail) => (desc = detail.description) });
    dumpers.dump(R.PANIC, 'sysrq triggered crash');
    assert.equal(desc, 'sysrq triggered crash');
  });

  it('refuses a second registration with -EBUSY and an unknown unregistration with -EINVAL', () => {
    const { dumpers } = setup();
    const d = recording('d', R.MAX);
    assert.equal(dumpers.register(d), 0);
    assert.equal(dumpers.register(d), -EBUSY);
    assert.equal(dumpers.unregister(d), 0);
    assert.equal(dumpers.unregister(d), -EINVAL);
    assert.equal(dumpers.hasDumpers(), false);
    assert.equal(dumpers.register({ name: 'x', maxReason: 1 } as unknown as KmsgDumper), -EINVAL);
  });

  it('dumps without dump_list_lock, which registration needs', () => {
    const { cpus, dumpers, listLock } = setup();
    const d = recording('d', R.MAX);
    dumpers.register(d);
    // CPU1 is inside kmsg_dump_register() holding dump_list_lock (IRQs on) when CPU0 stops it.
    cpus.runOn(1, () => listLock.lock());
    cpus.smpSendStop();
    assert.throws(
      () => dumpers.register(recording('late', R.MAX)),
      (e: unknown) => e instanceof DeadlockError && e.lock === 'dump_list_lock' && e.owner === 1,
    );
    dumpers.dump(R.PANIC);
    assert.deepEqual(d.got, [R.PANIC]);
  });
});
