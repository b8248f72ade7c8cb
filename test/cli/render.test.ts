/**
 * Pictures on a terminal (inspect's zone map, the time bar for panic) and the
 * clock writing commands stamp records with (SOURCE_DATE_EPOCH).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { main } from '../../src/cli.js';
import { now } from '../../src/reader/clock.js';
import { UsageError } from '../../src/reader/errors.js';
import { inspectImage } from '../../src/index.js';
import { renderTimebar, formatNs } from '../../src/commands/render/timebar.js';
import { renderZoneMap, zoneStates } from '../../src/commands/render/zonemap.js';
import { fakeIo, tempDir, unpack } from './helpers.js';

const plain = new Chalk({ level: 0 });
const ESC = /\x1b\[/;

test('the zone map: one cell per zone in disk order, the newest dump marked, a legend', (t) => {
  const dir = tempDir(t);
  const report = inspectImage({ image: unpack('virtio-1m-kmsg64-plain', dir) });
  const states = zoneStates(report);
  assert.equal(states.length, 16);
  // Records in zones 0-3, the newest (latest time) in zone 3; 4-15 never written.
  assert.deepEqual(states.slice(0, 5), ['valid', 'valid', 'valid', 'newest', 'empty']);
  assert.equal(renderZoneMap(report, plain), 'map     ###N.... ........\n        # valid  N newest  E erased  X damaged  . empty\n');
  assert.match(renderZoneMap(report, new Chalk({ level: 1 })), ESC);
});

test('inspect draws the map on a terminal only, never in JSON', async (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const tty = fakeIo({}, true);
  assert.equal(await main(['inspect', '-i', image], tty.io), 0);
  assert.match(tty.out.text.replace(/\x1b\[[0-9;]*m/g, ''), /^map {5}###N/m);
  const pipe = fakeIo({}, false);
  assert.equal(await main(['inspect', '-i', image], pipe.io), 0);
  assert.doesNotMatch(pipe.out.text, /^map /m);
  const json = fakeIo({}, true);
  assert.equal(await main(['inspect', '-i', image, '--json'], json.io), 0);
  assert.doesNotMatch(json.out.text, /"map"|\x1b\[/);
});

test('the time bar: phases in proportion, every phase visible, durations in the legend', () => {
  const bar = renderTimebar(
    [
      { name: 'dump', start: 0, end: 400_000 },
      { name: 'write', start: 400_000, end: 1_100_000 },
      { name: 'flush', start: 1_100_000, end: 1_200_000 },
      { name: 'irq', start: 1_199_000, end: 1_199_500 },
    ],
    plain,
    24,
  );
  const [line, legend] = bar.split('\n');
  assert.equal(line, '|aaaaaaaabbbbbbbbbbbbbbcd|  0 ns .. 1.20 ms');
  assert.equal(legend, ' a dump 400.0 us  b write 700.0 us  c flush 100.0 us  d irq 500 ns');
  assert.equal(formatNs(12_500), '12.5 us');
  assert.equal(formatNs(3e9), '3.00 s');
  assert.equal(renderTimebar([], plain), '');
});

test('now(): SOURCE_DATE_EPOCH when set, else the clock', () => {
  assert.deepEqual(now({ SOURCE_DATE_EPOCH: '1700000000' }, () => 5), { sec: 1_700_000_000n, nsec: 0n });
  assert.deepEqual(now({}, () => 1_700_000_000_250), { sec: 1_700_000_000n, nsec: 250_000_000n });
  assert.deepEqual(now({ SOURCE_DATE_EPOCH: '' }, () => 2000), { sec: 2n, nsec: 0n }, 'empty means unset');
  assert.throws(() => now({ SOURCE_DATE_EPOCH: 'yesterday' }), UsageError);
});
