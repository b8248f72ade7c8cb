/**
 * recover's output streams (docs/cli.md "recover"): a large output arrives
 * whole through a pipe, a reader that stops early ends it quietly with 0,
 * records stream one at a time, and --type/--record select records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { recoverImage, streamRecords } from '../../src/index.js';
import { CLI_FROM_SOURCE, bigRingImage, runCli, runShell, tempDir, unpack } from './helpers.js';

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
