/**
 * recover's output streams (docs/cli.md "recover"): a large output arrives
 * whole through a pipe, a reader that stops early ends it quietly with 0,
 * records stream one at a time, and --type/--record select records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutStream, type WritableLike } from '../../src/commands/io.js';
import { recoverImage, streamRecords } from '../../src/index.js';
import { CLI_FROM_SOURCE, bigRingImage, manyDumpsImage, runCli, runShell, tempDir, unpack } from './helpers.js';

test('an 8 MiB recover to stdout arrives whole through a pipe', async (t) => {
  const dir = tempDir(t);
  const { image, expected, args } = await bigRingImage(dir, 4096);
  assert.ok(expected.length > 8 * 1024 * 1024 - 64, 'the output is about 8 MiB');
  const r = runCli(['recover', '-i', image, ...args, '-q']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stderr.toString(), '');
  assert.equal(r.stdout.length, expected.length);
  assert.ok(r.stdout.equals(expected), 'byte for byte: pmsg, then console');
});

test('recover ... | head -1 prints one line, exits 0, and leaves stderr empty', async (t) => {
  const dir = tempDir(t);
  const { image, args } = await bigRingImage(dir, 256); // more than a pipe holds
  const err = path.join(dir, 'err');
  for (const mode of ['-q', '--json']) {
    const r = runShell(`${CLI_FROM_SOURCE} recover -i ${JSON.stringify(image)} ${args.join(' ')} ${mode} 2>${JSON.stringify(err)} | head -1; echo "status=\${PIPESTATUS[0]}"; cat ${JSON.stringify(err)}`);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 3, `${mode}: one line, the status, nothing from stderr: ${JSON.stringify(r.stdout.slice(0, 300))} ${r.stderr}`);
    assert.equal(lines[1], 'status=0', mode);
    assert.equal(lines[2], '');
    if (mode === '-q') assert.equal(lines[0], 'pmsg line 0000000 ' + 'x'.repeat(40));
    else assert.equal((JSON.parse(lines[0]!) as { name: string }).name, 'pmsg-pstore_blk-0');
  }
});

test('streamRecords hands over each record before reading the next, after the recovery hook', async (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-deflate', dir);
  const events: string[] = [];
  let inHandler = false;
  const report = await streamRecords({ image }, {
    recovered: (r) => void events.push(`recovered ${r.zones.length} zones, ${r.records.length} records`),
    record: async (f) => {
      assert.equal(inHandler, false, 'never two records at once');
      inHandler = true;
      await new Promise((res) => setTimeout(res, 5));
      events.push(f.name);
      inHandler = false;
    },
  });
  const all = recoverImage({ image });
  assert.deepEqual(events, ['recovered 16 zones, 0 records', ...all.files.map((f) => f.name)]);
  assert.deepEqual(report.records, all.report.records, 'the final report lists what was streamed');
});

test('--type kmsg means dmesg, --record picks records by name, and an empty selection exits 3', (t) => {
  const dir = tempDir(t);
  const image = unpack('virtio-1m-kmsg64-plain', dir);
  const names = (args: string[]): string[] =>
    runCli(['recover', '-i', image, '--json', ...args]).stdout.toString().trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name);
  assert.deepEqual(names(['--type', 'kmsg']), names(['--type', 'dmesg']));
  assert.deepEqual(names(['--record', 'dmesg-pstore_blk-2', '--record', 'dmesg-pstore_blk-0']), ['dmesg-pstore_blk-0', 'dmesg-pstore_blk-2']);
  const none = runCli(['recover', '-i', image, '--type', 'pmsg']);
  assert.equal(none.status, 3);
  assert.match(none.stderr, /^mmcpstore: no pmsg record in '.*' \(the image holds dmesg-pstore_blk-0, /);
  const missing = runCli(['recover', '-i', image, '--record', 'dmesg-pstore_blk-9']);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /no record named dmesg-pstore_blk-9 in/);
  const layout = runCli(['recover', '-i', image, '--layout', 'systemd']);
  assert.equal(layout.status, 2);
  assert.equal(layout.stderr, 'mmcpstore: --layout applies to --out DIR\n');
});

test('streamRecords with reuseBuffers: the same records, read into shared buffers, each whole while its handler runs', async (t) => {
  const dir = tempDir(t);
  const { image, blk } = await manyDumpsImage(dir, 512);
  const owned = recoverImage({ image, blk });
  assert.ok(owned.files.length >= 20, `${owned.files.length} records`);
  const copies: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  await streamRecords({ image, blk }, {
    reuseBuffers: true,
    record: async (f) => {
      await new Promise((res) => setImmediate(res));
      copies.push(Buffer.from(f.data));
      buffers.add(f.data.buffer);
    },
  });
  assert.deepEqual(copies, owned.files.map((f) => Buffer.from(f.data)), 'byte for byte what recoverImage gives');
  assert.ok(buffers.size < copies.length / 4, `${copies.length} records in ${buffers.size} buffers`);
  const kept: Uint8Array[] = [];
  await streamRecords({ image, blk }, { record: (f) => void kept.push(f.data) });
  assert.deepEqual(kept.map((d) => Buffer.from(d)), copies, 'without reuseBuffers every record keeps its own bytes');
});

test('recover of hundreds of inflated records into a pipe read slowly arrives byte for byte', async (t) => {
  const dir = tempDir(t);
  const { image, args, blk } = await manyDumpsImage(dir, 4096);
  const expected = Buffer.concat(recoverImage({ image, blk }).files.map((f) => f.data));
  assert.ok(expected.length > 4 * 65536, 'several pipe buffers of output');
  const out = path.join(dir, 'out');
  // The reader starts late: the writer meets a full pipe again and again.
  const r = runShell(`${CLI_FROM_SOURCE} recover -i ${JSON.stringify(image)} ${args.join(' ')} -q | (sleep 0.3; cat > ${JSON.stringify(out)}); echo "status=\${PIPESTATUS[0]}"`);
  assert.equal(r.stdout.trim(), 'status=0', r.stderr);
  assert.ok(fs.readFileSync(out).equals(expected), 'the bytes of every record, in order');
});

/** A stream that keeps each chunk it is given, as a PassThrough keeps it for its reader. */
class Keeper implements WritableLike {
  chunks: (string | Uint8Array)[] = [];
  write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.chunks.push(chunk);
    queueMicrotask(() => cb?.(null));
    return true;
  }
  on(): this {
    return this;
  }
}

test('OutStream.writeBorrowed copies for a stream that may keep chunks, hands on as is to one that releases them', async () => {
  const chunk = new Uint8Array([1, 2, 3]);
  const keeper = new Keeper();
  await new OutStream(keeper, 'stdout').writeBorrowed(chunk);
  chunk[0] = 9; // the caller reuses its buffer
  assert.deepEqual([...(keeper.chunks[0] as Uint8Array)], [1, 2, 3], 'the kept chunk is a copy');
  const releasing = new Keeper();
  await new OutStream(releasing, 'stdout', 0, { releasesChunks: true }).writeBorrowed(chunk);
  assert.equal(releasing.chunks[0], chunk, 'no copy where the callback means the bytes are out');
});
