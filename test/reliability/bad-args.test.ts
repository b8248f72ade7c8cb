/**
 * Bad arguments to the reading commands, beyond what test/cli already checks (missing image,
 * directory, unreadable image for recover, region past the end with --size, one refused layout,
 * --out through a file, symlinked --out DIR and record names): each gives one line naming the
 * problem and its documented status, and nothing is written outside --out. The board API's
 * refusals (unknown blkdev, a layout the kernel refuses, erase names with '/' or '..') are checked
 * at the library level.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryBacking } from '../../src/device/backing.js';
import { MmcpstoreAttachError, attachPstore, closeBoard, erase, mkimage, openBoard, recoverFiles, runPanic } from '../../src/driver/board/index.js';
import { EXIT } from '../../src/reader/errors.js';
import { IS_ROOT, oneLine, runMain, sha256, snapshotTree, tempDir, unpackFixture } from './helpers.js';

describe('bad image paths', () => {
  it('detect: a missing file, a directory, a dangling symlink, a path through a file (66)', async (t) => {
    const dir = tempDir(t);
    const image = unpackFixture('virtio-1m-kmsg64-plain', dir);
    fs.symlinkSync(path.join(dir, 'gone.img'), path.join(dir, 'dangling.img'));
    const cases: [string, string][] = [
      [path.join(dir, 'nope.img'), 'No such file or directory'],
      [dir, 'Is a directory'],
      [path.join(dir, 'dangling.img'), 'No such file or directory'],
      [path.join(image, 'x'), 'Not a directory'],
    ];
    for (const cmd of ['detect', 'inspect']) {
      for (const [p, why] of cases) {
        const r = await runMain([cmd, '-i', p]);
        assert.equal(r.status, EXIT.noInput, `${cmd} ${p}`);
        assert.equal(oneLine(r.stderr), `mmcpstore: cannot open '${p}': ${why}`);
        assert.equal(r.stdout.length, 0);
      }
    }
  });

  it('detect and inspect: an unreadable image (66)', { skip: IS_ROOT ? 'root reads any file' : false }, async (t) => {
    const dir = tempDir(t);
    const image = unpackFixture('virtio-1m-kmsg64-plain', dir);
    fs.chmodSync(image, 0o000);
    for (const cmd of ['detect', 'inspect']) {
      const r = await runMain([cmd, '-i', image]);
      assert.equal(r.status, EXIT.noInput);
      assert.equal(oneLine(r.stderr), `mmcpstore: cannot open '${image}': Permission denied`);
    }
  });

  it('an empty image: inspect refuses the zero-sized device (65), detect finds nothing (3)', async (t) => {
    const dir = tempDir(t);
    const empty = path.join(dir, 'empty.img');
    fs.writeFileSync(empty, '');
    const i = await runMain(['inspect', '-i', empty]);
    assert.equal(i.status, EXIT.dataErr);
    assert.match(oneLine(i.stderr), /^mmcpstore: pstore\/zone refuses this layout: zero sized device/);
    const d = await runMain(['detect', '-i', empty]);
    assert.equal(d.status, EXIT.noData);
    assert.match(oneLine(d.stderr), /^mmcpstore: no pstore\/zone region found in '.*empty\.img'/);
  });
});

describe('sizes that do not fit', () => {
  it('each is refused with 65 and a line that names the option or the kernel rule', async (t) => {
    const dir = tempDir(t);
    const image = unpackFixture('virtio-1m-kmsg64-plain', dir);
    const cases: [string[], RegExp][] = [
      [['--offset', '2M'], /^mmcpstore: region does not fit in '.*': --offset 2097152 \+ --size .* runs past the end of the 1048576-byte file$/],
      [['--offset', '1M'], /^mmcpstore: pstore\/zone refuses this layout: zero sized device .*region 0 bytes\)$/],
      [['--size', '4095'], /^mmcpstore: pstore\/zone refuses this layout: total_size must be >= 4096 \(got 4095\)/],
      [['--kmsg-size', '2048'], /^mmcpstore: pstore\/zone refuses this layout: zone dmesg total_size too small \(pstore_blk\.kmsg_size=2048 /],
      [['--size', '64K', '--pmsg-size', '128'], /^mmcpstore: pstore\/zone refuses this layout: no room for pmsg/],
    ];
    for (const cmd of ['inspect', 'recover']) {
      for (const [args, re] of cases) {
        const r = await runMain([cmd, '-i', image, ...args]);
        assert.equal(r.status, EXIT.dataErr, `${cmd} ${args.join(' ')}: ${r.stderr}`);
        assert.match(oneLine(r.stderr), re);
        assert.equal(r.stdout.length, 0);
      }
    }
  });
});

describe('--out', () => {
  it('an existing file or device, a dangling symlink, a place where nothing can be created: 73, one line', async (t) => {
    const dir = tempDir(t);
    const image = unpackFixture('virtio-1m-kmsg64-plain', dir);
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    const cases: [string, RegExp][] = [
      [image, /^mmcpstore: output directory '.*' exists and is not a directory$/],
      ['/dev/null', /^mmcpstore: output directory '\/dev\/null' exists and is not a directory$/],
      [path.join(dir, 'dangling'), /^mmcpstore: output directory '.*dangling' is a symbolic link; give the directory it points to$/],
      [path.join(dir, 'dangling', 'sub'), /^mmcpstore: cannot create output directory '.*dangling\/sub': No such file or directory$/],
      ['/sys/mmcpstore-reliability-out', /^mmcpstore: cannot create output directory '\/sys\/mmcpstore-reliability-out': (Operation not permitted|Permission denied|Read-only file system|No such file or directory)$/],
    ];
    const before = sha256(fs.readFileSync(image));
    for (const [out, re] of cases) {
      const r = await runMain(['recover', '-i', image, '--out', out]);
      assert.equal(r.status, EXIT.cantCreat, `${out}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), re);
    }
    assert.equal(sha256(fs.readFileSync(image)), before, 'the image named as --out is not written');
    assert.equal(fs.existsSync(path.join(dir, 'nowhere')), false, 'the dangling symlink was not followed');
  });

  it('a non-writable --out (73)', { skip: IS_ROOT ? 'root writes anywhere' : false }, async (t) => {
    const dir = tempDir(t);
    const image = unpackFixture('virtio-1m-kmsg64-plain', dir);
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro, { mode: 0o555 });
    const r = await runMain(['recover', '-i', image, '--out', path.join(ro, 'sub')]);
    assert.equal(r.status, EXIT.cantCreat);
    assert.match(oneLine(r.stderr), /^mmcpstore: cannot create output directory '.*': Permission denied$/);
  });

  // `--out /proc/...` hangs (src/reader/outdir.ts): replayed as a todo case from test/fuzz-corpus/out-under-proc.json.

  it('--salvage --force never writes through a symlink in DIR/salvaged, nor through DIR/salvaged itself', async (t) => {
    const dir = tempDir(t);
    const plain = unpackFixture('virtio-1m-kmsg64-plain', dir);
    // Erase zone 0 by hand (datalen 0): the kernel drops it, --salvage brings it back as salvaged/.
    const image = path.join(dir, 'erased.img');
    const bytes = fs.readFileSync(plain);
    bytes.writeInt32LE(0, 4);
    fs.writeFileSync(image, bytes);
    const out = path.join(dir, 'out');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'victim'), 'must stay\n');
    const first = await runMain(['recover', '-i', image, '--salvage', '--out', out, '-q']);
    assert.equal(first.status, 0, first.stderr);
    const salvaged = fs.readdirSync(path.join(out, 'salvaged'));
    assert.ok(salvaged.length > 0, 'something was salvaged');
    const outsideBefore = snapshotTree(outside);

    // a salvaged file name replaced by a symlink to a file outside DIR
    const name = salvaged[0]!;
    const expected = fs.readFileSync(path.join(out, 'salvaged', name));
    fs.rmSync(path.join(out, 'salvaged', name));
    fs.symlinkSync(path.join(outside, 'victim'), path.join(out, 'salvaged', name));
    const again = await runMain(['recover', '-i', image, '--salvage', '--out', out, '--force', '-q']);
    assert.deepEqual(snapshotTree(outside), outsideBefore, 'nothing outside --out changed');
    if (again.status === 0) {
      assert.equal(fs.lstatSync(path.join(out, 'salvaged', name)).isSymbolicLink(), false, 'the symlink was replaced, not followed');
      assert.deepEqual(fs.readFileSync(path.join(out, 'salvaged', name)), expected);
    } else {
      assert.equal(again.status, EXIT.cantCreat);
      oneLine(again.stderr);
    }

    // DIR/salvaged itself a symlink to the outside directory
    fs.rmSync(path.join(out, 'salvaged'), { recursive: true });
    fs.symlinkSync(outside, path.join(out, 'salvaged'));
    const linked = await runMain(['recover', '-i', image, '--salvage', '--out', out, '--force', '-q']);
    assert.equal(linked.status, EXIT.cantCreat);
    assert.match(oneLine(linked.stderr), /salvaged' is not a directory of salvaged files/);
    assert.deepEqual(snapshotTree(outside), outsideBefore, 'nothing outside --out changed');
  });
});

describe('board API refusals (library level)', () => {
  const CARD = 16 << 20;
  const card = (): { backing: MemoryBacking; blkdev: string } => {
    const backing = new MemoryBacking(CARD);
    const r = mkimage({ image: backing, size: CARD, pstoreSize: 1 << 20, seed: 1 });
    return { backing, blkdev: r.blkdev };
  };

  it('an unknown blkdev and a layout the kernel refuses throw MmcpstoreAttachError with the kernel\'s line, the card untouched', () => {
    const { backing, blkdev } = card();
    const before = sha256(backing.read(0, CARD));
    for (const [dev, params, re] of [
      ['/dev/mmcblk0p42', { kmsgSize: 64 }, /mmcpstore registration failed \(-\w+\)/],
      ['/dev/sda1', { kmsgSize: 64 }, /mmcpstore registration failed \(-ENODEV\)/],
      [blkdev, { kmsgSize: 2048 }, /mmcpstore registration failed \(-\w+\)/],
      [blkdev, { kmsgSize: 64, pmsgSize: 4096 }, /mmcpstore registration failed \(-\w+\)/],
    ] as const) {
      const s = openBoard({ image: backing, seed: 3, bootLogLines: 0 });
      try {
        assert.throws(
          () => attachPstore(s, { blkdev: dev, params }),
          (e: unknown) => e instanceof MmcpstoreAttachError && re.test(e.message) && e.errno < 0 && (dev === '/dev/sda1' || e.kernelLines.some((l) => l.includes('mmcpstore'))),
          `${dev} ${JSON.stringify(params)}`,
        );
      } finally {
        closeBoard(s);
      }
    }
    assert.equal(sha256(backing.read(0, CARD)), before);
  });

  it('erase with a name holding "/" or ".." finds no record (-ENOENT) and writes nothing', () => {
    const { backing, blkdev } = card();
    const s = openBoard({ image: backing, seed: 3, bootLogLines: 20 });
    attachPstore(s, { blkdev, params: { kmsgSize: 64 } });
    assert.equal(runPanic(s, { message: 'erase target' }).outcome, 'written');
    closeBoard(s);
    const before = sha256(backing.read(0, CARD));
    const s2 = openBoard({ image: backing, seed: 4, bootLogLines: 0 });
    attachPstore(s2, { blkdev, params: { kmsgSize: 64 } });
    const names = recoverFiles(s2).map((f) => f.name);
    assert.ok(names.length > 0);
    const writes = backing.writes;
    for (const bad of [`../${names[0]}`, `${names[0]}/..`, `/sys/fs/pstore/${names[0]}`, `./${names[0]}`, '..', '/']) assert.equal(erase(s2, bad), -2, bad);
    assert.equal(backing.writes, writes, 'no write reached the card');
    assert.deepEqual(recoverFiles(s2).map((f) => f.name), names);
    closeBoard(s2);
    assert.equal(sha256(backing.read(0, CARD)), before);
  });
});
