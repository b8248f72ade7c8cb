import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/device/clock.js';
import { LatencyModel, DEFAULT_LATENCY } from '../../src/device/latency.js';

test('tasks due on the same tick run in the order they were registered', () => {
  const c = new VirtualClock();
  const order: string[] = [];
  c.schedule(100, () => order.push('a'));
  c.schedule(50, () => order.push('early'));
  c.schedule(100, () => order.push('b'));
  c.schedule(100, () => order.push('c'));
  c.advance(100);
  assert.deepEqual(order, ['early', 'a', 'b', 'c']);
});

test('a task scheduled for now by a running task runs after the tasks already due on that tick', () => {
  const c = new VirtualClock();
  const order: string[] = [];
  c.schedule(10, () => {
    order.push('first');
    c.schedule(c.now, () => order.push('spawned'));
  });
  c.schedule(10, () => order.push('second'));
  c.advance(10);
  assert.deepEqual(order, ['first', 'second', 'spawned']);
});

test('time only moves when advanced, and tasks see their own due time as now', () => {
  const c = new VirtualClock();
  const seen: number[] = [];
  c.after(30, () => seen.push(c.now));
  assert.equal(c.now, 0);
  c.advance(20);
  assert.deepEqual(seen, []);
  assert.equal(c.now, 20);
  c.advance(20);
  assert.deepEqual(seen, [30]);
  assert.equal(c.now, 40);
});

test('a cancelled task never runs', () => {
  const c = new VirtualClock();
  let ran = false;
  const h = c.after(5, () => (ran = true));
  assert.equal(c.cancel(h), true);
  c.advance(10);
  assert.equal(ran, false);
  assert.equal(c.cancel(h), false);
});

test('runUntilIdle drains chained tasks in virtual time', () => {
  const c = new VirtualClock();
  let n = 0;
  const tick = (): void => {
    if (++n < 5) c.after(1000, tick);
  };
  c.after(1000, tick);
  c.runUntilIdle();
  assert.equal(n, 5);
  assert.equal(c.now, 5000);
});

test('the latency model gives a 512-byte block at 52 MHz on 8 lines about 10 µs and a command at 400 kHz about 0.3 ms', () => {
  const l = new LatencyModel();
  const blk = l.blockTransferNs(512, { clockHz: 52e6, width: 8, ddr: false });
  assert.ok(blk > 9_000 && blk < 11_000, `block ${blk} ns`);
  const onebit = l.blockTransferNs(512, { clockHz: 400e3, width: 1, ddr: false });
  assert.ok(onebit > 10e6 && onebit < 10.6e6, `1-bit block ${onebit} ns`);
  const cmd = l.commandNs(48, 400e3);
  assert.ok(cmd > 250e3 && cmd < 400e3, `cmd ${cmd} ns`);
  assert.equal(l.programNs(true), DEFAULT_LATENCY.minWriteBusyNs);
  assert.equal(LatencyModel.dataTimeoutNs(0, 1e6), 8_192_000);
});
