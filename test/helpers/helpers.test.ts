/** The shared test helpers do what the tests built on them assume. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blankCard, blankCardFile } from './blank-card.js';
import { fixtureSidecar, unpackFixture } from './fixtures.js';
import { sha256, sha256File } from './hash.js';
import { runCli } from './run-cli.js';
import { tempDir } from './temp-dir.js';

test('sha256 is the hex digest, of bytes, text or a file', (t) => {
  assert.equal(sha256(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const file = path.join(tempDir(t), 'abc');
  fs.writeFileSync(file, 'abc');
  assert.equal(sha256File(file), sha256('abc'));
});

test('a temp dir is removed after its test, read-only subdirectories and all', async (t) => {
  let dir = '';
  await t.test('uses it', (sub) => {
    dir = tempDir(sub);
    fs.mkdirSync(path.join(dir, 'ro'));
    fs.writeFileSync(path.join(dir, 'ro', 'f'), 'x');
    fs.chmodSync(path.join(dir, 'ro'), 0o555);
  });
  assert.ok(dir !== '' && !fs.existsSync(dir));
});

test('a fixture unpacks to the image its sidecar describes', (t) => {
  const name = 'virtio-1m-kmsg64-plain';
  assert.equal(sha256File(unpackFixture(name, tempDir(t))), fixtureSidecar(name).image_sha256);
});

test('runCli hands back the exit status, stdout and stderr of the spawned CLI', () => {
  const version = runCli(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout.toString(), /^\d+\.\d+\.\d+\n$/);
  const bad = runCli(['inspect', '--nope']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, "mmcpstore: unknown option '--nope' (see 'mmcpstore --help')\n");
});

test('the blank card is byte for byte what `mmcpstore mkimage --size 16M --pstore-size 1M` writes', (t) => {
  const dir = tempDir(t);
  const made = path.join(dir, 'made.img');
  const r = runCli(['mkimage', '--image', made, '--size', '16M', '--pstore-size', '1M', '-q']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(sha256File(blankCardFile(dir)), sha256File(made));
  assert.equal(blankCard().blkdev, '/dev/mmcblk0p6');
});

test('each blank card is a fresh copy', () => {
  const a = blankCard();
  a.image.fill(0xff, 0, 512);
  assert.notEqual(blankCard().image[0], 0xff);
});
