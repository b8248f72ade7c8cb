/**
 * Colour: --color, then NO_COLOR, then FORCE_COLOR, then whether the stream
 * is a terminal; decided for stdout and stderr separately; never in JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli.js';
import { OutStream, colorLevel } from '../../src/commands/io.js';
import { Collector, fakeIo, runCli, tempDir, unpack } from './helpers.js';

const ESC = /\x1b\[/;

test('the order of precedence: --color, NO_COLOR, FORCE_COLOR, terminal', () => {
  const tty = new Collector(true, 8);
  const pipe = new Collector(false);
  assert.equal(colorLevel('auto', {}, tty), 2, 'a 256-colour terminal');
  assert.equal(colorLevel('auto', {}, pipe), 0, 'a pipe');
  assert.equal(colorLevel('auto', { NO_COLOR: '1' }, tty), 0);
  assert.equal(colorLevel('auto', { NO_COLOR: '' }, tty), 2, 'an empty NO_COLOR does not count (no-color.org)');
  assert.equal(colorLevel('auto', { FORCE_COLOR: '1' }, pipe), 1);
  assert.equal(colorLevel('auto', { FORCE_COLOR: '3' }, pipe), 3);
  assert.equal(colorLevel('auto', { FORCE_COLOR: '0' }, tty), 0);
  assert.equal(colorLevel('auto', { NO_COLOR: '1', FORCE_COLOR: '1' }, pipe), 0, 'NO_COLOR before FORCE_COLOR');
  assert.equal(colorLevel('always', { NO_COLOR: '1' }, pipe), 1, '--color always beats NO_COLOR');
  assert.equal(colorLevel('never', { FORCE_COLOR: '3' }, tty), 0, '--color never beats FORCE_COLOR');
  assert.equal(colorLevel('auto', { TERM: 'dumb' }, tty), 0);
});

test('stdout and stderr are judged separately (a terminal and a pipe)', async (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const out = new Collector(true, 8);
  const err = new Collector(false);
  const { io } = fakeIo();
  const mixed = { ...io, stdout: new OutStream(out, 'stdout'), stderr: new OutStream(err, 'stderr') };
  assert.equal(await main(['recover', '-i', image, '--kmsg-size', '64'], mixed), 0);
  assert.match(err.text, /^==> dmesg-pstore_blk-0 /, 'banners on the piped stderr are plain');
  const out2 = new Collector(false);
  const err2 = new Collector(true, 8);
  const io2 = { ...io, stdout: new OutStream(out2, 'stdout'), stderr: new OutStream(err2, 'stderr') };
  assert.equal(await main(['recover', '-i', image], io2), 0);
  assert.match(err2.text, /^\x1b\[1m==> dmesg-pstore_blk-0 /, 'banners on a terminal stderr are bold');
  assert.doesNotMatch(out2.chunks.map(String).join(''), ESC, 'record data is never coloured');
});

test('inspect on a terminal is coloured, unless NO_COLOR or --color never', async (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const a = fakeIo({}, true);
  assert.equal(await main(['inspect', '-i', image], a.io), 0);
  assert.match(a.out.text, ESC);
  const b = fakeIo({ NO_COLOR: '1' }, true);
  assert.equal(await main(['inspect', '-i', image], b.io), 0);
  assert.doesNotMatch(b.out.text, ESC);
  const c = fakeIo({}, true);
  assert.equal(await main(['inspect', '-i', image, '--color', 'never'], c.io), 0);
  assert.equal(c.out.text, b.out.text, 'the same text without colour');
});

test('spawned: --color always colours a pipe, NO_COLOR and FORCE_COLOR are honoured, JSON stays plain', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  assert.doesNotMatch(runCli(['inspect', '-i', image]).stdout.toString(), ESC, 'auto on a pipe');
  assert.match(runCli(['inspect', '-i', image, '--color', 'always']).stdout.toString(), ESC);
  assert.match(runCli(['inspect', '-i', image, '--color=always'], { env: { NO_COLOR: '1' } }).stdout.toString(), ESC);
  assert.match(runCli(['inspect', '-i', image], { env: { FORCE_COLOR: '1' } }).stdout.toString(), ESC);
  assert.doesNotMatch(runCli(['inspect', '-i', image], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout.toString(), ESC);
  const missing = runCli(['recover', '-i', 'nope.img'], { env: { FORCE_COLOR: '1' } });
  assert.match(missing.stderr, /^mmcpstore: \x1b\[31mcannot open 'nope\.img'/, 'errors on a coloured stderr are red');
  assert.doesNotMatch(runCli(['inspect', '-i', image, '--json', '--color', 'always']).stdout.toString(), ESC);
  assert.doesNotMatch(runCli(['recover', '-i', image, '--json', '--color', 'always']).stdout.toString(), ESC);
});
