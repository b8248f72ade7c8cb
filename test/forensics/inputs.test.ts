/**
 * The inputs a reading command takes (src/reader/input/, src/lib/block-device.ts), without a
 * process or root: compression told by magic, block-device sizes from an injected sysfs (and the
 * read-probing fallback), the kinds of --image, the bounded sparse spool and its clean-up, and
 * what writers refuse. test/cli/inputs.test.ts runs the same through the CLI, with loop devices as root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { blockDeviceSize, devMajorMinor, probeSizeByReading, sysfsBlockSize } from '../../src/lib/block-device.js';
import { CliError, DataError, InputError, UsageError } from '../../src/reader/errors.js';
import { classifyImage } from '../../src/reader/input/kind.js';
import { compressionOf } from '../../src/reader/input/magic.js';
import { openReadInput, withReadInput } from '../../src/reader/input/open.js';
import { spool } from '../../src/reader/input/spool.js';
import { liveTempDirs } from '../../src/reader/input/temp.js';
import { checkMkimageTarget, checkWritableImage } from '../../src/reader/input/writable.js';
import { tempDir } from '../helpers/temp-dir.js';

const SECTOR = 512;

/** glibc's makedev(): the inverse of devMajorMinor, written out from <sys/sysmacros.h>. */
function makedev(major: number, minor: number): number {
  const dev = (BigInt(major & 0xfff) << 8n) | (BigInt(major & ~0xfff) << 32n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n);
  return Number(dev);
}

async function* chunksOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

test('compression is told by the first bytes: gzip, xz, zstd; anything else is a raw image', () => {
  assert.equal(compressionOf(Uint8Array.of(0x1f, 0x8b, 8, 0)), 'gzip');
  assert.equal(compressionOf(Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)), 'xz');
  assert.equal(compressionOf(Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x24)), 'zstd');
  assert.equal(compressionOf(Uint8Array.of(0xfd, 0x37, 0x7a)), null, 'a short head is no xz');
  assert.equal(compressionOf(new TextEncoder().encode('DBGC....')), null);
  assert.equal(compressionOf(new Uint8Array(0)), null);
});

test('dev_t: major and minor as glibc splits them, large minors included', () => {
  for (const [major, minor] of [[7, 0], [179, 6], [8, 17], [259, 0], [179, 300], [4095, 1048575], [4096, 5]] as const) {
    assert.deepEqual(devMajorMinor(makedev(major, minor)), { major, minor }, `${major}:${minor}`);
  }
});

test('block-device size: sysfs sectors times 512, null without a readable number', (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'dev/block/179:6'), { recursive: true });
  fs.writeFileSync(path.join(root, 'dev/block/179:6/size'), '131072\n');
  fs.mkdirSync(path.join(root, 'dev/block/7:1'), { recursive: true });
  fs.writeFileSync(path.join(root, 'dev/block/7:1/size'), 'garbage\n');
  assert.equal(sysfsBlockSize(makedev(179, 6), root), 131072 * SECTOR);
  assert.equal(sysfsBlockSize(makedev(7, 1), root), null);
  assert.equal(sysfsBlockSize(makedev(7, 2), root), null);
  assert.equal(blockDeviceSize(-1, { rdev: makedev(179, 6) }, root), 64 * 1024 * 1024, 'sysfs answers: the descriptor is not read');
});

test('block-device size without sysfs: the last readable sector, found by positional reads', (t) => {
  const dir = tempDir(t);
  for (const bytes of [0, SECTOR, 3 * SECTOR + 100, 1000 * SECTOR, 1 << 20]) {
    const file = path.join(dir, `d${bytes}`);
    fs.writeFileSync(file, new Uint8Array(bytes).fill(1));
    const fd = fs.openSync(file, 'r');
    try {
      assert.equal(probeSizeByReading(fd), Math.floor(bytes / SECTOR) * SECTOR, `${bytes} bytes`);
      assert.equal(blockDeviceSize(fd, { rdev: makedev(7, 99) }, dir), Math.floor(bytes / SECTOR) * SECTOR, 'no sysfs entry: falls back');
    } finally {
      fs.closeSync(fd);
    }
  }
});

