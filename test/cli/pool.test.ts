/**
 * Several images (docs/cli.md "Several images"): the worker pool gives the
 * output of one-at-a-time runs, in the order given; failures are tagged and
 * do not stop the others; --out writes DIR/<image basename>/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli.js';
import { progressLine } from '../../src/commands/render/progress.js';
import { FIXTURE_NAMES, fakeIo, runCli, tempDir, unpack } from './helpers.js';

/** 21 images: copies of the three kernel-written fixtures, in a mixed order. */
function farm(dir: string): string[] {
  const sources = FIXTURE_NAMES.map((n) => unpack(n, dir));
  return Array.from({ length: 21 }, (_, i) => {
    const p = path.join(dir, `board-${String(i).padStart(2, '0')}.img`);
    fs.copyFileSync(sources[(i * 7) % 3]!, p);
    return p;
  });
}

test('recover --json over 21 images on 4 workers equals 21 single runs, in the order given', async (t) => {
  const dir = tempDir(t);
  const images = farm(dir).reverse();
  const pooled = runCli(['recover', '--json', '--jobs', '4', ...images.flatMap((i) => ['-i', i])]);
  assert.equal(pooled.status, 0, pooled.stderr);
  assert.equal(pooled.stderr, '');
  let sequential = '';
  for (const image of images) {
    const { io, out } = fakeIo();
    assert.equal(await main(['recover', '-i', image, '--json'], io), 0);
    sequential += out.text;
  }
  assert.equal(pooled.stdout.toString(), sequential);
  const order = [...new Set(pooled.stdout.toString().trim().split('\n').map((l) => (JSON.parse(l) as { image: string }).image))];
  assert.deepEqual(order, images);
});

test('inspect --json over several images (--images-from -) is NDJSON in list order; a missing image is tagged and sets the status', (t) => {
  const dir = tempDir(t);
  const images = farm(dir).slice(0, 6);
  const list = [images[0], '# a comment', '', path.join(dir, 'missing.img'), ...images.slice(1)].join('\n');
  const r = runCli(['inspect', '--images-from', '-', '--json', '-j', '3'], { input: list });
  assert.equal(r.status, 66, 'the status of the first failing image');
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { image: string | { path: string }; error?: { exit: number } });
  assert.deepEqual(
    lines.map((l) => (typeof l.image === 'string' ? l.image : l.image.path)),
    [images[0], path.join(dir, 'missing.img'), ...images.slice(1)],
  );
  assert.equal(lines[1]!.error!.exit, 66);
  assert.deepEqual(r.stderr.toString().split('\n'), [
    `mmcpstore: ${path.join(dir, 'missing.img')}: cannot open '${path.join(dir, 'missing.img')}': No such file or directory`,
    `mmcpstore: 1 of 7 images failed (the first: '${path.join(dir, 'missing.img')}', status 66)`,
    '',
  ]);
});

test('--out with several images writes DIR/<image basename>/, and refuses two images of the same name', (t) => {
  const dir = tempDir(t);
  const images = farm(dir).slice(0, 3);
  const out = path.join(dir, 'out');
  const r = runCli(['recover', '--out', out, ...images.flatMap((i) => ['-i', i])]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), images.map((i) => path.basename(i)));
  for (const i of images) assert.ok(fs.readdirSync(path.join(out, path.basename(i))).includes('dmesg-pstore_blk-0'));
  fs.mkdirSync(path.join(dir, 'other'));
  const twin = path.join(dir, 'other', path.basename(images[0]!));
  fs.copyFileSync(images[0]!, twin);
  const clash = runCli(['recover', '--out', path.join(dir, 'out2'), '-i', images[0]!, '-i', twin]);
  assert.equal(clash.status, 2);
  assert.match(clash.stderr, /have the same name/);
});

test('the progress bar line', () => {
  assert.equal(progressLine(0, 40, 0, 10), '[----------]  0/40 images');
  assert.equal(progressLine(20, 40, 1, 10), '[#####-----] 20/40 images, 1 failed');
  assert.equal(progressLine(40, 40, 0, 10), '[##########] 40/40 images');
});

test('on a terminal stderr with many images, the bar is drawn and cleared; never with --quiet', async (t) => {
  const dir = tempDir(t);
  const images = farm(dir).slice(0, 4);
  const a = fakeIo({}, true);
  assert.equal(await main(['recover', '--json', '-j', '1', ...images.flatMap((i) => ['-i', i])], a.io), 0);
  assert.match(a.err.text, /\r\x1b\[K.*\[#+\] 4\/4 images/);
  assert.ok(a.err.text.endsWith('\r\x1b[K'), 'cleared at the end');
  const q = fakeIo({}, true);
  assert.equal(await main(['recover', '--json', '-q', '-j', '1', ...images.flatMap((i) => ['-i', i])], q.io), 0);
  assert.equal(q.err.text, '');
});
