/**
 * What --image can be for the reading commands besides an image file (docs/forensics.md "Inputs"):
 * a gzip, xz or zstd image (by magic), standard input, a FIFO, a block device; and what is refused
 * in one line: odd files, a stream past --max-size, corrupt data, a compressed or streamed image
 * or (without --allow-device) a block device for a writer. Every read is compared with the same
 * bytes read from a plain file, and leaves no temporary file behind. Loop devices need root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256File } from '../helpers/hash.js';
import { spawnCli } from '../helpers/run-cli.js';
import { runCli, tempDir, unpack } from './helpers.js';

const NAME = 'engine-1m-kmsg64-deflate';
const FIXTURE_GZ = path.join(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../fixtures', `${NAME}.img.gz`);
const INPUTS = path.join(path.dirname(new URL(import.meta.url).pathname), 'inputs');

/** A run's stdout with `image` written as IMAGE, so reads of the same bytes under two names compare. */
function output(args: string[], image: string, o: Parameters<typeof runCli>[1] = {}): { status: number | null; text: string; stderr: string } {
  const r = runCli(args, o);
  const json = r.stdout.toString('utf8').split(JSON.stringify(image)).join('"IMAGE"');
  // '-' is in every log line: it is replaced in JSON strings only (compare --json output then).
  return { status: r.status, text: image === '-' ? json : json.split(image).join('IMAGE'), stderr: r.stderr };
}

/** What mmcpstore left in `tmp` (tsx keeps a cache there too, which is not ours). */
function spooled(tmp: string): string[] {
  return fs.readdirSync(tmp).filter((n) => n.startsWith('mmcpstore-'));
}

/** TMPDIR of its own, to see that spooled copies are removed. */
function tmpEnv(t: Parameters<typeof tempDir>[0]): { dir: string; env: Record<string, string> } {
  const dir = tempDir(t);
  return { dir, env: { TMPDIR: dir } };
}

test('inspect and recover read a gzip, xz or zstd image as the raw bytes, told by magic, leaving nothing behind', (t) => {
  const dir = tempDir(t);
  const raw = unpack(NAME, dir);
  const tmp = tmpEnv(t);
  const want = { inspect: output(['inspect', '-i', raw, '--json'], raw), recover: output(['recover', '-i', raw, '--json'], raw) };
  assert.equal(want.recover.status, 0, want.recover.stderr);
  const renamed = path.join(dir, 'no-suffix.img');
  fs.copyFileSync(path.join(INPUTS, `${NAME}.img.zst`), renamed);
  for (const image of [FIXTURE_GZ, path.join(INPUTS, `${NAME}.img.xz`), path.join(INPUTS, `${NAME}.img.zst`), renamed]) {
    const before = sha256File(image);
    for (const cmd of ['inspect', 'recover'] as const) {
      const got = output([cmd, '-i', image, '--json'], image, { env: tmp.env });
      assert.equal(got.status, want[cmd].status, `${cmd} ${image}: ${got.stderr}`);
      assert.equal(got.text, want[cmd].text, `${cmd} ${image}`);
    }
    assert.equal(sha256File(image), before, 'the input is not changed');
    assert.equal(fs.existsSync(`${image}.lock`), false, 'and not locked');
  }
  assert.deepEqual(spooled(tmp.dir), [], 'every temporary copy removed');
});

test('--image - reads standard input once, raw or compressed; detect too', (t) => {
  const dir = tempDir(t);
  const raw = unpack(NAME, dir);
  const tmp = tmpEnv(t);
  const want = output(['recover', '-i', raw, '--json'], raw);
  const gz = fs.readFileSync(FIXTURE_GZ);
  for (const input of [fs.readFileSync(raw), gz]) {
    const got = output(['recover', '-i', '-', '--json'], '-', { input, env: tmp.env });
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.text, want.text);
  }
  const detect = output(['detect', '-i', '-', '--json'], '-', { input: gz, env: tmp.env });
  assert.equal(detect.status, 0, detect.stderr);
  assert.equal(detect.text, output(['detect', '-i', raw, '--json'], raw).text);
  assert.deepEqual(spooled(tmp.dir), []);
});

test('a FIFO is read once, as its writer writes it', (t) => {
  const dir = tempDir(t);
  const raw = unpack(NAME, dir);
  const fifo = path.join(dir, 'image.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', FIXTURE_GZ, fifo], { stdio: 'ignore' });
  t.after(() => void writer.kill());
  const got = output(['inspect', '-i', fifo, '--json'], fifo, { timeoutMs: 60_000 });
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.text, output(['inspect', '-i', raw, '--json'], raw).text);
});

