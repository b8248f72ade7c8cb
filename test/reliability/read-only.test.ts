/**
 * Read-only means read-only: inspect, recover (also --salvage) and detect leave the image's bytes
 * and mtime unchanged, create nothing next to it (no lock file), and work on a 0444 image and from
 * a read-only directory. test/cli and test/board-cli check hash and mtime for inspect/recover on
 * one image; this adds detect, --salvage, --json, a card image, and the read-only cases.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryBacking } from '../../src/device/backing.js';
import { attachPstore, closeBoard, mkimage, openBoard, runPanic } from '../../src/driver/board/index.js';
import { EXIT } from '../../src/reader/errors.js';
import { runCli, runMain, sha256, tempDir, unpackFixture } from './helpers.js';

function cardImage(file: string): { off: number; len: number } {
  const size = 16 << 20;
  const b = new MemoryBacking(size);
  const r = mkimage({ image: b, size, pstoreSize: 1 << 20, seed: 1 });
  const s = openBoard({ image: b, seed: 3, bootLogLines: 20 });
  attachPstore(s, { blkdev: r.blkdev, params: { kmsgSize: 64 } });
  runPanic(s, { message: 'read-only test' });
  closeBoard(s);
  fs.writeFileSync(file, b.read(0, size));
  const part = r.card.layout.partitions.find((p) => p.number === r.card.pstoreNumber)!;
  return { off: part.firstLba * 512, len: (part.lastLba - part.firstLba + 1) * 512 };
}

function readingCommands(image: string, region: string[]): string[][] {
  return [
    ['inspect', '-i', image, ...region],
    ['inspect', '-i', image, '--json', '--explain', ...region],
    ['recover', '-i', image, '-q', ...region],
    ['recover', '-i', image, '--json', ...region],
    ['recover', '-i', image, '--salvage', '--json', ...region],
    ['detect', '-i', image],
    ['detect', '-i', image, '--json'],
  ];
}

function state(file: string): { hash: string; mtimeMs: number; mode: number; siblings: string[] } {
  const st = fs.statSync(file);
  return { hash: sha256(fs.readFileSync(file)), mtimeMs: st.mtimeMs, mode: st.mode, siblings: fs.readdirSync(path.dirname(file)).sort() };
}

describe('reading commands never write', () => {
  it('fixture and card images: bytes, mtime, mode and the directory listing are unchanged', async (t) => {
    const dir = tempDir(t);
    const fixture = unpackFixture('virtio-1m-kmsg64-deflate', dir);
    const card = path.join(dir, 'card.img');
    const { off, len } = cardImage(card);
    // an mtime in the past, so that any write would move it
    for (const f of [fixture, card]) fs.utimesSync(f, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    for (const [image, region] of [
      [fixture, []],
      [card, ['--offset', String(off), '--size', String(len), '--kmsg-size', '64']],
    ] as const) {
      const before = state(image);
      for (const args of readingCommands(image, [...region])) {
        const r = await runMain(args);
        assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(r.stdout.length > 0, args.join(' '));
        assert.deepEqual(state(image), before, `${args.join(' ')} changed the image or its directory`);
      }
    }
  });

  it('a 0444 image in a 0555 directory is read the same as a writable one', async (t) => {
    const dir = tempDir(t);
    const rw = unpackFixture('virtio-1m-kmsg64-plain', dir);
    const roDir = path.join(dir, 'ro');
    fs.mkdirSync(roDir);
    const ro = path.join(roDir, 'ro.img');
    fs.copyFileSync(rw, ro);
    fs.chmodSync(ro, 0o444);
    fs.chmodSync(roDir, 0o555);
    const before = state(ro);
    for (const args of readingCommands(ro, [])) {
      const a = await runMain(args);
      const b = await runMain(args.map((x) => (x === ro ? rw : x)));
      assert.equal(a.status, 0, `${args.join(' ')}: ${a.stderr}`);
      assert.equal(a.status, b.status);
      // the same records (outputs differ only in the path they print)
      assert.equal(a.stdout.toString().split(ro).join('X'), b.stdout.toString().split(rw).join('X'), args.join(' '));
      assert.deepEqual(state(ro), before);
    }
    // and run with the read-only directory as the working directory, by a relative name
    const rel = runCli(['recover', '-i', 'ro.img', '--json'], { cwd: roDir });
    assert.equal(rel.status, 0, rel.stderr);
    assert.deepEqual(state(ro), before);
    fs.chmodSync(roDir, 0o755);
  });

  it('a reading command refuses (75) while a live writer holds the lock, and still does not touch the image', async (t) => {
    const dir = tempDir(t);
    const image = unpackFixture('virtio-1m-kmsg64-plain', dir);
    fs.writeFileSync(`${image}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const before = sha256(fs.readFileSync(image));
    for (const cmd of ['inspect', 'recover', 'detect']) {
      const r = await runMain([cmd, '-i', image]);
      assert.equal(r.status, EXIT.tempFail, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, /^mmcpstore: image '.*' is locked by pid \d+ on .* try again when it has finished\n$/);
    }
    assert.equal(sha256(fs.readFileSync(image)), before);
    assert.ok(fs.existsSync(`${image}.lock`), 'the writer\'s lock is left alone');
  });
});