test('classifyImage: a file, a compressed file by magic whatever its name, a FIFO, -, and refusals', (t) => {
  const dir = tempDir(t);
  const raw = path.join(dir, 'raw.img');
  fs.writeFileSync(raw, new Uint8Array(4096));
  assert.deepEqual(classifyImage(raw), { kind: 'file', path: raw, size: 4096 });
  const gz = path.join(dir, 'renamed.img');
  fs.writeFileSync(gz, gzipSync(new Uint8Array(4096)));
  assert.deepEqual(classifyImage(gz), { kind: 'compressed', path: gz, compression: 'gzip' });
  assert.deepEqual(classifyImage('-'), { kind: 'stream', path: '-', from: 'stdin' });
  const fifo = path.join(dir, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  assert.deepEqual(classifyImage(fifo), { kind: 'stream', path: fifo, from: 'fifo' }, 'stat only: no open, no wait for a writer');
  const refused = (p: string, re: RegExp, exit: string): void => {
    assert.throws(() => classifyImage(p), (e: unknown) => e instanceof CliError && e.exit === exit && re.test(e.message));
  };
  refused('/dev/null', /^'\/dev\/null' is a character device, not an image file, block device or pipe$/, 'noInput');
  refused(dir, /^cannot open '.*': Is a directory$/, 'noInput');
  refused(path.join(dir, 'missing'), /No such file or directory$/, 'noInput');
});

test('spool: the bytes back exactly, zero pages as holes, and the copy removed by release()', async (t) => {
  const dir = tempDir(t);
  const data = new Uint8Array(8 << 20);
  data.fill(0xa5, 4096, 8192);
  data.fill(0x5a, (8 << 20) - 100);
  const before = liveTempDirs();
  const s = await spool(chunksOf(data.subarray(0, 5000), data.subarray(5000, 3 << 20), data.subarray(3 << 20)), { name: 'x', maxSize: 1 << 30 });
  try {
    assert.equal(s.size, data.length);
    assert.deepEqual(new Uint8Array(fs.readFileSync(s.file)), data);
    const st = fs.statSync(s.file);
    assert.ok(st.blocks * 512 < data.length / 4, `sparse: ${st.blocks * 512} bytes allocated for ${data.length}`);
    assert.equal(liveTempDirs(), before + 1);
  } finally {
    s.remove();
  }
  assert.equal(fs.existsSync(s.file), false);
  assert.equal(fs.existsSync(path.dirname(s.file)), false);
  assert.equal(liveTempDirs(), before);
  void dir;
});

test('spool: past --max-size one DataError, and nothing left behind', async () => {
  const before = liveTempDirs();
  await assert.rejects(
    spool(chunksOf(new Uint8Array(1000).fill(1), new Uint8Array(1000).fill(2)), { name: 'big.img.gz', maxSize: 1500, sizeNote: 'once decompressed' }),
    (e: unknown) => e instanceof DataError && /^'big\.img\.gz' is larger than --max-size 1500 bytes once decompressed;/.test(e.message),
  );
  assert.equal(liveTempDirs(), before);
});

/** Standard input as a test makes it. */
function stdinOf(bytes: Uint8Array, isTTY = false): () => NodeJS.ReadableStream & { isTTY?: boolean } {
  return () => Object.assign(Readable.from([Buffer.from(bytes)]), { isTTY });
}

test('openReadInput: - reads standard input once, gzip in it told by magic; a terminal is refused', async () => {
  const image = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
  for (const bytes of [image, gzipSync(image)]) {
    const input = await openReadInput('-', { stdin: stdinOf(bytes) });
    try {
      assert.equal(input.image, '-');
      assert.notEqual(input.file, '-');
      assert.equal(input.size, image.length);
      assert.deepEqual(new Uint8Array(fs.readFileSync(input.file)), image);
    } finally {
      input.release();
    }
    assert.equal(fs.existsSync(input.file), false);
  }
  await assert.rejects(openReadInput('-', { stdin: stdinOf(image, true) }), (e: unknown) => e instanceof UsageError && /standard input is a terminal/.test(e.message));
  await assert.rejects(openReadInput('-', {}), (e: unknown) => e instanceof UsageError && /no standard input/.test(e.message));
  await assert.rejects(openReadInput('-', { stdin: stdinOf(new Uint8Array(0)) }), (e: unknown) => e instanceof DataError && /^'-' is empty/.test(e.message));
});

test('withReadInput: a plain file opens as it is; a corrupt gzip is one DataError; the copy goes on error too', async (t) => {
  const dir = tempDir(t);
  const raw = path.join(dir, 'raw.img');
  fs.writeFileSync(raw, new Uint8Array(1024).fill(7));
  const seen = await withReadInput(raw, {}, (i) => ({ file: i.file, size: i.size, kind: i.input.kind }));
  assert.deepEqual(seen, { file: raw, size: 1024, kind: 'file' });
  const bad = path.join(dir, 'bad.gz');
  fs.writeFileSync(bad, gzipSync(new Uint8Array(1 << 20).fill(3)).subarray(0, 200));
  const before = liveTempDirs();
  await assert.rejects(withReadInput(bad, {}, () => undefined), (e: unknown) => e instanceof DataError && /^'.*bad\.gz': the gzip data is corrupt or truncated \(/.test(e.message));
  assert.equal(liveTempDirs(), before);
  const good = path.join(dir, 'good.gz');
  fs.writeFileSync(good, gzipSync(new Uint8Array(4096).fill(9)));
  let copy = '';
  await assert.rejects(
    withReadInput(good, {}, (i) => {
      copy = i.file;
      throw new InputError('the body failed');
    }),
    /the body failed/,
  );
  assert.equal(fs.existsSync(copy), false, 'removed although the body threw');
});

test('writers: an image file passes; compressed, streamed and odd inputs are refused in one line', (t) => {
  const dir = tempDir(t);
  const raw = path.join(dir, 'card.img');
  fs.writeFileSync(raw, new Uint8Array(4096));
  checkWritableImage(raw, { allowDevice: false });
  const gz = path.join(dir, 'card.img.gz');
  fs.writeFileSync(gz, gzipSync(new Uint8Array(4096)));
  assert.throws(() => checkWritableImage(gz, { allowDevice: true }), (e: unknown) => e instanceof UsageError && e.message === `'${gz}' is a gzip-compressed image: a writing command changes the image in place; decompress it first`);
  assert.throws(() => checkWritableImage('-', { allowDevice: true }), (e: unknown) => e instanceof UsageError && /^'-' is standard input: a writing command/.test(e.message));
  assert.throws(() => checkWritableImage('/dev/null', { allowDevice: true }), (e: unknown) => e instanceof InputError && /character device/.test(e.message));
  checkMkimageTarget(path.join(dir, 'new.img'));
  checkMkimageTarget(raw);
  assert.throws(() => checkMkimageTarget('/dev/null'), (e: unknown) => e instanceof UsageError && /^mkimage creates an image file, and '\/dev\/null' is a character device$/.test(e.message));
});

test('xz and zstd: whole streams decode to the image, truncated ones are one DataError', async (t) => {
  const dir = tempDir(t);
  const inputs = path.join(path.dirname(new URL(import.meta.url).pathname), '../cli/inputs');
  const sizes: number[] = [];
  for (const ext of ['xz', 'zst'] as const) {
    const whole = path.join(inputs, `engine-1m-kmsg64-deflate.img.${ext}`);
    sizes.push(await withReadInput(whole, {}, (i) => fs.statSync(i.file).size));
    const cut = path.join(dir, `cut.${ext}`);
    fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 3000));
    const name = ext === 'zst' ? 'zstd' : 'xz';
    await assert.rejects(withReadInput(cut, {}, () => undefined), (e: unknown) => e instanceof DataError && e.message.startsWith(`'${cut}': the ${name} data is corrupt or truncated (`));
  }
  assert.deepEqual(sizes, [1 << 20, 1 << 20]);
});