test('odd files get one line and exit 66: a character device, a socket', async (t) => {
  const r = runCli(['inspect', '-i', '/dev/null']);
  assert.equal(r.status, 66);
  assert.equal(r.stderr, "mmcpstore: '/dev/null' is a character device, not an image file, block device or pipe\n");
  const dir = tempDir(t);
  const sock = path.join(dir, 'sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.after(() => server.close());
  for (const cmd of ['inspect', 'recover', 'detect']) {
    const s = runCli([cmd, '-i', sock]);
    assert.equal(s.status, 66, cmd);
    assert.equal(s.stderr, `mmcpstore: '${sock}' is a socket, not an image file, block device or pipe\n`);
  }
});

test('bad streams: empty input, past --max-size, corrupt data: one line, exit 65, nothing left', (t) => {
  const dir = tempDir(t);
  const tmp = tmpEnv(t);
  const empty = runCli(['inspect', '-i', '-'], { env: tmp.env });
  assert.equal(empty.status, 65);
  assert.equal(empty.stderr, "mmcpstore: '-' is empty: no image bytes to read\n");
  const big = runCli(['recover', '-i', FIXTURE_GZ, '--max-size', '512K'], { env: tmp.env });
  assert.equal(big.status, 65);
  assert.equal(big.stderr, `mmcpstore: '${FIXTURE_GZ}' is larger than --max-size 524288 bytes once decompressed; give a larger --max-size if the image really is\n`);
  const cut = path.join(dir, 'cut.img.xz');
  fs.writeFileSync(cut, fs.readFileSync(path.join(INPUTS, `${NAME}.img.xz`)).subarray(0, 4000));
  const bad = runCli(['inspect', '-i', cut], { env: tmp.env });
  assert.equal(bad.status, 65);
  assert.match(bad.stderr, /^mmcpstore: '.*cut\.img\.xz': the xz data is corrupt or truncated \(.*\)\n$/);
  assert.deepEqual(spooled(tmp.dir), []);
  const usage = runCli(['inspect', '-i', FIXTURE_GZ, '--max-size', 'lots']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^mmcpstore: --max-size: 'lots' is not a size in bytes/);
});

test('writers refuse compressed and streamed images in one line (exit 2) and leave them alone', (t) => {
  const before = sha256File(FIXTURE_GZ);
  const gz = runCli(['panic', '-i', FIXTURE_GZ]);
  assert.equal(gz.status, 2);
  assert.equal(gz.stderr, `mmcpstore: '${FIXTURE_GZ}' is a gzip-compressed image: a writing command changes the image in place; decompress it first\n`);
  const stdin = runCli(['erase', '-i', '-', '--all'], { input: fs.readFileSync(FIXTURE_GZ) });
  assert.equal(stdin.status, 2);
  assert.match(stdin.stderr, /^mmcpstore: '-' is standard input: a writing command changes the image in place and needs an image file \(or a block device with --allow-device\)\n$/);
  const mk = runCli(['mkimage', '-i', '/dev/null', '--size', '16M']);
  assert.equal(mk.status, 2);
  assert.equal(mk.stderr, "mmcpstore: mkimage creates an image file, and '/dev/null' is a character device\n");
  assert.equal(sha256File(FIXTURE_GZ), before);
  void t;
});

test('detect -i a -i b and --images-from an empty list say what is wrong with the input', (t) => {
  const two = runCli(['detect', '-i', 'a.img', '-i', 'b.img']);
  assert.equal(two.status, 2);
  assert.equal(two.stderr, "mmcpstore: detect scans one image: give one --image (got 2: 'a.img', 'b.img')\n");
  const none = runCli(['inspect', '--images-from', '/dev/null']);
  assert.equal(none.status, 2);
  assert.equal(none.stderr, "mmcpstore: --images-from '/dev/null': no image paths in it (blank lines and # comments are skipped)\n");
  const dir = tempDir(t);
  const list = path.join(dir, 'list');
  fs.writeFileSync(list, '# nothing yet\n\n');
  const comments = runCli(['recover', '--images-from', list]);
  assert.equal(comments.status, 2);
  assert.match(comments.stderr, /^mmcpstore: --images-from '.*list': no image paths in it/);
});

test('SIGTERM while a FIFO is being spooled removes the temporary copy', async (t) => {
  const dir = tempDir(t);
  const tmp = tmpEnv(t);
  const fifo = path.join(dir, 'slow.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // 512 KiB of non-zero bytes (zero pages would be holes, not file size), then the writer keeps the FIFO open.
  const half = path.join(dir, 'half.bin');
  fs.writeFileSync(half, new Uint8Array(524288).fill(0x5a));
  const writer = spawn('sh', ['-c', 'cat "$1"; exec sleep 60', 'sh', half], { stdio: ['ignore', fs.openSync(fifo, fs.constants.O_RDWR), 'ignore'] });
  t.after(() => void writer.kill());
  const cli: ChildProcess = spawnCli(['inspect', '-i', fifo], { env: tmp.env });
  t.after(() => void cli.kill('SIGKILL'));
  const halfway = (): boolean =>
    spooled(tmp.dir).some((d) => {
      const f = path.join(tmp.dir, d, 'image');
      return fs.existsSync(f) && fs.statSync(f).size >= 524288;
    });
  const deadline = Date.now() + 60_000;
  while (!halfway() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(halfway(), 'the CLI spooled the first half');
  const ended = new Promise<NodeJS.Signals | null>((resolve) => cli.on('exit', (_code, signal) => resolve(signal)));
  cli.kill('SIGTERM');
  assert.equal(await ended, 'SIGTERM', 'ended by the signal, as without a spool');
  assert.deepEqual(spooled(tmp.dir), []);
});

// ------------------------------------------------------------------ block devices (root)

/** A loop device over `file`, detached after the test; null when this machine cannot make one. */
function loopDevice(t: { after(fn: () => void): void }, file: string): string | null {
  if (os.userInfo().uid !== 0) return null;
  const r = spawnSync('losetup', ['-f', '--show', file], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const dev = r.stdout.trim();
  t.after(() => void spawnSync('losetup', ['-d', dev]));
  return dev;
}

const CARD = 'card-64m-panic-pmsg-console';
const canLoop = os.userInfo().uid === 0 && spawnSync('losetup', ['--version']).status === 0;

test('a block device reads as the same bytes in a file: inspect --card, recover, detect; unchanged', { skip: canLoop ? false : 'needs root and losetup' }, (t) => {
  const dir = tempDir(t);
  const card = unpack(CARD, dir);
  const dev = loopDevice(t, card);
  if (!dev) return t.skip('no loop device');
  const before = sha256File(dev);
  for (const args of [['inspect', '--card', '--json'], ['recover', '--json'], ['detect'], ['inspect', '--json']]) {
    // pmsg and console records get the read time: one clock for both reads
    const clock = { env: { SOURCE_DATE_EPOCH: '1735689600' } };
    const want = output([...args, '-i', card], card, clock);
    const got = output([...args, '-i', dev], dev, clock);
    assert.equal(got.status, want.status, `${args.join(' ')}: ${got.stderr}`);
    assert.equal(got.text, want.text, args.join(' '));
  }
  assert.equal(sha256File(dev), before, 'reading does not change the device');
  assert.equal(fs.existsSync(`${dev}.lock`), false);
});

test('writing a block device needs --allow-device, is exclusive, and refuses a busy one', { skip: canLoop ? false : 'needs root and losetup' }, (t) => {
  const dir = tempDir(t);
  const card = unpack(CARD, dir);
  const dev = loopDevice(t, card);
  if (!dev) return t.skip('no loop device');
  const before = sha256File(dev);
  const refused = runCli(['panic', '-i', dev]);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, `mmcpstore: '${dev}' is a block device: writing to one needs --allow-device (it is then opened exclusively, and refused while mounted or in use)\n`);
  const held = fs.openSync(dev, fs.constants.O_RDONLY | fs.constants.O_EXCL);
  try {
    const busy = runCli(['panic', '-i', dev, '--allow-device']);
    assert.equal(busy.status, 66);
    assert.equal(busy.stderr, `mmcpstore: cannot open '${dev}' exclusively: Device or resource busy (mounted, or held by another program)\n`);
  } finally {
    fs.closeSync(held);
  }
  assert.equal(sha256File(dev), before, 'refused runs write nothing');
  const ok = runCli(['panic', '-i', dev, '--allow-device', '--quiet'], { env: { SOURCE_DATE_EPOCH: '1767225600' } });
  assert.equal(ok.status, 0, ok.stderr);
  assert.notEqual(sha256File(dev), before, 'the panic record landed on the device');
  assert.equal(fs.existsSync(`${dev}.lock`), false, 'no lock file in /dev: O_EXCL is the lock');
});
